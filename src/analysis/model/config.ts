import { readFile } from 'node:fs/promises';
import { AtlasError } from '../errors.ts';

/** The GPT-2 hyper-parameters the graph builder needs, read from a model's config.json. */
export interface Gpt2Config {
  n_embd: number;
  n_layer: number;
  n_head: number;
  n_positions: number;
  vocab_size: number;
  /** width of the MLP's hidden layer (config's n_inner, or 4·n_embd when it is null) */
  n_inner: number;
  layer_norm_epsilon: number;
  activation_function: Activation;
  /** divide attention scores by sqrt(d_head) (true in every GPT-2 checkpoint) */
  scale_attn_weights: boolean;
  eos_token_id: number;
}

/** tanh-approximated GELU ('gelu_new', 'gelu_pytorch_tanh'), or the exact erf GELU ('gelu'). */
export type Activation = 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu';
const ACTIVATIONS: readonly string[] = ['gelu_new', 'gelu_pytorch_tanh', 'gelu'];

export async function readGpt2Config(path: string): Promise<Gpt2Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AtlasError(
      'The model folder has no readable config.json.',
      path,
      'pass a folder in Hugging Face layout (config.json, model.safetensors, tokenizer files).',
      { cause: error },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AtlasError(
      `config.json is not valid JSON (${(error as Error).message}).`,
      path,
      'the file is corrupt: download the model again or fix the file.',
      { cause: error },
    );
  }
  return parseGpt2Config(raw, path);
}

export function parseGpt2Config(raw: unknown, where: string): Gpt2Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AtlasError('config.json does not hold a JSON object.', where, 'download the model again or fix the file.');
  }
  const c = raw as Record<string, unknown>;
  const refuse = (what: string): never => {
    throw new AtlasError(
      what,
      where,
      'qkv-atlas runs GPT-2 checkpoints (model_type "gpt2"), such as openai-community/gpt2, gpt2-medium, distilgpt2, or a folder made by `qkv-atlas make-model`.',
    );
  };
  if (c.model_type !== 'gpt2') refuse(`This is not a GPT-2 model: config.json says model_type ${JSON.stringify(c.model_type)}.`);

  const integer = (key: string, fallback?: number): number => {
    const value = c[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new AtlasError(
        `config.json: "${key}" must be a positive integer, found ${JSON.stringify(value)}.`,
        where,
        'fix config.json or download the model again.',
      );
    }
    return value;
  };
  const n_embd = integer('n_embd');
  const n_head = integer('n_head');
  const n_layer = integer('n_layer');
  const n_positions = integer('n_positions');
  const vocab_size = integer('vocab_size');
  const n_inner = c.n_inner === null || c.n_inner === undefined ? 4 * n_embd : integer('n_inner');
  const eos_token_id = typeof c.eos_token_id === 'number' ? c.eos_token_id : vocab_size - 1;
  if (n_embd % n_head !== 0) refuse(`config.json: n_embd (${n_embd}) is not a multiple of n_head (${n_head}).`);

  // JSON.parse reads 1e400 as Infinity: the layer norm would then divide by infinity and every
  // statistic would be meaningless, without any error
  const epsilon = c.layer_norm_epsilon ?? 1e-5;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || !(epsilon > 0)) {
    const found =
      typeof epsilon === 'number' && !Number.isNaN(epsilon)
        ? Number.isFinite(epsilon)
          ? String(epsilon)
          : `${epsilon > 0 ? '' : '-'}Infinity (a number too large to represent, such as 1e400)`
        : JSON.stringify(epsilon);
    throw new AtlasError(
      `config.json: "layer_norm_epsilon" must be a finite positive number, found ${found}.`,
      where,
      'fix config.json (GPT-2 checkpoints use 1e-05) or download the model again.',
    );
  }

  const activation = c.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !ACTIVATIONS.includes(activation)) {
    refuse(`config.json: activation_function ${JSON.stringify(activation)} is not supported (supported: ${ACTIVATIONS.join(', ')}).`);
  }
  // Variants of the attention that GPT-2 checkpoints never use: refuse rather than compute something else.
  if (c.scale_attn_by_inverse_layer_idx === true) refuse('config.json: scale_attn_by_inverse_layer_idx is true; this variant of GPT-2 is not supported.');
  if (c.add_cross_attention === true) refuse('config.json: add_cross_attention is true; encoder-decoder GPT-2 is not supported.');

  return {
    n_embd,
    n_layer,
    n_head,
    n_positions,
    vocab_size,
    n_inner,
    layer_norm_epsilon: epsilon as number,
    activation_function: activation as Activation,
    scale_attn_weights: c.scale_attn_weights !== false,
    eos_token_id,
  };
}
