import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HookedModel } from '../../src/analysis/model/hooked-model.ts';
import { qkvHook } from '../../src/analysis/model/hooks.ts';
import { fixture } from '../helpers/paths.ts';
import { loadReferenceGpt2, type ReferenceVariant } from '../helpers/reference-gpt2.ts';
import { readHeaderJson, safetensorsBytes } from '../helpers/safetensors-writer.ts';

/**
 * The two config.json settings that change GPT-2's arithmetic and that no shipped checkpoint
 * uses: `activation_function: gelu` (the exact x·Φ(x) instead of the tanh approximation) and
 * `scale_attn_weights: false` (scores not divided by √d_head). Each is run on a tiny random
 * model and every layer's c_attn output is compared with the float64 reference GPT-2
 * (tests/helpers/reference-gpt2.ts) read with the same setting, to 1e-4; the reference read
 * with the other setting must differ by far more, so the comparison can tell them apart.
 */

const TOLERANCE = 1e-4;
const SEQUENCES = [
  [5, 17, 3, 99, 42, 7, 61, 12],
  [7, 8, 9],
  [1, 2, 3, 4, 5, 6],
];
const folders: string[] = [];

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/**
 * The tiny fixture checkpoint with some weights scaled: its random weights give MLP inputs of
 * |x| < 1, where the two GELUs differ by < 1e-4. With c_fc × 6 the inputs reach |x| ≈ 2–3, where
 * they differ most (up to 5e-4), and with c_attn × 4 that difference shows in the next layer's
 * c_attn output at several times the tolerance.
 */
const SCALED = { fc: /mlp\.c_fc\.weight$/, attn: /attn\.c_attn\.weight$/ };
function variantModel(config: Record<string, unknown>, scales: { fc: number; attn: number } = { fc: 1, attn: 1 }): string {
  const source = fixture('models/tiny-bare-f32');
  const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-variant-'));
  folders.push(dir);
  const base = JSON.parse(readFileSync(`${source}/config.json`, 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, ...config }));
  const { header, data } = readHeaderJson(new Uint8Array(readFileSync(`${source}/model.safetensors`)));
  const out = new Uint8Array(data);
  for (const [name, entry] of Object.entries(header)) {
    const scale = SCALED.fc.test(name) ? scales.fc : SCALED.attn.test(name) ? scales.attn : 1;
    if (name === '__metadata__' || scale === 1) continue;
    expect(entry.dtype).toBe('F32');
    const [start, end] = entry.data_offsets;
    const values = new Float32Array(out.buffer, out.byteOffset + start, (end - start) / 4);
    for (let i = 0; i < values.length; i++) values[i] *= scale;
  }
  writeFileSync(join(dir, 'model.safetensors'), safetensorsBytes(header, out));
  return dir;
}

/** Largest |ours − reference| over every layer's c_attn output at every real position, the sequences in one right-padded batch. */
async function largestError(dir: string, variant?: ReferenceVariant): Promise<{ ours: number; other: number }> {
  const model = await HookedModel.load({ config: `${dir}/config.json`, weights: `${dir}/model.safetensors` });
  const { n_layer, n_embd } = model.config;
  const cache = await model.run(
    SEQUENCES,
    Array.from({ length: n_layer }, (_, layer) => qkvHook(layer)),
  );
  await model.dispose();
  const width = Math.max(...SEQUENCES.map((s) => s.length));
  const compare = (reference: ReturnType<typeof loadReferenceGpt2>) => {
    let worst = 0;
    SEQUENCES.forEach((ids, b) => {
      const expected = reference.qkv(ids);
      for (let layer = 0; layer < n_layer; layer++) {
        const { data } = cache.get(qkvHook(layer))!;
        for (let p = 0; p < ids.length; p++) {
          for (let j = 0; j < 3 * n_embd; j++) worst = Math.max(worst, Math.abs(data[(b * width + p) * 3 * n_embd + j] - expected[layer][p][j]));
        }
      }
    });
    return worst;
  };
  return { ours: compare(loadReferenceGpt2(dir)), other: variant ? compare(loadReferenceGpt2(dir, variant)) : NaN };
}

describe('config variants against the float64 reference', () => {
  it('activation_function: gelu runs the exact GELU', async () => {
    const dir = variantModel({ activation_function: 'gelu' }, { fc: 6, attn: 4 });
    const { ours, other } = await largestError(dir, { activation_function: 'gelu_new' });
    expect(ours).toBeLessThan(TOLERANCE);
    expect(other, 'the tanh GELU would be told apart').toBeGreaterThan(10 * TOLERANCE);
  });

  it('scale_attn_weights: false leaves the attention scores unscaled', async () => {
    const dir = variantModel({ scale_attn_weights: false });
    const { ours, other } = await largestError(dir, { scale_attn_weights: true });
    expect(ours).toBeLessThan(TOLERANCE);
    expect(other, 'scaled scores would be told apart').toBeGreaterThan(10 * TOLERANCE);
  });

  it('the defaults (gelu_new, scaled scores) still match, on the same scaled weights', async () => {
    const dir = variantModel({}, { fc: 6, attn: 4 });
    const { ours, other } = await largestError(dir, { activation_function: 'gelu' });
    expect(ours).toBeLessThan(TOLERANCE);
    expect(other).toBeGreaterThan(10 * TOLERANCE);
  });
});
