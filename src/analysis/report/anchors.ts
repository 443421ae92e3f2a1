import { METRICS, PAIR_TYPES, type Metric, type PairType } from '../output-schema.ts';

/**
 * Figure and section ids: a public contract. Course materials link to
 * `/{set}/layer-{L}/#similarity-matrix-cosine` and the like, so an id, once published,
 * keeps its name and its meaning. docs/anchors.md lists them all (a test checks that).
 */

export type Side = 'target' | 'nontarget';
export type Group = 'within' | 'across';

export const anchors = {
  // the list of sets: /
  home: {
    compare: 'compare-sets',
  },
  // the set's overview: /{set}/
  overview: {
    computed: 'what-is-computed',
    sentences: 'sentences',
    trends: (metric: Metric) => `trends-${metric}`,
    layerPairTable: 'layer-pair-table',
    compare: 'compare-with',
  },
  // one layer: /{set}/layer-{L}/
  layer: {
    exampleQ: 'example-sentences-q',
    exampleK: 'example-sentences-k',
    exampleNeurons: 'example-neurons',
    similarityMatrix: (metric: Metric) => `similarity-matrix-${metric}`,
    similarityHistogram: (metric: Metric) => `similarity-histogram-${metric}`,
    masks: 'masks',
    histogram: (group: Group, side: Side, metric: Metric) => `histogram-${group}-${side}-${metric}`,
    tokenAverage: 'token-average',
    qqSequence: 'qq-sequence',
    headMatrices: (metric: Metric) => `head-matrices-${metric}`,
    statistics: 'statistics',
  },
  // one pair at one layer: /{set}/layer-{L}/{pair}/
  pair: {
    histogram: (metric: Metric) => `histogram-${metric}`,
    similarityBlock: (metric: Metric) => `similarity-matrix-${metric}`,
    statistics: 'statistics',
    comparisons: 'comparisons',
    headMatrix: (metric: Metric) => `head-matrix-${metric}`,
    acrossLayers: (metric: Metric) => `across-layers-${metric}`,
  },
  // two sets side by side: /compare/{a}/{b}/
  compare: {
    sets: 'the-sets',
    distances: (metric: Metric) => `distances-${metric}`,
    distributions: (pair: PairType, metric: Metric) => `distributions-${pair.toLowerCase()}-${metric}`,
  },
  // /methods/
  methods: {
    activations: 'activations',
    cosine: 'cosine-similarity',
    correlation: 'correlation',
    pairTypes: 'pair-types',
    histograms: 'histograms',
    baselines: 'baselines',
    comparisons: 'comparisons',
    heads: 'per-head',
    undefinedValues: 'undefined-values',
    differences: 'differences-from-the-lecture',
  },
  // /{set}/data/
  data: {
    files: 'files',
    python: 'loading-in-python',
  },
} as const;

/** Every id of each page kind, expanded: what docs/anchors.md must list. */
export function allAnchors(): Record<'home' | 'overview' | 'layer' | 'pair' | 'compare' | 'methods' | 'data', string[]> {
  const sides: Side[] = ['target', 'nontarget'];
  const groups: Group[] = ['within', 'across'];
  return {
    home: Object.values(anchors.home),
    overview: [
      anchors.overview.computed,
      anchors.overview.sentences,
      ...METRICS.map(anchors.overview.trends),
      anchors.overview.layerPairTable,
      anchors.overview.compare,
    ],
    layer: [
      anchors.layer.exampleQ,
      anchors.layer.exampleK,
      anchors.layer.exampleNeurons,
      ...METRICS.map(anchors.layer.similarityMatrix),
      ...METRICS.map(anchors.layer.similarityHistogram),
      anchors.layer.masks,
      ...METRICS.flatMap((metric) => sides.flatMap((side) => groups.map((group) => anchors.layer.histogram(group, side, metric)))),
      anchors.layer.tokenAverage,
      anchors.layer.qqSequence,
      ...METRICS.map(anchors.layer.headMatrices),
      anchors.layer.statistics,
    ],
    pair: [
      ...METRICS.map(anchors.pair.histogram),
      ...METRICS.map(anchors.pair.similarityBlock),
      anchors.pair.statistics,
      anchors.pair.comparisons,
      ...METRICS.map(anchors.pair.headMatrix),
      ...METRICS.map(anchors.pair.acrossLayers),
    ],
    compare: [
      anchors.compare.sets,
      ...METRICS.map(anchors.compare.distances),
      ...METRICS.flatMap((metric) => PAIR_TYPES.map((pair) => anchors.compare.distributions(pair, metric))),
    ],
    methods: Object.values(anchors.methods),
    data: Object.values(anchors.data),
  };
}
