import { BIN_COUNT, FINE_BINS, coarseFromFine, fineBin, numpyBin } from './histogram.ts';
import type { Accumulator, ScanResult } from './scan.ts';

/**
 * A scanned accumulator completed: report-bin counts and the |x| > 0.5 count,
 * first from the fine counts of the values binned from the Gram, then from the
 * float64 recomputation of the entries that lay within the Gram's error margin of
 * a report edge (scan.ts), binned exactly as numpy bins them.
 */
export interface Distribution extends Accumulator {
  /** counts in the 100 report bins (values outside [-1, 1] are not in any) */
  coarse: Float64Array;
  /** values with |x| > 0.5 */
  over05: number;
}

export function completeScan(scan: ScanResult): Distribution[][] {
  const out = scan.acc.map((row) => row.map(startDistribution));
  for (let metric = 0; metric < 2; metric++) {
    const { pair, value } = scan.exact[metric];
    for (let k = 0; k < value.length; k++) {
      const dist = out[metric][pair[k]];
      const v = value[k];
      const bin = numpyBin(v);
      if (bin >= 0) dist.coarse[bin]++;
      dist.fine[fineBin(v)]++;
      if (v > 0.5 || v < -0.5) dist.over05++;
    }
  }
  return out;
}

function startDistribution(acc: Accumulator): Distribution {
  const coarse = new Float64Array(BIN_COUNT);
  coarseFromFine(acc.fine, coarse);
  // Unflagged values are at least the margin away from ±0.5 (report edges), so
  // whole fine bins decide: f ≤ 5000 holds v < -0.5, f ≥ 15001 holds v ≥ 0.5.
  let over05 = 0;
  const lowEnd = FINE_BINS / 4;
  const highStart = (3 * FINE_BINS) / 4 + 1;
  for (let f = 0; f <= lowEnd; f++) over05 += acc.fine[f];
  for (let f = highStart; f < acc.fine.length; f++) over05 += acc.fine[f];
  return { ...acc, coarse, over05 };
}
