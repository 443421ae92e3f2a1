import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAIR_TYPES } from '../../src/analysis/output-schema.ts';
import { columnStats } from '../../src/analysis/stats/columns.ts';
import { transpose } from '../../src/analysis/stats/transpose.ts';
import { compareFine } from '../../src/analysis/stats/distances.ts';
import { correlationGram, gramMargin } from '../../src/analysis/stats/gram.ts';
import { FINE_LENGTH, fineBin, fineQuantiles, numpyBin, numpyDensity, numpyEdges } from '../../src/analysis/stats/histogram.ts';
import { computeLayerStats } from '../../src/analysis/stats/layer-stats.ts';
import { extractPair } from '../../src/analysis/stats/pair-mask.ts';
import {
  MASK_OF_PAIR,
  REF_EDGES,
  randomMatrix,
  refHistogram,
  refKs,
  refMaskValues,
  refMean,
  refQuantile,
  refSd,
  refSimilarity,
  refWasserstein,
} from './reference.ts';

const shapes = fc.record({
  rows: fc.integer({ min: 2, max: 40 }),
  nHead: fc.integer({ min: 1, max: 3 }),
  dHead: fc.integer({ min: 1, max: 9 }), // from 4 up, rows take the float32 lanes four at a time
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

describe('Gram', () => {
  it('matches a float64 computation to 1e-5, both metrics, every entry', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async ({ rows, nHead, dHead, seed }) => {
        const d = nHead * dHead;
        const m = 3 * d;
        const x = randomMatrix(rows, m, seed);
        const cols = columnStats(rows, m, transpose(x, rows, m));
        const g = await correlationGram(x, cols);
        const corr = refSimilarity(x, rows, m, true);
        const cos = refSimilarity(x, rows, m, false);
        const bound = Math.min(1e-5, gramMargin(rows));
        for (let i = 0; i < m; i++)
          for (let j = i + 1; j < m; j++) {
            const r = g[i * m + j];
            expect(Math.abs(r - corr[i * m + j])).toBeLessThanOrEqual(bound);
            const c = cols.a[i] * cols.a[j] * r + cols.b[i] * cols.b[j];
            expect(Math.abs(c - cos[i * m + j])).toBeLessThanOrEqual(bound);
          }
      }),
      { numRuns: 25 },
    );
  });
});

describe('pair mask', () => {
  it('extracts the same values in the same order as cossim[matrixMask == k]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 1000 }), (d, seed) => {
        const m = 3 * d;
        const g = Float64Array.from(randomMatrix(m, m, seed));
        PAIR_TYPES.forEach((p, k) => {
          expect(Array.from(extractPair(g, d, p))).toEqual(refMaskValues(g, d, MASK_OF_PAIR[k]));
        });
      }),
      { numRuns: 30 },
    );
  });
});

describe('report histogram', () => {
  const edges = numpyEdges();
  it('has numpy’s edges', () => expect(Array.from(edges)).toEqual(REF_EDGES));

  const nearEdge = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: -3, max: 3 })).map(([k, ulps]) => {
    let v = REF_EDGES[k];
    for (let u = 0; u < Math.abs(ulps); u++) v = ulps > 0 ? nextUp(v) : nextDown(v);
    return v;
  });
  const value = fc.oneof(
    fc.double({ min: -1.1, max: 1.1, noNaN: true }),
    nearEdge,
    fc.constantFrom(-1, 1, 0, 0.5, -0.5, nextUp(1), nextDown(-1), 1.0000001, -1.0000001),
  );

  it('bins and normalises as np.histogram(density=True), edges and ±1 included', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), (values) => {
        const counts = new Float64Array(100);
        for (const v of values) {
          const k = numpyBin(v);
          if (k >= 0) counts[k]++;
        }
        const inside = values.filter((v) => v >= -1 && v <= 1).length;
        const got = numpyDensity(counts);
        if (inside === 0) expect(got.every((v) => v === 0)).toBe(true);
        else expect(got).toEqual(refHistogram(values));
      }),
      { numRuns: 300 },
    );
  });
});

describe('fine histogram statistics', () => {
  const sample = fc.array(fc.double({ min: -1, max: 1, noNaN: true, maxExcluded: true }), { minLength: 2, maxLength: 300 });
  const fine = (values: number[]) => {
    const f = new Uint32Array(FINE_LENGTH);
    for (const v of values) f[fineBin(v)]++;
    return f;
  };

  it('quantiles within one fine bin (1e-4) of np.quantile', () => {
    fc.assert(
      fc.property(sample, fc.double({ min: 0, max: 1, noNaN: true }), (values, p) => {
        const min = Math.min(...values);
        const max = Math.max(...values);
        const [q] = fineQuantiles(fine(values), values.length, [p], min, max);
        expect(Math.abs(q - refQuantile(values, p))).toBeLessThanOrEqual(1e-4 + 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it('KS within the largest one-bin share, Wasserstein within 1e-4', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const fa = fine(a);
        const fb = fine(b);
        const got = compareFine(fa, a.length, fb, b.length, 1, 1);
        let maxShare = 0;
        for (let f = 0; f < FINE_LENGTH; f++) maxShare = Math.max(maxShare, fa[f] / a.length, fb[f] / b.length);
        expect(Math.abs(got.ks - refKs(a, b))).toBeLessThanOrEqual(maxShare + 1e-12);
        expect(Math.abs(got.wasserstein - refWasserstein(a, b))).toBeLessThanOrEqual(1e-4 + 1e-12);
      }),
      { numRuns: 150 },
    );
  });
});

describe('computeLayerStats on small random sets', () => {
  it('densities, n, mean, SD, quantiles and extremes match the plain float64 reference', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async ({ rows, nHead, dHead, seed }) => {
        const d = nHead * dHead;
        const m = 3 * d;
        const target = randomMatrix(rows, m, seed);
        const nontarget = randomMatrix(rows, m, seed ^ 0x5bd1e995);
        const { stats, previews } = await computeLayerStats({ layer: 0, target, nontarget, nSentences: rows, nEmbd: d, nHead, seed });
        for (const [metric, centre] of [
          ['cosine', false],
          ['correlation', true],
        ] as const) {
          for (const [condition, x] of [
            ['target', target],
            ['nontarget', nontarget],
          ] as const) {
            const g = refSimilarity(x, rows, m, centre);
            PAIR_TYPES.forEach((p, k) => {
              const values = refMaskValues(g, d, MASK_OF_PAIR[k]);
              const s = stats[metric][condition][p];
              expect(s.n).toBe(values.length);
              if (values.length === 0) return;
              expect(s.density).toEqual(refHistogram(values).map((v) => (Number.isNaN(v) ? 0 : v)));
              expect(Math.abs(s.mean - refMean(values))).toBeLessThanOrEqual(1e-12);
              // SD from float64 moments: its square (the variance) is exact to ~1e-15, so
              // an SD near 0 (e.g. two sentences, all correlations ±1) is exact to ~3e-8.
              const sd = refSd(values);
              expect(Math.abs(s.sd - sd) <= 1e-9 || Math.abs(s.sd ** 2 - sd ** 2) <= 1e-14).toBe(true);
              expect(Math.abs(s.median - refQuantile(values, 0.5))).toBeLessThanOrEqual(1e-4 + 1e-5);
              expect(Math.abs(s.min - Math.min(...values))).toBeLessThanOrEqual(1e-5);
              expect(Math.abs(s.max - Math.max(...values))).toBeLessThanOrEqual(1e-5);
              const abs = values.map(Math.abs);
              expect(Math.abs(s.meanAbs - refMean(abs))).toBeLessThanOrEqual(1e-5);
              expect(s.shareAbsOver05).toBe(abs.filter((v) => v > 0.5).length / values.length);
            });
            // per-head mean |x| against the reference matrix
            const heads = stats[metric].heads[condition].QK;
            const dh = dHead;
            for (let h1 = 0; h1 < nHead; h1++)
              for (let h2 = 0; h2 < nHead; h2++) {
                let sum = 0;
                for (let i = h1 * dh; i < (h1 + 1) * dh; i++) for (let j = d + h2 * dh; j < d + (h2 + 1) * dh; j++) sum += Math.abs(g[i * m + j]);
                expect(Math.abs(heads[h1][h2] - sum / (dh * dh))).toBeLessThanOrEqual(1e-5);
              }
            // preview with block 1 is the matrix itself
            expect(previews[metric].size).toBe(m);
            const preview = previews[metric][condition];
            for (let q = 0; q < m * m; q++) expect(Math.abs(preview[q] - g[q])).toBeLessThanOrEqual(1e-5);
          }
        }
      }),
      { numRuns: 20 },
    );
  }, 60_000);
});

describe('more sentences than one Gram chunk', () => {
  it('chunked Gram, sums from the entries: densities exact, mean and SD within the Gram margin', async () => {
    for (const [rows, seed] of [
      [600, 3],
      [257, 4],
    ]) {
      const d = 4;
      const m = 3 * d;
      const target = randomMatrix(rows, m, seed);
      const nontarget = randomMatrix(rows, m, seed + 100);
      const { stats } = await computeLayerStats({ layer: 1, target, nontarget, nSentences: rows, nEmbd: d, nHead: 2, seed });
      for (const [metric, centre] of [
        ['cosine', false],
        ['correlation', true],
      ] as const) {
        const g = refSimilarity(target, rows, m, centre);
        PAIR_TYPES.forEach((p, k) => {
          const values = refMaskValues(g, d, MASK_OF_PAIR[k]);
          const s = stats[metric].target[p];
          expect(s.n).toBe(values.length);
          expect(s.density).toEqual(refHistogram(values));
          expect(Math.abs(s.mean - refMean(values))).toBeLessThanOrEqual(gramMargin(rows));
          expect(Math.abs(s.sd - refSd(values))).toBeLessThanOrEqual(gramMargin(rows));
        });
      }
    }
  });
});

function nextUp(x: number): number {
  const b = new Float64Array([x]);
  const i = new BigInt64Array(b.buffer);
  if (x === 0) return Number.MIN_VALUE;
  i[0] += x > 0 ? 1n : -1n;
  return b[0];
}

function nextDown(x: number): number {
  return -nextUp(-x);
}
