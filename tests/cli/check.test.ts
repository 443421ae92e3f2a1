import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { RESERVED_SET_NAMES } from '../../src/analysis/sentences/reserved.ts';
import { modelFolder } from '../helpers/model-folder.ts';

/** `qkv-atlas check` as a person runs it: the real command line, its exit status and output. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'qkv-atlas.js');
const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-check-'));
const emptyCache = mkdtempSync(join(tmpdir(), 'qkv-atlas-hub-'));
const model = modelFolder('models/tiny-bare-f32'); // 3 layers, a context of 32 tokens
afterAll(() => {
  for (const path of [dir, emptyCache, model]) rmSync(path, { recursive: true, force: true });
});

function setFile(name: string, body: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `title: A set\nmodel: openai-community/gpt2\ntarget: " her"\nseed: 1\n${body}`);
  return file;
}

function check(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, 'check', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_CACHE: emptyCache, HF_HUB_OFFLINE: '1', NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SENTENCES = 'sentences:\n  - I saw her at the market.\n  - She gave her the book.\n';
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('qkv-atlas check says what analyze and the build would say', () => {
  it("passes a good set, with the model folder's tokenizer", () => {
    const { status, stdout } = check(setFile('good', `layers: [0, 2]\n${SENTENCES}`), '--model', model);
    expect(status).toBe(0);
    expect(stdout).toContain('I« saw»[ her] at the market.');
    expect(stdout).toMatch(/ok: every sentence/);
  });

  it.each(RESERVED_SET_NAMES)('refuses a set named "%s", which the site keeps for its own pages', (name) => {
    const { status, stderr } = check(setFile(name, SENTENCES), '--model', model);
    expect(status).toBe(1);
    expect(stderr).toContain(`A sentence set is named "${name}", which the site uses for its own pages (/${name}/).`);
  });

  it('the reserved names are the top-level pages of the site', () => {
    // src/pages: each folder or .astro file at the top is a URL segment, except the front page and 404
    const pages = readdirSync(join(ROOT, 'src', 'pages'))
      .map((entry) => entry.replace(/\.(astro|ts)$/, ''))
      .filter((entry) => !entry.startsWith('[') && entry !== 'index' && entry !== '404');
    expect([...RESERVED_SET_NAMES].sort()).toEqual(pages.sort());
  });

  it('refuses layers the model does not have, when the model is at hand', () => {
    const { status, stderr } = check(setFile('layers', `layers: [0, 99]\n${SENTENCES}`), '--model', model);
    expect(status).toBe(1);
    expect(stderr).toContain('layers lists 99, but the model has 3 layers (0 to 2).');
  });

  it('says that layers were not checked when the model is not cached', () => {
    const { status, stderr } = check(setFile('uncached', `layers: [0, 99]\n${SENTENCES}`));
    expect(status).toBe(0);
    expect(stderr).toMatch(/note: openai-community\/gpt2 is not in the Hugging Face cache, so its layers \(0, 99\) and its context were not checked/);
  });

  it('refuses a model folder that analyze could not use, instead of falling back to GPT-2', () => {
    const { status, stderr } = check(setFile('missing', SENTENCES), '--model', join(dir, 'no-such-model'));
    expect(status).toBe(1);
    expect(stderr).toMatch(/The model folder .* does not exist/);
  });

  it('refuses a config.json whose layer_norm_epsilon reads as Infinity', () => {
    const broken = modelFolder('models/tiny-bare-f32');
    const config = join(broken, 'config.json');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/"layer_norm_epsilon":[^,}]*/, '"layer_norm_epsilon": 1e400'));
    const { status, stderr } = check(setFile('epsilon', SENTENCES), '--model', broken);
    rmSync(broken, { recursive: true, force: true });
    expect(status).toBe(1);
    expect(stderr).toContain('config.json: "layer_norm_epsilon" must be a finite positive number');
  });

  it("refuses a sentence longer than the model's context, named from its config", () => {
    const { status, stderr } = check(setFile('context', `sentences:\n  - I saw her ${'and then we went home '.repeat(10)}\n`), '--model', model);
    expect(status).toBe(1);
    expect(stderr).toMatch(/more than the model's context of 32/);
  });

  it('an alias bomb is one message with the file and line, no stack trace', () => {
    const file = join(dir, 'bomb.yaml');
    writeFileSync(
      file,
      'title: x\ntarget: " her"\nmodel: m\nseed: 1\n' +
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' +
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' +
        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nsentences: *e\n',
    );
    const { status, stderr } = check(file);
    expect(status).toBe(1);
    expect(stderr).toContain(`where: ${file}:10`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe("qkv-atlas check never sends a set's control characters to the terminal", () => {
  it('shows escape sequences, C1 controls and direction overrides in titles and sentences as \\u escapes', () => {
    mkdirSync(join(dir, 'hostile'), { recursive: true });
    const file = join(dir, 'hostile', 'escapes.yaml');
    writeFileSync(
      file,
      [
        'title: "Red \\e[31m title \\e]0;owned\\a \\u202Eevil \\x9b2J"',
        'model: openai-community/gpt2',
        'target: " her"',
        'seed: 1',
        'sentences:',
        '  - "I saw her \\e[2J at the market."',
        '  - "She gave her \\x9b31m the \\u2066book\\u2069."',
        '  - "They met her \\r over \\b there."',
        '  - "They met her \\e[31m."',
        '  - "They met her \\e[31m."',
        '',
      ].join('\n'),
    );
    const { status, stdout, stderr } = check(file);
    expect(status).toBe(0);
    expect(stdout).not.toMatch(RAW_CONTROL);
    expect(stderr).not.toMatch(RAW_CONTROL);
    expect(stdout).toContain('Red \\u001b[31m title \\u001b]0;owned\\u0007 \\u202eevil \\u009b2J');
    expect(stdout).toContain('\\u001b[2J');
    // a character the tokenizer splits across tokens is shown by its bytes
    expect(stdout).toContain('\\xC2\\x9B31m the \\xE2\\x81\\xA6book\\xE2\\x81\\xA9.');
    expect(stdout).toContain('\\u000d over \\u0008 there');
    // the repeated sentence's warning, too
    expect(stderr).toMatch(/warning: Sentence 5 repeats sentence 4 .*\\u001b\[31m/);
  });

  it('and in error messages', () => {
    const { status, stderr } = check(setFile('unknown', `"\\e[2Jbad\\u202e": 1\n${SENTENCES}`));
    expect(status).toBe(1);
    expect(stderr).not.toMatch(RAW_CONTROL);
    expect(stderr).toMatch(/unknown key .*\\u001b\[2Jbad\\u202e/);
  });
});
