/**
 * The preview image of a 3d × 3d similarity matrix (computed in detail.ts) samples it
 * with a stride: the entries of neurons 0, s, 2s, … with each other, one pixel per
 * entry, each the exact similarity of its two neurons. Averaging blocks instead would
 * cancel positive against negative values and draw a matrix full of ±0.4 as near 0.
 * The stride is the smallest that brings the side to at most PREVIEW_MAX
 * (2304 → stride 4, 576 × 576). Undefined entries are NaN. The diagonal (1 for every
 * defined neuron) is part of the image, as in the lecture's imshow.
 */
export const PREVIEW_MAX = 576;

export function previewStride(m: number): number {
  let stride = 1;
  while (Math.ceil(m / stride) > PREVIEW_MAX) stride++;
  return stride;
}

/** The neurons the preview samples: 0, stride, 2·stride, … below m. */
export function previewIndices(m: number, stride = previewStride(m)): number[] {
  return Array.from({ length: Math.ceil(m / stride) }, (_, k) => k * stride);
}
