/**
 * The diverging colour scale of the similarity images: ColorBrewer's RdBu (colour-blind
 * safe), blue for negative, near-white for 0, red for positive. Its domain is the lecture's
 * `imshow(..., vmin=-.4, vmax=.4)`: values beyond are drawn at the end colours.
 */

export const SIMILARITY_DOMAIN = [-0.4, 0.4] as const;

/** RdBu, 11 classes, from negative (blue) to positive (red). */
const ANCHORS: readonly (readonly [number, number, number])[] = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/** The colour at position t ∈ [0, 1] along the scale (clamped), as [r, g, b]. */
export function divergingColour(t: number): [number, number, number] {
  const clamped = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0.5;
  const position = clamped * (ANCHORS.length - 1);
  const i = Math.min(ANCHORS.length - 2, Math.floor(position));
  const f = position - i;
  const [a, b] = [ANCHORS[i], ANCHORS[i + 1]];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** The colour of a similarity value on the scale of `domain`. */
export function similarityColour(value: number, domain: readonly [number, number] = SIMILARITY_DOMAIN): [number, number, number] {
  return divergingColour((value - domain[0]) / (domain[1] - domain[0]));
}

export function hex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** `count` evenly spaced steps of the scale (value at each step's centre, colour as hex): a legend. */
export function legendSteps(count: number, domain: readonly [number, number] = SIMILARITY_DOMAIN): { from: number; to: number; colour: string }[] {
  const width = (domain[1] - domain[0]) / count;
  return Array.from({ length: count }, (_, i) => {
    const from = domain[0] + i * width;
    return { from: round(from), to: round(from + width), colour: hex(similarityColour(from + width / 2, domain)) };
  });
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
