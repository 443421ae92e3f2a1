import { BIN_COUNT, FINE_PER_BIN } from '../shapes.ts';

/**
 * Two histograms of the similarity values, both over [-1, 1]:
 *
 * - the report's BIN_COUNT (100) bins, bit-for-bit those of
 *   `np.histogram(values, bins=np.linspace(-1, 1, BIN_COUNT + 1), density=True)`: the same
 *   float64 edges, the same bin assignment (bins half-open [e_k, e_k+1) except the
 *   last, which is closed; values outside [-1, 1] dropped), the same density
 *   normalisation `count / np.diff(edges) / count.sum()`;
 * - a fine one of FINE_BINS = BIN_COUNT · FINE_PER_BIN (20,000) bins of width 1e-4 (plus one bin below -1 and
 *   one at or above 1 for values that rounding pushes just outside), from which
 *   quantiles, KS and Wasserstein distances are read without sorting millions of
 *   values. Every FINE_PER_BIN (200) fine bins make exactly one report bin, so report counts are
 *   sums of fine counts for every value not within the Gram's error margin of a
 *   report edge; those few values are recomputed in float64 and binned by
 *   `numpyBin` (see gram.ts).
 */

export { BIN_COUNT, FINE_PER_BIN };
export const FINE_BINS = BIN_COUNT * FINE_PER_BIN;
export const FINE_WIDTH = 2 / FINE_BINS;
/** fine histogram length: [below -1] + FINE_BINS + [at or above 1] */
export const FINE_LENGTH = FINE_BINS + 2;

/** np.linspace(-1, 1, BIN_COUNT + 1): `arange(BIN_COUNT + 1) * (2 / BIN_COUNT) + (-1)`, last edge set to stop. */
export function numpyEdges(): Float64Array {
  const edges = new Float64Array(BIN_COUNT + 1);
  const step = 2 / BIN_COUNT;
  for (let i = 0; i < BIN_COUNT; i++) edges[i] = i * step + -1;
  edges[BIN_COUNT] = 1;
  return edges;
}

export const EDGES = numpyEdges();
/** np.diff(edges), which numpy divides by (the widths differ in the last bits) */
export const BIN_WIDTHS = (() => {
  const w = new Float64Array(BIN_COUNT);
  for (let i = 0; i < BIN_COUNT; i++) w[i] = EDGES[i + 1] - EDGES[i];
  return w;
})();

/** The report bin numpy puts v in, or -1 where numpy drops it (outside [-1, 1], NaN). */
export function numpyBin(v: number): number {
  if (!(v >= EDGES[0] && v <= EDGES[BIN_COUNT])) return -1;
  let k = Math.floor((v + 1) * (BIN_COUNT / 2));
  if (k > BIN_COUNT - 1) k = BIN_COUNT - 1;
  if (k < 0) k = 0;
  while (k > 0 && v < EDGES[k]) k--;
  while (k < BIN_COUNT - 1 && v >= EDGES[k + 1]) k++;
  return k;
}

/** Fine bin of v: 0 below -1, 1..FINE_BINS inside, FINE_BINS + 1 at or above 1. */
export function fineBin(v: number): number {
  if (v < -1) return 0;
  if (v >= 1) return FINE_BINS + 1;
  const f = Math.floor((v + 1) * (FINE_BINS / 2)) + 1;
  return f < 1 ? 1 : f > FINE_BINS ? FINE_BINS : f;
}

/** Lower edge of fine bin f (f in 1..FINE_BINS); -1 and 1 for the two outer bins. */
export function fineLower(f: number): number {
  if (f <= 0) return -1;
  if (f > FINE_BINS) return 1;
  return (f - 1) * FINE_WIDTH - 1;
}

/** Report counts from the fine counts of the values binned by the fast path. */
export function coarseFromFine(fine: ArrayLike<number>, into: Float64Array): void {
  for (let k = 0; k < BIN_COUNT; k++) {
    let s = 0;
    const base = 1 + k * FINE_PER_BIN;
    for (let f = base; f < base + FINE_PER_BIN; f++) s += fine[f];
    into[k] += s;
  }
}

/** np.histogram(..., density=True): `counts / np.diff(edges) / counts.sum()`;
 * all zeros when no value falls inside [-1, 1] (numpy would give NaN). */
export function numpyDensity(counts: Float64Array): number[] {
  let total = 0;
  for (let k = 0; k < BIN_COUNT; k++) total += counts[k];
  const out = new Array<number>(BIN_COUNT);
  for (let k = 0; k < BIN_COUNT; k++) out[k] = total > 0 ? counts[k] / BIN_WIDTHS[k] / total : 0;
  return out;
}

/**
 * Several np.quantile(values, p) (method 'linear', ps ascending) in one walk over
 * the fine counts. The value of a rank is read with the values of its bin spread
 * evenly over it: off by at most one fine bin (1e-4) plus the Gram's error
 * margin; clamped to the exact [min, max].
 */
export function fineQuantiles(fine: ArrayLike<number>, n: number, ps: readonly number[], min: number, max: number): number[] {
  if (n <= 0) return ps.map(() => 0);
  // Ranks needed, ascending; one walk over the bins answers them all.
  const ranks: number[] = [];
  for (const p of ps) {
    const h = p * (n - 1);
    ranks.push(Math.floor(h), Math.min(Math.floor(h) + 1, n - 1));
  }
  const values = new Map<number, number>();
  const sorted = [...new Set(ranks)].sort((x, y) => x - y);
  let cum = 0;
  let f = 0;
  for (const r of sorted) {
    if (r <= 0) {
      values.set(r, min);
      continue;
    }
    if (r >= n - 1) {
      values.set(r, max);
      continue;
    }
    while (f < FINE_LENGTH && cum + fine[f] <= r) cum += fine[f++];
    if (f >= FINE_LENGTH) {
      values.set(r, max);
      continue;
    }
    const c = fine[f];
    const v = fineLower(f) + ((r - cum + 0.5) / c) * (f === 0 || f > FINE_BINS ? 0 : FINE_WIDTH);
    values.set(r, v < min ? min : v > max ? max : v);
  }
  return ps.map((p) => {
    const h = p * (n - 1);
    const lo = Math.floor(h);
    const g = h - lo;
    const a = values.get(lo) as number;
    if (g === 0) return a;
    const b = values.get(Math.min(lo + 1, n - 1)) as number;
    return a + g * (b - a);
  });
}
