/**
 * Per-neuron (column) facts that every similarity needs, computed once per matrix
 * in float64 from the float32 activations, the way the lecture's numpy does it:
 * the mean over sentences, the norm (cosine), the norm after centring (correlation).
 */
export interface Columns {
  rows: number;
  cols: number;
  mean: Float64Array;
  /** ‖x‖ over sentences */
  norm: Float64Array;
  /** ‖x − mean‖ over sentences */
  centredNorm: Float64Array;
  /** 1 where cosine is undefined: the column is all zeros */
  cosBad: Uint8Array;
  /** 1 where correlation is undefined: the column does not vary (all values equal) */
  corrBad: Uint8Array;
  /** cosine_ij = a_i·a_j·correlation_ij + b_i·b_j (0 where undefined) */
  a: Float64Array;
  b: Float64Array;
  /** the activations transposed, [cols, rows], so that one neuron is contiguous */
  transposed: Float32Array;
}

/** `transposed` is the activations neuron-major, [cols, rows] (io/npy-rows.ts reads them so;
 * transpose.ts makes it from a row-major matrix). It is kept, not copied. */
export function columnStats(rows: number, cols: number, transposed: Float32Array): Columns {
  const mean = new Float64Array(cols);
  const sumSq = new Float64Array(cols);
  const min = new Float64Array(cols);
  const max = new Float64Array(cols);
  const centredSq = new Float64Array(cols);
  // Per column over the rows in order, as numpy's add.reduce over axis 0 accumulates
  // (one neuron is contiguous in `transposed`, so the sums stay in registers).
  for (let c = 0; c < cols; c++) {
    const base = c * rows;
    let sum = 0;
    let sq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let s = 0; s < rows; s++) {
      const v = transposed[base + s];
      sum += v;
      sq += v * v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const m = sum / rows;
    let centred = 0;
    for (let s = 0; s < rows; s++) {
      const y = transposed[base + s] - m;
      centred += y * y;
    }
    mean[c] = m;
    sumSq[c] = sq;
    min[c] = lo;
    max[c] = hi;
    centredSq[c] = centred;
  }
  const norm = new Float64Array(cols);
  const centredNorm = new Float64Array(cols);
  const cosBad = new Uint8Array(cols);
  const corrBad = new Uint8Array(cols);
  const a = new Float64Array(cols);
  const b = new Float64Array(cols);
  const sqrtRows = Math.sqrt(rows);
  for (let c = 0; c < cols; c++) {
    norm[c] = Math.sqrt(sumSq[c]);
    centredNorm[c] = Math.sqrt(centredSq[c]);
    // "Does not vary" is decided on the values, not on a rounded centred norm:
    // numpy's mean of equal values can differ from them in the last bit.
    if (rows === 0 || min[c] === max[c]) {
      corrBad[c] = 1;
      centredNorm[c] = 0;
    }
    if (norm[c] === 0) {
      cosBad[c] = 1;
    } else {
      a[c] = centredNorm[c] / norm[c];
      b[c] = (sqrtRows * mean[c]) / norm[c];
    }
  }
  return { rows, cols, mean, norm, centredNorm, cosBad, corrBad, a, b, transposed };
}

/** Centred, unit-norm columns of sentences [s0, s1) as float32, neuron-major
 * [cols − c0, s1 − s0] for the neurons [c0, cols) (0 for a column that does not vary): the
 * input of the float32 Gram. Written into `into` where given (that many entries). */
export function normalisedColumns(cols: Columns, s0: number, s1: number, c0 = 0, into?: Float32Array): Float32Array {
  const m = cols.cols;
  const rows = cols.rows;
  const len = s1 - s0;
  const out = into ?? new Float32Array(len * (m - c0));
  const t = cols.transposed;
  for (let c = c0; c < m; c++) {
    const inv = cols.corrBad[c] ? 0 : 1 / cols.centredNorm[c];
    const mean = cols.mean[c];
    const src = c * rows + s0;
    const dst = (c - c0) * len;
    for (let k = 0; k < len; k++) out[dst + k] = (t[src + k] - mean) * inv;
  }
  return out;
}

/** Correlation of columns i and j in float64, as numpy computes it:
 * ((x_i − m_i)/‖x_i − m_i‖) · ((x_j − m_j)/‖x_j − m_j‖). */
export function exactCorrelation(cols: Columns, i: number, j: number): number {
  const t = cols.transposed;
  const n = cols.rows;
  const mi = cols.mean[i];
  const mj = cols.mean[j];
  const si = cols.centredNorm[i];
  const sj = cols.centredNorm[j];
  let acc = 0;
  const bi = i * n;
  const bj = j * n;
  for (let s = 0; s < n; s++) acc += ((t[bi + s] - mi) / si) * ((t[bj + s] - mj) / sj);
  return acc;
}

/** Cosine of columns i and j in float64, as numpy: (x_i/‖x_i‖) · (x_j/‖x_j‖). */
export function exactCosine(cols: Columns, i: number, j: number): number {
  const t = cols.transposed;
  const n = cols.rows;
  const ni = cols.norm[i];
  const nj = cols.norm[j];
  let acc = 0;
  const bi = i * n;
  const bj = j * n;
  for (let s = 0; s < n; s++) acc += (t[bi + s] / ni) * (t[bj + s] / nj);
  return acc;
}
