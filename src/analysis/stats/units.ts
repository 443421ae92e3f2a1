import type { Columns } from './columns.ts';
import { productOnAllCores } from './onnx.ts';
import { METRIC_COS } from './scan.ts';

/**
 * The metric's unit columns x̂ in float64, neuron-major ([count, rows]): cosine x/‖x‖,
 * correlation (x − mean)/‖x − mean‖, as the lecture's numpy normalises them. Then every
 * similarity is one dot product, similarity_ij = x̂_i · x̂_j, exact to float64 rounding.
 * An undefined neuron (zero norm in the metric) gets a zero column, and `defined` says so.
 * `which` picks columns (default: all), for the stride-sampled preview.
 */
export function unitColumns(cols: Columns, metric: number, which?: ArrayLike<number>): { units: Float64Array; defined: Uint8Array } {
  const { rows, transposed: t } = cols;
  const count = which ? which.length : cols.cols;
  const cosine = metric === METRIC_COS;
  const units = new Float64Array(count * rows);
  const defined = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const c = which ? which[k] : k;
    if (cosine ? cols.cosBad[c] : cols.corrBad[c]) continue;
    defined[k] = 1;
    const shift = cosine ? 0 : cols.mean[c];
    const norm = cosine ? cols.norm[c] : cols.centredNorm[c];
    const src = c * rows;
    const dst = k * rows;
    for (let s = 0; s < rows; s++) units[dst + s] = (t[src + s] - shift) / norm;
  }
  return { units, defined };
}

/**
 * Similarities of the neurons [r0, r1) with the neurons [c0, c1) from unit columns of all
 * neurons (unitColumns without `which`), as a row-major [(r1 − r0), (c1 − c0)] float64
 * matrix; NaN where a neuron is undefined. One float64 product on onnxruntime: the report
 * draws full-resolution blocks with it, outside the statistics' hot path.
 */
export async function similarityBlock(
  units: Float64Array,
  defined: Uint8Array,
  rows: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
): Promise<Float64Array> {
  const w = c1 - c0;
  const out = await productOnAllCores(units.subarray(r0 * rows, r1 * rows), units.subarray(c0 * rows, c1 * rows), r1 - r0, w, rows);
  for (let i = r0; i < r1; i++) {
    for (let j = c0; j < c1; j++) {
      if (!defined[i] || !defined[j]) out[(i - r0) * w + (j - c0)] = NaN;
    }
  }
  return out;
}
