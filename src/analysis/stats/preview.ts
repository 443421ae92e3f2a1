/**
 * Size of the block-averaged image of a 3d × 3d similarity matrix (computed in
 * detail.ts): the block is the smallest power of two that brings the side to at
 * most PREVIEW_MAX (2304 → block 8, 288 × 288). Undefined entries are left out of
 * each average; a block with no defined entry reads 0. The diagonal (1 for every
 * defined neuron) is part of the image, as in the lecture's imshow.
 */
export const PREVIEW_MAX = 384;

export function previewBlock(m: number): number {
  let block = 1;
  while (Math.ceil(m / block) > PREVIEW_MAX) block *= 2;
  return block;
}
