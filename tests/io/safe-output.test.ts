import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/analysis/errors.ts';
import { StagedDirectory } from '../../src/analysis/io/output-dir.ts';
import { checkOutputFile, checkOutputFolder, makeFolders, type FolderRule } from '../../src/analysis/io/safe-output.ts';
import { whyNotAnAnalysis } from '../../src/analysis/analysis-folder.ts';
import { snapshot } from '../helpers/tree.ts';

/** The output rule on its own: which paths a command may write, and one message for the rest. */
const rule = (protect: FolderRule['protect'] = []): FolderRule => ({ option: '--out', writes: 'an analysis', recognise: whyNotAnAnalysis, protect });

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-safe-'));
  writeFileSync(join(dir, 'notes.txt'), 'mine\n');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'config.json'), '{}');
  writeFileSync(join(dir, 'set.yaml'), 'title: t\n');
  mkdirSync(join(dir, 'empty'));
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<AtlasError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the output was accepted').toBeInstanceOf(AtlasError);
  return error as AtlasError;
}

describe('the output rule', () => {
  it('accepts a new path, an empty folder, and names the real path', async () => {
    const dir = workspace();
    expect(await checkOutputFolder(join(dir, 'a', 'b'), rule())).toEqual({ path: join(dir, 'a', 'b'), state: 'absent' });
    expect((await checkOutputFolder(join(dir, 'empty'), rule())).state).toBe('empty');
    symlinkSync(join(dir, 'empty'), join(dir, 'link'));
    expect(await checkOutputFolder(join(dir, 'link', 'x'), rule())).toEqual({ path: join(dir, 'empty', 'x'), state: 'absent' });
  });

  it("refuses a folder with anything of the user's, the root, a file, a path below a file, with one message", async () => {
    const dir = workspace();
    const before = snapshot(dir);
    const cases: [string, RegExp][] = [
      [dir, /not empty and is not an analysis.*notes\.txt/],
      ['/', /root of the file system/],
      [join(dir, 'notes.txt'), /is a file, not a folder/],
      [join(dir, 'notes.txt', 'x', 'y'), /lies below .*notes\.txt, which is a file/],
      [join(dir, 'a'.repeat(300)), /300 bytes long/],
      ['', /empty/],
    ];
    for (const [out, message] of cases) {
      const error = await refusal(checkOutputFolder(out, rule()));
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/what to do: /);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses an output that is, contains or lies inside the set file or the model folder, through links too', async () => {
    const dir = workspace();
    symlinkSync(join(dir, 'model'), join(dir, 'model-link'));
    const protect = [
      { path: join(dir, 'set.yaml'), what: 'the set file' },
      { path: join(dir, 'model'), what: 'the model folder' },
    ];
    const cases: [string, RegExp][] = [
      [join(dir, 'set.yaml'), /is the set file/],
      [join(dir, 'model'), /is the model folder/],
      [join(dir, 'model', 'out'), /lies inside the model folder/],
      [join(dir, 'model-link', 'out'), /lies inside the model folder/],
      [join(dir, 'model-link'), /is the model folder/],
      [dir, /contains the set file/],
    ];
    for (const [out, message] of cases) expect((await refusal(checkOutputFolder(out, rule(protect)))).message).toMatch(message);
  });

  it('recognises only a complete earlier analysis holding nothing else', async () => {
    const dir = workspace();
    const earlier = join(dir, 'earlier');
    mkdirSync(join(earlier, 'activations'), { recursive: true });
    mkdirSync(join(earlier, 'stats'));
    writeFileSync(join(earlier, 'manifest.json'), JSON.stringify({ schema: 1, versions: { 'qkv-atlas': '0.1.0' }, layers: [0] }));
    for (const file of [
      'activations/layer-0-target.npy',
      'activations/layer-0-nontarget.npy',
      'stats/layer-0.json',
      'stats/layer-0-similarity-cosine-target.npy',
      'stats/layer-0-similarity-cosine-nontarget.npy',
      'stats/layer-0-similarity-correlation-target.npy',
    ])
      writeFileSync(join(earlier, file), 'x');
    expect((await refusal(checkOutputFolder(earlier, rule()))).message).toMatch(/not complete.*correlation-nontarget/);
    writeFileSync(join(earlier, 'stats/layer-0-similarity-correlation-nontarget.npy'), 'x');
    expect((await checkOutputFolder(earlier, rule())).state).toBe('earlier');
    writeFileSync(join(earlier, 'stats', 'my-plot.png'), 'x');
    expect((await refusal(checkOutputFolder(earlier, rule()))).message).toMatch(/besides an analysis it holds stats\/my-plot\.png/);
    rmSync(join(earlier, 'stats', 'my-plot.png'));
    writeFileSync(join(earlier, 'manifest.json'), JSON.stringify({ schema: 2, layers: [0] }));
    expect((await refusal(checkOutputFolder(earlier, rule()))).message).toMatch(/not the manifest of a qkv-atlas analysis/);
  });

  it('refuses an existing file or link for a single-file output, and a link that points nowhere', async () => {
    const dir = workspace();
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.yaml'));
    expect((await refusal(checkOutputFile(join(dir, 'set.yaml'), 'new-set'))).message).toMatch(/already exists/);
    expect((await refusal(checkOutputFile(join(dir, 'dangling.yaml'), 'new-set'))).message).toMatch(/symbolic link to something that does not exist/);
    expect(await checkOutputFile(join(dir, 'new.yaml'), 'new-set')).toBe(join(dir, 'new.yaml'));
  });

  // Node's recursive mkdir retries for ever when /proc answers ENOENT: `--out /proc/x` hung at full CPU
  it.skipIf(!existsSync('/proc/self'))(
    'gives one message for /proc/x at once instead of hanging',
    async () => {
      const started = performance.now();
      await refusal(
        makeFolders('/proc/qkv-atlas-x/y').catch((e: unknown) => {
          throw new AtlasError(String(e), '', '');
        }),
      );
      expect((await refusal(StagedDirectory.create('/proc/qkv-atlas-x'))).message).toMatch(/does not let a folder be created there/);
      expect(performance.now() - started).toBeLessThan(2000);
    },
    5000,
  );
});

describe('the staging folder', () => {
  it('works beside a folder whose name is 240 characters long (its own name is shortened)', async () => {
    const dir = workspace();
    const target = join(dir, 'b'.repeat(240));
    const staged = await StagedDirectory.create(target);
    writeFileSync(staged.path('manifest.json'), '{}');
    await staged.commit();
    expect(readdirSync(dir).sort()).toEqual(['b'.repeat(240), 'empty', 'model', 'notes.txt', 'set.yaml']);
  });

  it('leaves the old folder whole when the swap fails, and refuses a replacement the check forbids', async () => {
    const dir = workspace();
    const target = join(dir, 'out');
    mkdirSync(target);
    writeFileSync(join(target, 'old.txt'), 'old');
    const staged = await StagedDirectory.create(target);
    rmSync(staged.staging, { recursive: true }); // the second rename fails
    await expect(staged.commit()).rejects.toThrow();
    expect(readFileSync(join(target, 'old.txt'), 'utf8')).toBe('old');

    const guarded = await StagedDirectory.create(target, {
      beforeReplace: async () => {
        await checkOutputFolder(target, rule());
      },
    });
    await expect(guarded.commit()).rejects.toThrow(/old\.txt/);
    expect(readFileSync(join(target, 'old.txt'), 'utf8')).toBe('old');
  });

  it('replaces the contents in place where the folder itself cannot be renamed (a mount point)', async () => {
    const dir = workspace();
    const target = join(dir, 'site');
    mkdirSync(join(target, 'old'), { recursive: true });
    writeFileSync(join(target, 'old', 'index.html'), 'old');
    const staged = await StagedDirectory.create(target);
    mkdirSync(staged.path('new'));
    writeFileSync(staged.path('new', 'index.html'), 'new');
    await staged.commitInPlace();
    expect([...snapshot(target).keys()].sort()).toEqual(['new', 'new/index.html']);
    expect(readdirSync(dir).filter((name) => name.includes('staging'))).toEqual([]);
  });

  it('puts back the previous output that a run killed between the two renames had set aside', async () => {
    const dir = workspace();
    const asideByDeadRun = join(dir, '.out.staging-999999999-abcd1234.old');
    mkdirSync(asideByDeadRun);
    writeFileSync(join(asideByDeadRun, 'manifest.json'), 'previous');
    writeFileSync(join(dir, 'unrelated.staging-1.old'), 'mine');
    const staged = await StagedDirectory.create(join(dir, 'out'));
    expect(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')).toBe('previous');
    expect(readFileSync(join(dir, 'unrelated.staging-1.old'), 'utf8')).toBe('mine');
    await staged.abandon();
  });
});
