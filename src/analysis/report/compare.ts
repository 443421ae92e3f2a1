import { PAIR_TYPES, type LayerStats, type Manifest, type Metric, type PairType, type Summary } from '../output-schema.ts';
import type { Analysis } from './load.ts';
import type { SeriesStyle } from './figures.ts';
import { compareSpread, type SpreadComparison } from './spread.ts';
import { paths } from './paths.ts';
import { CONDITION_LABELS } from './labels.ts';

/**
 * Two sentence sets side by side (`/compare/{a}/{b}/`): which sets can be compared, the
 * distance between their target distributions, and the data of the comparison figures.
 * Pure functions of the analysis output.
 *
 * The distances here are computed from the two sets' histograms (the `density` of the stats
 * JSON: 100 bins of width 0.02 over −1..1), not from the raw similarities, which the analysis
 * output does not keep: they are exact for the binned distributions and resolve differences
 * down to one bin (0.02) and no finer.
 */

/** Sets share a model when their manifests name the same model id and revision. */
export function sharesModel(a: Manifest, b: Manifest): boolean {
  return a.model.id === b.model.id && (a.model.revision ?? null) === (b.model.revision ?? null);
}

/** Layers analysed in both sets, ascending. */
export function commonLayers(a: readonly number[], b: readonly number[]): number[] {
  const inB = new Set(b);
  return [...new Set(a)].filter((layer) => inB.has(layer)).sort((x, y) => x - y);
}

export interface SetPair {
  /** the set whose name comes first alphabetically */
  a: Analysis;
  b: Analysis;
  layers: number[];
  href: string;
}

/**
 * Every pair of sets that can be compared, each once: the names in alphabetical order
 * (a < b), sharing a model and at least one analysed layer. Sorted by (a, b).
 */
export function comparablePairs(analyses: readonly Analysis[]): SetPair[] {
  const sorted = [...analyses].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const pairs: SetPair[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const [a, b] = [sorted[i], sorted[j]];
      if (a.name === b.name || !sharesModel(a.manifest, b.manifest)) continue;
      const layers = commonLayers(a.layers, b.layers);
      if (layers.length === 0) continue;
      pairs.push({ a, b, layers, href: paths.compare(a.name, b.name) });
    }
  }
  return pairs;
}

/** The pairs a set takes part in, with the other set named. */
export function pairsOf(name: string, pairs: readonly SetPair[]): { other: Analysis; pair: SetPair }[] {
  return pairs.filter((p) => p.a.name === name || p.b.name === name).map((pair) => ({ other: pair.a.name === name ? pair.b : pair.a, pair }));
}

export interface HistogramDistance {
  /** Kolmogorov–Smirnov: the largest gap between the two cumulative distributions */
  ks: number;
  /** Wasserstein-1: the area between them, in units of similarity */
  wasserstein: number;
}

/**
 * KS and Wasserstein-1 distances between two binned densities on the same edges (as
 * np.histogram(density=True) writes them). Within a bin the mass is taken as spread evenly, so
 * each cumulative distribution is piecewise linear between edges: the KS distance is then the
 * largest gap at an edge, and the Wasserstein distance the exact area between the two
 * polylines. NaN when either density is empty or undefined.
 */
export function histogramDistance(edges: readonly number[], densityA: readonly number[], densityB: readonly number[]): HistogramDistance {
  const bins = edges.length - 1;
  const undefinedResult = { ks: NaN, wasserstein: NaN };
  if (bins < 1 || densityA.length !== bins || densityB.length !== bins) return undefinedResult;
  const massA = masses(edges, densityA);
  const massB = masses(edges, densityB);
  if (!massA || !massB) return undefinedResult;
  let cdfA = 0;
  let cdfB = 0;
  let ks = 0;
  let wasserstein = 0;
  for (let i = 0; i < bins; i++) {
    const gap0 = cdfA - cdfB;
    cdfA += massA[i];
    cdfB += massB[i];
    const gap1 = cdfA - cdfB;
    ks = Math.max(ks, Math.abs(gap1));
    const width = edges[i + 1] - edges[i];
    // ∫|g| over the bin, g linear from gap0 to gap1 (it may cross zero inside the bin)
    wasserstein +=
      gap0 * gap1 >= 0 ? (width * (Math.abs(gap0) + Math.abs(gap1))) / 2 : (width * (gap0 * gap0 + gap1 * gap1)) / (2 * (Math.abs(gap0) + Math.abs(gap1)));
  }
  return { ks, wasserstein };
}

/** Each bin's share of the total mass (density × width, normalised to 1), or null when there is none. */
function masses(edges: readonly number[], density: readonly number[]): number[] | null {
  const mass = density.map((d, i) => d * (edges[i + 1] - edges[i]));
  if (mass.some((m) => !Number.isFinite(m) || m < 0)) return null;
  const total = mass.reduce((sum, m) => sum + m, 0);
  return total > 0 ? mass.map((m) => m / total) : null;
}

export interface SetDistanceCell {
  layer: number;
  pair: PairType;
  ks: number;
  wasserstein: number;
  sdA: number;
  sdB: number;
  /** how a's target SD compares with b's (null when either is undefined) */
  spread: SpreadComparison | null;
  /** the set with the larger target SD when the two differ by more than "about the same"; null otherwise */
  wider: 'a' | 'b' | null;
}

function definedSd(summary: Summary): number {
  return summary.n > 0 && Number.isFinite(summary.sd) ? summary.sd : NaN;
}

/** Distance between the two sets' target distributions of one pair type at one layer. */
export function setDistance(statsA: LayerStats, statsB: LayerStats, metric: Metric, pair: PairType): SetDistanceCell {
  const a = statsA[metric].target[pair];
  const b = statsB[metric].target[pair];
  const { ks, wasserstein } = a.n > 0 && b.n > 0 ? histogramDistance(statsA.edges, a.density, b.density) : { ks: NaN, wasserstein: NaN };
  const sdA = definedSd(a);
  const sdB = definedSd(b);
  const spread = compareSpread(sdA, sdB);
  return {
    layer: statsA.layer,
    pair,
    ks,
    wasserstein,
    sdA,
    sdB,
    spread,
    wider: spread?.word === 'wider' ? 'a' : spread?.word === 'narrower' ? 'b' : null,
  };
}

/** The compact layer × pair table of distances, over the common layers. */
export function distanceTable(a: Analysis, b: Analysis, layers: readonly number[], metric: Metric): { layer: number; cells: SetDistanceCell[] }[] {
  return layers.map((layer) => ({
    layer,
    cells: PAIR_TYPES.map((pair) => setDistance(a.stats(layer), b.stats(layer), metric, pair)),
  }));
}

export const SET_STYLES = {
  a: { colour: 'var(--c-set-a)' },
  b: { colour: 'var(--c-set-b)' },
} as const;

/** The legend of a comparison figure: one colour per set. */
export function compareStyles(labels: { a: string; b: string }): SeriesStyle[] {
  return [
    { key: 'a-target', label: `${labels.a}: ${CONDITION_LABELS.target}`, colour: SET_STYLES.a.colour, dash: 'solid' },
    { key: 'b-target', label: `${labels.b}: ${CONDITION_LABELS.target}`, colour: SET_STYLES.b.colour, dash: 'solid' },
  ];
}

/** One set's target distribution of one pair type at one layer, as the quantiles a box draws. */
export interface QuantileBox {
  layer: number;
  set: 'a' | 'b';
  p05: number;
  p25: number;
  median: number;
  p75: number;
  p95: number;
}

/**
 * Both sets' target distributions of one pair type across the common layers, side by side:
 * the middle half (25–75 %), the median, and whiskers over the middle 90 % (5–95 %). The full
 * density curves of each set are on its own pair pages; these boxes keep a page of 12 layers
 * × 6 pair types × 2 metrics light.
 */
export function compareQuantiles(a: Analysis, b: Analysis, layers: readonly number[], metric: Metric, pair: PairType): QuantileBox[] {
  const boxes: QuantileBox[] = [];
  for (const layer of layers) {
    for (const [set, analysis] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const summary = analysis.stats(layer)[metric].target[pair];
      if (summary.n === 0) continue;
      const { p05, p25, p75, p95 } = summary.quantiles;
      boxes.push({ layer, set, p05, p25, median: summary.median, p75, p95 });
    }
  }
  return boxes;
}
