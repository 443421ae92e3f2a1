import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { isAtlasError } from '../../src/analysis/errors.ts';
import { modelFolder } from '../helpers/model-folder.ts';
import { lostOrChanged, snapshot } from '../helpers/tree.ts';

/**
 * analyze, make-model and new-set as a careless user runs them: no file that the command did
 * not write is ever lost, whatever the output path names.
 */
const cli = fileURLToPath(new URL('../../bin/qkv-atlas.js', import.meta.url));
const SET = 'title: t\nmodel: m\ntarget: " her"\nseed: 1\nsentences:\n  - I saw her at the market.\n  - She gave her the book.\n  - We thanked her twice.\n';

function run(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr };
}

/** A working folder as a user has it: notes, a set among prose, a model, an earlier analysis, an empty folder. */
let template: string;
/** the files of the earlier analysis (written by analyze, so it may replace them) */
let earlierFiles: string[];

beforeAll(async () => {
  template = mkdtempSync(join(tmpdir(), 'qkv-atlas-ws-'));
  writeFileSync(join(template, 'notes.txt'), 'mine\n');
  mkdirSync(join(template, 'content'));
  writeFileSync(join(template, 'content', 'set.yaml'), SET);
  writeFileSync(join(template, 'content', 'prose.md'), '# prose\n');
  cpSync(modelFolder('hf-random-gpt2'), join(template, 'model'), { recursive: true });
  mkdirSync(join(template, 'empty'));
  await analyze({ setFile: join(template, 'content', 'set.yaml'), model: join(template, 'model'), out: join(template, 'earlier') });
  earlierFiles = [...snapshot(join(template, 'earlier')).keys()].map((file) => join('earlier', file));
  cpSync(join(template, 'earlier'), join(template, 'mixed'), { recursive: true });
  writeFileSync(join(template, 'mixed', 'my-notes.txt'), 'mine\n');
  symlinkSync('model', join(template, 'link-model'));
  symlinkSync('earlier', join(template, 'link-earlier'));
  symlinkSync('nowhere', join(template, 'dangling'));
});

function workspace(): { root: string; ws: string } {
  const root = mkdtempSync(join(tmpdir(), 'qkv-atlas-prop-'));
  const ws = join(root, 'ws');
  cpSync(template, ws, { recursive: true, verbatimSymlinks: true });
  return { root, ws };
}

describe('analyze --out never loses a file it did not write', () => {
  it('refuses before the model is loaded: the output is checked first, with one message, and nothing changes', () => {
    const { ws } = workspace();
    const before = snapshot(ws);
    // the model does not exist: were it loaded first, the message would be about the model
    for (const out of ['.', 'content/set.yaml', 'mixed', '/']) {
      const { code, stderr } = run(ws, ['analyze', '--set', 'content/set.yaml', '--model', './no-such-model', '--out', out]);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/^qkv-atlas: The output .*\n  where: --out .*\n  what to do: .*\n$/);
      expect(stderr).not.toMatch(/model folder .*no-such-model|\n\s+at /);
    }
    expect(snapshot(ws)).toEqual(before);
  });

  it('a run that fails after the check (a missing model) leaves no trace, not even the folders it made', async () => {
    const { ws } = workspace();
    const before = snapshot(ws);
    const error = await analyze({ setFile: join(ws, 'content', 'set.yaml'), model: join(ws, 'no-such-model'), out: join(ws, 'new', 'deep', 'x') }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAtlasError(error) && /no-such-model/.test(error.message)).toBe(true);
    expect(snapshot(ws)).toEqual(before);
  });

  it('replaces a complete earlier analysis and writes into an empty folder', async () => {
    const { ws } = workspace();
    for (const out of ['earlier', 'empty', 'new/result']) {
      await analyze({ setFile: join(ws, 'content', 'set.yaml'), model: join(ws, 'model'), out: join(ws, out) });
      expect(JSON.parse(readFileSync(join(ws, out, 'manifest.json'), 'utf8')).sentences).toHaveLength(3);
    }
  });

  it('property: random output paths around the working folder, the set, the model and an earlier analysis', async () => {
    const segment = fc.constantFrom(
      '.',
      'notes.txt',
      'content',
      'set.yaml',
      'prose.md',
      'model',
      'config.json',
      'earlier',
      'mixed',
      'empty',
      'link-model',
      'link-earlier',
      'dangling',
      'activations',
      'manifest.json',
      'new',
      'ws',
    );
    const path = fc.tuple(fc.constantFrom('', '..'), fc.array(segment, { minLength: 0, maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(path, async ([up, segments]) => {
        const { root, ws } = workspace();
        const out = join(ws, up, ...segments);
        const before = snapshot(root);
        let wrote: string | null = null;
        try {
          wrote = (await analyze({ setFile: join(ws, 'content', 'set.yaml'), model: join(ws, 'model'), out })).out;
        } catch (error) {
          if (!isAtlasError(error)) throw error; // anything else would be a stack trace, not one message
        }
        const after = snapshot(root);
        // only the earlier analysis may go, and only when it was the output
        const replaced =
          wrote === null ? [] : earlierFiles.filter(() => realpathSync(wrote as string) === realpathSync(join(ws, 'earlier'))).map((file) => join('ws', file));
        const lost = lostOrChanged(before, after).filter((file) => !replaced.includes(file) && !(replaced.length > 0 && file === join('ws', 'earlier')));
        expect(lost, `--out ${relative(root, out) || '.'}`).toEqual([]);
        expect(
          [...after.keys()].filter((file) => file.includes('.staging-')),
          'a staging folder was left behind',
        ).toEqual([]);
        rmSync(root, { recursive: true, force: true });
      }),
      {
        numRuns: 30,
        seed: 11,
        examples: [[['', ['link-earlier']]], [['', ['link-model', 'new']]], [['', ['earlier']]], [['', ['empty']]], [['..', []]], [['', []]]],
      },
    );
  }, 300_000);
});

describe('make-model and new-set follow the same rule', () => {
  it("make-model refuses a folder holding a user's config.json, and replaces a model of its own", () => {
    const { ws } = workspace();
    const before = snapshot(ws);
    for (const out of ['model', '.']) {
      const { code, stderr } = run(ws, ['make-model', '--random', '--out', out]);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/not a model written by qkv-atlas/);
    }
    expect(snapshot(ws)).toEqual(before);
    expect(run(ws, ['make-model', '--random', '--out', 'random']).code).toBe(0);
    const { code, stderr } = run(ws, ['make-model', '--random', '--out', 'random', '--seed', '2']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(ws, 'random', 'config.json'), 'utf8')).qkv_atlas_random).toEqual({ config: 'tiny', seed: 2 });
  });

  it('new-set refuses an existing file and a link, even one that points nowhere', () => {
    const { ws } = workspace();
    symlinkSync('nowhere', join(ws, 'dangling.yaml'));
    const before = snapshot(ws);
    for (const [name, dir] of [
      ['set', 'content'],
      ['dangling', '.'],
      ['x', 'notes.txt'],
    ]) {
      const { code, stderr } = run(ws, ['new-set', name, '--target', ' her', '--dir', dir]);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/^qkv-atlas: .*\n  where: .*\n  what to do: .*\n$/);
    }
    expect(snapshot(ws)).toEqual(before);
  });
});
