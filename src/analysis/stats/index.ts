/**
 * Every similarity statistic of the lecture for one layer: see layer-stats.ts for
 * the entry point and docs/stats-format.md for the output.
 */
export { computeLayerStats, warmUpStats } from './layer-stats.ts';
export { layerStatsInOrder } from './layers.ts';
export { QQ_SEQUENCE_LENGTH } from './matrix.ts';
export type { LayerStatsInput, LayerStatsResult, LayerPreviews } from './layer-stats.ts';
export { EDGES, numpyBin, numpyDensity, numpyEdges, FINE_BINS, FINE_WIDTH } from './histogram.ts';
export { gramMargin, CHUNK } from './gram.ts';
export { MOMENTS_MAX_ROWS } from './moments.ts';
export { PREVIEW_MAX, previewIndices, previewStride } from './preview.ts';
export { qqVariance } from './qq-variance.ts';
export { distinctRows } from './distinct-rows.ts';
export { unitColumns, similarityBlock } from './units.ts';
export { columnStats } from './columns.ts';
export { createRandom } from './random.ts';
export { shuffleAll, shufflePerNeuron } from './baselines.ts';
export { extractPair, pairOf, pairCount } from './pair-mask.ts';
