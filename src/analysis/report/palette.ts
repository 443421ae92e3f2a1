import type { PairType } from '../output-schema.ts';
import { BLOCKS, PAIRS, type Block } from '../shapes.ts';

/**
 * The report's colours and dash patterns, one place each. Figures drawn as SVG use the
 * stylesheet's custom properties (global.css sets them per theme), so they follow light
 * and dark themes; raster images and swatches that cannot use them take the light
 * theme's hex values from here, which a test holds equal to the stylesheet's.
 */

/** Okabe–Ito, the colour-blind-safe palette. */
export const OKABE_ITO = {
  blue: '#0072b2',
  vermillion: '#d55e00',
  bluishGreen: '#009e73',
  reddishPurple: '#cc79a7',
  orange: '#e69f00',
  skyBlue: '#56b4e9',
} as const;

/** Q, K, V (the blocks of c_attn's output), light theme: the stylesheet's --c-q, --c-k, --c-v. */
export const BLOCK_COLOURS: Record<Block, string> = { Q: OKABE_ITO.blue, K: OKABE_ITO.vermillion, V: OKABE_ITO.bluishGreen };

/** The stylesheet's colour of a block, per theme. */
export const BLOCK_COLOUR_VARS = Object.fromEntries(BLOCKS.map((block) => [block, `var(--c-${block.toLowerCase()})`])) as Record<Block, string>;

/** BLOCK_COLOURS as [r, g, b], for raster images. */
export const BLOCK_COLOURS_RGB = Object.fromEntries(BLOCKS.map((block) => [block, hexToRgb(BLOCK_COLOURS[block])])) as Record<Block, [number, number, number]>;

/**
 * Each pair type's curve colour, per theme: a within pair takes its block's colour; an
 * across pair its own property (the stylesheet gives QK, QV, KV the colours of QQ, KK, VV:
 * within and across pairs never share a histogram panel).
 */
export const PAIR_COLOURS = Object.fromEntries(
  PAIRS.map((p) => [p.type, p.kind === 'within' ? BLOCK_COLOUR_VARS[BLOCKS[p.rowBlock]] : `var(--c-${p.type.toLowerCase()})`]),
) as Record<PairType, string>;

/**
 * The pair types of the matrix-mask figure, which shows all of them at once: six distinct
 * Okabe–Ito colours, the within pairs in their block's.
 */
export const MASK_COLOURS: Record<PairType, string> = {
  QQ: BLOCK_COLOURS.Q,
  KK: BLOCK_COLOURS.K,
  VV: BLOCK_COLOURS.V,
  QK: OKABE_ITO.reddishPurple,
  QV: OKABE_ITO.orange,
  KV: OKABE_ITO.skyBlue,
};

export type Dash = 'solid' | 'dashed' | 'dotted';

/** SVG stroke-dasharray of each dash style, for density curves and their legend. */
export const DASH_PATTERNS: Record<Dash, string | undefined> = { solid: undefined, dashed: '6,4', dotted: '1.5,3' };

/** The shuffled baseline's dashes in the trend charts: shorter, for lines across a dozen layers. */
export const TREND_DASH = '5,3';

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
