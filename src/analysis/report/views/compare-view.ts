import { quantileChart } from '../charts/charts.ts';
import { anchors } from '../anchors.ts';
import { compareQuantiles, compareStyles, distanceTable, SET_STYLES, type SetDistanceCell, type SetPair } from '../compare.ts';
import type { SeriesStyle } from '../figures.ts';
import { comparisonWords, formatNumber, formatRatio, metricPlural, metricTitle, showToken } from '../labels.ts';
import { pairComparisonNarrative, setComparisonNarrative } from '../narrative.ts';
import { paths } from '../paths.ts';
import { METRICS, PAIR_TYPES, type Metric, type PairType } from '../../output-schema.ts';
import type { Link } from './link.ts';

type SetSide = 'a' | 'b';

/** Everything the comparison page (`/compare/{a}/{b}/`) lays out, figures as SVG strings. */
export interface CompareView {
  names: Record<SetSide, string>;
  titles: Record<SetSide, string>;
  links: { home: string };
  /** the layers both sets analyse */
  layers: number[];
  /** the layers only one set analyses */
  onlyIn: Record<SetSide, number[]>;
  sets: { side: SetSide; name: string; href: string; title: string; target: string; compare: string; sentences: number; layers: number[] }[];
  styles: SeriesStyle[];
  metrics: {
    metric: Metric;
    narrative: string[];
    distances: { id: string; rows: { layer: number; cells: SetDistanceCell[] }[]; figureId: (pair: PairType) => string };
    figures: {
      pair: PairType;
      id: string;
      svg: string;
      narrative: string[];
      /** the figure's numbers, one row per common layer, formatted as the table shows them */
      rows: { layer: number; sdA: string; sdB: string; ratio: string; ks: string; wasserstein: string }[];
    }[];
  }[];
}

export function compareView(pair: SetPair, link: Link): CompareView {
  const { a, b, layers } = pair;
  const names = { a: a.name, b: b.name };
  const titles = { a: a.manifest.set.title, b: b.manifest.set.title };
  const setWords = `set “${names.a}” (${titles.a}) and set “${names.b}” (${titles.b})`;

  const metrics = METRICS.map((metric) => {
    const rows = distanceTable(a, b, layers, metric);
    const cells = rows.flatMap((row) => row.cells);
    return {
      metric,
      narrative: setComparisonNarrative(metric, names, cells),
      distances: { id: anchors.compare.distances(metric), rows, figureId: (p: PairType) => anchors.compare.distributions(p, metric) },
      figures: PAIR_TYPES.map((p) => {
        const pairCells = cells.filter((cell) => cell.pair === p);
        return {
          pair: p,
          id: anchors.compare.distributions(p, metric),
          narrative: pairComparisonNarrative(p, metric, names, pairCells),
          svg: quantileChart(compareQuantiles(a, b, layers, metric, p), {
            yLabel: metricTitle(metric),
            colours: { a: SET_STYLES.a.colour, b: SET_STYLES.b.colour },
            ariaLabel: `The ${p} ${metricPlural(metric)} at the target token, layer by layer, for ${setWords}: for each set a box over the middle half, a bar at the median and whiskers over the middle 90%.`,
          }),
          rows: pairCells.map((cell) => ({
            layer: cell.layer,
            sdA: formatNumber(cell.sdA),
            sdB: formatNumber(cell.sdB),
            ratio: cell.spread ? formatRatio(cell.spread.ratio) : '—',
            ks: formatNumber(cell.ks),
            wasserstein: formatNumber(cell.wasserstein),
          })),
        };
      }),
    };
  });

  return {
    names,
    titles,
    links: { home: link(paths.home()) },
    layers,
    onlyIn: {
      a: a.layers.filter((layer) => !layers.includes(layer)),
      b: b.layers.filter((layer) => !layers.includes(layer)),
    },
    sets: (
      [
        ['a', a],
        ['b', b],
      ] as const
    ).map(([side, analysis]) => ({
      side,
      name: analysis.name,
      href: link(paths.set(analysis.name)),
      title: analysis.manifest.set.title,
      target: showToken(analysis.manifest.set.target),
      compare: comparisonWords(analysis.manifest.set.compare),
      sentences: analysis.manifest.sentences.length,
      layers: analysis.layers,
    })),
    styles: compareStyles(names),
    metrics,
  };
}
