import { describe, expect, it } from 'vitest';
import { columnStats } from '../../src/analysis/stats/columns.ts';
import { transpose } from '../../src/analysis/stats/transpose.ts';
import { compareFine } from '../../src/analysis/stats/distances.ts';
import { completeScan } from '../../src/analysis/stats/exact.ts';
import { gramMargin } from '../../src/analysis/stats/gram.ts';
import { scanSimilarities } from '../../src/analysis/stats/scan.ts';
import { randomMatrix } from './reference.ts';

/**
 * The scan's two kernels on the same Gram: float32 lanes (one chunk, no sums: what
 * the statistics use up to 256 sentences) against float64 lanes (asked for sums).
 * Every value must land in the same report bin, the same values must be
 * recomputed in float64, and the rest may differ only by float32 rounding.
 */
async function bothKernels(x: Float32Array, rows: number, m: number, nHead: number) {
  const cols = columnStats(rows, m, transpose(x, rows, m));
  const options = { margin: gramMargin(rows), nHead, qqLimit: 0 };
  const f32 = await scanSimilarities(cols, { ...options, sums: false });
  const f64 = await scanSimilarities(cols, { ...options, sums: true });
  return { f32, f64 };
}

/** Activations whose similarities sit on report edges: with two sentences every
 * correlation is ±1, and repeated columns give cosines of exactly ±1 or 0.5-like steps. */
function edgeHeavy(rows: number, m: number, seed: number): Float32Array {
  const x = randomMatrix(rows, m, seed);
  // every third column a copy (or a negated copy) of its left neighbour
  for (let c = 1; c < m; c += 3) for (let s = 0; s < rows; s++) x[s * m + c] = (c % 2 ? 1 : -1) * x[s * m + c - 1];
  return x;
}

describe('float32 scan lanes', () => {
  const cases: [string, number, number, number, Float32Array][] = [];
  for (const [rows, d, nHead, seed] of [
    [54, 96, 4, 1],
    [7, 60, 3, 2],
    [3, 48, 2, 3],
    [2, 40, 2, 4],
  ] as const) {
    cases.push([`${rows} sentences, random`, rows, 3 * d, nHead, randomMatrix(rows, 3 * d, seed)]);
    cases.push([`${rows} sentences, on edges`, rows, 3 * d, nHead, edgeHeavy(rows, 3 * d, seed + 10)]);
  }

  it.each(cases)('%s: same report bins, flags and counts as float64 lanes', async (_name, rows, m, nHead, x) => {
    const { f32, f64 } = await bothKernels(x, rows, m, nHead);
    for (let metric = 0; metric < 2; metric++) {
      expect(f32.exact[metric].pair).toEqual(f64.exact[metric].pair);
      expect(f32.exact[metric].value).toEqual(f64.exact[metric].value);
    }
    const a = completeScan(f32);
    const b = completeScan(f64);
    for (let metric = 0; metric < 2; metric++) {
      for (let pair = 0; pair < 6; pair++) {
        const p = a[metric][pair];
        const q = b[metric][pair];
        expect(p.count).toBe(q.count);
        expect(Array.from(p.coarse)).toEqual(Array.from(q.coarse));
        expect(p.over05).toBe(q.over05);
        // float32 cosines: within 5·2⁻²⁴ of float64 (correlations are the same float32 Gram entries)
        expect(Math.abs(p.min - q.min)).toBeLessThanOrEqual(3.1e-7);
        expect(Math.abs(p.max - q.max)).toBeLessThanOrEqual(3.1e-7);
        expect(Math.abs(p.sumAbs - q.sumAbs)).toBeLessThanOrEqual(1e-6 * Math.max(1, q.sumAbs));
        // fine bins: a value may move to a neighbouring bin only when float32 rounding
        // (≤ 5e-7, ~0.005 of a fine bin) straddles that bin's edge: about 1 % of values at
        // most (repeated columns repeat values, so a few more here), each by one bin
        let moved = 0;
        let total = 0;
        for (let f = 0; f < p.fine.length; f++) {
          moved += Math.abs(p.fine[f] - q.fine[f]);
          total += p.fine[f];
        }
        expect(total).toBe(p.count);
        expect(moved).toBeLessThanOrEqual(Math.max(2, 0.02 * p.count));
        // by one bin: the histograms' Wasserstein distance is the moved share × 1e-4
        const w = compareFine(p.fine, p.count, q.fine, q.count, 1, 1).wasserstein;
        expect(w).toBeLessThanOrEqual((moved / 2 / p.count) * 1e-4 + 1e-15);
      }
    }
    // per-head Σ|x| (the head tables): float32 sums within a head, float64 across
    for (let metric = 0; metric < 2; metric++) {
      const h32 = f32.headSums[metric];
      const h64 = f64.headSums[metric];
      for (let k = 0; k < h32.length; k++) expect(Math.abs(h32[k] - h64[k])).toBeLessThanOrEqual(1e-6 * Math.max(1, h64[k]));
    }
  });
});
