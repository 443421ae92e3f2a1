import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AtlasError } from '../../src/analysis/errors.ts';
import { loadTokenizer, type Tokenizer } from '../../src/analysis/model/tokenizer.ts';
import { FIXTURE_TOKENIZER_DIR, expectedTokenization } from './fixtures.ts';

// Ids written by scripts/reference/openai_bpe.py, OpenAI's original encoder re-implemented.
const expected = expectedTokenization();
const everyString = [...expected.lecture, ...expected.awkward];

describe('tokenizer (tokenizer.json + tokenizer_config.json)', () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await loadTokenizer(FIXTURE_TOKENIZER_DIR);
  });

  it('reproduces the reference example and adds no BOS', () => {
    expect(tokenizer.encode('I saw her at the market.')).toEqual([40, 2497, 607, 379, 262, 1910, 13]);
    expect(tokenizer.encode(' her')).toEqual([607]);
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.eosId).toBe(50256);
    expect(tokenizer.vocabSize).toBe(50257);
  });

  it.each(everyString.map((e) => [e.label, e] as const))('matches the original BPE: %s', (_label, entry) => {
    const ids = tokenizer.encode(entry.text);
    expect(ids).toEqual(entry.ids);
    expect(tokenizer.pieces(ids)).toEqual(entry.pieces);
    expect(tokenizer.decode(ids)).toBe(entry.text);
  });

  it("splits around U+FEFF and U+0085 as Python's regex does, not as JavaScript's \\s", () => {
    // JavaScript's \s matches U+FEFF and misses U+0085; GPT-2's pattern ran on Python's regex.
    // Pieces as scripts/reference/openai_bpe.py gives them.
    expect(tokenizer.pieces(tokenizer.encode(' \uFEFF'))).toEqual(['Ġï', '»', '¿']);
    expect(tokenizer.pieces(tokenizer.encode('a \u0085b'))).toEqual(['a', 'Ġ', 'Â', 'ħ', 'b']);
  });

  it('shows tokens decoded, and partial characters as byte escapes', () => {
    expect(tokenizer.tokens([40, 2497, 607])).toEqual(['I', ' saw', ' her']);
    expect(tokenizer.pieces([607])).toEqual(['Ġher']);
    expect(tokenizer.tokens([tokenizer.eosId])).toEqual(['<|endoftext|>']);
    const ids = tokenizer.encode(' 🍕');
    const shown = tokenizer.tokens(ids);
    expect(shown.every((t) => !t.includes('\uFFFD'))).toBe(true);
    expect(shown.join('')).toMatch(/\\xF0/);
    // Whole characters decode to themselves.
    expect(tokenizer.tokens(tokenizer.encode(' café'))).toEqual([' café']);
    expect(tokenizer.tokens(tokenizer.encode('\u00a0her')).join('')).toBe('\u00a0her');
  });

  it('refuses an id outside the vocabulary', () => {
    expect(() => tokenizer.pieces([50257])).toThrow(AtlasError);
  });
});

describe('tokenizer from other folder layouts', () => {
  const made: string[] = [];
  const folderWith = (files: string[], extra: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-tokenizer-'));
    made.push(dir);
    for (const f of files) copyFileSync(join(FIXTURE_TOKENIZER_DIR, f), join(dir, f));
    for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('vocab.json + merges.txt alone tokenise like the original', async () => {
    const tokenizer = await loadTokenizer(folderWith(['vocab.json', 'merges.txt']));
    for (const entry of everyString) expect(tokenizer.encode(entry.text), entry.label).toEqual(entry.ids);
    expect(tokenizer.eosId).toBe(50256);
  });

  it('tokenizer.json without tokenizer_config.json', async () => {
    const tokenizer = await loadTokenizer(folderWith(['tokenizer.json']));
    for (const entry of everyString) expect(tokenizer.encode(entry.text), entry.label).toEqual(entry.ids);
    expect(tokenizer.eosId).toBe(50256);
  });

  it('a folder without tokenizer files is an AtlasError naming the folder and the files', async () => {
    const dir = folderWith(['merges.txt']);
    const error = await loadTokenizer(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasError);
    const message = (error as AtlasError).message;
    expect(message).toContain(dir);
    expect(message).toContain('found only merges.txt');
    expect(message).toMatch(/tokenizer\.json.*vocab\.json.*merges\.txt/s);
  });

  it('a missing folder is an AtlasError', async () => {
    await expect(loadTokenizer(join(tmpdir(), 'qkv-atlas-no-such-folder'))).rejects.toThrow(/Tokenizer folder not found/);
  });

  it('a corrupt tokenizer.json is an AtlasError naming the file', async () => {
    const dir = folderWith(['tokenizer_config.json'], { 'tokenizer.json': '{"model": ' });
    const error = await loadTokenizer(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasError);
    expect((error as AtlasError).where).toBe(join(dir, 'tokenizer.json'));
    expect((error as AtlasError).hint).toMatch(/intact copy/);
  });
});
