import type { Comparison } from '../output-schema.ts';
import { FINE_LENGTH, FINE_WIDTH } from './histogram.ts';

/**
 * Distances between two distributions of similarities, read from their fine
 * histograms (20,000 bins of width w = 1e-4 over [-1, 1]) rather than from sorted
 * values:
 * - KS = max |F_a − F_b| over the fine-bin edges. The true supremum can lie inside
 *   a bin, so the value is low by at most the largest single-bin share of a or b.
 * - Wasserstein-1 = ∫ |F_a − F_b| dx with each value moved to its bin's centre:
 *   moving every value by ≤ w/2 changes the distance by ≤ w, so |error| ≤ 1e-4
 *   (plus the Gram margin).
 * With an empty side (n = 0) both are 0; sdRatio is 0 where sd(b) is 0.
 */
export function compareFine(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number, sdA: number, sdB: number): Comparison {
  const sdRatio = sdB > 0 ? sdA / sdB : 0;
  if (na === 0 || nb === 0) return { ks: 0, wasserstein: 0, sdRatio };
  // F_a − F_b scaled by na·nb, in integers (exact while the counts stay below 2²⁶):
  // no division per bin.
  let ca = 0;
  let cb = 0;
  let ks = 0;
  let area = 0;
  for (let f = 0; f < FINE_LENGTH; f++) {
    ca += a[f];
    cb += b[f];
    const diff = Math.abs(ca * nb - cb * na);
    if (diff > ks) ks = diff;
    // Between the centre of bin f and the next: one bin width.
    if (f < FINE_LENGTH - 1) area += diff;
  }
  const scale = na * nb;
  return { ks: ks / scale, wasserstein: (area / scale) * FINE_WIDTH, sdRatio };
}
