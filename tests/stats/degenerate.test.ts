import { describe, expect, it } from 'vitest';
import { PAIR_TYPES } from '../../src/analysis/output-schema.ts';
import { computeLayerStats } from '../../src/analysis/stats/layer-stats.ts';
import { randomMatrix } from './reference.ts';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('neurons that do not vary', () => {
  it('counts their similarities as undefined and leaves them out', async () => {
    const rows = 12;
    const d = 8;
    const m = 3 * d;
    const target = randomMatrix(rows, m, 7);
    const nontarget = randomMatrix(rows, m, 8);
    for (let s = 0; s < rows; s++) {
      target[s * m + 2] = 0; // Q2: zero everywhere: both metrics undefined
      target[s * m + d + 5] = 3.5; // K5: constant: correlation undefined, cosine defined
    }
    const { stats, previews } = await computeLayerStats({ layer: 3, target, nontarget, nSentences: rows, nEmbd: d, nHead: 2, seed: 1 });
    expect(stats.cosine.zeroNorm.target).toEqual([2]);
    expect(stats.correlation.zeroNorm.target).toEqual([2, d + 5]);
    expect(stats.cosine.zeroNorm.nontarget).toEqual([]);
    const c = stats.cosine.target;
    // Q2 is in (d-1) QQ pairs, d QK pairs, d QV pairs
    expect(c.QQ.undefined).toBe(d - 1);
    expect(c.QQ.n).toBe((d * (d - 1)) / 2 - (d - 1));
    expect(c.QK.undefined).toBe(d);
    expect(c.QV.undefined).toBe(d);
    expect(c.KK.undefined + c.VV.undefined + c.KV.undefined).toBe(0);
    const r = stats.correlation.target;
    expect(r.KK.undefined).toBe(d - 1);
    expect(r.QK.undefined).toBe(d + d - 1); // Q2 row (d) + K5 column (d), shared once
    expect(r.KV.undefined).toBe(d);
    for (const metric of ['cosine', 'correlation'] as const)
      for (const p of PAIR_TYPES) {
        const s = stats[metric].target[p];
        expect(s.n + s.undefined).toBe(p.length === 2 && p[0] === p[1] ? (d * (d - 1)) / 2 : d * d);
        if (s.n > 0) expect(sum(s.density) * 0.02).toBeCloseTo(1, 9);
      }
    expect(stats.warnings.some((w) => w.includes('target, cosine: 1 neuron'))).toBe(true);
    expect(stats.warnings.some((w) => w.includes('target, correlation: 2 neurons'))).toBe(true);
    const json = JSON.stringify(stats);
    expect(json).not.toMatch(/NaN|null|Infinity/);
    // the preview samples every neuron here (stride 1): undefined entries are NaN, the rest defined
    const undefinedNeurons = { cosine: [2], correlation: [2, d + 5] } as const;
    for (const metric of ['cosine', 'correlation'] as const) {
      const p = previews[metric];
      expect(p.stride).toBe(1);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < m; j++) {
          const bad = (undefinedNeurons[metric] as readonly number[]).some((k) => k === i || k === j);
          expect(Number.isNaN(p.target[i * m + j]), `${metric} ${i},${j}`).toBe(bad);
        }
    }
  });
});

describe('a one-sentence set', () => {
  it('reports correlation undefined everywhere, with a clear warning and exact counts', async () => {
    const d = 6;
    const m = 3 * d;
    const target = randomMatrix(1, m, 3);
    const nontarget = randomMatrix(1, m, 4);
    const { stats } = await computeLayerStats({ layer: 0, target, nontarget, nSentences: 1, nEmbd: d, nHead: 2, seed: 9 });
    for (const condition of ['target', 'nontarget', 'shuffled', 'shuffledPerNeuron'] as const)
      for (const p of PAIR_TYPES) {
        const s = stats.correlation[condition][p];
        expect(s.n).toBe(0);
        expect(s.undefined).toBe(p[0] === p[1] ? (d * (d - 1)) / 2 : d * d);
        expect(s.density.every((v) => v === 0)).toBe(true);
        expect([s.mean, s.sd, s.median, s.min, s.max]).toEqual([0, 0, 0, 0, 0]);
      }
    // With one sentence every cosine is ±1 (the sign of the product).
    expect(stats.cosine.target.QK.n).toBe(d * d);
    expect(Math.abs(stats.cosine.target.QK.min)).toBeCloseTo(1, 6);
    expect(stats.correlation.zeroNorm.target).toHaveLength(m);
    expect(stats.warnings.some((w) => /single sentence/.test(w))).toBe(true);
    expect(stats.warnings.some((w) => /Example sentences 1 and 40/.test(w))).toBe(true);
    expect(stats.examples.sentences).toEqual([0, 0]);
    expect(stats.examples.neurons).toEqual([123 > m - 1 ? m - 1 : 123, m - 1]);
    expect(JSON.stringify(stats)).not.toMatch(/NaN|null|Infinity/);
  });
});

describe('non-finite activations', () => {
  it.each([NaN, Infinity, -Infinity])('%s: one clear error naming the layer, sentence and neuron', async (bad) => {
    const rows = 5;
    const d = 16;
    const m = 3 * d;
    const target = randomMatrix(rows, m, 3);
    const nontarget = randomMatrix(rows, m, 4);
    nontarget[2 * m + d + 7] = bad; // sentence 2, K7
    await expect(computeLayerStats({ layer: 4, target, nontarget, nSentences: rows, nEmbd: d, nHead: 2, seed: 1 })).rejects.toThrow(
      new RegExp(`nontarget activations hold ${String(bad).replace('+', '')} at sentence 2, neuron K7[\\s\\S]*layer 4`),
    );
  });
});
