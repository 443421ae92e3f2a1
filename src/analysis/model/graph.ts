import type { Gpt2Config } from './config.ts';
import type { Gpt2Weights, BlockWeights } from './weights.ts';
import type { TensorEntry } from './safetensors.ts';
import { hookDepth, FIRST_ATTENTION_STEP, FIRST_MLP_STEP } from './hooks.ts';
import { AttributeType, DataType, encodeModel, type AttributeMessage, type NodeMessage, type TensorMessage, type ValueInfoMessage } from './onnx-proto.ts';

/**
 * Composes GPT-2's forward pass as an ONNX graph whose intermediates carry hook names,
 * so that any hook becomes an output by naming it. The weights are not copied into the
 * graph: each initializer points, by offset, into the safetensors file itself
 * (`weightsFile`, resolved relative to the folder given to onnxruntime), which
 * onnxruntime then maps from disk.
 *
 * Graph inputs: input_ids int64 [batch, pos]; position_ids int64 [batch, pos];
 * attention_bias float32 [batch, 1, pos, pos] (0 where a query may attend to a key,
 * −∞ elsewhere: causal and padding masks in one).
 */
export const OPSET = 20;

export interface GraphOptions {
  /** file name of the safetensors file, relative to the external-data folder */
  weightsFile: string;
  /** hook names to output, validated by the caller */
  hooks: readonly string[];
}

export function buildGpt2Graph(config: Gpt2Config, weights: Gpt2Weights, options: GraphOptions): Uint8Array {
  const g = new GraphBuilder(options.weightsFile);
  const { n_layer, n_head, n_embd: d } = config;
  const dHead = d / n_head;
  const plan = planDepth(options.hooks, n_layer);

  // x = wte[input_ids] + wpe[position_ids]                            [B, T, d]
  const tokenEmbedding = g.op('Gather', [g.weight(weights.wte), 'input_ids'], 'hook_embed');
  const positionEmbedding = g.op('Gather', [g.weight(weights.wpe), 'position_ids'], 'hook_pos_embed');
  let residual = g.op('Add', [tokenEmbedding, positionEmbedding], 'blocks.0.hook_resid_pre');

  for (let layer = 0; layer < plan.layers; layer++) {
    const stop = layer === plan.layers - 1 ? plan.lastLayerStop : 'full';
    residual = block(g, config, weights.blocks[layer], layer, residual, dHead, stop);
  }

  if (plan.final) {
    const normalized = layerNorm(g, residual, weights.ln_f, config.layer_norm_epsilon, 'ln_final.hook_normalized');
    // logits = x · Wᵀ, as a 2-D Gemm so that the [vocab, d] matrix is used as stored
    const flat = g.op('Reshape', [normalized, g.int64([-1, d])], 'logits.flat');
    const logitsFlat = g.op('Gemm', [flat, g.weight(weights.unembed)], 'logits.gemm', [g.intAttr('transB', 1)]);
    const batchAndPosition = g.op('Shape', ['input_ids'], 'logits.batch_pos');
    const logitsShape = g.op('Concat', [batchAndPosition, g.int64([config.vocab_size])], 'logits.shape', [g.intAttr('axis', 0)]);
    g.op('Reshape', [logitsFlat, logitsShape], 'logits');
  }
  return g.finish(options.hooks);
}

type BlockStop = 'qkv' | 'attention' | 'full';

/** One transformer block, in the order data flows; names are the hook names. */
function block(g: GraphBuilder, config: Gpt2Config, w: BlockWeights, layer: number, residualPre: string, dHead: number, stop: BlockStop): string {
  const name = (hook: string) => `blocks.${layer}.${hook}`;
  const { n_head: nHead, n_embd: d } = config;
  const epsilon = config.layer_norm_epsilon;

  // qkv = ln_1(x) · W_attn + b_attn                                    [B, T, 3d]
  const normalized1 = layerNorm(g, residualPre, w.ln_1, epsilon, name('ln1.hook_normalized'));
  const qkv = linear(g, normalized1, w.c_attn, name('attn.hook_qkv'));
  const [qFlat, kFlat, vFlat] = g.ops(
    'Split',
    [qkv, g.int64([d, d, d])],
    [name('attn.q_flat'), name('attn.k_flat'), name('attn.v_flat')],
    [g.intAttr('axis', 2)],
  );
  const headShape = g.int64([0, 0, nHead, dHead]);
  const q = g.op('Reshape', [qFlat, headShape], name('attn.hook_q')); //  [B, T, H, dh]
  const k = g.op('Reshape', [kFlat, headShape], name('attn.hook_k'));
  const v = g.op('Reshape', [vFlat, headShape], name('attn.hook_v'));
  if (stop === 'qkv') return qkv;

  // scores = q · kᵀ / √dh + mask;  pattern = softmax(scores)           [B, H, T, T]
  const qHeads = g.op('Transpose', [q], name('attn.q_heads'), [g.intsAttr('perm', [0, 2, 1, 3])]);
  const kHeadsT = g.op('Transpose', [k], name('attn.k_heads_t'), [g.intsAttr('perm', [0, 2, 3, 1])]);
  const vHeads = g.op('Transpose', [v], name('attn.v_heads'), [g.intsAttr('perm', [0, 2, 1, 3])]);
  let scores = g.op('MatMul', [qHeads, kHeadsT], name('attn.scores_raw'));
  if (config.scale_attn_weights) scores = g.op('Mul', [scores, g.float(1 / Math.sqrt(dHead))], name('attn.scores_scaled'));
  const masked = g.op('Add', [scores, 'attention_bias'], name('attn.hook_attn_scores'));
  const pattern = g.op('Softmax', [masked], name('attn.hook_pattern'), [g.intAttr('axis', -1)]);

  // z = pattern · v, heads merged back; attn_out = z · W_proj + b_proj  [B, T, d]
  const zHeads = g.op('MatMul', [pattern, vHeads], name('attn.z_heads'));
  const z = g.op('Transpose', [zHeads], name('attn.hook_z'), [g.intsAttr('perm', [0, 2, 1, 3])]);
  const zFlat = g.op('Reshape', [z, g.int64([0, 0, d])], name('attn.z_flat'));
  const attnOut = linear(g, zFlat, w.attn_c_proj, name('hook_attn_out'));
  const residualMid = g.op('Add', [residualPre, attnOut], name('hook_resid_mid'));
  if (stop === 'attention') return residualMid;

  // mlp_out = gelu(ln_2(x) · W_fc + b_fc) · W_proj + b_proj            [B, T, d]
  const normalized2 = layerNorm(g, residualMid, w.ln_2, epsilon, name('ln2.hook_normalized'));
  const preActivation = linear(g, normalized2, w.c_fc, name('mlp.hook_pre'));
  const approximate = config.activation_function === 'gelu' ? 'none' : 'tanh';
  const postActivation = g.op('Gelu', [preActivation], name('mlp.hook_post'), [g.stringAttr('approximate', approximate)]);
  const mlpOut = linear(g, postActivation, w.mlp_c_proj, name('hook_mlp_out'));
  const residualPost = g.op('Add', [residualMid, mlpOut], name('hook_resid_post'));
  // the next block's input is the same tensor under its own hook name
  return g.op('Identity', [residualPost], `blocks.${layer + 1}.hook_resid_pre`);
}

function layerNorm(g: GraphBuilder, x: string, p: { weight: TensorEntry; bias: TensorEntry }, epsilon: number, output: string): string {
  return g.op('LayerNormalization', [x, g.weight(p.weight), g.weight(p.bias)], output, [g.intAttr('axis', -1), g.floatAttr('epsilon', epsilon)]);
}

/** GPT-2's Conv1D: weights are stored [in, out], so y = x · W + b. */
function linear(g: GraphBuilder, x: string, p: { weight: TensorEntry; bias: TensorEntry }, output: string): string {
  const product = g.op('MatMul', [x, g.weight(p.weight)], `${output}.matmul`);
  return g.op('Add', [product, g.weight(p.bias)], output);
}

/** How much of the network the requested hooks need: untouched layers are not built. */
function planDepth(hooks: readonly string[], nLayer: number): { layers: number; lastLayerStop: BlockStop; final: boolean } {
  let deepest = { layer: -1, step: 0 };
  for (const hook of hooks) {
    const depth = hookDepth(hook, nLayer);
    if (!depth) throw new Error(`unknown hook ${hook}`);
    if (depth.layer > deepest.layer || (depth.layer === deepest.layer && depth.step > deepest.step)) deepest = depth;
  }
  if (deepest.layer >= nLayer) return { layers: nLayer, lastLayerStop: 'full', final: true };
  if (deepest.layer < 0) return { layers: 0, lastLayerStop: 'full', final: false };
  const lastLayerStop: BlockStop = deepest.step < FIRST_ATTENTION_STEP && deepest.step > 0 ? 'qkv' : deepest.step < FIRST_MLP_STEP ? 'attention' : 'full';
  // blocks.{L}.hook_resid_pre is the output of block L−1 (or the embeddings)
  if (deepest.step === 0) return { layers: deepest.layer, lastLayerStop: 'full', final: false };
  return { layers: deepest.layer + 1, lastLayerStop, final: false };
}

class GraphBuilder {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly weightNames = new Map<string, string>();
  private readonly weightsFile: string;
  private constants = 0;

  constructor(weightsFile: string) {
    this.weightsFile = weightsFile;
  }

  op(opType: string, inputs: string[], output: string, attribute: AttributeMessage[] = []): string {
    this.nodes.push({ op_type: opType, input: inputs, output: [output], name: output, attribute });
    return output;
  }

  ops(opType: string, inputs: string[], outputs: string[], attribute: AttributeMessage[] = []): string[] {
    this.nodes.push({ op_type: opType, input: inputs, output: outputs, name: outputs[0], attribute });
    return outputs;
  }

  /** A checkpoint tensor as float32: read in place from the safetensors file, widened when stored as F16/BF16. */
  weight(entry: TensorEntry): string {
    const known = this.weightNames.get(entry.name);
    if (known) return known;
    const stored = entry.dtype === 'F32' ? DataType.FLOAT : entry.dtype === 'F16' ? DataType.FLOAT16 : DataType.BFLOAT16;
    const storedName = entry.dtype === 'F32' ? entry.name : `${entry.name}.${entry.dtype.toLowerCase()}`;
    this.initializers.push({
      name: storedName,
      dims: entry.shape,
      data_type: stored,
      data_location: 1, // EXTERNAL
      external_data: [
        { key: 'location', value: this.weightsFile },
        { key: 'offset', value: String(entry.offset) },
        { key: 'length', value: String(entry.byteLength) },
      ],
    });
    const name = entry.dtype === 'F32' ? storedName : this.op('Cast', [storedName], entry.name, [this.intAttr('to', DataType.FLOAT)]);
    this.weightNames.set(entry.name, name);
    return name;
  }

  int64(values: number[]): string {
    const name = `const.${this.constants++}`;
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, raw_data: new Uint8Array(raw.buffer) });
    return name;
  }

  float(value: number): string {
    const name = `const.${this.constants++}`;
    this.initializers.push({ name, dims: [], data_type: DataType.FLOAT, raw_data: new Uint8Array(new Float32Array([value]).buffer) });
    return name;
  }

  intAttr(name: string, i: number): AttributeMessage {
    return { name, type: AttributeType.INT, i };
  }

  intsAttr(name: string, ints: number[]): AttributeMessage {
    return { name, type: AttributeType.INTS, ints };
  }

  floatAttr(name: string, f: number): AttributeMessage {
    return { name, type: AttributeType.FLOAT, f };
  }

  stringAttr(name: string, value: string): AttributeMessage {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }

  finish(outputs: readonly string[]): Uint8Array {
    const input = (name: string, elemType: number, dims: (number | string)[]): ValueInfoMessage => ({
      name,
      type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
    });
    const output = (name: string): ValueInfoMessage => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT } } });
    // Inputs no requested output depends on (e.g. attention_bias when only embeddings are asked for) are still declared, so every session takes the same feeds.
    return encodeModel({
      ir_version: 9,
      producer_name: 'qkv-atlas',
      producer_version: '1',
      opset_import: [{ domain: '', version: OPSET }],
      graph: {
        name: 'gpt2-hooked',
        node: this.nodes,
        initializer: this.initializers,
        input: [
          input('input_ids', DataType.INT64, ['batch', 'pos']),
          input('position_ids', DataType.INT64, ['batch', 'pos']),
          input('attention_bias', DataType.FLOAT, ['batch', 1, 'pos', 'pos']),
        ],
        output: outputs.map(output),
      },
    });
  }
}
