import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { AttributeType, DataType, encodeModel, type AttributeMessage, type NodeMessage, type ValueInfoMessage } from '../model/onnx-proto.ts';

/**
 * Tiny ONNX graphs, encoded by model/onnx-proto.ts as the GPT-2 graph is:
 * - `panel`: C[w, r] = A[w, k]·B[r, k]ᵀ, float32 (the Gram, one panel of rows at a
 *   time, see gram.ts) or float64 (the previews and the QQ block, see detail.ts);
 * - `blockGram`: P[b, n, n] = Z_b·Z_bᵀ for Z[n, b, k] float64 (one n × n Gram of
 *   sentences per block), used for exact sums of squared similarities.
 * onnxruntime's CPU GEMMs are blocked, vectorised and multithreaded: the one part
 * of the statistics that plain JavaScript cannot do fast enough.
 */

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
  intLists?: Record<string, number[]>;
}

function valueInfo(name: string, elem: number, dims: string[]): ValueInfoMessage {
  return { name, type: { tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => ({ dim_param: d })) } } } };
}

function node(spec: NodeSpec): NodeMessage {
  const attribute: AttributeMessage[] = [
    ...Object.entries(spec.ints ?? {}).map(([name, i]) => ({ name, type: AttributeType.INT, i })),
    ...Object.entries(spec.intLists ?? {}).map(([name, ints]) => ({ name, type: AttributeType.INTS, ints })),
  ];
  return { op_type: spec.op, input: spec.inputs, output: spec.outputs, name: spec.outputs[0], attribute };
}

function model(nodes: NodeSpec[], input: ValueInfoMessage[], output: ValueInfoMessage[]): Uint8Array {
  return encodeModel({
    ir_version: 8,
    producer_name: 'qkv-atlas',
    opset_import: [{ domain: '', version: 13 }],
    graph: { name: 'qkv-atlas-stats', node: nodes.map(node), initializer: [], input, output },
  });
}

/** C[w, r] = A[w, k]·B[r, k]ᵀ (Gemm, transB = 1): one panel of rows of a Gram matrix. */
function panelModelBytes(elem: number): Uint8Array {
  return model(
    [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['C'], ints: { transB: 1 } }],
    [valueInfo('A', elem, ['w', 'k']), valueInfo('B', elem, ['r', 'k'])],
    [valueInfo('C', elem, ['w', 'r'])],
  );
}

function blockGramModelBytes(): Uint8Array {
  return model(
    [
      { op: 'Transpose', inputs: ['Z'], outputs: ['A'], intLists: { perm: [1, 0, 2] } },
      { op: 'Transpose', inputs: ['Z'], outputs: ['B'], intLists: { perm: [1, 2, 0] } },
      { op: 'MatMul', inputs: ['A', 'B'], outputs: ['P'] },
    ],
    [valueInfo('Z', DataType.DOUBLE, ['n', 'b', 'k'])],
    [valueInfo('P', DataType.DOUBLE, ['b', 'n', 'n2'])],
  );
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(name: string, bytes: () => Uint8Array, threads = 1): Promise<ort.InferenceSession> {
  let s = sessions.get(name);
  if (!s) {
    s = ort.InferenceSession.create(bytes(), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // One thread per session by default: the statistics run one matrix per worker thread
      // (pool.ts), and onnxruntime's own pool would spin on the same cores.
      intraOpNumThreads: threads,
      logSeverityLevel: 3,
    });
    sessions.set(name, s);
  }
  return s;
}

/**
 * a[w, k]·b[r, k]ᵀ → [w, r], float32 or float64 as the inputs; written into `into`
 * where given (onnxruntime-node writes a pre-allocated output in place, e.g. the
 * scan kernel's memory, and also returns a copy, which is dropped: measured ~9 %
 * less time for the statistics than taking its own output and copying it over).
 * Sessions are created once per element type.
 */
export async function panelProduct<T extends Float32Array | Float64Array>(a: T, b: T, w: number, r: number, k: number, into?: T): Promise<T> {
  const type = a instanceof Float32Array ? 'float32' : 'float64';
  const s = await session(`panel-${type}`, () => panelModelBytes(type === 'float32' ? DataType.FLOAT : DataType.DOUBLE));
  const feeds = { A: new ort.Tensor(type, a, [w, k]), B: new ort.Tensor(type, b, [r, k]) };
  if (into) {
    await s.run(feeds, { C: new ort.Tensor(type, into, [w, r]) });
    return into;
  }
  const out = await s.run(feeds);
  return out.C.data as T;
}

/**
 * a[w, k]·b[r, k]ᵀ → [w, r] in float64 on every core, for work outside the statistics' worker
 * pool: the report's full-resolution blocks (measured: plain loops made a 1,000-sentence site
 * build spend about 180 s on them).
 */
export async function productOnAllCores(a: Float64Array, b: Float64Array, w: number, r: number, k: number): Promise<Float64Array> {
  const s = await session('panel-float64-all-cores', () => panelModelBytes(DataType.DOUBLE), availableParallelism());
  const out = await s.run({ A: new ort.Tensor('float64', a, [w, k]), B: new ort.Tensor('float64', b, [r, k]) });
  return out.C.data as Float64Array;
}

/** For Z [rows, blocks, k] float64: per block the rows × rows matrix Z_b Z_bᵀ, [blocks, rows, rows]. */
export async function blockGramFloat64(z: Float64Array, rows: number, blocks: number, k: number): Promise<Float64Array> {
  const s = await session('blockGram', blockGramModelBytes);
  const result = await s.run({ Z: new ort.Tensor('float64', z, [rows, blocks, k]) });
  return result.P.data as Float64Array;
}
