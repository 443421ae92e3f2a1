import { trendChart } from '../charts/charts.ts';
import { comparablePairs, pairsOf } from '../compare.ts';
import { CONDITION_STYLES, trends, type SeriesStyle } from '../figures.ts';
import { comparisonWords, metricPlural, showToken } from '../labels.ts';
import type { Analysis } from '../load.ts';
import { distinctRowsTrendSentence, trendSentence } from '../narrative.ts';
import { paths } from '../paths.ts';
import { setCard, type SetCard } from '../page-data.ts';
import { METRICS, PAIR_TYPES, type Metric, type PairType } from '../../output-schema.ts';
import type { Link } from './link.ts';

/** Everything the set's overview page (`/{set}/`) lays out, figures as SVG strings. */
export interface SetView {
  card: SetCard;
  /** the target token, as shown */
  target: string;
  /** the comparison token, in words */
  compare: string;
  links: { home: string; methods: string; data: string };
  distinctNote: string | null;
  trendStyles: SeriesStyle[];
  trendFigures: { metric: Metric; svg: string[]; sentences: string[] }[];
  /** the other sets this one can be compared with */
  others: { href: string; title: string; name: string; layers: number[] }[];
}

/** two charts of three columns, side by side on a wide screen and one above the other on a phone */
const TREND_GROUPS: PairType[][] = [
  ['QQ', 'KK', 'VV'],
  ['QK', 'QV', 'KV'],
];

export function setView(analysis: Analysis, all: readonly Analysis[], link: Link): SetView {
  const card = setCard(analysis);
  const trendFigures = METRICS.map((metric) => {
    const points = trends(analysis, metric);
    const sd = (layer: number, pair: PairType, condition: 'target' | 'nontarget') =>
      points.find((p) => p.layer === layer && p.pair === pair && p.condition === condition && p.statistic === 'sd')!.value;
    const sentences = PAIR_TYPES.map((pair) =>
      trendSentence(
        pair,
        metric,
        analysis.layers.map((layer) => ({
          layer,
          target: sd(layer, pair, 'target'),
          nontarget: sd(layer, pair, 'nontarget'),
        })),
      ),
    ).filter((s): s is string => s !== null);
    return {
      metric,
      svg: TREND_GROUPS.map((pairs) =>
        trendChart(
          points.filter((p) => pairs.includes(p.pair)),
          {
            facetPairs: true,
            pairs,
            ariaLabel: `Small multiples, one column per pair type (${pairs.join(', ')}): the SD (top row) and mean absolute value (bottom row) of ${metricPlural(metric)} across layers, for the target token, the comparison token and the shuffled baseline.`,
          },
        ),
      ),
      sentences,
    };
  });
  const distinctNote = distinctRowsTrendSentence(
    analysis.layers.map((layer) => ({ layer, ...analysis.stats(layer).distinctRows })),
    card.sentences,
  );
  return {
    card,
    target: showToken(card.target),
    compare: comparisonWords(card.compare),
    links: { home: link(paths.home()), methods: link(paths.methods()), data: link(paths.data(analysis.name)) },
    distinctNote,
    trendStyles: [CONDITION_STYLES.target, CONDITION_STYLES.nontarget, CONDITION_STYLES.shuffled],
    trendFigures,
    others: pairsOf(analysis.name, comparablePairs(all)).map(({ other, pair }) => ({
      href: link(pair.href),
      title: other.manifest.set.title,
      name: other.name,
      layers: pair.layers,
    })),
  };
}
