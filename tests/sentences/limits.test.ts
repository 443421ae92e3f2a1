import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { AtlasError } from '../../src/analysis/errors.ts';
import { loadTokenizer } from '../../src/analysis/model/tokenizer.ts';
import { MAX_SENTENCE_CHARS, MAX_SENTENCES, MAX_SET_FILE_BYTES } from '../../src/analysis/sentences/limits.ts';
import { locateTargets } from '../../src/analysis/sentences/locate.ts';
import { loadSetFile, parseSetFile } from '../../src/analysis/sentences/set-file.ts';
import { FIXTURE_TOKENIZER_DIR } from './fixtures.ts';

const FILE = 'content/sets/big.yaml';
const HEAD = 'title: Big\nmodel: openai-community/gpt2\ntarget: " her"\nseed: 1\nsentences:\n';

function failure(run: () => unknown): AtlasError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AtlasError);
    return error as AtlasError;
  }
  throw new Error('expected a refusal');
}

describe('a YAML alias bomb', () => {
  // "billion laughs": nine aliases of nine aliases of ... of one sentence, 9^5 sentences in 10 lines
  const bomb = `${HEAD.replace('sentences:\n', '')}a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
sentences: *e
`;

  it('is one message with the file and the line of the alias that expands the most', () => {
    const error = failure(() => parseSetFile(bomb, FILE));
    expect(error.message).toMatch(/YAML aliases \(\*name\) that repeat too much text/);
    expect(error.where).toBe(`${FILE}:10`);
    expect(error.hint).toMatch(/Write the sentences out/);
  });

  it('a few honest aliases still read', () => {
    const { set } = parseSetFile(`${HEAD}  - &s I saw her at the market.\n  - She gave her the book.\n`, FILE);
    expect(set.sentences.map((s) => s.text)).toEqual(['I saw her at the market.', 'She gave her the book.']);
  });
});

describe('limits on the size of a set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file over the size limit is refused from its size, before it is read', () => {
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, HEAD);
    truncateSync(file, MAX_SET_FILE_BYTES + 1); // sparse: nothing of it is ever written
    const started = performance.now();
    const error = failure(() => loadSetFile(file));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.message).toMatch(/The sentence set file is 10\.0 MB; qkv-atlas reads set files of at most 10\.0 MB/);
    expect(error.where).toBe(file);
    expect(error.hint).toMatch(/Split the sentences into several sets/);
  });

  it('a file of exactly the limit is read', () => {
    const file = join(dir, 'limit.yaml');
    writeFileSync(file, `${HEAD}  - I saw her at the market.\n#`);
    truncateSync(file, MAX_SET_FILE_BYTES); // the rest of the last line, a comment
    expect(loadSetFile(file).set.sentences).toHaveLength(1);
  });

  it('a folder or a device is not a set file', () => {
    expect(failure(() => loadSetFile(dir)).message).toMatch(/not a file/);
    expect(failure(() => loadSetFile('/dev/zero')).message).toMatch(/not a file/);
  });

  it('more sentences than the limit: one message naming the count and the line', () => {
    const text = `${HEAD}${'  - I saw her.\n'.repeat(11)}`;
    const error = failure(() => parseSetFile(text, FILE, { maxSentences: 10 }));
    expect(error.message).toMatch(/The set has 11 sentences; qkv-atlas reads at most 10 per set/);
    expect(error.where).toBe(`${FILE}:5`);
    expect(parseSetFile(`${HEAD}${'  - I saw her.\n'.repeat(10)}`, FILE, { maxSentences: 10 }).set.sentences).toHaveLength(10);
  });

  it('a file of a million one-letter sentences is refused in seconds, naming the line past the limit', () => {
    const text = `${HEAD}${'  - a\n'.repeat(1_000_000)}`;
    const started = performance.now();
    const error = failure(() => parseSetFile(text, FILE));
    // building the YAML document of this file took over a minute and gigabytes
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(error.message).toMatch(/more than 100,000 sentences/);
    // the first item past the limit and its small margin for other lists
    expect(error.where).toBe(`${FILE}:${5 + MAX_SENTENCES + 1001}`);
  });

  it('a sentence over the length limit is named, quoting at most 80 of its characters', () => {
    const long = `I saw her ${'and then some more '.repeat(300)}`.slice(0, MAX_SENTENCE_CHARS + 1);
    const error = failure(() => parseSetFile(`${HEAD}  - I saw her.\n  - "${long}"\n`, FILE));
    expect(error.message).toContain(
      `sentence 2 is 5,001 characters long, more than the 5,000 a sentence may have: ${JSON.stringify(long.slice(0, 80)).slice(0, -1)}…" (5,001 characters)`,
    );
    expect(error.message.length).toBeLessThan(500);
    expect(error.where).toBe(`${FILE}:7`);
    expect(parseSetFile(`${HEAD}  - "${long.slice(0, -1)}"\n`, FILE).set.sentences[0].text).toHaveLength(MAX_SENTENCE_CHARS);
  });

  it('many bad sentences: the message lists twenty and counts the rest', () => {
    const long = 'x'.repeat(MAX_SENTENCE_CHARS + 1);
    const error = failure(() => parseSetFile(`${HEAD}${`  - ${long}\n`.repeat(500)}`, FILE));
    expect(error.message).toMatch(/The sentence set has 500 problems/);
    expect(error.message).toMatch(/… and 480 more/);
    expect(error.message.split('\n').filter((line) => line.includes('characters long'))).toHaveLength(20);
    expect(error.message.length).toBeLessThan(6000);
  });
});

describe('repeated sentences', () => {
  it('are one warning, whatever their number, naming the first few', () => {
    const text = `${HEAD}${'  - I saw her at the market.\n'.repeat(1000)}  - She gave her the book.\n`;
    const { set, warnings } = parseSetFile(text, FILE);
    expect(set.sentences).toHaveLength(1001);
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(warning.where).toBe(`${FILE}:7`);
    expect(warning.message).toMatch(/^999 sentences repeat earlier ones:/);
    expect(warning.message).toContain('Sentence 2 repeats sentence 1 (lines 6 and 7): "I saw her at the market."');
    expect(warning.message).toMatch(/… and 994 more\./);
    expect(warning.message.length).toBeLessThan(1000);
  });

  it('a long repeated sentence is quoted by its first 80 characters', () => {
    const long = `I saw her ${'x'.repeat(1000)}`;
    const { warnings } = parseSetFile(`${HEAD}  - ${long}\n  - ${long}\n`, FILE);
    expect(warnings[0].message).toContain(`${JSON.stringify(long.slice(0, 80)).slice(0, -1)}…" (1,010 characters)`);
    expect(warnings[0].message.length).toBeLessThan(400);
  });
});

describe('sentences the model cannot read', () => {
  it('a sentence over the context is quoted by its first 80 characters, and a long list is cut', async () => {
    const tokenizer = await loadTokenizer(FIXTURE_TOKENIZER_DIR);
    const long = `I saw her ${'and then we went home '.repeat(50)}`;
    const sentences = Array.from({ length: 30 }, (_, i) => ({ text: `${i} ${long}`, ids: tokenizer.encode(`${i} ${long}`), line: 6 + i }));
    const options = { target: ' her', compare: { label: 'previous', offset: -1 }, contextLength: 64, tokenizer, file: FILE };
    const one = failure(() => locateTargets(sentences.slice(0, 1), options));
    expect(one.message).toContain(`${JSON.stringify(`0 ${long}`.slice(0, 80)).slice(0, -1)}…" (1,112 characters)`);
    expect(one.message.length).toBeLessThan(400);
    const many = failure(() => locateTargets(sentences, options));
    expect(many.message).toMatch(/30 of 30 sentences cannot be used/);
    expect(many.message).toMatch(/… and 10 more sentences\./);
    expect(many.message.length).toBeLessThan(6000);
  });
});
