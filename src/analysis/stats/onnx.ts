import * as ort from 'onnxruntime-node';

/**
 * Three tiny ONNX graphs, written here as protobuf bytes (no ONNX schema package):
 * - `gram`: G[m, m] = Xᵀ·X for X[n, m] float32 (Gemm, transA = 1);
 * - `blockGram`: P[b, n, n] = Z_b·Z_bᵀ for Z[n, b, k] float64 (one n × n Gram of
 *   sentences per block), used for exact sums of squared similarities;
 * - `pool`: block averages for the previews and the per-head tables.
 * onnxruntime's CPU GEMMs are blocked, vectorised and multithreaded: the one part
 * of the statistics that plain JavaScript cannot do fast enough.
 */

const FLOAT = 1;
const DOUBLE = 11;

function varint(out: number[], value: number): void {
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function intField(out: number[], num: number, value: number): void {
  varint(out, num << 3);
  varint(out, value);
}

function bytesField(out: number[], num: number, bytes: number[]): void {
  varint(out, (num << 3) | 2);
  varint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function str(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

function message(build: (out: number[]) => void): number[] {
  const out: number[] = [];
  build(out);
  return out;
}

function valueInfo(name: string, elem: number, dims: string[]): number[] {
  const shape = message((o) => {
    for (const d of dims) bytesField(o, 1, message((x) => bytesField(x, 2, str(d))));
  });
  const tensor = message((o) => {
    intField(o, 1, elem);
    bytesField(o, 2, shape);
  });
  return message((o) => {
    bytesField(o, 1, str(name));
    bytesField(o, 2, message((t) => bytesField(t, 1, tensor)));
  });
}

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
  intLists?: Record<string, number[]>;
}

function node(spec: NodeSpec): number[] {
  return message((o) => {
    for (const i of spec.inputs) bytesField(o, 1, str(i));
    for (const x of spec.outputs) bytesField(o, 2, str(x));
    bytesField(o, 3, str(spec.outputs[0]));
    bytesField(o, 4, str(spec.op));
    for (const [name, value] of Object.entries(spec.ints ?? {})) {
      bytesField(o, 5, message((a) => {
        bytesField(a, 1, str(name));
        intField(a, 3, value);
        intField(a, 20, 2); // AttributeProto.INT
      }));
    }
    for (const [name, values] of Object.entries(spec.intLists ?? {})) {
      bytesField(o, 5, message((a) => {
        bytesField(a, 1, str(name));
        for (const v of values) intField(a, 8, v);
        intField(a, 20, 7); // AttributeProto.INTS
      }));
    }
  });
}

function model(nodes: NodeSpec[], inputs: number[][], outputs: number[][]): Uint8Array {
  const graph = message((o) => {
    for (const n of nodes) bytesField(o, 1, node(n));
    bytesField(o, 2, str('qkv-atlas-stats'));
    for (const i of inputs) bytesField(o, 11, i);
    for (const x of outputs) bytesField(o, 12, x);
  });
  return Uint8Array.from(
    message((o) => {
      intField(o, 1, 8); // ir_version
      bytesField(o, 2, str('qkv-atlas'));
      bytesField(o, 7, graph);
      bytesField(o, 8, message((x) => {
        bytesField(x, 1, str(''));
        intField(x, 2, 13);
      }));
    }),
  );
}

export function gramModelBytes(): Uint8Array {
  return model(
    [{ op: 'Gemm', inputs: ['X', 'X'], outputs: ['G'], ints: { transA: 1 } }],
    [valueInfo('X', FLOAT, ['n', 'm'])],
    [valueInfo('G', FLOAT, ['m', 'm2'])],
  );
}

/**
 * Pooled views of a similarity matrix R [1, 1, m, m] (correlation) and of the
 * cosine matrix C = R ∘ (a aᵀ) + b bᵀ: block means of R and C (previews) and
 * head-block means of |R| and |C|, by AveragePool (ceil mode, partial blocks
 * averaged over their own area).
 */
export function poolModelBytes(block: number, head: number): Uint8Array {
  const pool = (input: string, output: string, k: number): NodeSpec => ({
    op: 'AveragePool',
    inputs: [input],
    outputs: [output],
    ints: { ceil_mode: 1 },
    intLists: { kernel_shape: [k, k], strides: [k, k] },
  });
  return model(
    [
      { op: 'Mul', inputs: ['ac', 'ar'], outputs: ['AA'] },
      { op: 'Mul', inputs: ['bc', 'br'], outputs: ['BB'] },
      { op: 'Mul', inputs: ['R', 'AA'], outputs: ['RA'] },
      { op: 'Add', inputs: ['RA', 'BB'], outputs: ['C'] },
      { op: 'Abs', inputs: ['R'], outputs: ['absR'] },
      { op: 'Abs', inputs: ['C'], outputs: ['absC'] },
      pool('R', 'previewR', block),
      pool('C', 'previewC', block),
      pool('absR', 'headR', head),
      pool('absC', 'headC', head),
    ],
    [
      valueInfo('R', FLOAT, ['1', '1', 'm', 'm2']),
      valueInfo('ac', FLOAT, ['1', '1', 'm', '1']),
      valueInfo('ar', FLOAT, ['1', '1', '1', 'm']),
      valueInfo('bc', FLOAT, ['1', '1', 'm', '1']),
      valueInfo('br', FLOAT, ['1', '1', '1', 'm']),
    ],
    ['previewR', 'previewC', 'headR', 'headC'].map((name) => valueInfo(name, FLOAT, ['1', '1', 'p', 'p2'])),
  );
}

export interface Pooled {
  previewR: Float32Array;
  previewC: Float32Array;
  headR: Float32Array;
  headC: Float32Array;
}

export async function poolSimilarities(r: Float32Array, m: number, a: Float64Array, b: Float64Array, block: number, head: number): Promise<Pooled> {
  const s = await session(`pool-${block}-${head}`, () => poolModelBytes(block, head));
  const af = Float32Array.from(a);
  const bf = Float32Array.from(b);
  const out = await s.run({
    R: new ort.Tensor('float32', r, [1, 1, m, m]),
    ac: new ort.Tensor('float32', af, [1, 1, m, 1]),
    ar: new ort.Tensor('float32', af, [1, 1, 1, m]),
    bc: new ort.Tensor('float32', bf, [1, 1, m, 1]),
    br: new ort.Tensor('float32', bf, [1, 1, 1, m]),
  });
  return {
    previewR: out.previewR.data as Float32Array,
    previewC: out.previewC.data as Float32Array,
    headR: out.headR.data as Float32Array,
    headC: out.headC.data as Float32Array,
  };
}

export function blockGramModelBytes(): Uint8Array {
  return model(
    [
      { op: 'Transpose', inputs: ['Z'], outputs: ['A'], intLists: { perm: [1, 0, 2] } },
      { op: 'Transpose', inputs: ['Z'], outputs: ['B'], intLists: { perm: [1, 2, 0] } },
      { op: 'MatMul', inputs: ['A', 'B'], outputs: ['P'] },
    ],
    [valueInfo('Z', DOUBLE, ['n', 'b', 'k'])],
    [valueInfo('P', DOUBLE, ['b', 'n', 'n2'])],
  );
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(name: string, bytes: () => Uint8Array): Promise<ort.InferenceSession> {
  let s = sessions.get(name);
  if (!s) {
    s = ort.InferenceSession.create(bytes(), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    sessions.set(name, s);
  }
  return s;
}

/** Xᵀ X for X [rows, cols] row-major float32: the full cols × cols matrix. */
export async function gramFloat32(x: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const s = await session('gram', gramModelBytes);
  const result = await s.run({ X: new ort.Tensor('float32', x, [rows, cols]) });
  return result.G.data as Float32Array;
}

/** For Z [rows, blocks, k] float64: per block the rows × rows matrix Z_b Z_bᵀ, [blocks, rows, rows]. */
export async function blockGramFloat64(z: Float64Array, rows: number, blocks: number, k: number): Promise<Float64Array> {
  const s = await session('blockGram', blockGramModelBytes);
  const result = await s.run({ Z: new ort.Tensor('float64', z, [rows, blocks, k]) });
  return result.P.data as Float64Array;
}
