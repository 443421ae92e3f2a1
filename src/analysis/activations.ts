import { NpyRowsFile } from './io/npy-rows.ts';
import type { HookedModel } from './model/hooked-model.ts';
import { qkvHook } from './model/hooks.ts';
import { BLOCK_COUNT } from './shapes.ts';

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

/** Where the rows go as each batch comes out of the model: one call per hooked layer and sentence. */
export type RowSink = (layerIndex: number, sentence: number, target: Float32Array, nontarget: Float32Array) => void;

export interface ForwardOptions {
  /** most padded token slots per batch (default TOKENS_PER_BATCH, lowered further by OUTPUT_BYTES_PER_BATCH) */
  tokensPerBatch?: number;
  /** padding allowed per batch, a fraction of its real tokens (default MAX_PADDING) */
  maxPadding?: number;
  onBatch?: (done: number, total: number) => void;
}

/** What the forward pass computed: real tokens, padded slots (what the model runs) and batches. */
export interface ForwardCount {
  tokens: number;
  slots: number;
  batches: number;
}

/**
 * Padded token slots per batch. Chosen by measurement (`npm run bench -- model`, README): on
 * GPT-2 small, batches of 256 to 2,048 slots ran within a few per cent of each other, and
 * batches under ~128 slots lose GEMM efficiency; 1,024 keeps the matrix products large.
 */
export const TOKENS_PER_BATCH = 1024;

/**
 * The hooked outputs of one batch (every position of every hooked layer: slots × layers × 3d
 * floats) are the batch's largest allocation, so they bound the batch too: 128 MB is 1,157
 * slots on GPT-2 small's 12 layers, fewer on deeper or wider models.
 */
export const OUTPUT_BYTES_PER_BATCH = 128 * 2 ** 20;

/**
 * How many tokens of a sentence the report needs: up to the later of the target and the
 * comparison token. GPT-2 is causal, so the activations there do not depend on any later
 * token, and those tokens are never computed.
 */
export function neededLength(sentence: SentencePositions): number {
  return Math.max(sentence.target, sentence.nontarget) + 1;
}

/**
 * Padding allowed in a batch, as a fraction of its real tokens. Chosen by measurement
 * (`npm run bench -- model --sweep`, README): with sentences sorted by length, batches cut only
 * by size ran the lecture's set as one batch padded to twice its tokens; exact-length buckets
 * (0) cost more small runs on small sets than they save.
 */
export const MAX_PADDING = 0.1;

/**
 * Length buckets: sentences in ascending order of needed length, cut into batches of at most
 * `maxSlots` padded slots, and also wherever the next, longer sentence would pad the batch by
 * more than `maxPadding` of its real tokens.
 */
export function planBatches(lengths: readonly number[], maxSlots: number, maxPadding = MAX_PADDING): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let batch: number[] = [];
  let tokens = 0;
  for (const index of order) {
    // order is ascending in length, so the newest sentence sets the batch's padded width
    const slots = (batch.length + 1) * lengths[index];
    if (batch.length > 0 && (slots > maxSlots || slots > (1 + maxPadding) * (tokens + lengths[index]))) {
      batches.push(batch);
      batch = [];
      tokens = 0;
    }
    batch.push(index);
    tokens += lengths[index];
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The batches forwardRows runs: sentence indices per batch, and each sentence's needed length. */
export interface ForwardPlan {
  lengths: number[];
  batches: number[][];
}

export function planForward(sentences: readonly SentencePositions[], hookedLayers: number, width: number, options: ForwardOptions = {}): ForwardPlan {
  const bytesPerSlot = Math.max(1, hookedLayers) * width * 4;
  const maxSlots = Math.max(1, Math.min(options.tokensPerBatch ?? TOKENS_PER_BATCH, Math.floor(OUTPUT_BYTES_PER_BATCH / bytesPerSlot)));
  const lengths = sentences.map(neededLength);
  return { lengths, batches: planBatches(lengths, maxSlots, options.maxPadding) };
}

/**
 * Runs the model over every sentence, truncated after its last needed position, with a hook
 * on each layer's c_attn, and hands each sentence's row at the target and at the comparison
 * token to `sink`, batch by batch: nothing of a batch is kept once it has been handed out.
 * Activations at real positions do not depend on the batch (padding is masked).
 */
export async function forwardRows(
  model: HookedModel,
  sentences: readonly SentencePositions[],
  layers: readonly number[],
  sink: RowSink,
  options: ForwardOptions = {},
): Promise<ForwardCount> {
  const width = BLOCK_COUNT * model.config.n_embd;
  const hooks = layers.map(qkvHook);
  const { lengths, batches } = planForward(sentences, layers.length, width, options);
  const count: ForwardCount = { tokens: 0, slots: 0, batches: batches.length };

  let done = 0;
  for (const batch of batches) {
    const padded = Math.max(...batch.map((i) => lengths[i]));
    const cache = await model.run(
      batch.map((i) => sentences[i].ids.slice(0, lengths[i])),
      hooks,
    );
    layers.forEach((layer, layerIndex) => {
      const qkv = cache.get(qkvHook(layer))!.data;
      batch.forEach((sentence, b) => {
        const { target: t, nontarget: c } = sentences[sentence];
        sink(
          layerIndex,
          sentence,
          qkv.subarray((b * padded + t) * width, (b * padded + t + 1) * width),
          qkv.subarray((b * padded + c) * width, (b * padded + c + 1) * width),
        );
      });
    });
    count.tokens += batch.reduce((sum, i) => sum + lengths[i], 0);
    count.slots += batch.length * padded;
    done += batch.length;
    options.onBatch?.(done, sentences.length);
  }
  return count;
}

/** All rows in memory, in the set's order: for small sets and tests (analyze streams them to disk). */
export async function collectActivations(
  model: HookedModel,
  sentences: readonly SentencePositions[],
  layers: readonly number[],
  options: ForwardOptions = {},
): Promise<LayerActivations[]> {
  const width = BLOCK_COUNT * model.config.n_embd;
  const n = sentences.length;
  const result = layers.map((layer) => ({ layer, target: new Float32Array(n * width), nontarget: new Float32Array(n * width) }));
  await forwardRows(
    model,
    sentences,
    layers,
    (layerIndex, sentence, target, nontarget) => {
      result[layerIndex].target.set(target, sentence * width);
      result[layerIndex].nontarget.set(nontarget, sentence * width);
    },
    options,
  );
  return result;
}

/**
 * The rows written as they come into layer-{L}-target.npy and layer-{L}-nontarget.npy
 * ([n_sentences, 3·d] each, the set's order), so that memory holds one batch, not the set:
 * 10,000 sentences are 2.2 GB of activations on GPT-2 small.
 */
export async function writeActivations(
  model: HookedModel,
  sentences: readonly SentencePositions[],
  layers: readonly number[],
  path: (layer: number, which: 'target' | 'nontarget') => string,
  options: ForwardOptions = {},
): Promise<ForwardCount> {
  const width = BLOCK_COUNT * model.config.n_embd;
  const files: { target: NpyRowsFile; nontarget: NpyRowsFile }[] = [];
  try {
    for (const layer of layers) {
      files.push({
        target: new NpyRowsFile(path(layer, 'target'), sentences.length, width),
        nontarget: new NpyRowsFile(path(layer, 'nontarget'), sentences.length, width),
      });
    }
    const count = await forwardRows(
      model,
      sentences,
      layers,
      (layerIndex, sentence, target, nontarget) => {
        files[layerIndex].target.writeRow(sentence, target);
        files[layerIndex].nontarget.writeRow(sentence, nontarget);
      },
      options,
    );
    for (const pair of files) {
      pair.target.close();
      pair.nontarget.close();
    }
    return count;
  } catch (error) {
    for (const pair of files) {
      pair.target.abandon();
      pair.nontarget.abandon();
    }
    throw error;
  }
}
