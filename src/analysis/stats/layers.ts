import { computeLayerStats, type LayerStatsInput, type LayerStatsResult } from './layer-stats.ts';

/**
 * The statistics of many layers, in order, with two layers in flight: while this thread
 * summarises one layer, the worker threads already analyse the next one's matrices, so no
 * thread waits at a layer's end. Inputs are made lazily (`input(i)`), results are handed out
 * in order, and at most `inFlight` layers' results are held at once.
 */
export async function* layerStatsInOrder(count: number, input: (index: number) => LayerStatsInput, inFlight = 2): AsyncGenerator<LayerStatsResult> {
  const pending: Promise<LayerStatsResult>[] = [];
  let next = 0;
  while (next < count && pending.length < inFlight) pending.push(computeLayerStats(input(next++)));
  try {
    while (pending.length > 0) {
      const result = await pending.shift()!;
      if (next < count) pending.push(computeLayerStats(input(next++)));
      yield result;
    }
  } finally {
    // a consumer that stops early (an error while writing) leaves layers in flight: their
    // outcome no longer matters, and must not surface as an unhandled rejection
    for (const layer of pending) layer.catch(() => {});
  }
}
