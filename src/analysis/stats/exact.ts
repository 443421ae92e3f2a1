import { BIN_COUNT, FINE_PER_BIN, coarseFromFine, fineBin, numpyBin } from './histogram.ts';
import type { Accumulator, ScanResult } from './scan.ts';

/**
 * A scanned accumulator completed: report-bin counts and the |x| > 0.5 count,
 * first from the fine counts of the values binned from the Gram, then from the
 * float64 recomputation of the entries that lay within the Gram's error margin of
 * a report edge (scan.ts), binned exactly as numpy bins them.
 */
export interface Distribution extends Accumulator {
  /** counts in the BIN_COUNT report bins (values outside [-1, 1] are not in any) */
  coarse: Float64Array;
  /** values with |x| > 0.5 */
  over05: number;
}

/** shareAbsOver05 counts |x| > OVER. */
const OVER = 0.5;
/**
 * The report edge at -OVER (edge k lies at -1 + 2k / BIN_COUNT). The count is exact
 * only because ±OVER are report edges: values within the Gram's margin of a report
 * edge are recomputed in float64, every other value lies in a whole fine bin on one
 * side of ±OVER. With ±OVER inside a report bin the fine counts would silently
 * miscount values near it, so refuse such a BIN_COUNT here.
 */
const OVER_EDGE = ((1 - OVER) * BIN_COUNT) / 2;
if (!Number.isInteger(OVER_EDGE)) {
  throw new Error(`BIN_COUNT = ${BIN_COUNT} puts no report edge at ±${OVER}, so the |x| > ${OVER} share would not be exact: use a multiple of 4.`);
}
/** Fine bins 0 … LOW_END hold v < -OVER; HIGH_START … hold v ≥ OVER (fine bin f covers [(f − 1)·w − 1, f·w − 1)). */
const LOW_END = OVER_EDGE * FINE_PER_BIN;
const HIGH_START = (BIN_COUNT - OVER_EDGE) * FINE_PER_BIN + 1;

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
      if (v > OVER || v < -OVER) dist.over05++;
    }
  }
  return out;
}

function startDistribution(acc: Accumulator): Distribution {
  const coarse = new Float64Array(BIN_COUNT);
  coarseFromFine(acc.fine, coarse);
  // Unflagged values are at least the margin away from ±OVER (report edges), so
  // whole fine bins decide: f ≤ LOW_END (5000) holds v < -0.5, f ≥ HIGH_START (15001) holds v ≥ 0.5.
  let over05 = 0;
  for (let f = 0; f <= LOW_END; f++) over05 += acc.fine[f];
  for (let f = HIGH_START; f < acc.fine.length; f++) over05 += acc.fine[f];
  return { ...acc, coarse, over05 };
}
