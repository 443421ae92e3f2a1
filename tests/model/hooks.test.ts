import { describe, expect, it } from 'vitest';
import { HookedModel } from '../../src/analysis/model/hooked-model.ts';
import { hookNames } from '../../src/analysis/model/hooks.ts';
import { fixture } from '../helpers/paths.ts';

const dir = fixture('models/tiny-bare-f32');
const files = { config: `${dir}/config.json`, weights: `${dir}/model.safetensors` };
const batch = [
  [5, 17, 3, 99, 42],
  [7, 8],
  [1, 2, 3],
];

describe('hooks', () => {
  it('outputs every named intermediate with its documented shape', async () => {
    const model = await HookedModel.load(files);
    const { n_layer, n_head, n_embd: d, vocab_size } = model.config;
    const cache = await model.run(batch, hookNames(n_layer));
    const [B, T, H, dh] = [3, 5, n_head, d / n_head];
    expect(cache.get('hook_embed')!.dims).toEqual([B, T, d]);
    expect(cache.get('blocks.1.attn.hook_qkv')!.dims).toEqual([B, T, 3 * d]);
    expect(cache.get('blocks.1.attn.hook_q')!.dims).toEqual([B, T, H, dh]);
    expect(cache.get('blocks.1.attn.hook_pattern')!.dims).toEqual([B, H, T, T]);
    expect(cache.get('blocks.2.mlp.hook_post')!.dims).toEqual([B, T, 4 * d]);
    expect(cache.get('logits')!.dims).toEqual([B, T, vocab_size]);
    await model.dispose();
  });

  it('splits hook_qkv into hook_q, hook_k and hook_v per head', async () => {
    const model = await HookedModel.load(files);
    const d = model.config.n_embd;
    const cache = await model.run(batch, ['blocks.2.attn.hook_qkv', 'blocks.2.attn.hook_q', 'blocks.2.attn.hook_k', 'blocks.2.attn.hook_v']);
    const qkv = cache.get('blocks.2.attn.hook_qkv')!.data;
    const parts = ['q', 'k', 'v'].map((m) => cache.get(`blocks.2.attn.hook_${m}`)!.data);
    for (let row = 0; row < 15; row++) {
      parts.forEach((part, m) => {
        for (let j = 0; j < d; j++) expect(part[row * d + j]).toBe(qkv[row * 3 * d + m * d + j]);
      });
    }
    await model.dispose();
  });

  it('gives a causal, padding-masked attention pattern whose rows sum to 1', async () => {
    const model = await HookedModel.load(files);
    const { n_head: H } = model.config;
    const pattern = model.run(batch, ['blocks.0.attn.hook_pattern']).then((c) => c.get('blocks.0.attn.hook_pattern')!.data);
    const data = await pattern;
    const T = 5;
    const lengths = batch.map((s) => s.length);
    for (let b = 0; b < 3; b++)
      for (let h = 0; h < H; h++)
        for (let q = 0; q < T; q++) {
          let sum = 0;
          for (let k = 0; k < T; k++) {
            const value = data[((b * H + h) * T + q) * T + k];
            if (k > q || k >= lengths[b]) expect(value).toBe(0);
            sum += value;
          }
          expect(sum).toBeCloseTo(1, 5);
        }
    await model.dispose();
  });

  it('chains blocks: hook_resid_post of layer L is hook_resid_pre of layer L+1', async () => {
    const model = await HookedModel.load(files);
    const cache = await model.run(batch, [
      'blocks.0.hook_resid_post',
      'blocks.1.hook_resid_pre',
      'blocks.1.hook_resid_mid',
      'blocks.1.hook_mlp_out',
      'blocks.1.hook_resid_post',
    ]);
    expect(cache.get('blocks.1.hook_resid_pre')!.data).toEqual(cache.get('blocks.0.hook_resid_post')!.data);
    const mid = cache.get('blocks.1.hook_resid_mid')!.data;
    const mlp = cache.get('blocks.1.hook_mlp_out')!.data;
    const post = cache.get('blocks.1.hook_resid_post')!.data;
    post.forEach((value, i) => expect(value).toBeCloseTo(mid[i] + mlp[i], 5));
    await model.dispose();
  });

  it('gives the same hook_qkv (to float32 rounding) whether or not deeper hooks are requested', async () => {
    const model = await HookedModel.load(files);
    const shallow = (await model.run(batch, ['blocks.0.attn.hook_qkv'])).get('blocks.0.attn.hook_qkv')!.data;
    const deep = (await model.run(batch, ['blocks.0.attn.hook_qkv', 'logits'])).get('blocks.0.attn.hook_qkv')!.data;
    // onnxruntime may fuse the cut graph differently, so equality is to rounding, not bitwise
    const worst = shallow.reduce((m, v, i) => Math.max(m, Math.abs(v - deep[i])), 0);
    expect(worst).toBeLessThan(1e-5);
    await model.dispose();
  });

  it('refuses an unknown hook, an empty sequence, an id outside the vocabulary, and a sequence past the context', async () => {
    const model = await HookedModel.load(files);
    await expect(model.run(batch, ['blocks.9.attn.hook_qkv'])).rejects.toThrow(/Unknown hook "blocks\.9\.attn\.hook_qkv"/);
    await expect(model.run(batch, ['blocks.0.attn.hook_qvk'])).rejects.toThrow(/Unknown hook/);
    await expect(model.run([[1], []], ['logits'])).rejects.toThrow(/Sequence 1 is empty/);
    await expect(model.run([[1, 101]], ['logits'])).rejects.toThrow(/token id 101, outside the vocabulary of 101/);
    await expect(model.run([Array(33).fill(1)], ['logits'])).rejects.toThrow(/33 tokens, more than the model's context of 32/);
    await model.dispose();
  });
});
