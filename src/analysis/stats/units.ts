import type { Columns } from './columns.ts';
import { panelProduct } from './onnx.ts';
import { METRIC_COS } from './scan.ts';

/**
 * Exact similarities between chosen neurons: the metric's unit columns x̂ in float64 (cosine
 * x/‖x‖, correlation (x − mean)/‖x − mean‖, as the lecture's numpy normalises them), and
 * similarity_ij = x̂_i · x̂_j, exact to float64 rounding. Previews, the QQ block (detail.ts)
 * and the report's full-resolution blocks are made so.
 *
 * The unit columns are made UNIT_CHUNK sentences at a time and the chunks' products summed
 * in float64: memory stays a few MB however many sentences there are (whole unit columns of
 * all 2,304 neurons at 10,000 sentences are 184 MB). Up to UNIT_CHUNK sentences it is one
 * product.
 */
export const UNIT_CHUNK = 2048;

/** a[w, k]·b[r, k]ᵀ → [w, r] float64 (onnx.ts panelProduct, or its all-cores variant) */
export type Product = (a: Float64Array, b: Float64Array, w: number, r: number, k: number) => Promise<Float64Array>;

/** Whether each neuron of `which` is defined in the metric (a zero-norm neuron is not). */
export function definedNeurons(cols: Columns, metric: number, which: ArrayLike<number>): Uint8Array {
  const bad = metric === METRIC_COS ? cols.cosBad : cols.corrBad;
  return Uint8Array.from({ length: which.length }, (_, k) => 1 - bad[which[k]]);
}

/** Unit columns of the neurons `which` over sentences [s0, s1), neuron-major [which.length,
 * s1 − s0], into `out`; an undefined neuron gets a zero column. */
function unitChunk(cols: Columns, metric: number, which: ArrayLike<number>, s0: number, s1: number, out: Float64Array): Float64Array {
  const { rows, transposed: t } = cols;
  const cosine = metric === METRIC_COS;
  const len = s1 - s0;
  for (let k = 0; k < which.length; k++) {
    const c = which[k];
    const dst = k * len;
    if (cosine ? cols.cosBad[c] : cols.corrBad[c]) {
      out.fill(0, dst, dst + len);
      continue;
    }
    const shift = cosine ? 0 : cols.mean[c];
    const norm = cosine ? cols.norm[c] : cols.centredNorm[c];
    const src = c * rows + s0;
    for (let s = 0; s < len; s++) out[dst + s] = (t[src + s] - shift) / norm;
  }
  return out.subarray(0, which.length * len);
}

/**
 * The similarities of neurons `a` with neurons `b` (indices into the columns), row-major
 * [a.length, b.length] float64; NaN where either neuron is undefined. Pass the same array
 * as `a` and `b` for a symmetric block: its unit columns are then made once per chunk.
 */
export async function similarities(
  cols: Columns,
  metric: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  product: Product = panelProduct,
): Promise<Float64Array> {
  const { rows } = cols;
  const same = a === b;
  const chunk = Math.min(rows, UNIT_CHUNK);
  const bufferA = new Float64Array(a.length * chunk);
  const bufferB = same ? bufferA : new Float64Array(b.length * chunk);
  let out: Float64Array | null = null;
  for (let s0 = 0; s0 < rows; s0 += UNIT_CHUNK) {
    const s1 = Math.min(rows, s0 + UNIT_CHUNK);
    const ua = unitChunk(cols, metric, a, s0, s1, bufferA);
    const ub = same ? ua : unitChunk(cols, metric, b, s0, s1, bufferB);
    const part = await product(ua, ub, a.length, b.length, s1 - s0);
    if (out === null) out = part;
    else for (let k = 0; k < out.length; k++) out[k] += part[k];
  }
  const result = out as Float64Array;
  const definedA = definedNeurons(cols, metric, a);
  const definedB = same ? definedA : definedNeurons(cols, metric, b);
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) if (!definedA[i] || !definedB[j]) result[i * b.length + j] = NaN;
  }
  return result;
}

/** The neurons [from, to). */
export function neuronRange(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}
