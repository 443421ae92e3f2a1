import { AtlasError } from '../errors.ts';
import type { Gpt2Config } from './config.ts';
import type { SafetensorsHeader, TensorEntry } from './safetensors.ts';

/**
 * Finds GPT-2's parameters in a checkpoint, whatever its layout: bare GPT2Model names
 * (`wte.weight`, `h.0.attn.c_attn.weight`) or GPT2LMHeadModel names with a `transformer.`
 * prefix, with or without `lm_head.weight` and the `attn.bias` / `attn.masked_bias` buffers.
 * Each parameter's shape must agree with config.json; weights may be F32, F16 or BF16.
 */

export const WEIGHT_DTYPES = ['F32', 'F16', 'BF16'] as const;

export interface BlockWeights {
  ln_1: { weight: TensorEntry; bias: TensorEntry };
  c_attn: { weight: TensorEntry; bias: TensorEntry };
  attn_c_proj: { weight: TensorEntry; bias: TensorEntry };
  ln_2: { weight: TensorEntry; bias: TensorEntry };
  c_fc: { weight: TensorEntry; bias: TensorEntry };
  mlp_c_proj: { weight: TensorEntry; bias: TensorEntry };
}

export interface Gpt2Weights {
  wte: TensorEntry;
  wpe: TensorEntry;
  blocks: BlockWeights[];
  ln_f: { weight: TensorEntry; bias: TensorEntry };
  /** the unembedding: lm_head.weight when the checkpoint has one, else wte (tied) */
  unembed: TensorEntry;
}

/** Buffers some checkpoints carry that are not parameters (the causal mask and its fill value). */
const BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;

export function findGpt2Weights(header: SafetensorsHeader, config: Gpt2Config): Gpt2Weights {
  const prefix = header.tensors.has('transformer.wte.weight') ? 'transformer.' : '';
  const used = new Set<string>();
  const { n_embd: d, n_inner, vocab_size, n_positions } = config;

  const take = (name: string, shape: number[]): TensorEntry => {
    const fullName = prefix + name;
    const entry = header.tensors.get(fullName);
    if (!entry) {
      throw new AtlasError(
        `The weights file has no tensor "${fullName}".`,
        header.path,
        'this is not a complete GPT-2 checkpoint: check that model.safetensors belongs to this config.json, or download the model again.',
      );
    }
    if (!(WEIGHT_DTYPES as readonly string[]).includes(entry.dtype)) {
      throw new AtlasError(
        `Tensor "${fullName}" is stored as ${entry.dtype}; only ${WEIGHT_DTYPES.join(', ')} weights are supported.`,
        header.path,
        'convert the checkpoint to float32 or float16 (for example with transformers: model.save_pretrained after model.float()).',
      );
    }
    if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i])) {
      throw new AtlasError(
        `Tensor "${fullName}" has shape [${entry.shape.join(', ')}], but config.json implies [${shape.join(', ')}].`,
        header.path,
        'the weights and config.json do not belong together: download the model again or fix config.json.',
      );
    }
    used.add(fullName);
    return entry;
  };
  const pair = (name: string, weightShape: number[], biasShape: number[]) => ({
    weight: take(`${name}.weight`, weightShape),
    bias: take(`${name}.bias`, biasShape),
  });

  const wte = take('wte.weight', [vocab_size, d]);
  const wpe = take('wpe.weight', [n_positions, d]);
  const blocks: BlockWeights[] = [];
  for (let layer = 0; layer < config.n_layer; layer++) {
    const h = `h.${layer}`;
    // Conv1D layout: weights are [in, out], so y = x · W + b.
    blocks.push({
      ln_1: pair(`${h}.ln_1`, [d], [d]),
      c_attn: pair(`${h}.attn.c_attn`, [d, 3 * d], [3 * d]),
      attn_c_proj: pair(`${h}.attn.c_proj`, [d, d], [d]),
      ln_2: pair(`${h}.ln_2`, [d], [d]),
      c_fc: pair(`${h}.mlp.c_fc`, [d, n_inner], [n_inner]),
      mlp_c_proj: pair(`${h}.mlp.c_proj`, [n_inner, d], [d]),
    });
  }
  const ln_f = pair('ln_f', [d], [d]);
  // lm_head.weight is never prefixed; without it the unembedding is tied to wte.
  const unembed = header.tensors.has('lm_head.weight') ? takeLmHead() : wte;

  function takeLmHead(): TensorEntry {
    const entry = header.tensors.get('lm_head.weight')!;
    const fits =
      (WEIGHT_DTYPES as readonly string[]).includes(entry.dtype) && entry.shape.length === 2 && entry.shape[0] === vocab_size && entry.shape[1] === d;
    if (!fits) {
      throw new AtlasError(
        `Tensor "lm_head.weight" has dtype ${entry.dtype} and shape [${entry.shape.join(', ')}], but [${vocab_size}, ${d}] in F32/F16/BF16 is needed.`,
        header.path,
        'the weights and config.json do not belong together: download the model again.',
      );
    }
    used.add('lm_head.weight');
    return entry;
  }

  for (const name of header.tensors.keys()) {
    if (used.has(name)) continue;
    const bare = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (BUFFER.test(bare)) continue;
    const layer = /^h\.(\d+)\./.exec(bare);
    if (layer && Number(layer[1]) >= config.n_layer) {
      throw new AtlasError(
        `The weights file has tensor "${name}" for layer ${layer[1]}, but config.json says n_layer = ${config.n_layer}.`,
        header.path,
        'the weights and config.json do not belong together: download the model again or fix config.json.',
      );
    }
  }
  return { wte, wpe, blocks, ln_f, unembed };
}
