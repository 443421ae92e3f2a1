import type { Summary } from '../output-schema.ts';
import { BIN_COUNT, fineQuantiles, numpyDensity } from './histogram.ts';
import type { Distribution } from './exact.ts';

/**
 * Summary of one pair type's similarities. `density` is numpy's, bin for bin;
 * `mean` and `sd` are float64-exact (see moments.ts; the SD comes from E[x²] − mean²,
 * so its square is exact to ~1e-15 and an SD near 0 to ~3e-8); `median` and `quantiles`
 * (numpy's default 'linear' method) are read from the fine histogram, within
 * 1e-4 (one fine bin) plus the Gram margin; `min`, `max`, `meanAbs` are within
 * the Gram margin (≤ 1.6e-5; plus ≤ 3e-7 from the scan's float32 lanes up to 256
 * sentences, see kernel-f32.ts); `shareAbsOver05` is exact.
 *
 * Where no value is defined (n = 0) every number is 0 and `density` is all
 * zeros: the output never holds NaN or null, and n = 0 says the rest is empty.
 */
export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;

export function summarise(dist: Distribution, total: number, moments?: { sum: number; sumSq: number }): Summary {
  const n = dist.count;
  if (n === 0) {
    return {
      n: 0,
      undefined: total,
      density: new Array<number>(BIN_COUNT).fill(0),
      mean: 0,
      sd: 0,
      median: 0,
      quantiles: { p01: 0, p05: 0, p25: 0, p75: 0, p95: 0, p99: 0 },
      meanAbs: 0,
      shareAbsOver05: 0,
      min: 0,
      max: 0,
    };
  }
  const sum = moments ? moments.sum : dist.sum;
  const sumSq = moments ? moments.sumSq : dist.sumSq;
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  const [p01, p05, p25, median, p75, p95, p99] = fineQuantiles(dist.fine, n, QUANTILES, dist.min, dist.max);
  return {
    n,
    undefined: total - n,
    density: numpyDensity(dist.coarse),
    mean,
    sd: Math.sqrt(variance),
    median,
    quantiles: { p01, p05, p25, p75, p95, p99 },
    meanAbs: dist.sumAbs / n,
    shareAbsOver05: dist.over05 / n,
    min: dist.min,
    max: dist.max,
  };
}
