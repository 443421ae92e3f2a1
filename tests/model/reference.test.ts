import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HookedModel } from '../../src/analysis/model/hooked-model.ts';
import { qkvHook } from '../../src/analysis/model/hooks.ts';
import { fixture } from '../helpers/paths.ts';

/**
 * The hooked model against an independent float64 numpy GPT-2 (tests/fixtures/reference):
 * every layer's c_attn output at every position of every sequence, and the last logits.
 */
interface Reference {
  sequences: number[][];
  qkv: number[][][][]; // [sequence][layer][position][3d]
  logits_last: number[][];
}

const MODELS = ['tiny-bare-f32', 'tiny-prefixed-f16', 'tiny-prefixed-bf16'];
const TOLERANCE = 1e-4;

function load(name: string) {
  const dir = fixture(`models/${name}`);
  const reference = JSON.parse(readFileSync(fixture(`reference/${name}.json`), 'utf8')) as Reference;
  return { files: { config: `${dir}/config.json`, weights: `${dir}/model.safetensors` }, reference };
}

/** Largest |ours − reference| over the real positions of the given sequences, run as one batch. */
async function maxErrors(model: HookedModel, reference: Reference, indices: number[]) {
  const { n_layer, n_embd, vocab_size } = model.config;
  const hooks = [...Array.from({ length: n_layer }, (_, layer) => qkvHook(layer)), 'logits'];
  const batch = indices.map((i) => reference.sequences[i]);
  const cache = await model.run(batch, hooks);
  const width = Math.max(...batch.map((s) => s.length));
  let qkv = 0;
  let logits = 0;
  indices.forEach((s, b) => {
    const length = reference.sequences[s].length;
    for (let layer = 0; layer < n_layer; layer++) {
      const { data } = cache.get(qkvHook(layer))!;
      for (let p = 0; p < length; p++) {
        const expected = reference.qkv[s][layer][p];
        expect(expected.length).toBe(3 * n_embd);
        for (let j = 0; j < 3 * n_embd; j++) qkv = Math.max(qkv, Math.abs(data[(b * width + p) * 3 * n_embd + j] - expected[j]));
      }
    }
    const { data } = cache.get('logits')!;
    for (let v = 0; v < vocab_size; v++) logits = Math.max(logits, Math.abs(data[(b * width + length - 1) * vocab_size + v] - reference.logits_last[s][v]));
  });
  return { qkv, logits };
}

describe.each(MODELS)('%s against the float64 reference', (name) => {
  const { files, reference } = load(name);
  const all = reference.sequences.map((_, i) => i);

  it("matches every layer's hook_qkv and the last logits, one sequence at a time", async () => {
    const model = await HookedModel.load(files);
    for (const s of all) {
      const errors = await maxErrors(model, reference, [s]);
      expect(errors.qkv).toBeLessThan(TOLERANCE);
      expect(errors.logits).toBeLessThan(TOLERANCE);
    }
    await model.dispose();
  });

  it('matches when all sequences share one right-padded batch, and in batches of other sizes and orders', async () => {
    const model = await HookedModel.load(files);
    const batchings = [all, [...all].reverse(), [0, 5], [5, 0, 1], [2, 3, 4], [1, 1, 5, 0]];
    for (const indices of batchings) {
      const errors = await maxErrors(model, reference, indices);
      expect(errors.qkv, `batch ${indices}`).toBeLessThan(TOLERANCE);
      expect(errors.logits, `batch ${indices}`).toBeLessThan(TOLERANCE);
    }
    await model.dispose();
  });
});

describe('Hugging Face transformers itself as the reference', () => {
  // A random GPT2LMHeadModel saved with save_pretrained, run by transformers on a right-padded
  // batch with forward hooks on every c_attn (scripts/reference/hf_reference.py).
  const reference = JSON.parse(readFileSync(fixture('hf-random-gpt2/reference.json'), 'utf8')) as {
    ids: number[][];
    lengths: number[];
    qkv: number[][][][];
    logits_last: number[][];
  };
  const dir = fixture('hf-random-gpt2');

  it('gives the c_attn outputs and logits that transformers recorded, in the same padded batch', async () => {
    const model = await HookedModel.load({ config: `${dir}/config.json`, weights: `${dir}/model.safetensors` });
    const { n_layer, n_embd, vocab_size } = model.config;
    const sequences = reference.ids.map((ids, s) => ids.slice(0, reference.lengths[s]));
    const hooks = [...Array.from({ length: n_layer }, (_, layer) => qkvHook(layer)), 'logits'];
    // the same batch as transformers ran (padded to the longest), and each sentence alone
    for (const batch of [sequences.map((_, s) => s), ...sequences.map((_, s) => [s])]) {
      const cache = await model.run(
        batch.map((s) => sequences[s]),
        hooks,
      );
      const width = Math.max(...batch.map((s) => sequences[s].length));
      let worst = 0;
      batch.forEach((s, b) => {
        for (let layer = 0; layer < n_layer; layer++) {
          const { data } = cache.get(qkvHook(layer))!;
          for (let p = 0; p < reference.lengths[s]; p++) {
            for (let j = 0; j < 3 * n_embd; j++) worst = Math.max(worst, Math.abs(data[(b * width + p) * 3 * n_embd + j] - reference.qkv[s][layer][p][j]));
          }
        }
        const logits = cache.get('logits')!.data;
        const row = (b * width + reference.lengths[s] - 1) * vocab_size;
        reference.logits_last[s].forEach((expected, v) => {
          worst = Math.max(worst, Math.abs(logits[row + v] - expected));
        });
      });
      expect(worst).toBeLessThan(TOLERANCE);
    }
    await model.dispose();
  });
});
