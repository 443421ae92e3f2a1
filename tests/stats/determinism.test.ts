import { describe, expect, it } from 'vitest';
import { shuffleAll, shuffleAllTransposed, shufflePerNeuron, shufflePerNeuronTransposed } from '../../src/analysis/stats/baselines.ts';
import { transpose } from '../../src/analysis/stats/transpose.ts';
import { createRandom } from '../../src/analysis/stats/random.ts';
import { computeLayerStats } from '../../src/analysis/stats/layer-stats.ts';
import { randomMatrix } from './reference.ts';

describe('seeded baselines', () => {
  const rows = 20;
  const cols = 30;
  const x = randomMatrix(rows, cols, 11);

  it('same seed, same permutations; another seed or layer, others', () => {
    expect(shuffleAll(x, 1)).toEqual(shuffleAll(x, 1));
    expect(shufflePerNeuron(x, rows, cols, 1)).toEqual(shufflePerNeuron(x, rows, cols, 1));
    expect(shuffleAll(x, 1)).not.toEqual(shuffleAll(x, 2));
    expect(shufflePerNeuron(x, rows, cols, 1)).not.toEqual(shufflePerNeuron(x, rows, cols, 2));
    expect(shuffleAll(x, 1, 0)).not.toEqual(shuffleAll(x, 1, 1));
  });

  it('permutes: the same multiset of values; per neuron, each column’s own values', () => {
    const sorted = (a: Float32Array) => Array.from(a).sort((p, q) => p - q);
    expect(sorted(shuffleAll(x, 5))).toEqual(sorted(x));
    const p = shufflePerNeuron(x, rows, cols, 5);
    for (let c = 0; c < cols; c++) {
      const col = (a: Float32Array) => Array.from({ length: rows }, (_, s) => a[s * cols + c]).sort((u, v) => u - v);
      expect(col(p)).toEqual(col(x));
    }
  });

  it('the neuron-major baselines the statistics use are the row-major ones, transposed, bit for bit', () => {
    // 37 × 53 entries: more than one batch of draws (1,024), rows ≠ columns
    const r = 37;
    const c = 53;
    const y = randomMatrix(r, c, 12);
    const yT = transpose(y, r, c);
    expect(shuffleAllTransposed(yT, r, c, 3, 4)).toEqual(transpose(shuffleAll(y, 3, 4), r, c));
    expect(shufflePerNeuronTransposed(yT, r, c, 3, 4)).toEqual(transpose(shufflePerNeuron(y, r, c, 3, 4), r, c));
    // the input is left as it was: the measured condition reads the same array
    expect(yT).toEqual(transpose(y, r, c));
  });

  it('the generator is uniform enough and reproducible', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const counts = new Array(10).fill(0);
    for (let k = 0; k < 100_000; k++) {
      const v = a.nextBelow(10);
      expect(v).toBe(b.nextBelow(10));
      counts[v]++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('computeLayerStats: identical baselines for the same seed, different for another', async () => {
    const d = 6;
    const m = 3 * d;
    const target = randomMatrix(15, m, 1);
    const nontarget = randomMatrix(15, m, 2);
    const run = (seed: number) => computeLayerStats({ layer: 2, target, nontarget, nSentences: 15, nEmbd: d, nHead: 2, seed });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect(a.stats.cosine.shuffled).toEqual(b.stats.cosine.shuffled);
    expect(a.stats.correlation.shuffledPerNeuron).toEqual(b.stats.correlation.shuffledPerNeuron);
    expect(a.stats.cosine.shuffled).not.toEqual(c.stats.cosine.shuffled);
    expect(a.stats.cosine.target).toEqual(c.stats.cosine.target);
  });
});
