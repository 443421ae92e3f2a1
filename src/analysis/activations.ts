import type { HookedModel } from './model/hooked-model.ts';
import { qkvHook } from './model/hooks.ts';

/** Where to read one sentence's two rows: its token ids and the two positions. */
export interface SentencePositions {
  ids: readonly number[];
  target: number;
  nontarget: number;
}

/** Per layer, the two matrices of the lecture: [n_sentences, 3·d], row-major, Q | K | V. */
export interface LayerActivations {
  layer: number;
  target: Float32Array;
  nontarget: Float32Array;
}

/** Padded tokens per forward batch: bounds the memory of hooked outputs on large sets. */
const TOKENS_PER_BATCH = 4096;

/**
 * Runs the model over every sentence with a hook on each layer's c_attn and keeps, for each
 * sentence, the row at the target and the row at the comparison token. Sentences are batched
 * by length (activations at real positions do not depend on the batch), so little padding is
 * computed; rows are written back in the set's order.
 */
export async function collectActivations(
  model: HookedModel,
  sentences: readonly SentencePositions[],
  layers: readonly number[],
  onBatch?: (done: number, total: number) => void,
): Promise<LayerActivations[]> {
  const width = 3 * model.config.n_embd;
  const n = sentences.length;
  const result = layers.map((layer) => ({ layer, target: new Float32Array(n * width), nontarget: new Float32Array(n * width) }));
  const hooks = layers.map(qkvHook);
  const order = sentences.map((_, i) => i).sort((a, b) => sentences[a].ids.length - sentences[b].ids.length || a - b);

  let done = 0;
  for (const batch of batchesByLength(order, (i) => sentences[i].ids.length)) {
    const cache = await model.run(batch.map((i) => sentences[i].ids), hooks);
    const padded = Math.max(...batch.map((i) => sentences[i].ids.length));
    result.forEach(({ layer, target, nontarget }) => {
      const qkv = cache.get(qkvHook(layer))!.data;
      batch.forEach((sentence, b) => {
        const { target: t, nontarget: c } = sentences[sentence];
        target.set(qkv.subarray((b * padded + t) * width, (b * padded + t + 1) * width), sentence * width);
        nontarget.set(qkv.subarray((b * padded + c) * width, (b * padded + c + 1) * width), sentence * width);
      });
    });
    done += batch.length;
    onBatch?.(done, n);
  }
  return result;
}

function* batchesByLength(order: number[], length: (i: number) => number): Generator<number[]> {
  let batch: number[] = [];
  for (const index of order) {
    // order is ascending in length, so the newest sentence sets the batch's padded width
    if (batch.length > 0 && (batch.length + 1) * length(index) > TOKENS_PER_BATCH) {
      yield batch;
      batch = [];
    }
    batch.push(index);
  }
  if (batch.length > 0) yield batch;
}
