import * as ort from 'onnxruntime-node';

/**
 * Tiny ONNX graphs, written here as protobuf bytes (no ONNX schema package):
 * - `panel`: C[w, r] = A[w, k]·B[r, k]ᵀ, float32 (the Gram, one panel of rows at a
 *   time, see gram.ts) or float64 (the previews and the QQ block, see detail.ts);
 * - `blockGram`: P[b, n, n] = Z_b·Z_bᵀ for Z[n, b, k] float64 (one n × n Gram of
 *   sentences per block), used for exact sums of squared similarities.
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

/** C[w, r] = A[w, k]·B[r, k]ᵀ (Gemm, transB = 1): one panel of rows of a Gram matrix. */
export function panelModelBytes(elem: number): Uint8Array {
  return model(
    [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['C'], ints: { transB: 1 } }],
    [valueInfo('A', elem, ['w', 'k']), valueInfo('B', elem, ['r', 'k'])],
    [valueInfo('C', elem, ['w', 'r'])],
  );
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
      // One thread per session: the statistics run one matrix per worker thread
      // (pool.ts), and onnxruntime's own pool would spin on the same cores.
      intraOpNumThreads: 1,
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
  const s = await session(`panel-${type}`, () => panelModelBytes(type === 'float32' ? FLOAT : DOUBLE));
  const feeds = { A: new ort.Tensor(type, a, [w, k]), B: new ort.Tensor(type, b, [r, k]) };
  if (into) {
    await s.run(feeds, { C: new ort.Tensor(type, into, [w, r]) });
    return into;
  }
  const out = await s.run(feeds);
  return out.C.data as T;
}

/** For Z [rows, blocks, k] float64: per block the rows × rows matrix Z_b Z_bᵀ, [blocks, rows, rows]. */
export async function blockGramFloat64(z: Float64Array, rows: number, blocks: number, k: number): Promise<Float64Array> {
  const s = await session('blockGram', blockGramModelBytes);
  const result = await s.run({ Z: new ort.Tensor('float64', z, [rows, blocks, k]) });
  return result.P.data as Float64Array;
}
