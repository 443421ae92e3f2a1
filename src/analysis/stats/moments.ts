import type { Columns } from './columns.ts';
import { blockGramFloat64 } from './onnx.ts';
import { BLOCK_COUNT, BLOCKS_OF_PAIR, PAIR_COUNT } from '../shapes.ts';

/**
 * Sums and sums of squares of each pair type's similarities, in float64 without
 * the Gram: for unit columns x̂ (zero where undefined) and blocks A, B,
 *   Σ_{i∈A, j∈B} x̂_i·x̂_j   = Σ_s S_A(s)·S_B(s),        S_A(s) = Σ_{i∈A} x̂_si
 *   Σ_{i∈A, j∈B} (x̂_i·x̂_j)² = Σ_{s,t} P_A[s,t]·P_B[s,t], P_A = X̂_A X̂_Aᵀ (sentences × sentences)
 * and for the upper triangle of a block, (whole − diagonal) / 2. This makes the
 * means and SDs as exact as numpy's (the float32 Gram alone would leave errors of
 * ~1e-10 in an SD). It costs O(n²·d) in float64, as much as the float32 Gram
 * itself at a few hundred sentences, so it is used up to MOMENTS_MAX_ROWS
 * sentences (where the Gram is one chunk); beyond, the sums come from the Gram's
 * entries: within the Gram margin in the worst case, and errors mostly cancel
 * over millions of values (typically ~1e-9 on a mean or SD).
 */
export const MOMENTS_MAX_ROWS = 256;

export interface Moments {
  /** [metric][pair] */
  sum: Float64Array[];
  sumSq: Float64Array[];
}

export async function exactMoments(x: Float32Array, cols: Columns): Promise<Moments> {
  const n = cols.rows;
  const m = cols.cols;
  const d = m / BLOCK_COUNT;
  // Z [n, zBlocks, d]: per sentence the cosine-normalised then the correlation-normalised row,
  // each of BLOCK_COUNT blocks.
  const zBlocks = 2 * BLOCK_COUNT;
  // Divisors, Infinity for an undefined neuron (its entries become 0): no branch per entry.
  const cosDiv = new Float64Array(m);
  const corrDiv = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    cosDiv[c] = cols.cosBad[c] ? Infinity : cols.norm[c];
    corrDiv[c] = cols.corrBad[c] ? Infinity : cols.centredNorm[c];
  }
  const mean = cols.mean;
  const z = new Float64Array(n * 2 * m);
  for (let s = 0; s < n; s++) {
    const src = s * m;
    const dst = s * 2 * m;
    for (let c = 0; c < m; c++) {
      const v = x[src + c];
      z[dst + c] = v / cosDiv[c];
      z[dst + m + c] = (v - mean[c]) / corrDiv[c];
    }
  }
  // Row sums per block and squared column norms (the Gram's diagonal).
  const rowSum = new Float64Array(n * zBlocks);
  const diag = new Float64Array(2 * m);
  for (let s = 0; s < n; s++) {
    for (let blk = 0; blk < zBlocks; blk++) {
      let acc = 0;
      const base = s * 2 * m + blk * d;
      for (let c = 0; c < d; c++) {
        const v = z[base + c];
        acc += v;
        diag[blk * d + c] += v * v;
      }
      rowSum[s * zBlocks + blk] = acc;
    }
  }
  const p = await blockGramFloat64(z, n, zBlocks, d);
  const sum = [new Float64Array(PAIR_COUNT), new Float64Array(PAIR_COUNT)];
  const sumSq = [new Float64Array(PAIR_COUNT), new Float64Array(PAIR_COUNT)];
  for (let metric = 0; metric < 2; metric++) {
    for (let pair = 0; pair < PAIR_COUNT; pair++) {
      const [ba, bb] = BLOCKS_OF_PAIR[pair];
      const ka = metric * BLOCK_COUNT + ba;
      const kb = metric * BLOCK_COUNT + bb;
      let s1 = 0;
      for (let s = 0; s < n; s++) s1 += rowSum[s * zBlocks + ka] * rowSum[s * zBlocks + kb];
      let s2 = 0;
      const pa = ka * n * n;
      const pb = kb * n * n;
      for (let q = 0; q < n * n; q++) s2 += p[pa + q] * p[pb + q];
      if (ba === bb) {
        let d1 = 0;
        let d2 = 0;
        for (let c = 0; c < d; c++) {
          const v = diag[ka * d + c];
          d1 += v;
          d2 += v * v;
        }
        s1 = (s1 - d1) / 2;
        s2 = (s2 - d2) / 2;
      }
      sum[metric][pair] = s1;
      sumSq[metric][pair] = s2;
    }
  }
  return { sum, sumSq };
}
