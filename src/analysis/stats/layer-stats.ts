import { AtlasError } from '../errors.ts';
import { readNpyFloat32 } from '../io/npy-rows.ts';
import { CONDITIONS, METRICS, PAIR_TYPES, type LayerStats, type Metric, type MetricStats, type Pairs, type Summary } from '../output-schema.ts';
import { BLOCK_COUNT, BLOCKS } from '../shapes.ts';
import { distanceTable } from './comparisons.ts';
import { distinctRows } from './distinct-rows.ts';
import type { Detail } from './detail.ts';
import { EDGES } from './histogram.ts';
import type { MatrixResult } from './matrix.ts';
import { pairCount } from './pair-mask.ts';
import { analyse, shared, warmUp } from './pool.ts';
import { METRIC_CORR, METRIC_COS } from './scan.ts';
import { summarise } from './summary.ts';
import { transpose } from './transpose.ts';

/**
 * One condition's activations: [nSentences, 3·nEmbd] row-major (columns Q | K | V), or the
 * same matrix transposed, [3·nEmbd, nSentences] with one neuron contiguous, as
 * `{ neuronMajor }`: the layout the statistics work in, which a large set is best read
 * into directly (io/npy-rows.ts readNpyFloat32 `transposed`), in shared memory.
 */
export type LayerActivations = Float32Array | { neuronMajor: Float32Array };

/** One condition's activations file ([nSentences, width] float32, as analyze writes it) read
 * the way the statistics want it: neuron-major, in shared memory. */
export function readLayerActivations(path: string, nSentences: number, width: number): { neuronMajor: Float32Array } {
  return { neuronMajor: readNpyFloat32(path, [nSentences, width], { shared: true, transposed: true }) };
}

export interface LayerStatsInput {
  layer: number;
  /** activations at the target token */
  target: LayerActivations;
  /** activations at the comparison token */
  nontarget: LayerActivations;
  nSentences: number;
  nEmbd: number;
  nHead: number;
  /** the set's seed, for the baselines' permutations */
  seed: number;
  /** defaults [1, 40], as in the lecture */
  exampleSentences?: [number, number];
  /** defaults [123, 700] (Q123, Q700), as in the lecture */
  exampleNeurons?: [number, number];
}

export interface LayerPreviews {
  target: Float32Array;
  nontarget: Float32Array;
  size: number;
  /** neurons 0, stride, 2·stride, … are sampled (preview.ts) */
  stride: number;
}

export interface LayerStatsResult {
  stats: LayerStats;
  /** stride-sampled similarity matrices, written as .npy (float32, [size, size]) */
  previews: Record<Metric, LayerPreviews>;
}

const METRIC_INDEX: Record<Metric, number> = { cosine: METRIC_COS, correlation: METRIC_CORR };

function pairsOf<T>(make: (pair: number) => T): Pairs<T> {
  const out = {} as Pairs<T>;
  PAIR_TYPES.forEach((p, k) => (out[p] = make(k)));
  return out;
}

function summaries(result: MatrixResult, metric: number, d: number): Pairs<Summary> {
  return pairsOf((pair) => summariseWith(result, metric, pair, d));
}

function summariseWith(result: MatrixResult, metric: number, pair: number, d: number): Summary {
  const dist = result.dists[metric][pair];
  const moments = result.moments ? { sum: result.moments.sum[metric][pair], sumSq: result.moments.sumSq[metric][pair] } : undefined;
  return summarise(dist, pairCount(pair, d), moments);
}

function checkShape(input: LayerStatsInput): void {
  const { nSentences, nEmbd, nHead, layer } = input;
  const where = `layer ${layer}`;
  if (!Number.isInteger(nSentences) || nSentences < 1) {
    throw new AtlasError(`The statistics need at least one sentence (got ${nSentences}).`, where, 'add sentences to the set.');
  }
  if (!Number.isInteger(nEmbd) || nEmbd < 1 || !Number.isInteger(nHead) || nHead < 1 || nEmbd % nHead !== 0) {
    throw new AtlasError(`n_embd (${nEmbd}) must be a positive multiple of n_head (${nHead}).`, where, 'check the model config.');
  }
  const size = nSentences * BLOCK_COUNT * nEmbd;
  for (const name of ['target', 'nontarget'] as const) {
    const a = input[name];
    const length = a instanceof Float32Array ? a.length : a.neuronMajor.length;
    if (length !== size) {
      throw new AtlasError(
        `The ${name} activations hold ${length} values, expected ${nSentences} × ${BLOCK_COUNT * nEmbd} = ${size}.`,
        where,
        `pass [n_sentences, ${BLOCK_COUNT}·n_embd] float32 activations (columns ${BLOCKS.join(' | ')}).`,
      );
    }
  }
}

/** The activations neuron-major in shared memory, where the worker threads read them as they are. */
function neuronMajor(a: LayerActivations, rows: number, m: number): Float32Array {
  if (a instanceof Float32Array) return transpose(a, rows, m, new Float32Array(new SharedArrayBuffer(a.byteLength)));
  return shared(a.neuronMajor);
}

/** NaN or ±Infinity would make every similarity of its neuron meaningless (and is always a
 * fault upstream): say where, instead of statistics of garbage. `xT` is neuron-major. */
function checkFinite(xT: Float32Array, name: string, input: LayerStatsInput): void {
  const { nSentences: rows, nEmbd: d } = input;
  for (let k = 0; k < xT.length; k++) {
    if (!Number.isFinite(xT[k])) {
      const c = Math.floor(k / rows);
      throw new AtlasError(
        `The ${name} activations hold ${xT[k]} at sentence ${k - c * rows}, neuron ${BLOCKS[Math.floor(c / d)]}${c % d}.`,
        `layer ${input.layer}`,
        'the model produced a non-finite value: check its weights (a checkpoint with NaN or Infinity in it) and its dtype.',
      );
    }
  }
}

export async function computeLayerStats(input: LayerStatsInput): Promise<LayerStatsResult> {
  checkShape(input);
  const { layer, nSentences: n, nEmbd: d, nHead, seed } = input;
  const m = BLOCK_COUNT * d;
  const warnings: string[] = [];
  const target = neuronMajor(input.target, n, m);
  const nontarget = neuronMajor(input.nontarget, n, m);
  checkFinite(target, 'target', input);
  checkFinite(nontarget, 'nontarget', input);

  // The four conditions in parallel (pool.ts); the baselines shuffle copies of the target
  // there. They are queued first: the last jobs of a layer run beside the next layer's first
  // (layers.ts), and the measured conditions make no copy of their activations.
  const base = { rows: n, m, nHead, seed, layer };
  const [sh, sp, tr, nt] = await Promise.all([
    analyse({ ...base, xT: target, withDetail: false, baseline: 'shuffled' }),
    analyse({ ...base, xT: target, withDetail: false, baseline: 'shuffledPerNeuron' }),
    analyse({ ...base, xT: target, withDetail: true }),
    analyse({ ...base, xT: nontarget, withDetail: true }),
  ]);
  const results = { target: tr, nontarget: nt, shuffled: sh, shuffledPerNeuron: sp };

  const detail = (c: 'target' | 'nontarget') => results[c].detail as Detail;
  const metricStats = (metric: Metric): MetricStats => {
    const k = METRIC_INDEX[metric];
    const s = {} as Record<(typeof CONDITIONS)[number], Pairs<Summary>>;
    for (const c of CONDITIONS) s[c] = summaries(results[c], k, d);
    const fine = (c: (typeof CONDITIONS)[number]) => results[c].dists[k];
    const comparisons = distanceTable(fine, s);
    const heads = (c: 'target' | 'nontarget') => pairsOf((pair) => (results[c].detail as Detail).heads[k][pair]);
    const bad = (c: 'target' | 'nontarget') => {
      const flags = metric === 'cosine' ? results[c].cosBad : results[c].corrBad;
      const out: number[] = [];
      flags.forEach((f, i) => f && out.push(i));
      return out;
    };
    return {
      target: s.target,
      nontarget: s.nontarget,
      shuffled: s.shuffled,
      shuffledPerNeuron: s.shuffledPerNeuron,
      comparisons,
      heads: { target: heads('target'), nontarget: heads('nontarget') },
      zeroNorm: { target: bad('target'), nontarget: bad('nontarget') },
      qqVariance: { target: detail('target').qqVariances[k], nontarget: detail('nontarget').qqVariances[k] },
    };
  };

  const cosine = metricStats('cosine');
  const correlation = metricStats('correlation');

  if (n === 1) {
    warnings.push(
      'Correlation is undefined with a single sentence: every neuron is constant over one value, so all correlation similarities are left out (n = 0).',
    );
  }
  for (const metric of METRICS) {
    const stats = metric === 'cosine' ? cosine : correlation;
    for (const c of ['target', 'nontarget'] as const) {
      const zero = stats.zeroNorm[c].length;
      if (zero > 0 && !(metric === 'correlation' && n === 1)) {
        const undefinedValues = PAIR_TYPES.reduce((acc, p) => acc + stats[c][p].undefined, 0);
        warnings.push(
          `${c}, ${metric}: ${zero} neuron${zero === 1 ? '' : 's'} ${metric === 'cosine' ? 'are zero in every sentence' : 'do not vary over sentences'} (zero norm${metric === 'correlation' ? ' after centring' : ''}); the ${undefinedValues} similarities involving them are undefined and left out of histograms and statistics.`,
        );
      }
    }
  }

  const examples = exampleLooks(input, target, warnings);
  const preview = (metric: Metric): LayerPreviews => {
    const k = METRIC_INDEX[metric];
    const t = results.target.detail as Detail;
    const nt = results.nontarget.detail as Detail;
    return { target: t.previews[k], nontarget: nt.previews[k], size: t.side, stride: t.stride };
  };

  const stats: LayerStats = {
    layer,
    edges: Array.from(EDGES),
    cosine,
    correlation,
    tokenAverage: { target: Array.from(results.target.mean), nontarget: Array.from(results.nontarget.mean) },
    qqSequence: detail('target').qqSequences[METRIC_COS],
    qqSequenceCorrelation: detail('target').qqSequences[METRIC_CORR],
    distinctRows: { target: distinctRows(target, n, m), nontarget: distinctRows(nontarget, n, m) },
    examples,
    warnings,
  };
  return { stats, previews: { cosine: preview('cosine'), correlation: preview('correlation') } };
}

/** `target` is neuron-major. */
function exampleLooks(input: LayerStatsInput, target: Float32Array, warnings: string[]): LayerStats['examples'] {
  const { nSentences: n, nEmbd: d } = input;
  const m = BLOCK_COUNT * d;
  const clamp = (what: string, wanted: [number, number], limit: number): [number, number] => {
    const out = wanted.map((w) => Math.min(Math.max(0, Math.trunc(w)), limit - 1)) as [number, number];
    if (out[0] !== wanted[0] || out[1] !== wanted[1]) {
      warnings.push(`Example ${what} ${wanted[0]} and ${wanted[1]} do not exist here (${limit} available); showing ${out[0]} and ${out[1]} instead.`);
    }
    return out;
  };
  const sentences = clamp('sentences', input.exampleSentences ?? [1, 40], n);
  const neurons = clamp('neurons', input.exampleNeurons ?? [123, 700], m);
  const row = (s: number, from: number) => Array.from({ length: d }, (_, c) => target[(from + c) * n + s]);
  const column = (c: number) => Array.from(target.subarray(c * n, (c + 1) * n));
  return {
    sentences,
    neurons,
    sentenceVectors: { q: [row(sentences[0], 0), row(sentences[1], 0)], k: [row(sentences[0], d), row(sentences[1], d)] },
    neuronValues: [column(neurons[0]), column(neurons[1])],
  };
}

let warming: Promise<void> | null = null;

/**
 * Starts the worker threads and warms every thread (onnxruntime's sessions, the
 * compiled scan kernel, V8's optimised code) and this thread's per-layer code, so
 * that the first layer runs about as fast as the later ones. Idempotent: the first
 * call does the work, later ones return the same promise. computeLayerStats works
 * without it (then the first layers pay). `analyze` does not call it: run while the
 * model loads, it moved ~0.7 s from the statistics into the loading on 2 cores, with
 * no gain in total time and 100 MB more peak memory.
 */
export function warmUpStats(): Promise<void> {
  warming ??= (async () => {
    await warmUp();
    // Whole layers of GPT-2-small size at the lecture's 54 sentences, through
    // the pool: the dispatch, the result transfer and the summaries get warm too.
    const nSentences = 54;
    const nEmbd = 768;
    const x = (salt: number) => {
      const out = new Float32Array(nSentences * BLOCK_COUNT * nEmbd);
      for (let k = 0; k < out.length; k++) out[k] = (Math.sin(k * 12.9898 + salt) * 43758.5453) % 1;
      return out;
    };
    const target = x(0);
    const nontarget = x(1);
    for (let layer = 0; layer < WARM_UP_LAYERS; layer++) {
      await computeLayerStats({ layer, target, nontarget, nSentences, nEmbd, nHead: 12, seed: 0 });
    }
  })();
  return warming;
}

/** Layers computed by warmUpStats (after each thread's own warm-up): measured, two
 * leave the first real layers no slower than the later ones. */
const WARM_UP_LAYERS = 2;
