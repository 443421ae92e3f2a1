import { SIMILARITY_DOMAIN, divergingColour } from './colormap.ts';
import type { IndexedImage } from './png.ts';

/**
 * Rasters for the figures that would be too heavy as SVG: the similarity matrix (a
 * 288 × 288 image for GPT-2) and scatters of thousands of points (token averages, the
 * QQ sequence). They become PNG files; the page draws axes around them.
 */

/** Colour levels of the similarity image: steps of 0.025 over −0.4..0.4, finer than the eye can tell. */
export const SIMILARITY_LEVELS = 32;

/** A square similarity matrix as an indexed image, one pixel per entry, on the lecture's −0.4..0.4 scale. */
export function similarityImage(matrix: ArrayLike<number>, side: number, domain: readonly [number, number] = SIMILARITY_DOMAIN): IndexedImage {
  if (matrix.length !== side * side) throw new Error(`similarity image: ${matrix.length} values do not form a ${side} × ${side} matrix`);
  const palette = Array.from({ length: SIMILARITY_LEVELS }, (_, level) => {
    const [r, g, b] = divergingColour((level + 0.5) / SIMILARITY_LEVELS);
    return [r, g, b, 255] as const;
  });
  const indices = new Uint8Array(side * side);
  const span = domain[1] - domain[0];
  for (let i = 0; i < indices.length; i++) {
    const value = matrix[i];
    const t = Number.isFinite(value) ? (value - domain[0]) / span : 0.5;
    indices[i] = Math.min(SIMILARITY_LEVELS - 1, Math.max(0, Math.floor(t * SIMILARITY_LEVELS)));
  }
  return { width: side, height: side, palette, indices };
}

export interface ScatterSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** [r, g, b] */
  colour: readonly [number, number, number];
}

export interface ScatterRaster {
  /** pixels */
  width: number;
  height: number;
  xDomain: readonly [number, number];
  yDomain: readonly [number, number];
  series: ScatterSeries[];
  /** dot radius in pixels */
  radius?: number;
  /** dot opacity, 0-1 */
  opacity?: number;
}

/** Points as small discs on a transparent background; later series are drawn over earlier ones. */
export function scatterImage(options: ScatterRaster): IndexedImage {
  const { width, height, xDomain, yDomain, series } = options;
  const radius = options.radius ?? 1.5;
  const alpha = Math.round(255 * (options.opacity ?? 1));
  const palette: [number, number, number, number][] = [[0, 0, 0, 0], ...series.map((s) => [...s.colour, alpha] as [number, number, number, number])];
  if (palette.length > 256) throw new Error('scatter image: at most 255 series');
  const indices = new Uint8Array(width * height);
  const reach = Math.ceil(radius);
  const xScale = (width - 1) / (xDomain[1] - xDomain[0] || 1);
  const yScale = (height - 1) / (yDomain[1] - yDomain[0] || 1);
  series.forEach((s, k) => {
    for (let i = 0; i < s.x.length; i++) {
      const [x, y] = [s.x[i], s.y[i]];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const cx = (x - xDomain[0]) * xScale;
      const cy = (yDomain[1] - y) * yScale;
      for (let dy = -reach; dy <= reach; dy++) {
        const py = Math.round(cy) + dy;
        if (py < 0 || py >= height) continue;
        for (let dx = -reach; dx <= reach; dx++) {
          const px = Math.round(cx) + dx;
          if (px < 0 || px >= width) continue;
          if ((px - cx) ** 2 + (py - cy) ** 2 <= radius * radius + 0.25) indices[py * width + px] = k + 1;
        }
      }
    }
  });
  return { width, height, palette, indices };
}
