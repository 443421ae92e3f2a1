import { computeLayerStats, type LayerStatsInput, type LayerStatsResult } from './layer-stats.ts';
import { queueDrained, queueIsEmpty } from './pool.ts';

/**
 * The statistics of many layers, in order, with two layers in flight: while the last matrices
 * of one layer are analysed, the next layer's already take the threads that are free, so no
 * thread waits at a layer's end. A layer's inputs are made (`input(i)`, which reads its
 * activations) only when the pool has started every job queued before it: a layer does not
 * hold its inputs while the previous one still waits for threads (at 10,000 sentences of
 * GPT-2 small, a layer's inputs are 184 MB). Results are handed out in order, and at most
 * `inFlight` layers' results are held at once.
 */
export async function* layerStatsInOrder(count: number, input: (index: number) => LayerStatsInput, inFlight = 2): AsyncGenerator<LayerStatsResult> {
  const pending: Promise<LayerStatsResult>[] = [];
  // computeLayerStats queues the layer's jobs before it returns, so a second layer started
  // right after a first finds the pool busy and waits for it to drain (a throw in `input`
  // becomes the layer's rejection, as any later failure of its statistics)
  const start = (index: number): Promise<LayerStatsResult> =>
    queueIsEmpty() ? new Promise((resolve) => resolve(computeLayerStats(input(index)))) : queueDrained().then(() => start(index));
  let next = 0;
  while (next < count && pending.length < inFlight) pending.push(start(next++));
  try {
    while (pending.length > 0) {
      const result = await pending.shift()!;
      if (next < count) pending.push(start(next++));
      yield result;
    }
  } finally {
    // a consumer that stops early (an error while writing) leaves layers in flight: their
    // outcome no longer matters, and must not surface as an unhandled rejection
    for (const layer of pending) layer.catch(() => {});
  }
}
