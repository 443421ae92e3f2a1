import { BLOCK_COUNT, BLOCKS } from '../../shapes.ts';
import {
  densityChart,
  heatLegend,
  heatmapChart,
  matrixChart,
  matrixLegend,
  matrixMaskChart,
  rasterChart,
  scatterChart,
  vectorMaskChart,
} from '../charts/charts.ts';
import { anchors, type Group, type Side } from '../anchors.ts';
import {
  MASK_COLOURS,
  exampleNeuronSimilarity,
  exampleNeurons,
  exampleVectors,
  headCells,
  headDomain,
  layerHistogram,
  neuronLabel,
  pooledHistogram,
  qqRowStarts,
  type HistogramData,
} from '../figures.ts';
import { qqSequenceView, similarityImageName, similaritySampling, tokenAverageView } from '../images.ts';
import { SIDE_WORDS, SIDE_TITLES, GROUP_WORDS, formatCount, formatNumber, metricLabel, metricPlural, metricTitle } from '../labels.ts';
import type { Analysis } from '../load.ts';
import { distinctRowsSentences, layerNarrative } from '../narrative.ts';
import { paths } from '../paths.ts';
import { statisticsRows, type SummaryRow } from '../page-data.ts';
import { METRICS, PAIR_TYPES, type Metric, type PairType, type QQVariance } from '../../output-schema.ts';
import { layerPager, type Link, type PagerItem } from './link.ts';

/** Everything the layer page (`/{set}/layer-{L}/`) lays out, figures as SVG strings. */
export interface LayerView {
  set: string;
  layer: number;
  /** the set's title */
  title: string;
  d: number;
  nHead: number;
  dHead: number;
  nSentences: number;
  links: { home: string; set: string; methodsHeads: string };
  layerItems: PagerItem[];
  pairItems: PagerItem[];
  distinctNote: string[];
  narratives: { metric: Metric; label: string; sentences: string[] }[];
  examples: {
    sentences: { a: number; b: number; textA: string; textB: string };
    scatters: { id: string; title: string; svg: string; block: string }[];
    neurons: { svg: string; labelA: string; labelB: string; cosine: string; correlation: string };
  };
  matrices: {
    sampling: { stride: number; side: number };
    legendSvg: string;
    masks: string[];
    entries: {
      metric: Metric;
      svgs: string[];
      pooled: HistogramData;
      pooledSvg: string;
      pooledCaption: string;
      undefinedCount: number;
      pairLinks: { pair: PairType; href: string }[];
    }[];
  };
  histograms: {
    metric: Metric;
    panels: {
      id: string;
      title: string;
      side: Side;
      group: Group;
      groupWords: string;
      sideWords: string;
      data: HistogramData;
      svg: string;
      summaryCaption: string;
    }[];
  }[];
  tokenAverages: string[];
  qq: {
    /** values in the first row of the upper triangle (d − 1) */
    rowLength: number;
    shown: string;
    rows: number;
    values: string;
    entries: { metric: Metric; svg: string; rows: string; headPairs: string; rowsByHead: string; headsAdd: boolean }[];
  };
  heads: {
    metric: Metric;
    domain: [number, number];
    low: string;
    high: string;
    legend: string;
    rows: { side: Side; title: string; panels: { pair: PairType; href: string; svg: string }[] }[];
  }[];
  statistics: { rows: SummaryRow[]; caption: string }[];
  warnings: string[];
}

const SIDES: Side[] = ['target', 'nontarget'];
const GROUPS: Group[] = ['within', 'across'];
/** the heads add to what the rows explain only when they raise the adjusted share by this much (docs/site.md) */
const HEADS_ADD = 0.05;

const percent = (share: number) => `${formatNumber(100 * share, 1)} %`;

export function layerView(analysis: Analysis, layer: number, link: Link): LayerView {
  const stats = analysis.stats(layer);
  const { manifest } = analysis;
  const { n_embd: d, n_head: nHead } = manifest.model;
  const set = analysis.name;
  const [sentenceA, sentenceB] = stats.examples.sentences;
  const [neuronA, neuronB] = stats.examples.neurons;
  const textOf = (i: number) => manifest.sentences[i]?.text ?? '';
  const pairHref = (pair: PairType) => link(paths.pair(set, layer, pair));

  const scatters = (['q', 'k'] as const).map((which) => {
    const block = which.toUpperCase();
    return {
      id: which === 'q' ? anchors.layer.exampleQ : anchors.layer.exampleK,
      title: `Different sentences, same ${block}`,
      svg: scatterChart(exampleVectors(stats, which), {
        xLabel: `${block}, sentence ${sentenceA}`,
        yLabel: `${block}, sentence ${sentenceB}`,
        colour: which === 'q' ? 'var(--c-q)' : 'var(--c-k)',
        identity: true,
        ariaLabel: `Scatter of the ${d} ${block} activations at the target token: sentence ${sentenceA} (x) against sentence ${sentenceB} (y).`,
      }),
      block,
    };
  });
  const neuronSimilarity = exampleNeuronSimilarity(stats);
  const neuronSvg = scatterChart(exampleNeurons(stats), {
    xLabel: `${neuronLabel(neuronA, d)} activation`,
    yLabel: `${neuronLabel(neuronB, d)} activation`,
    colour: 'var(--c-v)',
    ariaLabel: `Scatter of two neurons, ${neuronLabel(neuronA, d)} (x) and ${neuronLabel(neuronB, d)} (y), across the ${manifest.sentences.length} sentences at the target token.`,
  });

  const sampling = similaritySampling(analysis, layer);
  // one CSS pixel per sampled entry (two when the whole matrix is small), so the browser does not average pixels again
  const matrixSize = sampling.side * Math.max(1, Math.ceil(300 / sampling.side));
  const undefinedCount = (metric: Metric) => SIDES.reduce((n, side) => n + stats[metric].zeroNorm[side].length, 0);
  const matrixEntries = METRICS.map((metric) => {
    const pooled = pooledHistogram(stats, metric);
    return {
      metric,
      svgs: SIDES.map((side) =>
        matrixChart({
          href: link(paths.image(set, layer, similarityImageName(metric, side))),
          nEmbd: d,
          size: matrixSize,
          ariaLabel: `${metricTitle(metric)} matrix of the ${BLOCK_COUNT * d} Q, K and V neurons at the ${SIDE_WORDS[side]}, layer ${layer}: ${sampling.stride === 1 ? 'every neuron' : `every ${sampling.stride}th neuron`}, one pixel per entry, on a −0.4 to 0.4 colour scale; lines mark the Q, K and V blocks.`,
        }),
      ),
      pooled,
      pooledSvg: densityChart(pooled, {
        xLabel: metricTitle(metric),
        ariaLabel: `Density of all ${metricPlural(metric)} of the upper triangle (six pair types pooled) at the target token and the comparison token, layer ${layer}, with the shuffled baseline dashed.`,
      }),
      pooledCaption: `Summary of each curve (layer ${layer}, ${metricLabel(metric)}, all pairs)`,
      undefinedCount: undefinedCount(metric),
      pairLinks: PAIR_TYPES.map((pair) => ({ pair, href: `${pairHref(pair)}#${anchors.pair.similarityBlock(metric)}` })),
    };
  });
  const legendSvg = matrixLegend();
  const masks = [vectorMaskChart(d), matrixMaskChart(d, MASK_COLOURS)];
  const distinctNote = distinctRowsSentences(stats, manifest.sentences.length);

  const histograms = METRICS.map((metric) => ({
    metric,
    panels: SIDES.flatMap((side) =>
      GROUPS.map((group) => {
        const data = layerHistogram(stats, metric, side, group);
        return {
          id: anchors.layer.histogram(group, side, metric),
          title: `${side === 'target' ? 'Target' : 'Comparison token'}, ${group}-matrix`,
          side,
          group,
          groupWords: GROUP_WORDS[group],
          sideWords: SIDE_WORDS[side],
          data,
          svg: densityChart(data, {
            xLabel: metricTitle(metric),
            ariaLabel: `Density of the ${GROUP_WORDS[group]} ${metricPlural(metric)} at the ${SIDE_WORDS[side]}, layer ${layer}, with the shuffled baseline dashed.`,
          }),
          summaryCaption: `Summary of each curve (layer ${layer}, ${metricLabel(metric)}, ${SIDE_WORDS[side]})`,
        };
      }),
    ),
  }));

  const tokenAverages = SIDES.map((side) => {
    const view = tokenAverageView(analysis, layer, side);
    return rasterChart(view, {
      href: link(paths.image(set, layer, view.image)),
      className: 'raster-dots',
      xLabel: 'Neuron (Q | K | V)',
      yLabel: 'Mean activation',
      xRules: BLOCKS.slice(1).map((_, b) => (b + 1) * d - 0.5),
      xTicks: [...BLOCKS.map((_, b) => b * d), BLOCK_COUNT * d],
      ariaLabel: `Mean activation of each of the ${BLOCK_COUNT * d} neurons over the sentences at the ${SIDE_WORDS[side]}, Q then K then V.`,
    });
  });

  const qq = METRICS.map((metric) => {
    const view = qqSequenceView(analysis, layer, metric);
    const starts = qqRowStarts(stats, metric, d);
    return {
      metric,
      rows: starts.length,
      svg: rasterChart(view, {
        href: link(paths.image(set, layer, view.image)),
        className: 'raster-dots',
        xLabel: 'Q pair (row by row over the upper triangle)',
        yLabel: metricTitle(metric),
        xRules: starts.slice(1).map((x) => x - 0.5),
        ariaLabel: `The first ${formatCount(view.xDomain[1] + 0.5)} QQ ${metricPlural(metric)} at the target token in the lecture's order, one dot each; dashed lines mark where each of the ${starts.length} rows of the upper triangle begins.`,
      }),
      variance: stats[metric].qqVariance.target,
    };
  });

  const heads = METRICS.map((metric) => {
    const domain = headDomain(SIDES.flatMap((side) => PAIR_TYPES.map((pair) => stats[metric].heads[side][pair])));
    return {
      metric,
      domain,
      low: formatNumber(domain[0]),
      high: formatNumber(domain[1]),
      legend: heatLegend(domain, `Mean |${metricLabel(metric)}|`),
      rows: SIDES.map((side) => ({
        side,
        title: SIDE_TITLES[side],
        panels: PAIR_TYPES.map((pair) => ({
          pair,
          href: pairHref(pair),
          svg: heatmapChart(headCells(stats, metric, side, pair), {
            nHead,
            rowLabel: `${pair[0]} head`,
            columnLabel: `${pair[1]} head`,
            domain,
            size: 110,
            ariaLabel: `${pair}: mean absolute ${metricLabel(metric)} between each pair of heads at the ${SIDE_WORDS[side]}.`,
          }),
        })),
      })),
    };
  });

  const pairItems = PAIR_TYPES.map((pair) => ({ label: pair, href: pairHref(pair) }));
  const layerItems = layerPager(analysis.layers, layer, (l) => link(paths.layer(set, l)));

  return {
    set,
    layer,
    title: manifest.set.title,
    d,
    nHead,
    dHead: d / nHead,
    nSentences: manifest.sentences.length,
    links: { home: link(paths.home()), set: link(paths.set(set)), methodsHeads: link(`${paths.methods()}#${anchors.methods.heads}`) },
    layerItems,
    pairItems,
    distinctNote,
    narratives: METRICS.map((metric) => ({ metric, label: `What the numbers say (${metricLabel(metric)})`, sentences: layerNarrative(stats, metric) })),
    examples: {
      sentences: { a: sentenceA, b: sentenceB, textA: textOf(sentenceA), textB: textOf(sentenceB) },
      scatters,
      neurons: {
        svg: neuronSvg,
        labelA: neuronLabel(neuronA, d),
        labelB: neuronLabel(neuronB, d),
        cosine: formatNumber(neuronSimilarity.cosine),
        correlation: formatNumber(neuronSimilarity.correlation),
      },
    },
    matrices: { sampling, legendSvg, masks, entries: matrixEntries },
    histograms,
    tokenAverages,
    qq: {
      rowLength: d - 1,
      shown: formatCount(stats.qqSequence.length),
      rows: qq[0].rows,
      values: formatCount(qq[0].variance.n),
      entries: qq.map(({ metric, svg, variance }) => ({
        metric,
        svg,
        rows: percent(variance.rows.adjustedR2),
        headPairs: percent(variance.headPairs.adjustedR2),
        rowsByHead: percent(variance.rowsByHead.adjustedR2),
        headsAdd: headsAdd(variance),
      })),
    },
    heads,
    statistics: METRICS.map((metric) => ({
      rows: statisticsRows(stats, metric),
      caption: `${metricTitle(metric)}: every pair type and condition at layer ${layer}`,
    })),
    warnings: stats.warnings,
  };
}

/**
 * Whether adding the second neuron's head to the rows raises the adjusted share enough to credit
 * the heads. The rule compares the shares as the page shows them (percent with one decimal), in
 * whole tenths, so that 25.0 % → 30.0 % reads "add" as its two numbers say.
 */
export function headsAdd(variance: QQVariance): boolean {
  const tenths = (share: number) => Math.round(1000 * share);
  return tenths(variance.rowsByHead.adjustedR2) - tenths(variance.rows.adjustedR2) >= Math.round(1000 * HEADS_ADD);
}
