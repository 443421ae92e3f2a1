import { normalisedChunk, type Columns } from './columns.ts';
import { gramFloat32 } from './onnx.ts';

/**
 * The correlation matrix of a [rows, 3d] activation matrix, from float32 GEMMs.
 *
 * The centred, unit-norm columns are rounded to float32 and multiplied in chunks
 * of at most CHUNK sentences; chunks are summed in float64. Cosines follow from
 * the same matrix (cosine_ij = a_i a_j corr_ij + b_i b_j, see columns.ts), so one
 * GEMM serves both metrics. Error bound per entry, for either metric:
 *   |computed − exact| ≤ (c + 4)·2⁻²⁴  (c = sentences per chunk)
 * (float32 rounding of the inputs, ≤ c-term float32 accumulation of products
 * whose absolute values sum to ≤ 1 by Cauchy–Schwarz, float32 output). That is
 * ≤ 3.5e-6 for 54 sentences and ≤ 1.6e-5 for any count. Every entry that close to
 * a report-bin edge is recomputed in float64 (columns.ts exact*), so histograms
 * match numpy's bin for bin.
 */
export const CHUNK = 256;

export function gramMargin(rows: number): number {
  const c = Math.min(rows, CHUNK);
  return (c + 4) * 2 ** -24 * 1.01 + 1e-12;
}

/** Full M × M correlation Gram (float32 for one chunk, float64 sum of chunks otherwise). */
export async function correlationGram(x: Float32Array, cols: Columns): Promise<Float32Array | Float64Array> {
  const rows = cols.rows;
  const m = cols.cols;
  if (rows <= CHUNK) return gramFloat32(normalisedChunk(x, cols, 0, rows), rows, m);
  const sum = new Float64Array(m * m);
  for (let s0 = 0; s0 < rows; s0 += CHUNK) {
    const s1 = Math.min(rows, s0 + CHUNK);
    const g = await gramFloat32(normalisedChunk(x, cols, s0, s1), s1 - s0, m);
    for (let k = 0; k < sum.length; k++) sum[k] += g[k];
  }
  return sum;
}
