import { describe, expect, it } from 'vitest';
import { PAIR_TYPES } from '../../src/analysis/output-schema.ts';
import { FINE_LENGTH, FINE_WIDTH, fineBin, fineQuantiles } from '../../src/analysis/stats/histogram.ts';
import { computeLayerStats } from '../../src/analysis/stats/layer-stats.ts';
import { MASK_OF_PAIR, randomMatrix, refMaskValues, refQuantile, refSimilarity } from './reference.ts';

/**
 * Medians and quantiles against np.quantile's default ('linear': the value at rank
 * h = p·(n − 1), interpolated between ranks ⌊h⌋ and ⌊h⌋ + 1), so np.median's average of the
 * two middle values for an even count. The statistics read ranks from a histogram of 1e-4
 * bins, so each rank is known to within one bin (documented: ≤ 1e-4 plus the Gram's margin);
 * the interpolation between the two middle ranks must be numpy's.
 */

const PS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

function fromValues(values: number[]): number[] {
  const fine = new Int32Array(FINE_LENGTH);
  for (const v of values) fine[fineBin(v)]++;
  return fineQuantiles(fine, values.length, PS, Math.min(...values), Math.max(...values));
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('fineQuantiles against np.quantile (linear)', () => {
  it('an even count whose two middle values lie far apart: the median is their mean, not either one', () => {
    const values = [-0.5, -0.1, 0.3, 0.9];
    const median = fromValues(values)[3];
    expect(refQuantile(values, 0.5)).toBeCloseTo(0.1, 12);
    expect(Math.abs(median - 0.1)).toBeLessThanOrEqual(FINE_WIDTH);
    // two values: the median is (min + max) / 2 exactly, both being known exactly
    expect(fromValues([-0.25, 0.75])[3]).toBe(0.25);
  });

  for (const n of [2, 3, 4, 5, 10, 11, 100, 1000, 1001, 2016, 4096]) {
    it(`${n} values (${n % 2 === 0 ? 'even' : 'odd'}): every quantile within one fine bin of numpy's`, () => {
      const random = lcg(n);
      // clustered and spread: half near 0.3, half over the whole range
      const values = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.3 + (random() - 0.5) * 0.01 : random() * 2 - 1));
      const got = fromValues(values);
      PS.forEach((p, k) => expect(Math.abs(got[k] - refQuantile(values, p)), `p = ${p}`).toBeLessThanOrEqual(FINE_WIDTH));
    });
  }
});

describe('computeLayerStats: medians and quantiles of odd and even counts', () => {
  it('d = 6 (QQ, KK, VV: 15 values each; QK, QV, KV: 36) and d = 8 (28 and 64), against np.quantile on float64 similarities', async () => {
    for (const d of [6, 8]) {
      const rows = 30;
      const m = 3 * d;
      const target = randomMatrix(rows, m, d);
      const { stats } = await computeLayerStats({ layer: 0, target, nontarget: randomMatrix(rows, m, d + 1), nSentences: rows, nEmbd: d, nHead: 2, seed: 1 });
      for (const metric of ['cosine', 'correlation'] as const) {
        const g = refSimilarity(target, rows, m, metric === 'correlation');
        PAIR_TYPES.forEach((pair, k) => {
          const values = refMaskValues(g, d, MASK_OF_PAIR[k]);
          const s = stats[metric].target[pair];
          const got = [s.quantiles.p01, s.quantiles.p05, s.quantiles.p25, s.median, s.quantiles.p75, s.quantiles.p95, s.quantiles.p99];
          PS.forEach((p, i) =>
            expect(Math.abs(got[i] - refQuantile(values, p)), `d ${d} ${metric} ${pair} (n ${values.length}) p ${p}`).toBeLessThanOrEqual(1e-4 + 4e-6),
          );
        });
      }
    }
  });
});
