import { SIMILARITY_DOMAIN, divergingColour } from './colormap.ts';
import type { IndexedImage } from './png.ts';

/**
 * Rasters for the figures that would be too heavy as SVG: the similarity matrix (a
 * 576 × 576 sample for GPT-2, and each pair's 768 × 768 block) and scatters of thousands of points (token averages, the
 * QQ sequence). They become PNG files; the page draws axes around them.
 */

/** Colour levels of the similarity image: steps of 0.025 over −0.4..0.4, finer than the eye can tell. */
export const SIMILARITY_LEVELS = 32;

/** The colour of an undefined entry (a neuron that does not vary): grey, off the diverging scale. */
export const UNDEFINED_RGB = [150, 150, 150] as const;

/** The palette index of a similarity value: its level on the scale, clamped; SIMILARITY_LEVELS when undefined. */
export function similarityLevel(value: number, domain: readonly [number, number] = SIMILARITY_DOMAIN): number {
  if (!Number.isFinite(value)) return SIMILARITY_LEVELS;
  const t = (value - domain[0]) / (domain[1] - domain[0]);
  return Math.min(SIMILARITY_LEVELS - 1, Math.max(0, Math.floor(t * SIMILARITY_LEVELS)));
}

/**
 * A similarity matrix (width × height, row-major) as an indexed image, one pixel per entry,
 * each entry coloured by its own value on the lecture's −0.4..0.4 scale: never an average
 * of several entries, which would cancel positive against negative values.
 */
export function similarityImage(matrix: ArrayLike<number>, width: number, height = width, domain: readonly [number, number] = SIMILARITY_DOMAIN): IndexedImage {
  if (matrix.length !== width * height) throw new Error(`similarity image: ${matrix.length} values do not form a ${height} × ${width} matrix`);
  const palette = [
    ...Array.from({ length: SIMILARITY_LEVELS }, (_, level) => {
      const [r, g, b] = divergingColour((level + 0.5) / SIMILARITY_LEVELS);
      return [r, g, b, 255] as const;
    }),
    [...UNDEFINED_RGB, 255] as const,
  ];
  const indices = new Uint8Array(width * height);
  for (let i = 0; i < indices.length; i++) indices[i] = similarityLevel(matrix[i], domain);
  return { width, height, palette, indices };
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
