import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/analysis/errors.ts';
import { writeFileAtomic } from '../../src/analysis/io/atomic.ts';
import { analyze } from '../../src/analysis/analyze.ts';
import { modelFolder } from '../helpers/model-folder.ts';

/**
 * A disk that fills during a write: a small tmpfs (mounting one needs root, as in CI; the
 * test is skipped elsewhere). Nothing half-written may remain, and what was there stays.
 */
const mountPoint = mkdtempSync(join(tmpdir(), 'qkv-atlas-full-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  // not root, or no mount in this sandbox
}

describe.skipIf(!mounted)('a disk that fills up', () => {
  beforeAll(() => {
    writeFileSync(join(mountPoint, 'kept.json'), '{"old": true}');
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
  });

  it('writeFileAtomic fails with one clear message and leaves the old file and no temporary file', async () => {
    const error = await writeFileAtomic(join(mountPoint, 'kept.json'), new Uint8Array(200_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasError);
    expect((error as AtlasError).message).toMatch(/The disk is full/);
    expect((error as AtlasError).where).toBe(join(mountPoint, 'kept.json'));
    expect(readFileSync(join(mountPoint, 'kept.json'), 'utf8')).toBe('{"old": true}');
    expect(readdirSync(mountPoint)).toEqual(['kept.json']);
  });

  it('analyze into a full disk fails with that message and leaves no partial output', async () => {
    const set = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-set-')), 'full.yaml');
    writeFileSync(set, 'title: t\nmodel: m\ntarget: " her"\nseed: 1\nsentences:\n  - I saw her at the market.\n  - She gave her the book.\n');
    const error = await analyze({ setFile: set, model: modelFolder('hf-random-gpt2'), out: join(mountPoint, 'out') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasError);
    expect((error as AtlasError).message).toMatch(/The disk is full/);
    expect(readdirSync(mountPoint)).toEqual(['kept.json']);
  });
});
