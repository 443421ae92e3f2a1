import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerStats } from '../../src/analysis/output-schema.ts';
import { decodeNpy } from '../../src/analysis/io/npy.ts';
import { distinctRows } from '../../src/analysis/stats/distinct-rows.ts';
import { transpose } from '../../src/analysis/stats/transpose.ts';
import { computeLayerStats } from '../../src/analysis/stats/layer-stats.ts';
import { randomMatrix, refSimilarity } from './reference.ts';

/**
 * The QQ block's facts (variance shares of |x| by row and by head, both metrics' QQ
 * sequences) and the distinct-row counts, against plain float64 computations written here.
 */

/** The Q columns alone ([rows, d]): their similarities are the QQ block. */
function qColumns(x: Float32Array, rows: number, m: number, d: number): Float32Array {
  const out = new Float32Array(rows * d);
  for (let s = 0; s < rows; s++) out.set(x.subarray(s * m, s * m + d), s * d);
  return out;
}

/** R² of predicting |x_ij| (i < j) by its group's mean, in residual form: 1 − Σ(y − ŷ)² / Σ(y − ȳ)². */
function refR2(g: Float64Array, d: number, group: (i: number, j: number) => string): { r2: number; groups: number; n: number } {
  const values: { y: number; key: string }[] = [];
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) if (Number.isFinite(g[i * d + j])) values.push({ y: Math.abs(g[i * d + j]), key: group(i, j) });
  const sums = new Map<string, { s: number; n: number }>();
  for (const { y, key } of values) {
    const e = sums.get(key) ?? { s: 0, n: 0 };
    e.s += y;
    e.n += 1;
    sums.set(key, e);
  }
  const mean = values.reduce((a, v) => a + v.y, 0) / values.length;
  let residual = 0;
  let total = 0;
  for (const { y, key } of values) {
    const e = sums.get(key)!;
    residual += (y - e.s / e.n) ** 2;
    total += (y - mean) ** 2;
  }
  return { r2: 1 - residual / total, groups: sums.size, n: values.length };
}

function expectShares(stats: LayerStats, x: Float32Array, rows: number, d: number, nHead: number): void {
  const dh = d / nHead;
  const h = (i: number) => Math.floor(i / dh);
  for (const [metric, centre] of [
    ['cosine', false],
    ['correlation', true],
  ] as const) {
    const g = refSimilarity(qColumns(x, rows, 3 * d, d), rows, d, centre);
    const got = stats[metric].qqVariance.target;
    const cases = [
      [got.rows, refR2(g, d, (i) => `${i}`)],
      [got.headPairs, refR2(g, d, (i, j) => `${h(i)},${h(j)}`)],
      [got.rowsByHead, refR2(g, d, (i, j) => `${i},${h(j)}`)],
    ] as const;
    for (const [share, ref] of cases) {
      expect(got.n).toBe(ref.n);
      expect(share.groups).toBe(ref.groups);
      expect(Math.abs(share.r2 - ref.r2)).toBeLessThan(1e-9);
      expect(Math.abs(share.adjustedR2 - (1 - ((1 - ref.r2) * (ref.n - 1)) / (ref.n - ref.groups)))).toBeLessThan(1e-9);
    }
    // the sequence: QQcs_trg[:20000], row by row over the upper triangle
    const sequence = metric === 'cosine' ? stats.qqSequence : stats.qqSequenceCorrelation;
    const want: number[] = [];
    for (let i = 0; i < d && want.length < 20000; i++) for (let j = i + 1; j < d && want.length < 20000; j++) want.push(g[i * d + j]);
    expect(sequence).toHaveLength(want.length);
    for (let k = 0; k < want.length; k++) expect(Math.abs(sequence[k] - want[k])).toBeLessThan(1e-12);
  }
}

describe('the QQ block on small random sets', () => {
  it('variance shares by row, head pair and row × head match a float64 reference', async () => {
    for (const [rows, d, nHead, seed] of [
      [9, 12, 3, 1],
      [30, 16, 4, 2],
      [5, 6, 2, 3],
    ]) {
      const m = 3 * d;
      const target = randomMatrix(rows, m, seed);
      const { stats } = await computeLayerStats({ layer: 0, target, nontarget: randomMatrix(rows, m, seed + 9), nSentences: rows, nEmbd: d, nHead, seed });
      expectShares(stats, target, rows, d, nHead);
    }
  });

  it('finds planted head structure, and rows explain it only as far as rows carry it', async () => {
    // Q neurons of head h share a common signal: |x| is high within a head, low across
    const rows = 40;
    const d = 16;
    const nHead = 4;
    const m = 3 * d;
    const target = randomMatrix(rows, m, 5);
    const common = randomMatrix(rows, nHead, 6);
    for (let s = 0; s < rows; s++) for (let i = 0; i < d; i++) target[s * m + i] = 0.3 * target[s * m + i] + common[s * nHead + Math.floor(i / 4)] * 2;
    const { stats } = await computeLayerStats({ layer: 0, target, nontarget: randomMatrix(rows, m, 7), nSentences: rows, nEmbd: d, nHead, seed: 1 });
    const v = stats.correlation.qqVariance.target;
    expect(v.headPairs.r2).toBeGreaterThan(0.8);
    expect(v.rowsByHead.r2).toBeGreaterThan(v.rows.r2 + 0.3);
    expectShares(stats, target, rows, d, nHead);
  });
});

describe('layer 6 of GPT-2 (54 sentences)', () => {
  let stats: LayerStats;
  let target: Float32Array;
  beforeAll(async () => {
    const dir = fileURLToPath(new URL('../fixtures/stats/', import.meta.url));
    const load = (name: string) => decodeNpy(new Uint8Array(readFileSync(dir + name)), name).data as Float32Array;
    target = load('layer6-target.npy');
    ({ stats } = await computeLayerStats({ layer: 6, target, nontarget: load('layer6-nontarget.npy'), nSentences: 54, nEmbd: 768, nHead: 12, seed: 1 }));
  }, 60_000);

  it('variance shares and both QQ sequences match the float64 reference', () => {
    expectShares(stats, target, 54, 768, 12);
  }, 60_000);

  it('counts distinct activation rows', () => {
    // "They asked her for advice." and "They asked her to join." share the prefix "They
    // asked her": a causal model gives both the same activations at "her" and at "asked"
    expect(stats.distinctRows.target).toBe(53);
    expect(stats.distinctRows.nontarget).toBe(53);
  });
});

describe('distinct rows', () => {
  it('counts rows equal bit for bit once', () => {
    const x = new Float32Array([1, 2, 3, 1, 2, 3, 1, 2, 4, 0, 0, 0, -0, 0, 0]);
    // rows: [1,2,3] twice, [1,2,4], [0,0,0] and [-0,0,0] (different bits)
    // distinctRows reads the statistics' neuron-major layout
    expect(distinctRows(transpose(x, 5, 3), 5, 3)).toBe(4);
    expect(distinctRows(transpose(x.subarray(3), 2, 3), 2, 3)).toBe(2);
    // more rows than one gathered tile (64), and equal rows in different tiles
    const many = new Float32Array(150 * 3).map((_, k) => Math.floor(k / 3) % 7);
    expect(distinctRows(transpose(many, 150, 3), 150, 3)).toBe(7);
  });
});
