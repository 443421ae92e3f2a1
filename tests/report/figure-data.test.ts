import { describe, expect, it } from 'vitest';
import { exampleNeuronSimilarity, headDomain, pooledHistogram, qqRowStarts } from '../../src/analysis/report/figures.ts';
import { layerStats, summary } from './synthetic.ts';

describe('the data of the new figures', () => {
  it('states the example neurons’ cosine and correlation, as numpy computes them', () => {
    const stats = layerStats(2, { nSentences: 4 });
    stats.examples.neuronValues = [
      [1, 2, 3, 4],
      [2, 1, 4, 3],
    ];
    const { cosine, correlation } = exampleNeuronSimilarity(stats);
    // by hand: a·b = 2+2+12+12 = 28, |a|² = |b|² = 30; centred: a' = (−1.5, −.5, .5, 1.5), b' = (−.5, −1.5, 1.5, .5), a'·b' = 3, |a'|² = 5
    expect(cosine).toBeCloseTo(28 / 30, 15);
    expect(correlation).toBeCloseTo(3 / 5, 15);
    stats.examples.neuronValues = [
      [1, 1, 1, 1],
      [2, 1, 4, 3],
    ];
    expect(exampleNeuronSimilarity(stats).correlation).toBeNaN();
  });

  it('pools all six pair types into one histogram per condition, weighted by counts', () => {
    const stats = layerStats(1);
    stats.cosine.target.QQ = summary(0.1, { n: 100 });
    stats.cosine.target.QK = summary(0.3, { n: 300 });
    const data = pooledHistogram(stats, 'cosine');
    expect(data.styles.map((s) => s.key)).toEqual(['target', 'nontarget', 'shuffled']);
    const target = data.points.filter((p) => p.series === 'target');
    expect(target).toHaveLength(100);
    const pairs = ['QQ', 'KK', 'VV', 'QK', 'QV', 'KV'] as const;
    const total = pairs.reduce((n, p) => n + stats.cosine.target[p].n, 0);
    const want = (i: number) => pairs.reduce((sum, p) => sum + stats.cosine.target[p].density[i] * stats.cosine.target[p].n, 0) / total;
    for (const i of [10, 50, 77]) expect(target[i].y).toBeCloseTo(want(i), 3);
    expect(data.summaries[0].summary.n).toBe(total);
  });

  it('marks where each row of the QQ upper triangle begins, skipping undefined neurons', () => {
    const stats = layerStats(1, { nEmbd: 5 });
    stats.qqSequence = Array(10).fill(0); // 4 + 3 + 2 + 1
    expect(qqRowStarts(stats, 'cosine', 5)).toEqual([0, 4, 7, 9]);
    stats.cosine.zeroNorm.target = [1, 12]; // Q1 undefined (12 is a V neuron): rows 0, 2, 3 with 3, 2, 1 values
    stats.qqSequence = Array(6).fill(0);
    expect(qqRowStarts(stats, 'cosine', 5)).toEqual([0, 3, 5]);
    stats.qqSequence = Array(4).fill(0); // cut short, as the 20,000 are
    expect(qqRowStarts(stats, 'cosine', 5)).toEqual([0, 3]);
  });

  it('takes the head tables’ colour range from the values shown', () => {
    expect(
      headDomain([
        [
          [0.2, 0.3],
          [0.25, 0.5],
        ],
        [
          [0.21, 0.22],
          [0.4, 0.35],
        ],
      ]),
    ).toEqual([0.2, 0.5]);
    expect(headDomain([[[0.3, 0.3]]])).toEqual([0.29, 0.31]);
  });
});
