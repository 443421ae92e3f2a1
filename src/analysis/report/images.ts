import { METRICS, PAIR_TYPES, type Metric, type PairType } from '../output-schema.ts';
import { join } from 'node:path';
import { activationFile } from '../analysis-folder.ts';
import { readNpyFloat32 } from '../io/npy-rows.ts';
import { columnStats, type Columns } from '../stats/columns.ts';
import { previewStride } from '../stats/preview.ts';
import { METRIC_CORR, METRIC_COS } from '../stats/scan.ts';
import { productOnAllCores } from '../stats/onnx.ts';
import { neuronRange, similarities } from '../stats/units.ts';
import type { Side } from './anchors.ts';
import { extent } from './figures.ts';
import { BLOCK_COLOURS_RGB } from './palette.ts';
import { pairSlug } from './labels.ts';
import type { Analysis } from './load.ts';
import { encodeIndexedPng } from './png.ts';
import { scatterImage, similarityImage } from './raster.ts';
import { BLOCK_COUNT, BLOCKS } from '../shapes.ts';

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
  // two side by side (cosine, correlation) fit the page's 72rem
  qqSequence: { width: 480, height: 200 },
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

/** A pair's block of the matrix at full resolution (its pair page shows it). */
export function pairBlockImageName(metric: Metric, side: Side, pair: PairType): string {
  return `similarity-${metric}-${side}-${pairSlug(pair)}`;
}

/** Which neurons the layer page's matrix image samples: every `stride`-th, `side` of them. */
export function similaritySampling(analysis: Analysis, layer: number, metric: Metric = 'cosine'): { stride: number; side: number } {
  const side = analysis.similarity(layer, metric, 'target').shape[0];
  return { side, stride: previewStride(BLOCK_COUNT * analysis.manifest.model.n_embd) };
}

/** The first index of each block of Q | K | V, by letter. */
function blockStart(block: string, d: number): number {
  return (BLOCKS as readonly string[]).indexOf(block) * d;
}

/**
 * The pair's d × d block of the similarity matrix (rows: neurons of its first matrix,
 * columns: of its second), every entry computed exactly (float64) from the published
 * activations, on every core. The activations' column facts are kept for the last (layer,
 * side): the twelve pair images of one page and side (six pairs, two metrics) share them.
 */
export function pairBlock(analysis: Analysis, layer: number, metric: Metric, side: Side, pair: PairType): Promise<Float64Array> {
  const d = analysis.manifest.model.n_embd;
  const cols = columnsOf(analysis, layer, side);
  const r0 = blockStart(pair[0], d);
  const c0 = blockStart(pair[1], d);
  const rows = neuronRange(r0, r0 + d);
  const columns = r0 === c0 ? rows : neuronRange(c0, c0 + d);
  return similarities(cols, metric === 'cosine' ? METRIC_COS : METRIC_CORR, rows, columns, productOnAllCores);
}

// one (layer, side): the pages' images are rendered in layerImageNames' order, in which the
// pair blocks of one side follow each other; an entry holds the activations neuron-major,
// 4 · 3d · sentences bytes (92 MB at 10,000 sentences of GPT-2 small)
let columnCache: { key: string; cols: Columns } | null = null;

function columnsOf(analysis: Analysis, layer: number, side: Side): Columns {
  const key = `${analysis.dir}\0${layer}\0${side}`;
  if (columnCache?.key === key) return columnCache.cols;
  columnCache = null; // the old entry goes before the new one is read
  // read neuron-major, as the statistics read it: one copy of the activations
  const rows = analysis.manifest.sentences.length;
  const m = BLOCK_COUNT * analysis.manifest.model.n_embd;
  const cols = columnStats(rows, m, readNpyFloat32(join(analysis.dir, activationFile(layer, side)), [rows, m], { transposed: true }));
  columnCache = { key, cols };
  return cols;
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

/** The QQ sequence of one metric (cosine: `qq-sequence`, its original name; correlation: `qq-sequence-correlation`). */
export function qqSequenceView(analysis: Analysis, layer: number, metric: Metric = 'cosine'): RasterView {
  const sequence = qqSequenceOf(analysis, layer, metric);
  return {
    image: metric === 'cosine' ? 'qq-sequence' : 'qq-sequence-correlation',
    frame: FRAMES.qqSequence,
    xDomain: [-0.5, Math.max(1, sequence.length) - 0.5],
    yDomain: extent(sequence),
  };
}

function qqSequenceOf(analysis: Analysis, layer: number, metric: Metric): number[] {
  const stats = analysis.stats(layer);
  return metric === 'cosine' ? stats.qqSequence : stats.qqSequenceCorrelation;
}

/** Every PNG of a layer page, by file name (without .png). */
export function layerImageNames(analysis: Analysis, layer: number): string[] {
  return [
    ...METRICS.flatMap((metric) => SIDES.map((side) => similarityImageName(metric, side))),
    // side by side: the blocks of one side share its activations' column facts (columnsOf)
    ...SIDES.flatMap((side) => METRICS.flatMap((metric) => PAIR_TYPES.map((pair) => pairBlockImageName(metric, side, pair)))),
    ...SIDES.map((side) => `token-average-${side}`),
    ...METRICS.map((metric) => qqSequenceView(analysis, layer, metric).image),
  ];
}

export async function renderLayerImage(analysis: Analysis, layer: number, name: string): Promise<Uint8Array<ArrayBuffer>> {
  for (const metric of METRICS) {
    for (const side of SIDES) {
      if (name === similarityImageName(metric, side)) {
        const { shape, data } = analysis.similarity(layer, metric, side);
        return encodeIndexedPng(similarityImage(data, shape[1], shape[0]));
      }
      for (const pair of PAIR_TYPES) {
        if (name === pairBlockImageName(metric, side, pair)) {
          const d = analysis.manifest.model.n_embd;
          return encodeIndexedPng(similarityImage(await pairBlock(analysis, layer, metric, side, pair), d, d));
        }
      }
    }
  }
  for (const side of SIDES) {
    if (name === `token-average-${side}`) {
      const view = tokenAverageView(analysis, layer, side);
      const values = analysis.stats(layer).tokenAverage[side];
      const d = analysis.manifest.model.n_embd;
      const series = BLOCKS.map((block, b) => {
        const y = values.slice(b * d, (b + 1) * d);
        return { x: y.map((_, i) => b * d + i), y, colour: BLOCK_COLOURS_RGB[block] };
      });
      return encodeIndexedPng(scatterImage({ ...pixels(view), series, radius: 1.8, opacity: 0.75 }));
    }
  }
  for (const metric of METRICS) {
    const view = qqSequenceView(analysis, layer, metric);
    if (name === view.image) {
      const y = qqSequenceOf(analysis, layer, metric);
      return encodeIndexedPng(scatterImage({ ...pixels(view), series: [{ x: y.map((_, i) => i), y, colour: [70, 70, 70] }], radius: 1, opacity: 0.85 }));
    }
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
