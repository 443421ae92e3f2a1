import { CONDITIONS, PAIR_TYPES, type Condition, type LayerStats, type Manifest, type Metric, type PairType } from '../output-schema.ts';
import type { Analysis } from './load.ts';
import { COMPARISON_LABELS, CONDITION_LABELS } from './labels.ts';
import { COMPARISONS, type ComparisonKey } from '../shapes.ts';
import { renderMarkdown } from './markdown.ts';
import { publicModelId } from './model-name.ts';
import { paths } from './paths.ts';
import { compareSpread } from './spread.ts';

/** Page data that is not a figure: set cards, sentences, tables, navigation. */

export interface SetCard {
  name: string;
  title: string;
  /** the set's description, rendered from its small Markdown (escaped) */
  descriptionHtml: string;
  model: string;
  revision: string | null;
  target: string;
  compare: string;
  sentences: number;
  layers: number[];
  /** the model's number of layers (a set may analyse only some) */
  nLayer: number;
  nHead: number;
  nEmbd: number;
  href: string;
}

export function setCard(analysis: Analysis): SetCard {
  const { manifest } = analysis;
  return {
    name: analysis.name,
    title: manifest.set.title,
    descriptionHtml: renderMarkdown(manifest.set.description),
    model: publicModelId(manifest.model),
    revision: manifest.model.revision,
    target: manifest.set.target,
    compare: manifest.set.compare,
    sentences: manifest.sentences.length,
    layers: manifest.layers,
    nLayer: manifest.model.n_layer,
    nHead: manifest.model.n_head,
    nEmbd: manifest.model.n_embd,
    href: paths.set(analysis.name),
  };
}

export interface TokenPiece {
  text: string;
  role: 'target' | 'compare' | null;
}

/** Each sentence as its tokens, with the target and the comparison token marked. */
export function sentencePieces(manifest: Manifest): TokenPiece[][] {
  return manifest.sentences.map((sentence) => {
    const pieces: TokenPiece[] = [];
    sentence.tokens.forEach((text, i) => {
      const role = i === sentence.target ? 'target' : i === sentence.nontarget ? 'compare' : null;
      const last = pieces[pieces.length - 1];
      if (last && last.role === null && role === null) last.text += text;
      else pieces.push({ text, role });
    });
    return pieces;
  });
}

export interface SummaryRow {
  pair: PairType;
  condition: Condition;
  label: string;
  n: number;
  undefined: number;
  mean: number;
  sd: number;
  median: number;
  meanAbs: number;
  shareAbsOver05: number;
}

export function statisticsRows(
  stats: LayerStats,
  metric: Metric,
  pairs: readonly PairType[] = PAIR_TYPES,
  conditions: readonly Condition[] = CONDITIONS,
): SummaryRow[] {
  return pairs.flatMap((pair) =>
    conditions.map((condition) => {
      const s = stats[metric][condition][pair];
      return {
        pair,
        condition,
        label: CONDITION_LABELS[condition],
        n: s.n,
        undefined: s.undefined,
        mean: s.mean,
        sd: s.sd,
        median: s.median,
        meanAbs: s.meanAbs,
        shareAbsOver05: s.shareAbsOver05,
      };
    }),
  );
}

export interface ComparisonRow {
  key: ComparisonKey;
  label: string;
  ks: number;
  wasserstein: number;
  sdRatio: number;
}

export function comparisonRows(stats: LayerStats, metric: Metric, pair: PairType): ComparisonRow[] {
  return COMPARISONS.map(([key]) => {
    const c = stats[metric].comparisons[key][pair];
    return { key, label: COMPARISON_LABELS[key], ks: c.ks, wasserstein: c.wasserstein, sdRatio: c.sdRatio };
  });
}

export interface LayerPairCell {
  pair: PairType;
  href: string;
  /** the headline: SD of the target's similarities */
  sd: number;
  /** SD ratio of target to the shuffled baseline */
  ratioToShuffled: number;
  /** how the target's SD compares with the comparison token's */
  versusNontarget: 'wider' | 'narrower' | 'about the same' | null;
}

/** The overview's layer × pair table, in one metric. */
export function layerPairTable(analysis: Analysis, metric: Metric): { layer: number; href: string; cells: LayerPairCell[] }[] {
  return analysis.layers.map((layer) => {
    const m = analysis.stats(layer)[metric];
    return {
      layer,
      href: paths.layer(analysis.name, layer),
      cells: PAIR_TYPES.map((pair) => ({
        pair,
        href: paths.pair(analysis.name, layer, pair),
        sd: m.target[pair].sd,
        ratioToShuffled: m.target[pair].sd / m.shuffled[pair].sd,
        // layer 0's target vectors differ only by position: no ranking against the comparison token
        versusNontarget: layer === 0 ? null : (compareSpread(m.target[pair].sd, m.nontarget[pair].sd)?.word ?? null),
      })),
    };
  });
}

/** Previous and next analysed layer (layers need not be contiguous when a set lists some). */
export function neighbours(layers: readonly number[], layer: number): { previous: number | null; next: number | null } {
  const i = layers.indexOf(layer);
  return { previous: i > 0 ? layers[i - 1] : null, next: i >= 0 && i < layers.length - 1 ? layers[i + 1] : null };
}
