import { beforeAll, describe, expect, it } from 'vitest';
import { PAIR_TYPES, type LayerStats } from '../../src/analysis/output-schema.ts';
import { computeLayerStats } from '../../src/analysis/stats/layer-stats.ts';
import { MASK_OF_PAIR, REF_EDGES, randomMatrix, refHistogram, refMaskValues, refMean, refQuantile, refSd, refSimilarity } from './reference.ts';

/**
 * The two baselines' values, not only their counts, against an independent float64
 * reference: the permutation drawn here from the documented definition (xoshiro128**
 * seeded through splitmix32, stream 2·layer for the all-entries shuffle and 2·layer + 1 for
 * the per-neuron one; Fisher–Yates from the last element down, each draw uniform by
 * rejection), applied the plain way, and the similarities and their statistics computed as
 * the lecture's numpy cells compute them. Nothing here calls src/analysis/stats but
 * computeLayerStats, whose output is checked.
 */

/** xoshiro128** (Blackman & Vigna), its four words from splitmix32; the seed and stream mixed into splitmix32's start as the format documents. */
function generator(seed: number, stream: number): (bound: number) => number {
  let state = ((seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1)) >>> 0;
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = BigInt(state);
    const mul = (a: bigint, b: bigint) => (a * b) & 0xffffffffn;
    z = mul(z ^ (z >> 16n), 0x85ebca6bn);
    z = mul(z ^ (z >> 13n), 0xc2b2ae35n);
    return z ^ (z >> 16n);
  };
  let s = [splitmix(), splitmix(), splitmix(), splitmix()];
  if (!s.some((w) => w !== 0n)) s[0] = 1n; // the all-zero state is a fixed point
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & 0xffffffffn;
  const next = (): bigint => {
    const result = (rotl((s[1] * 5n) & 0xffffffffn, 7n) * 9n) & 0xffffffffn;
    const t = (s[1] << 9n) & 0xffffffffn;
    s = [s[0], s[1], s[2] ^ s[0], s[3] ^ s[1]];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return result;
  };
  // uniform on [0, bound): draws in the top partial range 2³² mod bound are rejected
  return (bound) => {
    const limit = 2n ** 32n - (2n ** 32n % BigInt(bound));
    for (;;) {
      const x = next();
      if (x < limit) return Number(x % BigInt(bound));
    }
  };
}

/** Fisher–Yates over the given indices of `values`, last position first. */
function fisherYates(values: Float32Array, indices: number[], below: (bound: number) => number): void {
  for (let k = indices.length - 1; k > 0; k--) {
    const j = below(k + 1);
    const [p, q] = [indices[k], indices[j]];
    [values[p], values[q]] = [values[q], values[p]];
  }
}

const ROWS = 40;
const D = 16;
const M = 3 * D;
const LAYER = 3;
const SEED = 7;
const MARGIN = 4e-6;

interface Reference {
  n: number;
  mean: number;
  sd: number;
  quantiles: number[];
  meanAbs: number;
  shareAbsOver05: number;
  density: number[];
}

function referenceStats(x: Float32Array, centre: boolean): Reference[] {
  const g = refSimilarity(x, ROWS, M, centre);
  return MASK_OF_PAIR.map((mask) => {
    const values = refMaskValues(g, D, mask);
    return {
      n: values.length,
      mean: refMean(values),
      sd: refSd(values),
      quantiles: [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((p) => refQuantile(values, p)),
      meanAbs: refMean(values.map(Math.abs)),
      shareAbsOver05: values.filter((v) => Math.abs(v) > 0.5).length / values.length,
      density: refHistogram(values, REF_EDGES),
    };
  });
}

describe('the baselines against an independent float64 reference', () => {
  const target = randomMatrix(ROWS, M, 3);
  let stats: LayerStats;
  const shuffled = target.slice();
  const perNeuron = target.slice();

  beforeAll(async () => {
    stats = (await computeLayerStats({ layer: LAYER, target, nontarget: randomMatrix(ROWS, M, 4), nSentences: ROWS, nEmbd: D, nHead: 4, seed: SEED })).stats;
    fisherYates(
      shuffled,
      Array.from({ length: ROWS * M }, (_, i) => i),
      generator(SEED, 2 * LAYER),
    );
    const below = generator(SEED, 2 * LAYER + 1);
    for (let c = 0; c < M; c++)
      fisherYates(
        perNeuron,
        Array.from({ length: ROWS }, (_, s) => s * M + c),
        below,
      );
  });

  it('the reference permutations are permutations, and move most values', () => {
    const sorted = (a: Float32Array) => Array.from(a).sort((p, q) => p - q);
    expect(sorted(shuffled)).toEqual(sorted(target));
    let moved = 0;
    for (let c = 0; c < M; c++) {
      const column = (a: Float32Array) => Array.from({ length: ROWS }, (_, s) => a[s * M + c]);
      expect(column(perNeuron).sort((p, q) => p - q)).toEqual(column(target).sort((p, q) => p - q));
      moved += column(perNeuron).filter((v, s) => v !== target[s * M + c]).length;
    }
    expect(moved).toBeGreaterThan(0.9 * ROWS * M);
  });

  for (const [condition, matrix] of [
    ['shuffled', shuffled],
    ['shuffledPerNeuron', perNeuron],
  ] as const) {
    for (const metric of ['cosine', 'correlation'] as const) {
      it(`${condition}, ${metric}: every pair type's n, mean, SD, quantiles, mean |x|, share |x| > 0.5 and density`, () => {
        const want = referenceStats(matrix, metric === 'correlation');
        PAIR_TYPES.forEach((pair, k) => {
          const got = stats[metric][condition][pair];
          const where = `${condition} ${metric} ${pair}`;
          expect(got.n, where).toBe(want[k].n);
          expect(Math.abs(got.mean - want[k].mean), where).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(got.sd - want[k].sd), where).toBeLessThanOrEqual(1e-9);
          const quantiles = [got.quantiles.p01, got.quantiles.p05, got.quantiles.p25, got.median, got.quantiles.p75, got.quantiles.p95, got.quantiles.p99];
          quantiles.forEach((q, i) => expect(Math.abs(q - want[k].quantiles[i]), `${where} quantile ${i}`).toBeLessThanOrEqual(1e-4 + MARGIN));
          expect(Math.abs(got.meanAbs - want[k].meanAbs), where).toBeLessThanOrEqual(MARGIN);
          expect(got.shareAbsOver05, where).toBe(want[k].shareAbsOver05);
          got.density.forEach((v, b) => expect(Math.abs(v - want[k].density[b]), `${where} bin ${b}`).toBeLessThanOrEqual(1e-9));
        });
      });
    }
  }

  it('differs from a baseline drawn from another stream: the values pin the permutation', () => {
    const other = target.slice();
    const below = generator(SEED, 2 * LAYER); // the all-entries stream, misused per neuron
    for (let c = 0; c < M; c++)
      fisherYates(
        other,
        Array.from({ length: ROWS }, (_, s) => s * M + c),
        below,
      );
    const wrong = referenceStats(other, true);
    const differs = PAIR_TYPES.some((pair, k) => Math.abs(stats.correlation.shuffledPerNeuron[pair].sd - wrong[k].sd) > 1e-6);
    expect(differs).toBe(true);
  });
});
