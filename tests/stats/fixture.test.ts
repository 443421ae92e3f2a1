import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAIR_TYPES, type LayerStats } from '../../src/analysis/output-schema.ts';
import { decodeNpy } from '../../src/analysis/io/npy.ts';
import { computeLayerStats, type LayerStatsResult } from '../../src/analysis/stats/layer-stats.ts';

const dir = fileURLToPath(new URL('../fixtures/stats/', import.meta.url));
const load = (name: string) => decodeNpy(new Uint8Array(readFileSync(dir + name)), name);

interface Expected {
  [metric: string]: {
    target: Record<string, { n: number; mean: number; sd: number; density: number[] }>;
    nontarget: Record<string, { n: number; mean: number; sd: number; density: number[] }>;
    shuffled: { all: { mean: number; sd: number; density: number[] } };
  };
}

describe('layer 6 of GPT-2 (54 sentences) against the lecture’s numpy', () => {
  let result: LayerStatsResult;
  let stats: LayerStats;
  const expected = JSON.parse(readFileSync(dir + 'layer6-expected.json', 'utf8')) as Expected;

  beforeAll(async () => {
    const target = load('layer6-target.npy');
    const nontarget = load('layer6-nontarget.npy');
    expect(target.shape).toEqual([54, 2304]);
    result = await computeLayerStats({
      layer: 6,
      target: target.data as Float32Array,
      nontarget: nontarget.data as Float32Array,
      nSentences: 54,
      nEmbd: 768,
      nHead: 12,
      seed: 1,
    });
    stats = result.stats;
  }, 60_000);

  for (const metric of ['cosine', 'correlation'] as const) {
    for (const condition of ['target', 'nontarget'] as const) {
      it(`${metric} ${condition}: n, density (1e-6), mean and SD (1e-9)`, () => {
        for (const pair of PAIR_TYPES) {
          const want = expected[metric][condition][pair];
          const got = stats[metric][condition][pair];
          expect(got.n, pair).toBe(want.n);
          expect(got.undefined).toBe(0);
          expect(got.density).toHaveLength(100);
          got.density.forEach((v, k) => expect(Math.abs(v - want.density[k]), `${pair} bin ${k}`).toBeLessThanOrEqual(1e-6));
          expect(Math.abs(got.mean - want.mean), pair).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(got.sd - want.sd), pair).toBeLessThanOrEqual(1e-9);
        }
      });
    }
    it(`${metric} shuffled baseline: SD within 2% of the lecture's`, () => {
      const want = expected[metric].shuffled.all.sd;
      for (const pair of PAIR_TYPES) {
        expect(Math.abs(stats[metric].shuffled[pair].sd / want - 1), pair).toBeLessThan(0.02);
        expect(stats[metric].shuffledPerNeuron[pair].n).toBe(stats[metric].target[pair].n);
      }
    });
  }

  it('has the documented shapes and no NaN or null anywhere', () => {
    expect(stats.edges).toHaveLength(101);
    expect(stats.edges[0]).toBe(-1);
    expect(stats.edges[100]).toBe(1);
    expect(stats.qqSequence).toHaveLength(20000);
    expect(stats.tokenAverage.target).toHaveLength(2304);
    expect(stats.cosine.heads.target.QK).toHaveLength(12);
    expect(stats.cosine.heads.target.QK[0]).toHaveLength(12);
    expect(stats.examples.sentences).toEqual([1, 40]);
    expect(stats.examples.neurons).toEqual([123, 700]);
    expect(stats.examples.sentenceVectors.q[0]).toHaveLength(768);
    expect(stats.examples.neuronValues[0]).toHaveLength(54);
    expect(stats.warnings).toEqual([]);
    const json = JSON.stringify(stats);
    expect(json).not.toMatch(/NaN|null|Infinity/);
    for (const metric of ['cosine', 'correlation'] as const) {
      const p = result.previews[metric];
      expect(p.size).toBe(576);
      expect(p.stride).toBe(4);
      expect(p.target).toHaveLength(576 * 576);
      expect(p.target.every((v) => Number.isFinite(v) && v >= -1.0001 && v <= 1.0001)).toBe(true);
      // the sampled diagonal is each neuron with itself
      for (let k = 0; k < 576; k++) expect(p.target[k * 577]).toBeCloseTo(1, 6);
    }
  });

  it('summaries are coherent: quantiles ordered, min ≤ median ≤ max', () => {
    for (const metric of ['cosine', 'correlation'] as const) {
      for (const pair of PAIR_TYPES) {
        const s = stats[metric].target[pair];
        const q = s.quantiles;
        const seq = [s.min, q.p01, q.p05, q.p25, s.median, q.p75, q.p95, q.p99, s.max];
        for (let k = 1; k < seq.length; k++) expect(seq[k]).toBeGreaterThanOrEqual(seq[k - 1]);
        expect(Math.abs(s.median - s.mean)).toBeLessThan(0.05);
        const c = stats[metric].comparisons.targetVsShuffled[pair];
        expect(c.ks).toBeGreaterThan(0.05);
        expect(c.sdRatio).toBeCloseTo(s.sd / stats[metric].shuffled[pair].sd, 12);
      }
    }
  });
});
