import { METRICS, type Metric } from '../format.ts';
import type { Side } from './anchors.ts';
import { BLOCK_COLOURS_RGB, extent } from './figures.ts';
import type { Analysis } from './load.ts';
import { encodeIndexedPng } from './png.ts';
import { scatterImage, similarityImage } from './raster.ts';

/**
 * The PNG files of a layer page and the geometry the page draws around them. A page and the
 * endpoint that writes the PNG both call these, so axes and pixels cannot disagree.
 */

/** Pixels per CSS pixel of the scatter rasters: sharp on high-density screens. */
export const RASTER_SCALE = 1.5;

export interface Frame {
  /** the plot area in CSS pixels (without margins) */
  width: number;
  height: number;
}

export const FRAMES = {
  tokenAverage: { width: 600, height: 170 },
  qqSequence: { width: 600, height: 200 },
} as const satisfies Record<string, Frame>;

export interface RasterView {
  /** file name without .png, unique within a layer */
  image: string;
  frame: Frame;
  xDomain: [number, number];
  yDomain: [number, number];
}

const SIDES: Side[] = ['target', 'nontarget'];

export function similarityImageName(metric: Metric, side: Side): string {
  return `similarity-${metric}-${side}`;
}

/** Token-average activations of target and comparison token share one y domain, so the two panels compare. */
export function tokenAverageView(analysis: Analysis, layer: number, side: Side): RasterView {
  const averages = analysis.stats(layer).tokenAverage;
  return {
    image: `token-average-${side}`,
    frame: FRAMES.tokenAverage,
    xDomain: [-0.5, averages.target.length - 0.5],
    yDomain: extent([...averages.target, ...averages.nontarget]),
  };
}

export function qqSequenceView(analysis: Analysis, layer: number): RasterView {
  const sequence = analysis.stats(layer).qqSequence;
  return {
    image: 'qq-sequence',
    frame: FRAMES.qqSequence,
    xDomain: [-0.5, Math.max(1, sequence.length) - 0.5],
    yDomain: extent(sequence),
  };
}

/** Every PNG of a layer page, by file name (without .png). */
export function layerImageNames(): string[] {
  return [
    ...METRICS.flatMap((metric) => SIDES.map((side) => similarityImageName(metric, side))),
    ...SIDES.map((side) => `token-average-${side}`),
    'qq-sequence',
  ];
}

export function renderLayerImage(analysis: Analysis, layer: number, name: string): Uint8Array<ArrayBuffer> {
  for (const metric of METRICS) {
    for (const side of SIDES) {
      if (name === similarityImageName(metric, side)) {
        const { shape, data } = analysis.similarity(layer, metric, side);
        return encodeIndexedPng(similarityImage(data, shape[0]));
      }
    }
  }
  for (const side of SIDES) {
    if (name === `token-average-${side}`) {
      const view = tokenAverageView(analysis, layer, side);
      const values = analysis.stats(layer).tokenAverage[side];
      const d = analysis.manifest.model.n_embd;
      const series = (['Q', 'K', 'V'] as const).map((block, b) => {
        const y = values.slice(b * d, (b + 1) * d);
        return { x: y.map((_, i) => b * d + i), y, colour: BLOCK_COLOURS_RGB[block] };
      });
      return encodeIndexedPng(scatterImage({ ...pixels(view), series, radius: 1.8, opacity: 0.75 }));
    }
  }
  if (name === 'qq-sequence') {
    const view = qqSequenceView(analysis, layer);
    const y = analysis.stats(layer).qqSequence;
    return encodeIndexedPng(scatterImage({ ...pixels(view), series: [{ x: y.map((_, i) => i), y, colour: [70, 70, 70] }], radius: 1, opacity: 0.85 }));
  }
  throw new Error(`no image "${name}" for a layer page`);
}

function pixels(view: RasterView) {
  return {
    width: Math.round(view.frame.width * RASTER_SCALE),
    height: Math.round(view.frame.height * RASTER_SCALE),
    xDomain: view.xDomain,
    yDomain: view.yDomain,
  };
}
