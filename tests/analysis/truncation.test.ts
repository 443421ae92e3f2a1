import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectActivations, neededLength, planBatches, writeActivations, type SentencePositions } from '../../src/analysis/activations.ts';
import { readNpy } from '../../src/analysis/io/npy.ts';
import { HookedModel } from '../../src/analysis/model/hooked-model.ts';
import { modelFolder } from '../helpers/model-folder.ts';

/**
 * The forward pass stops each sentence after the last position the report reads (the target or
 * the comparison token, whichever is later) and batches sentences by that length. GPT-2 is
 * causal, so the rows there must be those of the whole sentence run alone: each reference row
 * below comes from its own untruncated, unbatched, unpadded run on real onnxruntime.
 */
const LAYERS = [0, 1, 2];

/** A deterministic generator, so that a failure can be replayed. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Sentences of 2..20 random tokens with a target somewhere and the comparison `offset` away. */
function sentences(count: number, offset: number, seed: number): SentencePositions[] {
  const random = lcg(seed);
  const out: SentencePositions[] = [];
  while (out.length < count) {
    const length = 2 + Math.floor(random() * 19);
    const ids = Array.from({ length }, () => Math.floor(random() * 100));
    const target = Math.floor(random() * length);
    const nontarget = target + offset;
    if (nontarget < 0 || nontarget >= length) continue;
    out.push({ ids, target, nontarget });
  }
  return out;
}

describe('forward pass truncated at the last needed position', () => {
  let model: HookedModel;
  beforeAll(async () => {
    const dir = modelFolder('models/tiny-bare-f32');
    model = await HookedModel.load({ config: `${dir}/config.json`, weights: `${dir}/model.safetensors` });
  });
  afterAll(async () => {
    await model.dispose();
  });

  for (const [name, offset] of [
    ['previous', -1],
    ['next', 1],
    ['offset +3', 3],
    ['offset -4', -4],
  ] as const) {
    it(`gives the untruncated rows (to 1e-6) for compare: ${name}, computing only the tokens up to the later position`, async () => {
      const set = sentences(40, offset, 11 + offset);
      const width = 3 * model.config.n_embd;

      // what the model is asked to compute: the real model, its calls recorded
      const ran: number[][] = [];
      const recording = Object.create(model) as HookedModel;
      recording.run = (sequences, hooks) => {
        ran.push(sequences.map((s) => s.length));
        return model.run(sequences, hooks);
      };
      const got = await collectActivations(recording, set, LAYERS, { tokensPerBatch: 48 });

      expect(ran.length).toBeGreaterThan(1); // several length buckets
      const computed = ran.flat().sort((a, b) => a - b);
      const needed = set.map((s) => Math.max(s.target, s.nontarget) + 1).sort((a, b) => a - b);
      expect(computed).toEqual(needed);
      expect(needed.reduce((a, b) => a + b)).toBeLessThan(set.reduce((sum, s) => sum + s.ids.length, 0));

      let worst = 0;
      for (let s = 0; s < set.length; s++) {
        const { ids, target, nontarget } = set[s];
        const whole = await model.run(
          [ids],
          LAYERS.map((layer) => `blocks.${layer}.attn.hook_qkv`),
        );
        LAYERS.forEach((layer, k) => {
          const qkv = whole.get(`blocks.${layer}.attn.hook_qkv`)!.data;
          for (let j = 0; j < width; j++) {
            worst = Math.max(
              worst,
              Math.abs(got[k].target[s * width + j] - qkv[target * width + j]),
              Math.abs(got[k].nontarget[s * width + j] - qkv[nontarget * width + j]),
            );
          }
        });
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
    });
  }

  it("streams the same rows to .npy files, in the set's order, as a general .npy reader reads them", async () => {
    const set = sentences(30, 1, 5);
    const width = 3 * model.config.n_embd;
    const inMemory = await collectActivations(model, set, LAYERS, { tokensPerBatch: 40 });
    const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-rows-'));
    const path = (layer: number, which: string) => join(dir, `layer-${layer}-${which}.npy`);
    const count = await writeActivations(model, set, LAYERS, path, { tokensPerBatch: 40 });
    expect(count.tokens).toBe(set.reduce((sum, s) => sum + neededLength(s), 0));
    for (const [k, layer] of LAYERS.entries()) {
      for (const which of ['target', 'nontarget'] as const) {
        const { shape, data } = await readNpy(path(layer, which));
        expect(shape).toEqual([set.length, width]);
        expect(data).toEqual(inMemory[k][which]);
      }
    }
  });
});

describe('length buckets', () => {
  it('keep every batch within the slot cap, lose no sentence, and pad little', () => {
    const random = lcg(3);
    const lengths = Array.from({ length: 500 }, () => 1 + Math.floor(random() * 30));
    const batches = planBatches(lengths, 256);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    let slots = 0;
    for (const batch of batches) {
      const padded = Math.max(...batch.map((i) => lengths[i]));
      expect(batch.length * padded).toBeLessThanOrEqual(256);
      slots += batch.length * padded;
    }
    const tokens = lengths.reduce((a, b) => a + b);
    expect(slots / tokens).toBeLessThan(1.1);
  });

  it('runs a sentence longer than the cap alone', () => {
    expect(planBatches([3, 50, 2], 16, Infinity)).toEqual([[2, 0], [1]]);
  });

  it('cut where a longer sentence would pad the batch by more than allowed', () => {
    // 2+2+2+3 = 9 tokens in 12 slots: a third more; with 10 % allowed the 3 starts a batch
    expect(planBatches([2, 2, 2, 3], 100, 0.1)).toEqual([[0, 1, 2], [3]]);
    expect(planBatches([2, 2, 2, 3], 100, 0.5)).toEqual([[0, 1, 2, 3]]);
    expect(planBatches([2, 2, 2, 3], 100, 0)).toEqual([[0, 1, 2], [3]]);
  });
});
