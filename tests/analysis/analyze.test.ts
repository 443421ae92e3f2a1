import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { AtlasError } from '../../src/analysis/errors.ts';
import { readNpy } from '../../src/analysis/io/npy.ts';
import type { LayerStats, Manifest } from '../../src/analysis/output-schema.ts';
import { fixture } from '../helpers/paths.ts';
import { modelFolder } from '../helpers/model-folder.ts';

/**
 * analyze end to end on the random GPT2LMHeadModel that Hugging Face transformers recorded
 * (tests/fixtures/hf-random-gpt2): the rows written to activations/*.npy must be the c_attn
 * outputs transformers gave at the target and at the token before it.
 */
const reference = JSON.parse(readFileSync(fixture('hf-random-gpt2/reference.json'), 'utf8')) as {
  sentences: string[];
  ids: number[][];
  lengths: number[];
  qkv: number[][][][];
};
const HER = 607;

function setFile(sentences: string[], extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-set-'));
  const file = join(dir, 'hf-check.yaml');
  writeFileSync(
    file,
    [
      'title: Sentences recorded by transformers',
      'model: openai-community/gpt2',
      'target: " her"',
      'seed: 7',
      extra,
      'sentences:',
      ...sentences.map((s) => `  - ${JSON.stringify(s)}`),
    ].join('\n') + '\n',
  );
  return file;
}

describe('analyze', () => {
  let model: string;
  let out: string;
  let manifest: Manifest;
  beforeAll(async () => {
    model = modelFolder('hf-random-gpt2');
    out = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-out-')), 'hf-check');
    await analyze({ setFile: setFile(reference.sentences), model, out });
    manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  });

  it('writes the manifest of docs/output-format.md: model, set, sentences with ids, tokens and positions', () => {
    expect(manifest.schema).toBe(1);
    expect(manifest.model).toEqual({ id: model, revision: null, n_layer: 2, n_head: 4, n_embd: 32 });
    expect(manifest.set).toMatchObject({ name: 'hf-check', target: ' her', compare: 'previous', seed: 7 });
    expect(manifest.set.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.layers).toEqual([0, 1]);
    manifest.sentences.forEach((sentence, s) => {
      const ids = reference.ids[s].slice(0, reference.lengths[s]);
      expect(sentence.text).toBe(reference.sentences[s]);
      expect(sentence.ids).toEqual(ids);
      expect(sentence.target).toBe(ids.indexOf(HER)); // the lecture's .index(target_token)
      expect(sentence.nontarget).toBe(ids.indexOf(HER) - 1);
      expect(sentence.tokens).toHaveLength(ids.length);
      // a token holding part of a character (the emoji) is shown as \xNN escapes; the rest reads as the text
      if (!/\p{Extended_Pictographic}/u.test(sentence.text)) expect(sentence.tokens.join('')).toBe(reference.sentences[s]);
    });
    expect(Object.keys(manifest.seconds)).toEqual(['load', 'forward', 'stats']);
  });

  it('writes the target and comparison rows that transformers computed, as float32 .npy', async () => {
    for (const layer of [0, 1]) {
      for (const which of ['target', 'nontarget'] as const) {
        const { shape, data } = await readNpy(join(out, 'activations', `layer-${layer}-${which}.npy`));
        expect(shape).toEqual([reference.sentences.length, 96]);
        expect(data).toBeInstanceOf(Float32Array);
        let worst = 0;
        manifest.sentences.forEach((sentence, s) => {
          const expected = reference.qkv[s][layer][sentence[which]];
          expected.forEach((v, j) => {
            worst = Math.max(worst, Math.abs(data[s * 96 + j] - v));
          });
        });
        expect(worst).toBeLessThan(1e-4);
      }
    }
  });

  it('writes the statistics of every layer, and the similarity previews', () => {
    for (const layer of [0, 1]) {
      const stats = JSON.parse(readFileSync(join(out, 'stats', `layer-${layer}.json`), 'utf8')) as LayerStats;
      expect(stats.layer).toBe(layer);
      expect(stats.edges).toHaveLength(101);
      // 32 Q neurons: 32·31/2 QQ pairs, 32·32 QK pairs, all defined
      expect(stats.cosine.target.QQ.n).toBe(496);
      expect(stats.correlation.nontarget.QK.n).toBe(1024);
      for (const metric of ['cosine', 'correlation']) {
        for (const side of ['target', 'nontarget']) expect(existsSync(join(out, 'stats', `layer-${layer}-similarity-${metric}-${side}.npy`))).toBe(true);
      }
    }
  });

  it('refuses a set with a sentence without the target, naming it, and leaves the previous output as it was', async () => {
    const before = readFileSync(join(out, 'manifest.json'));
    const bad = setFile([...reference.sentences, 'Her hat was red.']);
    const error = await analyze({ setFile: bad, model, out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasError);
    expect((error as AtlasError).message).toMatch(/Her hat was red\./);
    expect(readFileSync(join(out, 'manifest.json'))).toEqual(before);
    expect(readdirSync(join(out, '..')).filter((f) => f.includes('staging'))).toEqual([]);
  });

  it('analyses only the layers a set asks for', async () => {
    const only = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-out-')), 'one-layer');
    const result = await analyze({ setFile: setFile(reference.sentences.slice(0, 3), 'layers: [1]'), model, out: only });
    expect(result.manifest.layers).toEqual([1]);
    expect(readdirSync(join(only, 'activations')).sort()).toEqual(['layer-1-nontarget.npy', 'layer-1-target.npy']);
  });
});
