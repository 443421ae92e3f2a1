import { normalisedColumns, type Columns } from './columns.ts';
import { panelProduct } from './onnx.ts';

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
 *
 * Only the upper triangle is needed, so the matrix is computed in panels of
 * PANEL_ROWS rows, each against its own and the later columns:
 *   panel [p0, p1) × columns [p0, m), row stride m − p0
 * (about 56 % of the square's multiplications for m = 2304). A one-chunk panel
 * is written by onnxruntime straight into the memory the scan kernel reads, and
 * scanned there while it is still in cache.
 */
export const CHUNK = 256;
export const PANEL_ROWS = 256;

export function gramMargin(rows: number): number {
  const c = Math.min(rows, CHUNK);
  return (c + 4) * 2 ** -24 * 1.01 + 1e-12;
}

export interface Panel {
  /** rows [p0, p1), columns [p0, m) */
  p0: number;
  p1: number;
  /** row stride: m − p0 */
  stride: number;
  /** the entries, row-major: (i, j) at (i − p0)·stride + (j − p0) */
  values: Float32Array | Float64Array;
}

export interface PanelTarget {
  /** float32 panel (one chunk), or float64 panel (chunks summed) with a float32 scratch */
  panel: Float32Array | Float64Array;
  scratch?: Float32Array;
  /** add the float32 scratch into the float64 panel, `count` entries */
  accumulate?: (count: number) => void;
}

/**
 * Computes the upper Gram panel by panel into `target` and hands each to `visit`
 * before the next overwrites it.
 *
 * With one chunk of sentences, the normalised columns are made once. With more, each
 * panel normalises the chunk it multiplies, neurons [p0, m) only, into one reusable
 * buffer: the normalised copy of all the activations (as large as the activations
 * themselves, 92 MB per matrix at 10,000 sentences) is never held, for about 5 times
 * the normalisation work (a few percent of the GEMMs').
 */
export async function forEachPanel(cols: Columns, target: PanelTarget, visit: (panel: Panel) => void): Promise<void> {
  const m = cols.cols;
  const w = Math.min(PANEL_ROWS, m);
  const whole = cols.rows <= CHUNK ? normalisedColumns(cols, 0, cols.rows) : null;
  const buffer = whole ? null : new Float32Array(m * CHUNK);
  /** The normalised columns of neurons [p0, m) over sentences [s0, s1), neuron-major. */
  const columnsFrom = (p0: number, s0: number, s1: number): Float32Array =>
    whole ? whole.subarray(p0 * cols.rows) : normalisedColumns(cols, s0, s1, p0, (buffer as Float32Array).subarray(0, (m - p0) * (s1 - s0)));
  for (let p0 = 0; p0 < m; p0 += w) {
    const p1 = Math.min(m, p0 + w);
    const stride = m - p0;
    const count = (p1 - p0) * stride;
    const values = target.panel.subarray(0, count);
    if (whole && values instanceof Float32Array) {
      const data = columnsFrom(p0, 0, cols.rows);
      await panelProduct(data.subarray(0, (p1 - p0) * cols.rows), data, p1 - p0, stride, cols.rows, values);
    } else {
      const scratch = (target.scratch as Float32Array).subarray(0, count);
      values.fill(0);
      for (let s0 = 0; s0 < cols.rows; s0 += CHUNK) {
        const s1 = Math.min(cols.rows, s0 + CHUNK);
        const data = columnsFrom(p0, s0, s1);
        scratch.set(await panelProduct(data.subarray(0, (p1 - p0) * (s1 - s0)), data, p1 - p0, stride, s1 - s0));
        (target.accumulate as (count: number) => void)(count);
      }
    }
    visit({ p0, p1, stride, values });
  }
}

/**
 * The full M × M correlation Gram (float32 for one chunk, float64 sum of chunks
 * otherwise), upper panels mirrored: for checks; the statistics scan the panels.
 * (`x` is not read: the columns carry the activations.)
 */
export async function correlationGram(_x: Float32Array, cols: Columns): Promise<Float32Array | Float64Array> {
  const m = cols.cols;
  const single = cols.rows <= CHUNK;
  const entries = Math.min(PANEL_ROWS, m) * m;
  const panel = single ? new Float32Array(entries) : new Float64Array(entries);
  const scratch = new Float32Array(entries);
  const full = single ? new Float32Array(m * m) : new Float64Array(m * m);
  const target: PanelTarget = {
    panel,
    scratch,
    accumulate: (count) => {
      for (let k = 0; k < count; k++) panel[k] += scratch[k];
    },
  };
  await forEachPanel(cols, target, ({ p0, p1, stride, values }) => {
    for (let i = p0; i < p1; i++)
      for (let j = i; j < m; j++) {
        const v = values[(i - p0) * stride + (j - p0)];
        full[i * m + j] = v;
        full[j * m + i] = v;
      }
  });
  return full;
}
