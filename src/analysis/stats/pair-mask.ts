import { PAIR_TYPES, type PairType } from '../output-schema.ts';
import { BLOCK_COUNT, BLOCKS_OF_PAIR, PAIR_OF_BLOCKS, isWithinPair } from '../shapes.ts';

/**
 * The lecture's matrix mask: vectorMask = [1]*d + [2]*d + [3]*d, its outer product,
 * then the strict upper triangle. Mask value 1, 4, 9 are QQ, KK, VV (upper triangle
 * of a diagonal block, diagonal excluded) and 2, 3, 6 are QK, QV, KV (a whole block).
 * `cossim[matrixMask == k]` reads row-major, which is the order used everywhere here.
 */

/** Pair type of entry (i, j) of the (BLOCK_COUNT·d)² matrix, or -1 when the mask is 0 there (j ≤ i). */
export function pairOf(i: number, j: number, d: number): number {
  if (j <= i) return -1;
  return PAIR_OF_BLOCKS[Math.floor(i / d)][Math.floor(j / d)];
}

/** Number of entries of a pair type: d(d-1)/2 within, d² across. */
export function pairCount(pair: number, d: number): number {
  return isWithinPair(pair) ? (d * (d - 1)) / 2 : d * d;
}

/** Values of a pair type (as `m[matrixMask == k]`) from a full row-major (BLOCK_COUNT·d)² matrix. */
export function extractPair(matrix: ArrayLike<number>, d: number, pair: PairType | number): Float64Array {
  const p = typeof pair === 'number' ? pair : PAIR_TYPES.indexOf(pair);
  const [a, b] = BLOCKS_OF_PAIR[p];
  const m = BLOCK_COUNT * d;
  const out = new Float64Array(pairCount(p, d));
  let k = 0;
  for (let i = a * d; i < (a + 1) * d; i++) {
    for (let j = Math.max(b * d, i + 1); j < (b + 1) * d; j++) out[k++] = matrix[i * m + j];
  }
  return out;
}
