import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareAnalyses } from '../../src/integration/analyses.ts';
import { CACHE_MARK } from '../../src/analysis/analysis-folder.ts';
import { modelFolder } from '../helpers/model-folder.ts';
import { snapshot } from '../helpers/tree.ts';

/**
 * QKV_ATLAS_CACHE_DIR may name a folder the user keeps other things in. The build keeps the
 * newest two analyses of a set and removes older ones: only folders that it made itself.
 */
describe("the build's cache clean-up", () => {
  it("removes only analyses that carry its mark, never a user's folder named like a set", async () => {
    const root = mkdtempSync(join(tmpdir(), 'qkv-atlas-root-'));
    mkdirSync(join(root, 'content', 'sets'), { recursive: true });
    const model = modelFolder('hf-random-gpt2');
    const setFile = join(root, 'content', 'sets', 'pair.yaml');
    const writeSet = (seed: number) =>
      writeFileSync(
        setFile,
        `title: t\nmodel: ${model}\ntarget: " her"\nseed: ${seed}\nsentences:\n  - I saw her at the market.\n  - She gave her the book.\n`,
      );

    // the user's own folder, named like the set, with folders of their own inside
    const cache = join(root, 'my-files');
    for (const name of ['photos', 'old-run', 'a1b2c3d4e5f60718']) {
      mkdirSync(join(cache, 'pair', name), { recursive: true });
      writeFileSync(join(cache, 'pair', name, 'keep.txt'), name);
    }
    writeFileSync(join(cache, 'pair', 'notes.txt'), 'mine');
    const users = snapshot(join(cache, 'pair'));

    const logger = { info: () => {}, warn: () => {} };
    const dirs: string[] = [];
    for (const seed of [1, 2, 3]) {
      writeSet(seed);
      const [prepared] = await prepareAnalyses({ root, setDirs: ['content/sets'], demo: null, logger, cacheDir: 'my-files' });
      dirs.push(prepared.dir);
      expect(readFileSync(join(prepared.dir, CACHE_MARK), 'utf8').trim()).toBe(prepared.dir.split('/').pop());
    }
    const after = snapshot(join(cache, 'pair'));
    for (const [file, content] of users) expect(after.get(file), file).toBe(content);
    // its own analyses: the newest two kept, the oldest removed
    expect(existsSync(dirs[0])).toBe(false);
    expect(existsSync(join(dirs[1], 'manifest.json'))).toBe(true);
    expect(existsSync(join(dirs[2], 'manifest.json'))).toBe(true);
    expect(readdirSync(join(cache, 'pair')).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
