import { PAIR_TYPES, type Condition, type MetricStats, type PairType } from './output-schema.ts';

/**
 * The shapes every statistic is built on, one place each: the blocks of c_attn's
 * output and the pair types they make, and the report histogram's bins. Everything
 * else (block widths, pair counts, masks, state sizes, the WebAssembly kernel's
 * constants) is derived from these names, with an assertion at load time wherever
 * a derived identity holds only for some values.
 *
 * To add a block (a 4th matrix) change BLOCKS here and PAIR_TYPES in the output
 * format (its names are published); to change the bins change BIN_COUNT or
 * FINE_PER_BIN. Then only the words on the pages remain.
 */

/** The blocks of c_attn's output, in column order: [n, BLOCK_COUNT·n_embd] = Q | K | V. */
export const BLOCKS = ['Q', 'K', 'V'] as const;
export type Block = (typeof BLOCKS)[number];
export const BLOCK_COUNT = BLOCKS.length;

/** A pair type's two blocks are the same one (the upper triangle of a diagonal
 * block, diagonal excluded) or two different ones (a whole off-diagonal block). */
export type PairKind = 'within' | 'across';

export interface PairShape {
  type: PairType;
  /** row and column block (index into BLOCKS), row ≤ column */
  rowBlock: number;
  colBlock: number;
  kind: PairKind;
}

/**
 * The pair types in the output format's order: the within pairs in block order,
 * then the across pairs (a, b), a < b, row-major, as the lecture's mask numbers them
 * (1, 4, 9 within; 2, 3, 6 across for three blocks).
 */
export const PAIRS: readonly PairShape[] = (() => {
  const within: PairShape[] = BLOCKS.map((block, a) => ({ type: `${block}${block}` as PairType, rowBlock: a, colBlock: a, kind: 'within' }));
  const across: PairShape[] = [];
  for (let a = 0; a < BLOCK_COUNT; a++)
    for (let b = a + 1; b < BLOCK_COUNT; b++) across.push({ type: `${BLOCKS[a]}${BLOCKS[b]}` as PairType, rowBlock: a, colBlock: b, kind: 'across' });
  const pairs = [...within, ...across];
  const names = pairs.map((p) => p.type).join(',');
  if (names !== PAIR_TYPES.join(',')) {
    throw new Error(`The output format's PAIR_TYPES (${PAIR_TYPES.join(',')}) are not the pairs of BLOCKS (${names}): list them in this order in format.ts.`);
  }
  return pairs;
})();
export const PAIR_COUNT = PAIRS.length;

export function isWithinPair(pair: number): boolean {
  return PAIRS[pair].kind === 'within';
}

/** Pair index for row block a and column block b, a ≤ b; -1 below the diagonal (no pair). */
export const PAIR_OF_BLOCKS: readonly (readonly number[])[] = BLOCKS.map((_, a) =>
  BLOCKS.map((_, b) => PAIRS.findIndex((p) => p.rowBlock === a && p.colBlock === b)),
);

/** Row and column block of each pair type. */
export const BLOCKS_OF_PAIR: readonly (readonly [number, number])[] = PAIRS.map((p) => [p.rowBlock, p.colBlock] as const);

/** Report histogram bins over [-1, 1] (numpy's `bins=np.linspace(-1, 1, BIN_COUNT + 1)`); a
 * multiple of 4, so that ±0.5 are edges and the |x| > 0.5 share stays exact (stats/exact.ts
 * refuses any other count). */
export const BIN_COUNT = 100;
/**
 * Fine bins (for quantiles and distances) per report bin: each report bin is a whole number
 * of them. The fine width, 2 / (BIN_COUNT · FINE_PER_BIN) = 1e-4, bounds the error of the
 * quantiles and distances (docs/stats-format.md): to keep it when changing BIN_COUNT,
 * change this too (50 bins: 400).
 */
export const FINE_PER_BIN = 200;

export type ComparisonKey = keyof MetricStats['comparisons'];

/** The comparisons of MetricStats, per pair type, in the order tables and downloads list
 * them: measured conditions against each other and against both baselines. */
export const COMPARISONS = [
  ['targetVsNontarget', 'target', 'nontarget'],
  ['targetVsShuffled', 'target', 'shuffled'],
  ['targetVsShuffledPerNeuron', 'target', 'shuffledPerNeuron'],
  ['nontargetVsShuffled', 'nontarget', 'shuffled'],
  ['nontargetVsShuffledPerNeuron', 'nontarget', 'shuffledPerNeuron'],
] as const satisfies readonly (readonly [ComparisonKey, Condition, Condition])[];

// Every comparison of the output format is listed (a new one does not compile until it is).
const listsEveryComparison: [Exclude<ComparisonKey, (typeof COMPARISONS)[number][0]>] extends [never] ? true : never = true;
void listsEveryComparison;
