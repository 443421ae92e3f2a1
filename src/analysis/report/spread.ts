import { RATIO_DIGITS } from './labels.ts';

/**
 * The one rule for calling a spread wider or narrower than another, which both the report's
 * sentences (narrative.ts) and the comparison of two sets (compare.ts) apply.
 */

/** SD ratios within 1 ± 10% read as "about the same". */
export const SAME_SPREAD = 0.1;

export type SpreadWord = 'wider' | 'narrower' | 'about the same';

export interface SpreadComparison {
  ratio: number;
  word: SpreadWord;
}

/**
 * How the spread (SD) of `a` compares with that of `b`; null when either is undefined. The
 * word is decided on the ratio as displayed (formatRatio's two decimals), so that a ratio
 * shown as 1.10× reads "about the same", never "wider".
 */
export function compareSpread(sdA: number, sdB: number, tolerance = SAME_SPREAD): SpreadComparison | null {
  if (!Number.isFinite(sdA) || !Number.isFinite(sdB) || sdB <= 0 || sdA < 0) return null;
  const ratio = sdA / sdB;
  const shown = Number(ratio.toFixed(RATIO_DIGITS));
  const word: SpreadWord = shown > 1 + tolerance ? 'wider' : shown < 1 / (1 + tolerance) ? 'narrower' : 'about the same';
  return { ratio, word };
}
