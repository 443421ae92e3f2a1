import { mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analysisCodeVersion, analysisKey, localModelRevision } from '../../src/integration/cache-key.ts';
import { parseDemo } from '../../src/integration/analyses.ts';

const dir = mkdtempSync(join(tmpdir(), 'qkv-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the analysis cache key', () => {
  it('changes with the analysis code, not with the report code', () => {
    const code = join(dir, 'analysis');
    mkdirSync(join(code, 'stats'), { recursive: true });
    mkdirSync(join(code, 'report'), { recursive: true });
    writeFileSync(join(code, 'stats', 'gram.ts'), 'export const a = 1;');
    writeFileSync(join(code, 'report', 'narrative.ts'), 'export const b = 1;');
    const before = analysisCodeVersion(code, { ort: '1.30' });
    writeFileSync(join(code, 'report', 'narrative.ts'), 'export const b = 2;');
    expect(analysisCodeVersion(code, { ort: '1.30' })).toBe(before);
    writeFileSync(join(code, 'stats', 'gram.ts'), 'export const a = 2;');
    const after = analysisCodeVersion(code, { ort: '1.30' });
    expect(after).not.toBe(before);
    expect(analysisCodeVersion(code, { ort: '1.31' })).not.toBe(after);
  });

  it('changes with the set, the model and its revision', () => {
    const base = { setHash: 'a', modelId: 'openai-community/gpt2', modelRevision: 'c1', codeVersion: 'v1' };
    const key = analysisKey(base);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(analysisKey({ ...base })).toBe(key);
    for (const change of [{ setHash: 'b' }, { modelId: 'other/model' }, { modelRevision: 'c2' }, { codeVersion: 'v2' }]) {
      expect(analysisKey({ ...base, ...change })).not.toBe(key);
    }
  });

  it('gives a local model folder a revision from its config and its weights’ size and time', () => {
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'config.json'), '{"n_layer": 4}');
    writeFileSync(join(model, 'model.safetensors'), 'weights');
    const revision = localModelRevision(join(model, 'config.json'), join(model, 'model.safetensors'));
    expect(localModelRevision(join(model, 'config.json'), join(model, 'model.safetensors'))).toBe(revision);
    utimesSync(join(model, 'model.safetensors'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    const touched = localModelRevision(join(model, 'config.json'), join(model, 'model.safetensors'));
    expect(touched).not.toBe(revision);
    writeFileSync(join(model, 'config.json'), '{"n_layer": 5}');
    utimesSync(join(model, 'model.safetensors'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    expect(localModelRevision(join(model, 'config.json'), join(model, 'model.safetensors'))).not.toBe(touched);
  });
});

describe('QKV_ATLAS_DEMO', () => {
  it('reads 1 as the tiny random model, and CONFIG:SEED', () => {
    expect(parseDemo(undefined)).toBeNull();
    expect(parseDemo('0')).toBeNull();
    expect(parseDemo('1')).toEqual({ config: 'tiny', seed: 0 });
    expect(parseDemo('gpt2:7')).toEqual({ config: 'gpt2', seed: 7 });
    expect(() => parseDemo('huge')).toThrow(/names no random model configuration/);
    expect(() => parseDemo('tiny:-1')).toThrow(/invalid seed/);
  });
});
