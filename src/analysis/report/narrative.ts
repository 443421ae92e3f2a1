import type { LayerStats, Metric, MetricStats, PairType, Summary } from '../output-schema.ts';
import { PAIR_TYPES } from '../output-schema.ts';
import type { SetDistanceCell } from './compare.ts';
import { ACROSS_PAIRS, WITHIN_PAIRS, formatNumber, formatRatio, metricLabel, metricPlural } from './labels.ts';
import { SAME_SPREAD, compareSpread, type SpreadComparison, type SpreadWord } from './spread.ts';

/**
 * Data-driven sentences for the report. Every number and every comparative word comes from
 * the statistics: a spread is called "wider" or "narrower" only when the ratio of standard
 * deviations leaves the band of "about the same" (±SAME_SPREAD, spread.ts), and nothing is said about
 * a statistic that is undefined.
 */

function defined(summary: Summary | undefined): summary is Summary {
  return summary !== undefined && summary.n > 0 && Number.isFinite(summary.sd);
}

export interface PairNarrativeInput {
  pair: PairType;
  metric: Metric;
  layer: number;
  stats: MetricStats;
  /** the target's SD of this pair and metric at every analysed layer */
  acrossLayers?: { layer: number; sd: number }[];
}

/** Sentences about one pair type at one layer, in one metric. */
export function pairNarrative({ pair, metric, layer, stats, acrossLayers }: PairNarrativeInput): string[] {
  const target = stats.target[pair];
  const nontarget = stats.nontarget[pair];
  const shuffled = stats.shuffled[pair];
  const perNeuron = stats.shuffledPerNeuron[pair];
  const what = `${pair} ${metricPlural(metric)}`;
  const sentences: string[] = [];
  if (!defined(target)) {
    sentences.push(`At layer ${layer} no ${what} of the target token are defined: every neuron involved is constant across the sentences.`);
    return sentences;
  }
  sentences.push(
    `At layer ${layer}, the ${formatCount(target.n)} ${what} of the target token have a standard deviation (SD) of ${formatNumber(target.sd)} and a mean absolute value of ${formatNumber(target.meanAbs)}.`,
  );
  const versusShuffled = defined(shuffled) ? compareSpread(target.sd, shuffled.sd) : null;
  const versusPerNeuron = defined(perNeuron) ? compareSpread(target.sd, perNeuron.sd) : null;
  if (versusShuffled && defined(shuffled)) {
    sentences.push(
      `That is ${formatRatio(versusShuffled.ratio)} the SD of the shuffled baseline (${formatNumber(shuffled.sd)}): ${chanceWords(versusShuffled.word)}.`,
    );
  }
  if (versusPerNeuron && defined(perNeuron)) {
    sentences.push(
      `Against the per-neuron baseline, which keeps each neuron's own values and only breaks their pairing across sentences (SD ${formatNumber(perNeuron.sd)}), it is ${spreadWords(versusPerNeuron)}.`,
    );
  }
  if (versusShuffled) {
    if (versusShuffled.word !== 'wider') {
      sentences.push('By this measure the neurons are no more alike across sentences than shuffled values.');
    } else if (versusPerNeuron && versusPerNeuron.word !== 'wider') {
      sentences.push(
        metric === 'cosine'
          ? "So the excess over the shuffled baseline comes from each neuron's own values (for cosine similarity, mostly its mean), not from neurons varying together from sentence to sentence."
          : "So the excess over the shuffled baseline comes from each neuron's own distribution of values, not from neurons varying together from sentence to sentence.",
      );
    } else {
      sentences.push('Neurons vary together across sentences more than either baseline would make them.');
    }
  }
  if (defined(nontarget) && layer === 0) {
    sentences.push(
      `At the comparison token the SD is ${formatNumber(nontarget.sd)}; the two are not ranked here, because at layer 0 the target's vectors differ only by position (${POSITION_ONLY}).`,
    );
  } else if (defined(nontarget)) {
    const versusNontarget = compareSpread(target.sd, nontarget.sd);
    const ks = stats.comparisons.targetVsNontarget[pair]?.ks;
    if (versusNontarget) {
      sentences.push(
        `At the comparison token the SD is ${formatNumber(nontarget.sd)}, so the target's distribution is ${spreadWords(versusNontarget)}` +
          (Number.isFinite(ks) ? `; the largest gap between their cumulative distributions (Kolmogorov–Smirnov distance) is ${formatNumber(ks)}.` : '.'),
      );
    }
  }
  if (target.undefined > 0) {
    sentences.push(`${formatCount(target.undefined)} similarities are left out because a neuron involved does not vary across the sentences.`);
  }
  const layers = (acrossLayers ?? []).filter((entry) => Number.isFinite(entry.sd));
  if (layers.length >= 2) {
    const widest = layers.reduce((a, b) => (b.sd > a.sd ? b : a));
    const narrowest = layers.reduce((a, b) => (b.sd < a.sd ? b : a));
    const spread = compareSpread(widest.sd, narrowest.sd);
    if (spread && spread.word === 'about the same') {
      sentences.push(
        `Across the ${layers.length} layers the target's SD for ${pair} stays about the same (${formatNumber(narrowest.sd)} to ${formatNumber(widest.sd)}).`,
      );
    } else {
      sentences.push(
        `Across the ${layers.length} layers the target's SD for ${pair} is largest at layer ${widest.layer} (${formatNumber(widest.sd)}) and smallest at layer ${narrowest.layer} (${formatNumber(narrowest.sd)})` +
          (widest.layer === layer ? '; this layer is the widest.' : narrowest.layer === layer ? '; this layer is the narrowest.' : '.'),
      );
    }
  }
  return sentences;
}

/** "wider (ratio 1.85×)", "about as wide (ratio 1.04×)" */
function spreadWords(comparison: SpreadComparison): string {
  const word = comparison.word === 'about the same' ? 'about as wide' : comparison.word;
  return `${word} (ratio ${formatRatio(comparison.ratio)})`;
}

function chanceWords(word: SpreadWord): string {
  return word === 'wider' ? 'wider than chance' : word === 'narrower' ? 'narrower than chance' : 'about as wide as chance';
}

/** Sentences about one layer in one metric: which pairs are widest, how target and comparison differ, and chance. */
export function layerNarrative(stats: LayerStats, metric: Metric): string[] {
  const m = stats[metric];
  const sentences: string[] = [];
  const label = `${metricPlural(metric)}`;
  for (const [group, pairs] of [
    ['within', WITHIN_PAIRS],
    ['across', ACROSS_PAIRS],
  ] as const) {
    const ranked = pairs.filter((pair) => defined(m.target[pair])).sort((a, b) => m.target[b].sd - m.target[a].sd);
    if (ranked.length < 2) continue;
    const [widest, narrowest] = [ranked[0], ranked[ranked.length - 1]];
    const spread = compareSpread(m.target[widest].sd, m.target[narrowest].sd);
    if (!spread) continue;
    sentences.push(
      spread.word === 'about the same'
        ? `At the target token the ${group}-matrix ${label} (${pairs.join(', ')}) are about equally wide (SD ${formatNumber(m.target[narrowest].sd)} to ${formatNumber(m.target[widest].sd)}).`
        : `At the target token the widest ${group}-matrix ${label} are ${widest} (SD ${formatNumber(m.target[widest].sd)}), the narrowest ${narrowest} (SD ${formatNumber(m.target[narrowest].sd)}).`,
    );
  }
  const tally = { wider: [] as PairType[], narrower: [] as PairType[], 'about the same': [] as PairType[] };
  const chance = { wider: [] as PairType[], narrower: [] as PairType[], 'about the same': [] as PairType[] };
  for (const pair of PAIR_TYPES) {
    const t = m.target[pair];
    if (!defined(t)) continue;
    const versusNontarget = defined(m.nontarget[pair]) ? compareSpread(t.sd, m.nontarget[pair].sd) : null;
    if (versusNontarget) tally[versusNontarget.word].push(pair);
    const versusShuffled = defined(m.shuffled[pair]) ? compareSpread(t.sd, m.shuffled[pair].sd) : null;
    if (versusShuffled) chance[versusShuffled.word].push(pair);
  }
  const counted = tally.wider.length + tally.narrower.length + tally['about the same'].length;
  if (counted > 0 && stats.layer === 0) {
    sentences.push(
      `Target and comparison token are not ranked here: at layer 0 the target's vectors differ only by position (${POSITION_ONLY}), so a difference in spread is not a finding about the target.`,
    );
  } else if (counted > 0) {
    sentences.push(
      `Compared with the comparison token, ${listPart(tally.wider, 'wider')}${listPart(tally.narrower, 'narrower')}${listPart(tally['about the same'], 'about the same')}`.replace(
        /; $/,
        '.',
      ),
    );
  }
  const chanceCount = chance.wider.length + chance.narrower.length + chance['about the same'].length;
  if (chanceCount > 0) {
    sentences.push(
      chance.wider.length === chanceCount
        ? `All ${chanceCount} pair types are wider at the target than the shuffled baseline.`
        : `Against the shuffled baseline, ${listPart(chance.wider, 'wider')}${listPart(chance.narrower, 'narrower')}${listPart(chance['about the same'], 'about the same')}`.replace(
            /; $/,
            '.',
          ),
    );
  }
  return sentences;
}

function listPart(pairs: PairType[], word: SpreadWord): string {
  if (pairs.length === 0) return '';
  const verb = pairs.length === 1 ? 'is' : 'are';
  return `${joinWords(pairs)} ${verb} ${word === 'about the same' ? 'about the same' : word} at the target; `;
}

function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Why layer 0 is set apart: what its attention input is. */
const POSITION_ONLY = 'its attention input is LN(token embedding + position embedding), and the target token is the same in every sentence';

/**
 * One line for the overview: where the target's spread of a pair type peaks across layers,
 * and in how many layers it is wider than at the comparison token. Layer 0 is left out of
 * both: its target vectors differ only by position, and its spread would be the largest
 * feature of every trend without saying anything about the target.
 */
export function trendSentence(pair: PairType, metric: Metric, points: { layer: number; target: number; nontarget: number }[]): string | null {
  const finite = points.filter((p) => Number.isFinite(p.target) && p.layer !== 0);
  const leftOut = points.some((p) => p.layer === 0);
  if (finite.length < 2) return null;
  const widest = finite.reduce((a, b) => (b.target > a.target ? b : a));
  const widerCount = finite.filter((p) => compareSpread(p.target, p.nontarget)?.word === 'wider').length;
  const scope = leftOut ? `${finite.length} layers after layer 0` : `${finite.length} layers`;
  const wider = widerCount === finite.length ? `in all ${scope}` : `in ${widerCount} of the ${scope}`;
  return `${pair} (${metricLabel(metric)}): ${leftOut ? 'after layer 0, ' : ''}the target's SD peaks at layer ${widest.layer} (${formatNumber(widest.target)}); it is wider than at the comparison token ${wider}.`;
}

/**
 * What the count of distinct activation vectors says about a layer: how many the sentences
 * give at the target and comparison token, why fewer than the sentences, and, at layer 0,
 * that the target's vectors differ only by position.
 */
export function distinctRowsSentences(stats: LayerStats, nSentences: number): string[] {
  const { target, nontarget } = stats.distinctRows;
  const sentences: string[] = [];
  const counts = `the ${formatCount(nSentences)} sentences give ${formatCount(target)} distinct target vector${target === 1 ? '' : 's'} and ${formatCount(nontarget)} distinct comparison-token vector${nontarget === 1 ? '' : 's'}`;
  if (stats.layer === 0) {
    sentences.push(
      `At layer 0 ${counts}. This layer's attention input is LN(token embedding + position embedding), and the target token is the same in every sentence: the target's vectors differ only by the position of the token, so its similarities describe positions, not sentences. Its spreads are not compared with the comparison token's, and the trends leave it out of their peaks.`,
    );
  } else if (target < nSentences || nontarget < nSentences) {
    sentences.push(
      `At layer ${stats.layer} ${counts}: sentences that are the same up to the token give the same vector (GPT-2 reads left to right), so their similarities count twice.`,
    );
  }
  return sentences;
}

/** The overview's line on distinct vectors: the layers where the sentences give fewer target vectors than sentences. */
export function distinctRowsTrendSentence(layers: readonly { layer: number; target: number; nontarget: number }[], nSentences: number): string | null {
  const fewer = layers.filter((entry) => entry.target < nSentences || entry.nontarget < nSentences);
  const zero = layers.find((entry) => entry.layer === 0);
  const parts: string[] = [];
  if (zero)
    parts.push(
      `At layer 0 the ${formatCount(nSentences)} sentences give ${formatCount(zero.target)} distinct target vector${zero.target === 1 ? '' : 's'} (${formatCount(zero.nontarget)} at the comparison token): its input is the token and position embeddings alone, so the target's vectors differ only by position, and layer 0's values in these trends describe positions, not the target in context.`,
    );
  const others = fewer.filter((entry) => entry.layer !== 0);
  if (others.length > 0) {
    const same = others.every((entry) => entry.target === others[0].target && entry.nontarget === others[0].nontarget);
    parts.push(
      same
        ? `At ${others.length === layers.length - (zero ? 1 : 0) && others.length > 1 ? 'every other layer' : layerList(others.map((entry) => entry.layer))} they give ${formatCount(others[0].target)} distinct target and ${formatCount(others[0].nontarget)} distinct comparison-token vectors: sentences that are the same up to the token give the same vector.`
        : `Fewer distinct vectors than sentences also at ${layerList(others.map((entry) => entry.layer))}: sentences that are the same up to the token give the same vector.`,
    );
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

/** Names of the two sets of a comparison, as the sentences quote them. */
export interface SetLabels {
  a: string;
  b: string;
}

function quoted(name: string): string {
  return `\u201c${name}\u201d`;
}

function layerList(layers: readonly number[]): string {
  return `${layers.length === 1 ? 'layer' : 'layers'} ${joinWords(layers.map(String))}`;
}

/**
 * Sentences about two sets over all their common layers and pair types, in one metric: in how
 * many cases set a's target distribution is wider, narrower or about as wide as set b's, and
 * where the two differ most (by the KS distance of their histograms).
 */
export function setComparisonNarrative(metric: Metric, labels: SetLabels, cells: readonly SetDistanceCell[]): string[] {
  const [a, b] = [quoted(labels.a), quoted(labels.b)];
  const compared = cells.filter((cell) => cell.spread !== null);
  const layers = [...new Set(cells.map((cell) => cell.layer))];
  const what = `the target's ${metricPlural(metric)}`;
  if (compared.length === 0) return [`No ${metricPlural(metric)} of the target token are defined in both sets.`];
  const sentences: string[] = [];
  const count = (word: SpreadWord) => compared.filter((cell) => cell.spread!.word === word).length;
  const [wider, narrower, same] = [count('wider'), count('narrower'), count('about the same')];
  const scope = `Over ${layers.length === 1 ? `layer ${layers[0]}` : `the ${layers.length} common layers`} and the ${new Set(cells.map((c) => c.pair)).size} pair types`;
  if (wider === compared.length) {
    sentences.push(`${scope}, ${what} are wider in ${a} than in ${b} in all ${compared.length} cases.`);
  } else if (narrower === compared.length) {
    sentences.push(`${scope}, ${what} are narrower in ${a} than in ${b} in all ${compared.length} cases.`);
  } else if (same === compared.length) {
    sentences.push(
      `${scope}, ${what} are about as wide in ${a} as in ${b} in all ${compared.length} cases (SD ratio within ±${Math.round(SAME_SPREAD * 100)}%).`,
    );
  } else {
    const parts = [
      wider > 0 ? `wider in ${a} than in ${b} in ${wider}` : '',
      narrower > 0 ? `narrower in ${narrower}` : '',
      same > 0 ? `about as wide (SD ratio within ±${Math.round(SAME_SPREAD * 100)}%) in ${same}` : '',
    ].filter(Boolean);
    if (wider === 0) parts[0] = parts[0].replace(/^narrower in/, `narrower in ${a} than in ${b} in`);
    sentences.push(`${scope}, of ${compared.length} cases ${what} are ${joinWords(parts)}.`);
  }
  const measured = cells.filter((cell) => Number.isFinite(cell.ks));
  if (measured.length >= 2) {
    const most = measured.reduce((x, y) => (y.ks > x.ks ? y : x));
    const least = measured.reduce((x, y) => (y.ks < x.ks ? y : x));
    sentences.push(
      `The two sets differ most for ${most.pair} at layer ${most.layer} (Kolmogorov–Smirnov distance ${formatNumber(most.ks)}, Wasserstein distance ${formatNumber(most.wasserstein)}; SD ${formatNumber(most.sdA)} in ${a}, ${formatNumber(most.sdB)} in ${b}) and least for ${least.pair} at layer ${least.layer} (KS ${formatNumber(least.ks)}).`,
    );
  }
  return sentences;
}

/**
 * Sentences about one pair type across the common layers: at which layers set a's target
 * distribution is wider, narrower or about as wide as set b's, and where their distance peaks.
 */
export function pairComparisonNarrative(pair: PairType, metric: Metric, labels: SetLabels, cells: readonly SetDistanceCell[]): string[] {
  const [a, b] = [quoted(labels.a), quoted(labels.b)];
  const compared = cells.filter((cell) => cell.spread !== null);
  if (compared.length === 0) return [];
  const at = (word: SpreadWord) => compared.filter((cell) => cell.spread!.word === word).map((cell) => cell.layer);
  const groups: [string, string, number[]][] = [
    ['wider', ` than in ${b}`, at('wider')],
    ['narrower', ` than in ${b}`, at('narrower')],
    ['about as wide', ` as in ${b}`, at('about the same')],
  ];
  const parts = groups
    .filter(([, , layers]) => layers.length > 0)
    .map(
      ([word, than, layers], i) =>
        `${word}${i === 0 ? than : ''} ${layers.length === compared.length && layers.length > 1 ? 'at every common layer' : `at ${layerList(layers)}`}`,
    );
  const sentences = [`The target's ${pair} ${metricPlural(metric)} in ${a} are ${joinWords(parts)}.`];
  const measured = cells.filter((cell) => Number.isFinite(cell.ks));
  if (measured.length === 1) {
    sentences.push(
      `The distance between the two distributions: Kolmogorov–Smirnov ${formatNumber(measured[0].ks)}, Wasserstein ${formatNumber(measured[0].wasserstein)}.`,
    );
  } else if (measured.length >= 2) {
    const most = measured.reduce((x, y) => (y.ks > x.ks ? y : x));
    sentences.push(
      `Their distance is largest at layer ${most.layer} (Kolmogorov–Smirnov ${formatNumber(most.ks)}, Wasserstein ${formatNumber(most.wasserstein)}).`,
    );
  }
  return sentences;
}
