import type { QQVariance, VarianceShare } from '../output-schema.ts';

/**
 * How much of the variance of |similarity| in the QQ block each grouping explains: the
 * question behind the lecture's "curious clustering" of the QQ sequence. Are its stripes
 * the rows (each Q neuron has its own typical |similarity|), or the heads?
 *
 * Over the N defined QQ values y = |x_ij|, i < j (the pair type QQ), a grouping g explains
 *   R²_g = Σ_groups n_k (ȳ_k − ȳ)² / Σ (y − ȳ)²
 * of the variance (the R² of predicting each value by its group's mean), and, since
 * more groups explain more by chance alone,
 *   adjusted R²_g = 1 − (1 − R²_g)(N − 1)/(N − k)   (k non-empty groups).
 * Groupings:
 *   rows        — the row i (the first neuron; a row of the lecture's sequence)
 *   headPairs   — the heads of the two neurons (h(i), h(j)), h(i) ≤ h(j)
 *   rowsByHead  — the row and the head of the second neuron (i, h(j)): nested in rows,
 *                 so rowsByHead − rows is what head membership adds to the row.
 * Two passes in float64 over the entries (means, then squared deviations).
 */

/** `block`: the d × d QQ similarities, row-major (only i < j is read); `defined`: per Q neuron. */
export function qqVariance(block: ArrayLike<number>, defined: ArrayLike<number>, d: number, nHead: number): QQVariance {
  const dh = d / nHead;
  const rowSum = new Float64Array(d);
  const rowCount = new Float64Array(d);
  const headSum = new Float64Array(nHead * nHead);
  const headCount = new Float64Array(nHead * nHead);
  const cellSum = new Float64Array(d * nHead);
  const cellCount = new Float64Array(d * nHead);
  let n = 0;
  let total = 0;
  for (let i = 0; i < d; i++) {
    if (!defined[i]) continue;
    const hi = Math.floor(i / dh);
    for (let j = i + 1; j < d; j++) {
      if (!defined[j]) continue;
      const y = Math.abs(block[i * d + j]);
      const hj = Math.floor(j / dh);
      n++;
      total += y;
      rowSum[i] += y;
      rowCount[i]++;
      headSum[hi * nHead + hj] += y;
      headCount[hi * nHead + hj]++;
      cellSum[i * nHead + hj] += y;
      cellCount[i * nHead + hj]++;
    }
  }
  const empty: VarianceShare = { groups: 0, r2: 0, adjustedR2: 0 };
  if (n === 0) return { n, rows: empty, headPairs: empty, rowsByHead: empty };
  const mean = total / n;
  let ssTotal = 0;
  for (let i = 0; i < d; i++) {
    if (!defined[i]) continue;
    for (let j = i + 1; j < d; j++) if (defined[j]) ssTotal += (Math.abs(block[i * d + j]) - mean) ** 2;
  }
  const share = (sums: Float64Array, counts: Float64Array): VarianceShare => {
    let between = 0;
    let groups = 0;
    for (let k = 0; k < sums.length; k++) {
      if (counts[k] === 0) continue;
      groups++;
      between += counts[k] * (sums[k] / counts[k] - mean) ** 2;
    }
    // all values equal: nothing to explain (0, not NaN: the JSON holds numbers only)
    const r2 = ssTotal > 0 ? Math.min(1, between / ssTotal) : 0;
    const adjustedR2 = ssTotal > 0 && n > groups ? 1 - ((1 - r2) * (n - 1)) / (n - groups) : 0;
    return { groups, r2, adjustedR2 };
  };
  return { n, rows: share(rowSum, rowCount), headPairs: share(headSum, headCount), rowsByHead: share(cellSum, cellCount) };
}

/** The first `limit` defined values of the QQ upper triangle, row by row: the lecture's `QQcs_trg[:20000]`. */
export function qqSequence(block: ArrayLike<number>, defined: ArrayLike<number>, d: number, limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < d && out.length < limit; i++) {
    if (!defined[i]) continue;
    for (let j = i + 1; j < d && out.length < limit; j++) if (defined[j]) out.push(block[i * d + j]);
  }
  return out;
}
