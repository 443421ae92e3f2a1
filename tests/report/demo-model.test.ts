import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoModelDir } from '../../src/integration/analyses.ts';
import { isCompleteRandomModel, TOKENIZER_DIR } from '../../src/analysis/model/random-model.ts';
import { loadTokenizer } from '../../src/analysis/model/tokenizer.ts';

/**
 * The demo build's model under .cache/models: written whole or not at all, and an unfinished
 * one left by an older version (weights and config, the tokenizer cut short) is found and
 * written again instead of breaking every later build.
 */
describe('the demo model', () => {
  const demo = { config: 'tiny' as const, seed: 3 };
  const logger = { info: () => {}, warn: () => {} };

  it('is written into a staging folder and appears complete', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qkv-atlas-root-'));
    const dir = await demoModelDir(root, demo, logger);
    expect(await isCompleteRandomModel(dir, 'tiny', 3)).toBe(true);
    expect(readdirSync(join(root, '.cache', 'models'))).toEqual(['random-tiny-seed-3']);
    for (const file of ['vocab.json', 'merges.txt', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(statSync(join(dir, file)).size).toBe(statSync(join(TOKENIZER_DIR, file)).size);
    }
  });

  it('finds an unfinished one left by an interrupted build and writes it again', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qkv-atlas-root-'));
    const dir = await demoModelDir(root, demo, logger);
    // what an older version left when killed while copying the tokenizer files
    truncateSync(join(dir, 'tokenizer.json'), 1000);
    rmSync(join(dir, 'merges.txt'));
    rmSync(join(dir, 'tokenizer_config.json'));
    expect(await isCompleteRandomModel(dir, 'tiny', 3)).toBe(false);
    const lines: string[] = [];
    const again = await demoModelDir(root, demo, { info: (line) => lines.push(line), warn: () => {} });
    expect(again).toBe(dir);
    expect(lines.join('\n')).toMatch(/unfinished one left by an interrupted build is replaced/);
    expect(await isCompleteRandomModel(dir, 'tiny', 3)).toBe(true);
    expect((await loadTokenizer(dir)).encode(' her')).toEqual([607]);
  });

  it('is replaced even where an interrupted build left only the weights', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qkv-atlas-root-'));
    const dir = await demoModelDir(root, demo, logger);
    for (const file of readdirSync(dir)) if (file !== 'model.safetensors') rmSync(join(dir, file));
    await demoModelDir(root, demo, logger);
    expect(await isCompleteRandomModel(dir, 'tiny', 3)).toBe(true);
  });
});
