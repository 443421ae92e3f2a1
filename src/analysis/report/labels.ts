import type { Condition, Metric, PairType } from '../output-schema.ts';
import { PAIRS, type ComparisonKey, type PairKind } from '../shapes.ts';

/** Words and URL segments shared by pages, figures, narrative and downloads. */

const pairsOfKind = (kind: PairKind): readonly PairType[] => PAIRS.filter((p) => p.kind === kind).map((p) => p.type);
/** QQ, KK, VV: a block with itself */
export const WITHIN_PAIRS = pairsOfKind('within');
/** QK, QV, KV: two different blocks */
export const ACROSS_PAIRS = pairsOfKind('across');

export function pairSlug(pair: PairType): string {
  return pair.toLowerCase();
}

export function metricLabel(metric: Metric): string {
  return metric === 'cosine' ? 'cosine similarity' : 'correlation';
}

/** "cosine similarities", "correlations" */
export function metricPlural(metric: Metric): string {
  return metric === 'cosine' ? 'cosine similarities' : 'correlations';
}

export function metricTitle(metric: Metric): string {
  return metric === 'cosine' ? 'Cosine similarity' : 'Correlation';
}

export const CONDITION_LABELS: Record<Condition, string> = {
  target: 'target token',
  nontarget: 'comparison token',
  shuffled: 'shuffled baseline',
  shuffledPerNeuron: 'per-neuron baseline',
};

/** The two measured tokens, as a layer's figures name them. */
export const SIDE_WORDS = { target: CONDITION_LABELS.target, nontarget: CONDITION_LABELS.nontarget } as const;

/** The two measured tokens as panel titles. */
export const SIDE_TITLES = { target: 'Target token', nontarget: 'Comparison token' } as const;

/** The two kinds of pair (shapes.ts PAIRS), as the histogram panels name them. */
export const GROUP_WORDS: Record<PairKind, string> = {
  within: `within-matrix (${WITHIN_PAIRS.join(', ')})`,
  across: `across-matrix (${ACROSS_PAIRS.join(', ')})`,
};

/** The comparisons (shapes.ts COMPARISONS) in words. */
export const COMPARISON_LABELS: Record<ComparisonKey, string> = {
  targetVsNontarget: 'target vs comparison token',
  targetVsShuffled: 'target vs shuffled baseline',
  targetVsShuffledPerNeuron: 'target vs per-neuron baseline',
  nontargetVsShuffled: 'comparison token vs shuffled baseline',
  nontargetVsShuffledPerNeuron: 'comparison token vs per-neuron baseline',
};

export function isWithin(pair: PairType): boolean {
  return WITHIN_PAIRS.includes(pair);
}

/** "Q and K", "Q with itself" */
export function pairWords(pair: PairType): string {
  return isWithin(pair) ? `${pair[0]} with ${pair[0]}` : `${pair[0]} with ${pair[1]}`;
}

/** A number for reading: 3 significant decimals, a real minus sign, "—" when undefined. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
  // a value that rounds to zero reads 0.000, never −0.000
  if (/^-0(\.0*)?$/.test(text)) return text.slice(1);
  return text.replace(/^-/, '\u2212');
}

/** Digits of a displayed ratio: the narrative's words compare this rounded value (narrative.ts). */
export const RATIO_DIGITS = 2;

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(RATIO_DIGITS)}×` : '—';
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A token as shown: spaces made visible at its start, so " her" reads as "␣her". */
export function showToken(token: string): string {
  return token.replace(/^ /, '\u2423');
}

const COUNT_WORDS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** "six", or the digits past ten. */
export function countWord(count: number): string {
  return COUNT_WORDS[count] || String(count);
}

/**
 * The comparison token in words, from the set's `compare` as the manifest records it
 * ("previous", "next", or a signed offset such as "-2", "+1"): "the token before it",
 * "the token after it", "the token two before it", "the token three after it".
 */
export function comparisonWords(compare: string): string {
  const offset = compare === 'previous' ? -1 : compare === 'next' ? 1 : /^[+-]?\d+$/.test(compare.trim()) ? Number(compare) : NaN;
  if (!Number.isSafeInteger(offset) || offset === 0) return `the comparison token (${compare})`;
  const side = offset < 0 ? 'before' : 'after';
  const distance = Math.abs(offset);
  if (distance === 1) return `the token ${side} it`;
  return `the token ${COUNT_WORDS[distance] ?? String(distance)} ${side} it`;
}
