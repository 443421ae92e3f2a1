/**
 * Plain float64 implementations of the lecture's numpy cells, written for the tests
 * only: slow, obvious, and independent of src/analysis/stats.
 */
export const REF_EDGES: number[] = Array.from({ length: 101 }, (_, i) => (i < 100 ? i * 0.02 + -1 : 1));

/** actsAllNorm.T @ actsAllNorm with numpy's normalisation (optionally mean-centred). */
export function refSimilarity(x: Float32Array, rows: number, cols: number, centre: boolean): Float64Array {
  const z = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    if (centre) {
      for (let s = 0; s < rows; s++) mean += x[s * cols + c];
      mean /= rows;
    }
    let norm = 0;
    for (let s = 0; s < rows; s++) norm += (x[s * cols + c] - mean) ** 2;
    norm = Math.sqrt(norm);
    for (let s = 0; s < rows; s++) z[s * cols + c] = (x[s * cols + c] - mean) / norm;
  }
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      let acc = 0;
      for (let s = 0; s < rows; s++) acc += z[s * cols + i] * z[s * cols + j];
      g[i * cols + j] = acc;
    }
  return g;
}

/** cossim[matrixMask == k] for mask value k (1 QQ, 4 KK, 9 VV, 2 QK, 3 QV, 6 KV). */
export function refMaskValues(g: Float64Array, d: number, k: number): number[] {
  const m = 3 * d;
  const vector = Array.from({ length: m }, (_, i) => Math.floor(i / d) + 1);
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      const mask = j > i ? vector[i] * vector[j] : 0; // np.triu(outer, 1)
      if (mask === k) out.push(g[i * m + j]);
    }
  return out;
}

export const MASK_OF_PAIR = [1, 4, 9, 2, 3, 6];

/** np.histogram(values, bins=edges, density=True) via sort + searchsorted, as numpy does. */
export function refHistogram(values: number[], edges = REF_EDGES): number[] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const searchLeft = (v: number) => sorted.filter((x) => x < v).length;
  const searchRight = (v: number) => sorted.filter((x) => x <= v).length;
  const cum = edges.map((e, i) => (i < edges.length - 1 ? searchLeft(e) : searchRight(e)));
  const counts = cum.slice(1).map((c, i) => c - cum[i]);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c, i) => c / (edges[i + 1] - edges[i]) / total);
}

export function refMean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

export function refSd(v: number[]): number {
  const m = refMean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
}

/** np.quantile(v, p), method 'linear'. */
export function refQuantile(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  const h = p * (s.length - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

function ecdf(sorted: number[], x: number): number {
  let k = 0;
  while (k < sorted.length && sorted[k] <= x) k++;
  return k / sorted.length;
}

/** sup |F_a − F_b| over all jump points. */
export function refKs(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  let best = 0;
  for (const x of [...sa, ...sb]) best = Math.max(best, Math.abs(ecdf(sa, x) - ecdf(sb, x)));
  return best;
}

/** ∫ |F_a − F_b| dx, piecewise constant between the merged jump points. */
export function refWasserstein(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  const xs = [...sa, ...sb].sort((x, y) => x - y);
  let area = 0;
  for (let k = 0; k < xs.length - 1; k++) area += Math.abs(ecdf(sa, xs[k]) - ecdf(sb, xs[k])) * (xs[k + 1] - xs[k]);
  return area;
}

/** A small deterministic random matrix (values in roughly [-2, 2], with an offset per column). */
export function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const offset = Array.from({ length: cols }, () => next() * 2 - 1);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = next() * 2 - 1 + offset[i % cols];
  return out;
}
