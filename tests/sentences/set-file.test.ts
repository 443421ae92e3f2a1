import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { AtlasError } from '../../src/analysis/errors.ts';
import { loadSetFile, parseSetFile, resolveLayers } from '../../src/analysis/sentences/set-file.ts';

const FILE = 'content/sets/demo.yaml';

const VALID = `title: Demo
description: A *short* set.
model: openai-community/gpt2
target: " her"
compare: previous
seed: 7
sentences:
  - I saw her at the market.
  - She gave her the book.
`;

/** The AtlasError thrown by parsing `text`, or a failed expectation. */
function failure(text: string, file = FILE): AtlasError {
  try {
    parseSetFile(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(AtlasError);
    return error as AtlasError;
  }
  throw new Error('expected the set file to be refused');
}

describe('parseSetFile: a valid set', () => {
  it('reads every field, with lines, name and hash', () => {
    const { set, warnings } = parseSetFile(VALID, FILE);
    expect(warnings).toEqual([]);
    expect(set).toMatchObject({
      name: 'demo',
      file: FILE,
      title: 'Demo',
      description: 'A *short* set.',
      model: 'openai-community/gpt2',
      target: ' her',
      compare: { label: 'previous', offset: -1 },
      seed: 7,
      layers: null,
    });
    expect(set.sentences).toEqual([
      { text: 'I saw her at the market.', line: 8 },
      { text: 'She gave her the book.', line: 9 },
    ]);
    expect(set.hash).toBe(createHash('sha256').update(VALID).digest('hex'));
  });

  it('defaults compare to previous and reads next and signed offsets', () => {
    const without = VALID.replace('compare: previous\n', '');
    expect(parseSetFile(without, FILE).set.compare).toEqual({ label: 'previous', offset: -1 });
    const compare = (value: string) => parseSetFile(VALID.replace('compare: previous', `compare: ${value}`), FILE).set.compare;
    expect(compare('next')).toEqual({ label: 'next', offset: 1 });
    expect(compare('-2')).toEqual({ label: '-2', offset: -2 });
    expect(compare('+1')).toEqual({ label: '+1', offset: 1 });
    expect(compare('"+3"')).toEqual({ label: '+3', offset: 3 });
  });

  it('reads layers, sorted', () => {
    const { set } = parseSetFile(VALID.replace('seed: 7', 'seed: 7\nlayers: [11, 0, 5]'), FILE);
    expect(set.layers).toEqual([0, 5, 11]);
    expect(resolveLayers(set, 12)).toEqual([0, 5, 11]);
    expect(() => resolveLayers(set, 6)).toThrow(/the model has 6 layers/);
    expect(resolveLayers(parseSetFile(VALID, FILE).set, 3)).toEqual([0, 1, 2]);
  });

  it('the hash changes with any byte of the file', () => {
    const a = parseSetFile(VALID, FILE).set.hash;
    const b = parseSetFile(VALID.replace('seed: 7', 'seed: 8'), FILE).set.hash;
    expect(a).not.toBe(b);
  });
});

describe('parseSetFile: refusals name the file, the line and what to do', () => {
  it('an unknown key names the key, its line and the nearest valid key', () => {
    const error = failure(VALID.replace('sentences:', 'sentence:'));
    expect(error.message).toContain('unknown key "sentence"');
    expect(error.where).toBe(`${FILE}:7`);
    expect(error.hint).toMatch(/did you mean "sentences"/i);
  });

  it('an unknown key far from every valid key lists the valid keys', () => {
    const error = failure(VALID.replace('seed: 7', 'seed: 7\ncolour: blue'));
    expect(error.message).toContain('unknown key "colour"');
    expect(error.where).toBe(`${FILE}:7`);
    expect(error.hint).toMatch(/remove it; the keys are: title, description/i);
  });

  it('malformed YAML reports file:line:col', () => {
    const error = failure(VALID.replace('  - She gave her the book.', '  - "She gave her the book.'));
    expect(error.message).toMatch(/not valid YAML/);
    expect(error.where).toMatch(new RegExp(`^${FILE}:9:\\d+$`));
    expect(error.hint).toMatch(/quoted/);
  });

  it('a duplicated key is malformed YAML with its line', () => {
    const error = failure(VALID.replace('seed: 7', 'seed: 7\nseed: 8'));
    expect(error.message).toMatch(/unique/);
    expect(error.where).toBe(`${FILE}:7:1`);
  });

  it('a file that is not UTF-8', () => {
    const latin1 = Uint8Array.from([...new TextEncoder().encode(VALID), 0x2d, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]);
    const error = failure(latin1 as unknown as string);
    expect(error.message).toMatch(/not UTF-8/);
    expect(error.where).toBe(FILE);
  });

  it('an empty file', () => {
    const error = failure('# nothing yet\n');
    expect(error.message).toMatch(/empty/);
    expect(error.where).toBe(`${FILE}:1`);
    expect(error.hint).toMatch(/new-set demo/);
  });

  it('a file that is a bare list of sentences', () => {
    const error = failure('- I saw her.\n- She saw her.\n');
    expect(error.message).toMatch(/mapping.*not a list/);
    expect(error.hint).toMatch(/"sentences:"/);
  });

  it('an empty set of sentences, written as [] or as nothing', () => {
    const empty = failure(VALID.replace(/sentences:[\s\S]*$/, 'sentences: []\n'));
    expect(empty.message).toBe(`Sentence set: the set has no sentences.\n  where: ${FILE}:7\n  what to do: ${empty.hint}`);
    expect(empty.where).toBe(`${FILE}:7`);
    expect(empty.hint).toMatch(/"- " item/);

    const nothing = failure(VALID.replace(/sentences:[\s\S]*$/, 'sentences:\n'));
    expect(nothing.message).toContain('the set has no sentences');
    expect(nothing.where).toBe(`${FILE}:7`);
  });

  it('missing sentences key', () => {
    const error = failure(VALID.replace(/sentences:[\s\S]*$/, ''));
    expect(error.message).toContain('missing "sentences"');
    expect(error.where).toBe(FILE);
  });

  it('a sentence that YAML reads as a mapping (an unquoted ": ") names its line and says to quote it', () => {
    const error = failure(VALID.replace('  - She gave her the book.', '  - Note: she gave her the book.'));
    expect(error.message).toMatch(/sentence 2 is not text: YAML read it as a mapping/);
    expect(error.where).toBe(`${FILE}:9`);
    expect(error.hint).toBe('Put the sentence in double quotes: - "Note: she gave her the book."');
  });

  it('numbers, booleans and empty items among the sentences are listed together', () => {
    const error = failure(VALID.replace('  - She gave her the book.', '  - 42\n  -\n  - true'));
    expect(error.message).toMatch(/3 problems/);
    expect(error.message).toContain('line 9: sentence 2 is not text: YAML read it as number 42; put the sentence in double quotes: - "42"');
    expect(error.message).toContain('line 10: sentence 3 is not text: YAML read it as empty; write the sentence after "- "');
    expect(error.message).toContain('line 11: sentence 4 is not text: YAML read it as boolean true');
  });

  it('bad values of target, compare, seed and layers are all listed together', () => {
    const text = VALID.replace('target: " her"', 'target: 3').replace('compare: previous', 'compare: before').replace('seed: 7', 'seed: 1.5\nlayers: [1, 1]');
    const error = failure(text);
    expect(error.message).toMatch(/4 problems/);
    expect(error.message).toMatch(/line 4: target: must be text, not number 3; write the target in double quotes/);
    expect(error.message).toMatch(/line 5: compare: must be previous, next or a non-zero whole offset, not "before"/);
    expect(error.message).toMatch(/line 6: seed: must be a whole number/);
    expect(error.message).toMatch(/line 7: layers: lists a layer twice/);
    expect(error.where).toBe(`${FILE}:4`);
  });

  it('compare: 0 is refused', () => {
    const error = failure(VALID.replace('compare: previous', 'compare: 0'));
    expect(error.message).toMatch(/compare: must be previous, next or a non-zero whole offset/);
    expect(error.where).toBe(`${FILE}:5`);
  });

  it('a missing required key', () => {
    const error = failure(VALID.replace('seed: 7\n', ''));
    expect(error.message).toContain('missing "seed"');
    expect(error.hint).toMatch(/seed: 1/);
  });

  it('a set name that would make a bad URL, with a suggestion', () => {
    const error = failure(VALID, 'content/sets/Her Set.yaml');
    expect(error.message).toMatch(/set name "Her Set" cannot be used/);
    expect(error.where).toBe('content/sets/Her Set.yaml');
    expect(error.hint).toContain('"her-set"');
    expect(() => parseSetFile(VALID, 'content/sets/-x.yaml')).toThrow(AtlasError);
    expect(() => parseSetFile(VALID, 'content/sets/x_y.yaml')).toThrow(AtlasError);
    expect(parseSetFile(VALID, 'content/sets/her-2.yaml').set.name).toBe('her-2');
  });
});

describe('parseSetFile: warnings', () => {
  it('a duplicated sentence is a warning naming both lines, not an error', () => {
    const { set, warnings } = parseSetFile(VALID + '  - I saw her at the market.\n', FILE);
    expect(set.sentences).toHaveLength(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].where).toBe(`${FILE}:10`);
    expect(warnings[0].message).toMatch(/Sentence 3 repeats sentence 1 \(lines 8 and 10\)/);
    expect(warnings[0].message).toContain('"I saw her at the market."');
    expect(warnings[0].message).toMatch(/remove one/);
  });
});

describe('loadSetFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-sets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and hashes its bytes', () => {
    const file = join(dir, 'demo.yaml');
    writeFileSync(file, VALID);
    const { set } = loadSetFile(file);
    expect(set.name).toBe('demo');
    expect(set.hash).toBe(createHash('sha256').update(VALID).digest('hex'));
  });

  it('a missing file is an AtlasError naming the path', () => {
    const file = join(dir, 'missing.yaml');
    expect(() => loadSetFile(file)).toThrow(AtlasError);
    expect(() => loadSetFile(file)).toThrow(file);
  });
});
