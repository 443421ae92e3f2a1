import { densityChart, heatLegend, heatmapChart, matrixLegend, trendChart } from '../charts/charts.ts';
import { anchors, type Side } from '../anchors.ts';
import { CONDITION_STYLES, headCells, headDomain, pairHistogram, trends, type HistogramData, type SeriesStyle } from '../figures.ts';
import { pairBlockImageName } from '../images.ts';
import { SIDE_WORDS, SIDE_TITLES, formatNumber, metricLabel, metricPlural, metricTitle, pairSlug, pairWords } from '../labels.ts';
import type { Analysis } from '../load.ts';
import { pairNarrative } from '../narrative.ts';
import { paths } from '../paths.ts';
import { comparisonRows, statisticsRows, type ComparisonRow, type SummaryRow } from '../page-data.ts';
import { METRICS, PAIR_TYPES, type Metric, type PairType } from '../../output-schema.ts';
import { layerPager, type Link, type PagerItem } from './link.ts';

/** Everything the pair page (`/{set}/layer-{L}/{pair}/`) lays out, figures as SVG strings. */
export interface PairView {
  set: string;
  layer: number;
  pair: PairType;
  /** the pair's URL segment, also the key of its prose (`pairs/{slug}`) */
  slug: string;
  /** the set's title */
  title: string;
  description: string;
  d: number;
  nHead: number;
  dHead: number;
  /** one CSS pixel per entry (a whole number of pixels when the block is small), scaled down only to fit a narrow screen */
  blockSize: number;
  /** words after "d × d" in the block's caption: a within-matrix block is shown whole, diagonal and mirror included */
  blockNote: string;
  links: { home: string; set: string; layer: string; methodsComparisons: string };
  layerItems: PagerItem[];
  pairItems: PagerItem[];
  matrixLegendSvg: string;
  trendStyles: SeriesStyle[];
  metrics: {
    metric: Metric;
    narrative: string[];
    data: HistogramData;
    histogram: string;
    trend: string;
    heads: string[];
    headRange: [number, number];
    headLow: string;
    headHigh: string;
    headLegend: string;
    headTables: { matrix: number[][]; caption: string }[];
    blocks: { side: Side; title: string; src: string; alt: string }[];
    statistics: { rows: SummaryRow[]; caption: string };
    comparisons: { rows: ComparisonRow[]; caption: string };
  }[];
}

const SIDES: Side[] = ['target', 'nontarget'];

export function pairView(analysis: Analysis, layer: number, pair: PairType, link: Link): PairView {
  const stats = analysis.stats(layer);
  const { manifest } = analysis;
  const set = analysis.name;
  const { n_head: nHead, n_embd: d } = manifest.model;
  const matrixLegendSvg = matrixLegend();

  const metrics = METRICS.map((metric) => {
    const data = pairHistogram(stats, metric, pair);
    const points = trends(analysis, metric).filter((p) => p.pair === pair);
    const headRange = headDomain(SIDES.map((side) => stats[metric].heads[side][pair]));
    const caption = `${metricTitle(metric)}, ${pair}, layer ${layer}`;
    return {
      metric,
      data,
      histogram: densityChart(data, {
        xLabel: metricTitle(metric),
        width: 560,
        height: 240,
        ariaLabel: `Density of the ${pair} ${metricPlural(metric)} at layer ${layer}: target token, comparison token, shuffled baseline (dashed) and per-neuron baseline (dotted).`,
      }),
      trend: trendChart(points, {
        facetPairs: false,
        highlight: layer,
        ariaLabel: `${pair} ${metricPlural(metric)} across layers: SD (left) and mean absolute value (right) for the target token, the comparison token and the shuffled baseline; layer ${layer} is highlighted.`,
      }),
      heads: SIDES.map((side) =>
        heatmapChart(headCells(stats, metric, side, pair), {
          nHead,
          rowLabel: `${pair[0]} head`,
          columnLabel: `${pair[1]} head`,
          domain: headRange,
          size: 170,
          ariaLabel: `Mean absolute ${pair} ${metricLabel(metric)} between each pair of heads at the ${SIDE_WORDS[side]}, layer ${layer}.`,
        }),
      ),
      headRange,
      headLow: formatNumber(headRange[0]),
      headHigh: formatNumber(headRange[1]),
      headLegend: heatLegend(headRange, `Mean |${metricLabel(metric)}|`),
      headTables: SIDES.map((side) => ({ matrix: stats[metric].heads[side][pair], caption: `${pair}, ${SIDE_WORDS[side]}` })),
      blocks: SIDES.map((side) => ({
        side,
        title: SIDE_TITLES[side],
        src: link(paths.image(set, layer, pairBlockImageName(metric, side, pair))),
        alt: `The ${d} × ${d} ${pair} block of the ${metricLabel(metric)} matrix at the ${SIDE_WORDS[side]}, layer ${layer}: rows ${pair[0]} neurons 0 to ${d - 1} from the top, columns ${pair[1]} neurons 0 to ${d - 1} from the left, one pixel per entry, on a −0.4 to 0.4 colour scale.`,
      })),
      narrative: pairNarrative({
        pair,
        metric,
        layer,
        stats: stats[metric],
        acrossLayers: points.filter((p) => p.condition === 'target' && p.statistic === 'sd').map((p) => ({ layer: p.layer, sd: p.value })),
      }),
      statistics: { rows: statisticsRows(stats, metric, [pair]), caption },
      comparisons: { rows: comparisonRows(stats, metric, pair), caption },
    };
  });

  return {
    set,
    layer,
    pair,
    slug: pairSlug(pair),
    title: manifest.set.title,
    description: `${pairWords(pair)}: similarities at the target and comparison tokens against two baselines, layer ${layer}.`,
    d,
    nHead,
    dHead: d / nHead,
    blockSize: d * Math.max(1, Math.ceil(300 / d)),
    blockNote:
      pair[0] === pair[1] ? ', the whole square with its diagonal of ones and its mirrored lower half (the statistics use the upper triangle only)' : '',
    links: {
      home: link(paths.home()),
      set: link(paths.set(set)),
      layer: link(paths.layer(set, layer)),
      methodsComparisons: link(`${paths.methods()}#${anchors.methods.comparisons}`),
    },
    layerItems: layerPager(analysis.layers, layer, (l) => link(paths.pair(set, l, pair))),
    pairItems: [
      ...PAIR_TYPES.map((p) => ({ label: p, href: link(paths.pair(set, layer, p)), current: p === pair })),
      { label: `all figures of layer ${layer}`, href: link(paths.layer(set, layer)) },
    ],
    matrixLegendSvg,
    trendStyles: [CONDITION_STYLES.target, CONDITION_STYLES.nontarget, CONDITION_STYLES.shuffled],
    metrics,
  };
}
