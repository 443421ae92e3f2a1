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
  /** per block (Q, K, V): how many columns are bad, for each metric */
  cosBadPerBlock: [number, number, number];
  corrBadPerBlock: [number, number, number];
  /** cosine_ij = a_i·a_j·correlation_ij + b_i·b_j (0 where undefined) */
  a: Float64Array;
  b: Float64Array;
  /** the activations transposed, [cols, rows], so that one neuron is contiguous */
  transposed: Float32Array;
}

export function columnStats(x: Float32Array, rows: number, cols: number): Columns {
  const mean = new Float64Array(cols);
  const sumSq = new Float64Array(cols);
  const min = new Float64Array(cols).fill(Infinity);
  const max = new Float64Array(cols).fill(-Infinity);
  // Row by row, as numpy's add.reduce over axis 0 accumulates.
  for (let s = 0; s < rows; s++) {
    const base = s * cols;
    for (let c = 0; c < cols; c++) {
      const v = x[base + c];
      mean[c] += v;
      sumSq[c] += v * v;
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
    }
  }
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  const centredSq = new Float64Array(cols);
  for (let s = 0; s < rows; s++) {
    const base = s * cols;
    for (let c = 0; c < cols; c++) {
      const y = x[base + c] - mean[c];
      centredSq[c] += y * y;
    }
  }
  const d = cols / 3;
  const norm = new Float64Array(cols);
  const centredNorm = new Float64Array(cols);
  const cosBad = new Uint8Array(cols);
  const corrBad = new Uint8Array(cols);
  const cosBadPerBlock: [number, number, number] = [0, 0, 0];
  const corrBadPerBlock: [number, number, number] = [0, 0, 0];
  const a = new Float64Array(cols);
  const b = new Float64Array(cols);
  const sqrtRows = Math.sqrt(rows);
  for (let c = 0; c < cols; c++) {
    norm[c] = Math.sqrt(sumSq[c]);
    centredNorm[c] = Math.sqrt(centredSq[c]);
    const block = Math.floor(c / d);
    // "Does not vary" is decided on the values, not on a rounded centred norm:
    // numpy's mean of equal values can differ from them in the last bit.
    if (rows === 0 || min[c] === max[c]) {
      corrBad[c] = 1;
      corrBadPerBlock[block]++;
      centredNorm[c] = 0;
    }
    if (norm[c] === 0) {
      cosBad[c] = 1;
      cosBadPerBlock[block]++;
    } else {
      a[c] = centredNorm[c] / norm[c];
      b[c] = (sqrtRows * mean[c]) / norm[c];
    }
  }
  const transposed = new Float32Array(rows * cols);
  const tile = 64;
  for (let s0 = 0; s0 < rows; s0 += tile) {
    const s1 = Math.min(rows, s0 + tile);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(cols, c0 + tile);
      for (let s = s0; s < s1; s++) for (let c = c0; c < c1; c++) transposed[c * rows + s] = x[s * cols + c];
    }
  }
  return { rows, cols, mean, norm, centredNorm, cosBad, corrBad, cosBadPerBlock, corrBadPerBlock, a, b, transposed };
}

/** Centred, unit-norm columns of sentences [s0, s1) as float32 (0 for a column that
 * does not vary): the input of the float32 Gram. */
export function normalisedChunk(x: Float32Array, cols: Columns, s0: number, s1: number): Float32Array {
  const n = cols.cols;
  const out = new Float32Array((s1 - s0) * n);
  const inv = new Float64Array(n);
  for (let c = 0; c < n; c++) inv[c] = cols.corrBad[c] ? 0 : 1 / cols.centredNorm[c];
  for (let s = s0; s < s1; s++) {
    const src = s * n;
    const dst = (s - s0) * n;
    for (let c = 0; c < n; c++) out[dst + c] = (x[src + c] - cols.mean[c]) * inv[c];
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
