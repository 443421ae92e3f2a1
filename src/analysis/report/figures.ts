import { CONDITIONS, PAIR_TYPES, type Condition, type LayerStats, type Metric, type PairType, type Summary } from '../output-schema.ts';
import type { Analysis } from './load.ts';
import { ACROSS_PAIRS, CONDITION_LABELS, WITHIN_PAIRS } from './labels.ts';
import type { Group, Side } from './anchors.ts';
import { MASK_COLOURS, PAIR_COLOURS, type Dash } from './palette.ts';
import { pooledDensity, pooledSummary } from './pooled.ts';
import { BLOCKS } from '../shapes.ts';

// the layer page takes the mask colours with its figure data
export { MASK_COLOURS, pooledDensity };

/**
 * The data behind each figure, shaped for plotting: pure functions of the analysis output.
 * Colours are CSS custom properties (the stylesheet sets them per theme, from the
 * Okabe–Ito palette), so figures follow light and dark themes.
 */

export interface CurvePoint {
  x: number;
  y: number;
  series: string;
}

export interface SeriesStyle {
  key: string;
  label: string;
  colour: string;
  dash: Dash;
  /** stroke opacity, for curves drawn faint (1 when absent) */
  opacity?: number;
}

export const CONDITION_STYLES: Record<Condition, SeriesStyle> = {
  target: { key: 'target', label: CONDITION_LABELS.target, colour: 'var(--c-target)', dash: 'solid' },
  nontarget: { key: 'nontarget', label: CONDITION_LABELS.nontarget, colour: 'var(--c-nontarget)', dash: 'solid' },
  shuffled: { key: 'shuffled', label: CONDITION_LABELS.shuffled, colour: 'var(--c-baseline)', dash: 'dashed' },
  shuffledPerNeuron: { key: 'shuffledPerNeuron', label: CONDITION_LABELS.shuffledPerNeuron, colour: 'var(--c-baseline)', dash: 'dotted' },
};

export function binCentres(edges: readonly number[]): number[] {
  return edges.slice(0, -1).map((edge, i) => round((edge + edges[i + 1]) / 2, 4));
}

function curve(edges: readonly number[], density: readonly number[], series: string): CurvePoint[] {
  const centres = binCentres(edges);
  return density.map((y, i) => ({ x: centres[i], y: round(y, 3), series }));
}

export interface HistogramData {
  points: CurvePoint[];
  styles: SeriesStyle[];
  /** for the text alternative: each curve's count, mean, SD, median */
  summaries: { label: string; summary: Summary }[];
}

/** The lecture's 2 × 2 panels: within (QQ, KK, VV) or across (QK, QV, KV), at the target or the comparison token, with the shuffled baseline pooled over the panel's pairs. */
export function layerHistogram(stats: LayerStats, metric: Metric, side: Side, group: Group): HistogramData {
  const m = stats[metric];
  const pairs = group === 'within' ? WITHIN_PAIRS : ACROSS_PAIRS;
  const points: CurvePoint[] = [];
  const styles: SeriesStyle[] = [];
  const summaries: HistogramData['summaries'] = [];
  for (const pair of pairs) {
    points.push(...curve(stats.edges, m[side][pair].density, pair));
    styles.push({ key: pair, label: pair, colour: PAIR_COLOURS[pair], dash: 'solid' });
    summaries.push({ label: pair, summary: m[side][pair] });
  }
  const baseline = pairs.map((pair) => m.shuffled[pair]);
  points.push(...curve(stats.edges, pooledDensity(baseline), 'shuffled'));
  styles.push({ ...CONDITION_STYLES.shuffled, label: `shuffled baseline (${pairs.join(', ')} pooled)` });
  summaries.push({ label: CONDITION_LABELS.shuffled, summary: pooledSummary(baseline) });
  return { points, styles, summaries };
}

/** One pair: target, comparison token and both baselines. */
export function pairHistogram(stats: LayerStats, metric: Metric, pair: PairType): HistogramData {
  const m = stats[metric];
  return {
    points: CONDITIONS.flatMap((condition) => curve(stats.edges, m[condition][pair].density, condition)),
    styles: CONDITIONS.map((condition) => CONDITION_STYLES[condition]),
    summaries: CONDITIONS.map((condition) => ({ label: CONDITION_LABELS[condition], summary: m[condition][pair] })),
  };
}

export type TrendStatistic = 'sd' | 'meanAbs';

export interface TrendPoint {
  layer: number;
  pair: PairType;
  condition: 'target' | 'nontarget' | 'shuffled';
  statistic: TrendStatistic;
  value: number;
}

const trendCache = new WeakMap<Analysis, Map<Metric, TrendPoint[]>>();

/** SD and mean |x| of target, comparison token and shuffled baseline, for every layer and pair. */
export function trends(analysis: Analysis, metric: Metric): TrendPoint[] {
  let byMetric = trendCache.get(analysis);
  if (!byMetric) {
    byMetric = new Map();
    trendCache.set(analysis, byMetric);
  }
  const known = byMetric.get(metric);
  if (known) return known;
  const points: TrendPoint[] = [];
  for (const layer of analysis.layers) {
    const m = analysis.stats(layer)[metric];
    for (const pair of PAIR_TYPES) {
      for (const condition of ['target', 'nontarget', 'shuffled'] as const) {
        points.push({ layer, pair, condition, statistic: 'sd', value: m[condition][pair].sd });
        points.push({ layer, pair, condition, statistic: 'meanAbs', value: m[condition][pair].meanAbs });
      }
    }
  }
  byMetric.set(metric, points);
  return points;
}

export interface HeadCell {
  row: number;
  column: number;
  value: number;
}

export function headCells(stats: LayerStats, metric: Metric, side: Side, pair: PairType): HeadCell[] {
  const matrix = stats[metric].heads[side][pair];
  return matrix.flatMap((values, row) => values.map((value, column) => ({ row, column, value: round(value, 4) })));
}

/** "Q123", "K5", "V700": a column of c_attn's output by block and index within it. */
export function neuronLabel(column: number, nEmbd: number): string {
  const block = Math.floor(column / nEmbd);
  return `${BLOCKS[block] ?? '?'}${column - block * nEmbd}`;
}

export interface ScatterPoint {
  x: number;
  y: number;
}

export function exampleVectors(stats: LayerStats, which: 'q' | 'k'): ScatterPoint[] {
  const [a, b] = stats.examples.sentenceVectors[which];
  return a.map((x, i) => ({ x: round(x, 4), y: round(b[i], 4) }));
}

export function exampleNeurons(stats: LayerStats): ScatterPoint[] {
  const [a, b] = stats.examples.neuronValues;
  return a.map((x, i) => ({ x: round(x, 4), y: round(b[i], 4) }));
}

/** A padded [min, max] of finite values, for raster and axes alike. */
export function extent(values: ArrayLike<number>, pad = 0.05): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [-1, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const margin = (hi - lo) * pad;
  return [round(lo - margin, 4), round(hi + margin, 4)];
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The similarity the example-neurons scatter illustrates: cosine and correlation of the two
 * neurons over the sentences (float64, as numpy), i.e. one entry of each matrix.
 */
export function exampleNeuronSimilarity(stats: LayerStats): { cosine: number; correlation: number } {
  const [a, b] = stats.examples.neuronValues;
  const n = a.length;
  const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / n;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb, cab, caa, cbb] = [0, 0, 0, 0, 0, 0];
  for (let s = 0; s < n; s++) {
    ab += a[s] * b[s];
    aa += a[s] * a[s];
    bb += b[s] * b[s];
    cab += (a[s] - ma) * (b[s] - mb);
    caa += (a[s] - ma) ** 2;
    cbb += (b[s] - mb) ** 2;
  }
  return {
    cosine: aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN,
    correlation: caa > 0 && cbb > 0 ? cab / Math.sqrt(caa * cbb) : NaN,
  };
}

/**
 * The lecture's `hist(cossim[triu], bins=100)`: every similarity of the upper triangle (all
 * six pair types pooled, weighted by their counts), at the target and the comparison token,
 * with the shuffled baseline pooled the same way.
 */
export function pooledHistogram(stats: LayerStats, metric: Metric): HistogramData {
  const m = stats[metric];
  const points: CurvePoint[] = [];
  const styles: SeriesStyle[] = [];
  const summaries: HistogramData['summaries'] = [];
  for (const condition of ['target', 'nontarget', 'shuffled'] as const) {
    const all = PAIR_TYPES.map((pair) => m[condition][pair]);
    points.push(...curve(stats.edges, pooledDensity(all), condition));
    styles.push({ ...CONDITION_STYLES[condition], label: `${CONDITION_LABELS[condition]}${condition === 'shuffled' ? ' (all pairs pooled)' : ''}` });
    summaries.push({ label: CONDITION_LABELS[condition], summary: pooledSummary(all) });
  }
  return { points, styles, summaries };
}

/**
 * Where each row of the QQ upper triangle starts in the QQ sequence (the lecture's order:
 * row i holds neuron i with neurons i+1 … d−1), for rows that start within it. Undefined
 * neurons (zeroNorm) have no values, as in the sequence.
 */
export function qqRowStarts(stats: LayerStats, metric: Metric, nEmbd: number): number[] {
  const length = (metric === 'cosine' ? stats.qqSequence : stats.qqSequenceCorrelation).length;
  const undefinedQ = new Set(stats[metric].zeroNorm.target.filter((c) => c < nEmbd));
  const definedAfter = (i: number) => {
    let count = 0;
    for (let j = i + 1; j < nEmbd; j++) if (!undefinedQ.has(j)) count++;
    return count;
  };
  const starts: number[] = [];
  let position = 0;
  for (let i = 0; i < nEmbd && position < length; i++) {
    if (undefinedQ.has(i)) continue;
    starts.push(position);
    position += definedAfter(i);
  }
  return starts;
}

/** The colour domain of per-head tables: the range of the values shown (mean |x| is never negative). */
export function headDomain(tables: readonly (readonly (readonly number[])[])[]): [number, number] {
  const values = tables.flat(2).filter(Number.isFinite);
  if (values.length === 0) return [0, 1];
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return lo === hi ? [Math.max(0, lo - 0.01), hi + 0.01] : [lo, hi];
}
