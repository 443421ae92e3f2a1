import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpyFloat32 } from '../../src/analysis/io/npy.ts';
import {
  METRICS,
  PAIR_TYPES,
  type Comparison,
  type LayerStats,
  type Manifest,
  type MetricStats,
  type PairType,
  type Pairs,
  type Summary,
} from '../../src/analysis/output-schema.ts';

/** Synthetic analysis output (output-schema.ts, schema 1) with chosen spreads, for the report's tests. */

export const EDGES = Array.from({ length: 101 }, (_, i) => Math.round((-1 + i * 0.02) * 1e12) / 1e12);

/** A summary whose density is a normal curve of the given mean and SD, binned on EDGES. */
export function summary(sd: number, options: { mean?: number; n?: number; undefined?: number } = {}): Summary {
  const mean = options.mean ?? 0;
  const n = options.n ?? 1000;
  const centres = EDGES.slice(0, -1).map((e) => e + 0.01);
  const raw = centres.map((x) => (sd > 0 ? Math.exp(-(((x - mean) / sd) ** 2) / 2) : 0));
  const total = raw.reduce((a, b) => a + b, 0) * 0.02 || 1;
  return {
    n,
    undefined: options.undefined ?? 0,
    density: raw.map((v) => v / total),
    mean,
    sd,
    median: mean,
    quantiles: { p01: mean - 2.3 * sd, p05: mean - 1.6 * sd, p25: mean - 0.67 * sd, p75: mean + 0.67 * sd, p95: mean + 1.6 * sd, p99: mean + 2.3 * sd },
    meanAbs: sd * 0.8,
    shareAbsOver05: 0.1,
    min: mean - 3 * sd,
    max: mean + 3 * sd,
  };
}

function pairs<T>(make: (pair: PairType) => T): Pairs<T> {
  return Object.fromEntries(PAIR_TYPES.map((pair) => [pair, make(pair)])) as Pairs<T>;
}

export interface Spreads {
  target?: Partial<Record<PairType, number>>;
  nontarget?: Partial<Record<PairType, number>>;
  shuffled?: number;
  shuffledPerNeuron?: number;
}

export function metricStats(spreads: Spreads = {}, nHead = 2): MetricStats {
  const sd = (condition: 'target' | 'nontarget', pair: PairType) => spreads[condition]?.[pair] ?? (condition === 'target' ? 0.2 : 0.15);
  const comparison = (a: number, b: number): Comparison => ({ ks: Math.abs(a - b), wasserstein: Math.abs(a - b) / 2, sdRatio: a / b });
  const shuffled = spreads.shuffled ?? 0.1;
  const perNeuron = spreads.shuffledPerNeuron ?? 0.11;
  const head = (v: number) => Array.from({ length: nHead }, (_, i) => Array.from({ length: nHead }, (_, j) => (i === j ? v : v / 2)));
  return {
    target: pairs((pair) => summary(sd('target', pair))),
    nontarget: pairs((pair) => summary(sd('nontarget', pair))),
    shuffled: pairs(() => summary(shuffled)),
    shuffledPerNeuron: pairs(() => summary(perNeuron)),
    comparisons: {
      targetVsNontarget: pairs((pair) => comparison(sd('target', pair), sd('nontarget', pair))),
      targetVsShuffled: pairs((pair) => comparison(sd('target', pair), shuffled)),
      targetVsShuffledPerNeuron: pairs((pair) => comparison(sd('target', pair), perNeuron)),
      nontargetVsShuffled: pairs((pair) => comparison(sd('nontarget', pair), shuffled)),
      nontargetVsShuffledPerNeuron: pairs((pair) => comparison(sd('nontarget', pair), perNeuron)),
    },
    heads: { target: pairs(() => head(0.3)), nontarget: pairs(() => head(0.2)) },
    zeroNorm: { target: [], nontarget: [] },
    qqVariance: { target: variance, nontarget: variance },
  };
}

const share = (r2: number, groups: number) => ({ groups, r2, adjustedR2: r2 - 0.001 });
const variance = { n: 28, rows: share(0.6, 7), headPairs: share(0.1, 3), rowsByHead: share(0.65, 14) };

export function layerStats(
  layer: number,
  options: { nEmbd?: number; nHead?: number; nSentences?: number; cosine?: Spreads; correlation?: Spreads } = {},
): LayerStats {
  const d = options.nEmbd ?? 8;
  const nHead = options.nHead ?? 2;
  const n = options.nSentences ?? 3;
  const wave = (k: number) => Array.from({ length: 3 * d }, (_, i) => Math.sin(i + k + layer));
  return {
    layer,
    edges: EDGES,
    cosine: metricStats(options.cosine, nHead),
    correlation: metricStats(options.correlation, nHead),
    tokenAverage: { target: wave(0), nontarget: wave(1) },
    qqSequence: Array.from({ length: (d * (d - 1)) / 2 }, (_, i) => Math.cos(i)),
    qqSequenceCorrelation: Array.from({ length: (d * (d - 1)) / 2 }, (_, i) => Math.sin(i)),
    distinctRows: { target: n, nontarget: n },
    examples: {
      sentences: [0, Math.min(1, n - 1)],
      neurons: [0, 1],
      sentenceVectors: { q: [wave(0).slice(0, d), wave(2).slice(0, d)], k: [wave(3).slice(0, d), wave(4).slice(0, d)] },
      neuronValues: [Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, (_, i) => -i)],
    },
    warnings: [],
  };
}

export interface SyntheticOptions {
  name?: string;
  layers?: number[];
  nEmbd?: number;
  nHead?: number;
  sentences?: { text: string; tokens: string[]; target: number; nontarget: number }[];
  statsFor?: (layer: number) => LayerStats;
}

/** Writes a complete analysis output folder (manifest, stats, previews, activations). */
export function writeSyntheticAnalysis(dir: string, options: SyntheticOptions = {}): Manifest {
  const d = options.nEmbd ?? 8;
  const nHead = options.nHead ?? 2;
  const layers = options.layers ?? [0, 1, 2];
  const sentences = options.sentences ?? [
    { text: 'I saw her.', tokens: ['I', ' saw', ' her', '.'], target: 2, nontarget: 1 },
    { text: 'We met her there.', tokens: ['We', ' met', ' her', ' there', '.'], target: 2, nontarget: 1 },
    { text: '=cmd <b>her</b>', tokens: ['=', 'cmd', ' <', 'b', '>', 'her', '</', 'b', '>'], target: 5, nontarget: 4 },
  ];
  mkdirSync(join(dir, 'stats'), { recursive: true });
  mkdirSync(join(dir, 'activations'), { recursive: true });
  for (const layer of layers) {
    const stats = options.statsFor?.(layer) ?? layerStats(layer, { nEmbd: d, nHead, nSentences: sentences.length });
    writeFileSync(join(dir, 'stats', `layer-${layer}.json`), JSON.stringify(stats));
    const side = 3 * d;
    const matrix = new Float32Array(side * side).map((_, i) => (i % (side + 1) === 0 ? 1 : Math.sin(i) * 0.5));
    for (const metric of METRICS) {
      for (const condition of ['target', 'nontarget']) {
        writeFileSync(join(dir, 'stats', `layer-${layer}-similarity-${metric}-${condition}.npy`), encodeNpyFloat32(matrix, [side, side]));
      }
    }
    const activations = new Float32Array(sentences.length * side).map((_, i) => Math.cos(i));
    for (const condition of ['target', 'nontarget']) {
      writeFileSync(join(dir, 'activations', `layer-${layer}-${condition}.npy`), encodeNpyFloat32(activations, [sentences.length, side]));
    }
  }
  const manifest: Manifest = {
    schema: 1,
    model: { id: 'test/synthetic', revision: 'abc1234def', n_layer: Math.max(...layers) + 1, n_head: nHead, n_embd: d },
    set: {
      name: options.name ?? 'synthetic',
      title: 'Synthetic <set>',
      description: 'A *test* set with <script>alert(1)</script>.',
      target: ' her',
      compare: 'previous',
      seed: 1,
      hash: '0'.repeat(64),
    },
    sentences: sentences.map((s) => ({ ...s, ids: s.tokens.map((_, i) => i) })),
    layers,
    seconds: { load: 0, forward: 0, stats: 0 },
    versions: {},
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}
