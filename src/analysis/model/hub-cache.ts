import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { AtlasError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { type BlobRequest, downloadBlob, expectedSize, fileUrl, type HubContext, HubRequestError, isCommitHash } from './hub-protocol.ts';
import { isDiskFull, isNotWritable } from '../io/fs-errors.ts';

/**
 * The Hugging Face cache, in the layout that Python's `huggingface_hub` uses, so
 * that either one reuses what the other fetched:
 *
 *   $HF_HUB_CACHE/models--org--name/blobs/<sha256 of an LFS file | git sha1 of a small file>
 *   $HF_HUB_CACHE/models--org--name/snapshots/<commit>/<file> -> ../../blobs/<hash>
 *   $HF_HUB_CACHE/models--org--name/refs/<branch or tag>      (holds the commit)
 *
 * `@huggingface/hub` gives the cache path rules (`getRepoFolderName`), but its
 * `downloadFileToCacheDir` writes every process's partial data to the same
 * `<blob>.incomplete` name, leaves that file behind on error, and writes no
 * `refs/<branch>` file, so a later offline run could not find the snapshot by
 * branch name. Here each run writes its own partial file, takes over what
 * abandoned runs left, and links a blob into the snapshot only once checked.
 */

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

function temporaryName(path: string, suffix: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}${suffix}`;
}

/**
 * Points `pointer` (a snapshot entry) at `blob` with a relative symlink, as
 * Python does, replacing any old entry in one rename. Where symlinks cannot be
 * made (Windows without developer mode), the blob is copied instead.
 */
async function linkIntoSnapshot(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const temporary = temporaryName(pointer, '.tmp');
  try {
    try {
      await symlink(relative(dirname(pointer), blob), temporary);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'EINVAL' && code !== 'ENOSYS' && code !== 'ENOTSUP') throw error;
      await copyFile(blob, temporary);
    }
    await rename(temporary, pointer);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}

/** Partial files this process is writing now, which no other download may take over. */
const ACTIVE = new Set<string>();
/** A partial without a process id in its name (Python's `<blob>.incomplete`) is taken over once untouched this long. */
const UNOWNED_STALE_MS = 30 * 1000;
/** A partial untouched this long is abandoned, whoever wrote it. */
const ABANDONED_MS = 60 * 60 * 1000;
/** Partials of other blobs (say, of a commit no longer asked for) are removed once untouched this long. */
const FORGOTTEN_MS = 24 * 60 * 60 * 1000;
/** Our partial files: `<blob>.<pid>-<random>.incomplete`. */
const OWNED = /\.(\d+)-[0-9a-f]+\.incomplete$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether nobody writes a partial file any more: the process named in it is
 * gone (a Ctrl-C, a crash), or it is this process, done with it; a file without
 * a process id (Python's) once it has stopped changing; any file after an hour.
 */
function abandoned(path: string, mtimeMs: number): boolean {
  const age = Date.now() - mtimeMs;
  if (age > ABANDONED_MS) return true;
  const owner = OWNED.exec(path);
  if (!owner) return age > UNOWNED_STALE_MS;
  const pid = Number(owner[1]);
  return pid === process.pid ? !ACTIVE.has(path) : !processAlive(pid);
}

/**
 * What earlier runs left in `blobs/` (ours, or Python's `<blob>.incomplete`):
 * the longest abandoned partial of this blob is renamed to `temporary` (one
 * rename, so two runs never take the same file) and resumed; the other abandoned
 * ones of this blob are removed, as are partials of other blobs left for a day.
 * Returns the bytes taken over.
 */
async function takeOverPartials(blobsDir: string, name: string | undefined, temporary: string, size: number | undefined): Promise<number> {
  const entries = await readdir(blobsDir).catch(() => [] as string[]);
  const candidates: { path: string; size: number }[] = [];
  for (const entry of entries) {
    if (!entry.endsWith('.incomplete')) continue;
    const path = join(blobsDir, entry);
    if (path === temporary) continue;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const ofThisBlob = name !== undefined && entry.startsWith(`${name}.`);
    if (ofThisBlob) {
      if (abandoned(path, info.mtimeMs)) candidates.push({ path, size: info.size });
    } else if (Date.now() - info.mtimeMs > FORGOTTEN_MS || (entry.startsWith('download.') && abandoned(path, info.mtimeMs))) {
      // A partial of unknown hash (`download.…`) can never be resumed.
      await rm(path, { force: true }).catch(() => {});
    }
  }
  candidates.sort((x, y) => y.size - x.size);
  let taken = 0;
  for (const candidate of candidates) {
    if (taken === 0 && candidate.size > 0 && (size === undefined || candidate.size <= size)) {
      try {
        await rename(candidate.path, temporary);
        taken = candidate.size;
        continue;
      } catch {
        // Another run took it first.
      }
    }
    await rm(candidate.path, { force: true }).catch(() => {});
  }
  return taken;
}

export interface CacheFileRequest extends BlobRequest {
  /** `$HF_HUB_CACHE/models--org--name`. */
  repoDir: string;
}

/**
 * Makes sure `snapshots/<commit>/<file>` exists in the cache, downloading it if
 * needed. The bytes go to `blobs/<hash>.<pid>-<random>.incomplete` (resuming
 * what an earlier run left), are checked (size, and the LFS sha256 or the git
 * blob sha1 when the hub gives them), and only then renamed to `blobs/<hash>`
 * and linked from the snapshot, so nothing in the cache ever looks complete
 * without being so. A download that stays cut after its retries keeps its
 * partial file for the next run; one that fails its checksum keeps nothing.
 */
export async function ensureCachedFile(ctx: HubContext, request: CacheFileRequest): Promise<'cache' | 'download'> {
  const { id, commit, repoDir, sibling } = request;
  const file = sibling.rfilename;
  const pointer = join(repoDir, 'snapshots', commit, file);
  const blobsDir = join(repoDir, 'blobs');
  const size = expectedSize(sibling);
  const known = sibling.lfs?.sha256 ?? sibling.blobId;

  const present = await fileSize(pointer);
  if (present !== undefined && (size === undefined || present === size)) return 'cache';
  if (known) {
    const blob = join(blobsDir, known);
    const blobSize = await fileSize(blob);
    if (blobSize !== undefined && (size === undefined || blobSize === size)) {
      await linkIntoSnapshot(blob, pointer);
      return 'cache';
    }
  }

  const url = fileUrl(ctx, id, commit, file);
  const temporary = join(blobsDir, `${known ?? 'download'}.${process.pid}-${randomBytes(4).toString('hex')}.incomplete`);
  ACTIVE.add(temporary);
  try {
    await mkdir(blobsDir, { recursive: true });
    const taken = await takeOverPartials(blobsDir, known, temporary, size);
    const done = await downloadBlob(ctx, request, url, temporary, taken);
    // The blob's name is the one Python gives it: the LFS sha256, or the git
    // blob sha1 (the ETag) of a small file; the content's sha256 as a last resort.
    const blob = join(blobsDir, known ?? done.etag ?? done.sha256);
    await rename(temporary, blob);
    await linkIntoSnapshot(blob, pointer);
    return 'download';
  } catch (error) {
    // A partial named after its blob is kept for the next run to resume when
    // the hub failed; bad bytes, or a full or read-only disk, keep nothing.
    const keep = error instanceof HubRequestError && known !== undefined && ((await fileSize(temporary)) ?? 0) > 0;
    if (!keep) await rm(temporary, { force: true }).catch(() => {});
    throw storageError(error, repoDir);
  } finally {
    ACTIVE.delete(temporary);
  }
}

function storageError(error: unknown, repoDir: string): unknown {
  if (error instanceof AtlasError) return error;
  if (isDiskFull(error)) {
    return new AtlasError(
      'The disk is full: the model could not be written to the Hugging Face cache (nothing partial was kept).',
      repoDir,
      'free some space, or set HF_HOME (or HF_HUB_CACHE) to a folder on a larger disk, and run the command again.',
      { cause: error },
    );
  }
  if (isNotWritable(error)) {
    return new AtlasError(
      'The Hugging Face cache cannot be written: permission denied.',
      repoDir,
      "fix the folder's permissions, or set HF_HOME (or HF_HUB_CACHE) to a folder you can write to.",
      { cause: error },
    );
  }
  return error;
}

/** Records which commit a branch or tag points to: `refs/<revision>`, as Python does. */
export async function writeRef(repoDir: string, revision: string, commit: string): Promise<void> {
  if (isCommitHash(revision)) return;
  try {
    const current = await readFile(join(repoDir, 'refs', revision), 'utf8').catch(() => undefined);
    if (current?.trim() === commit) return;
    await writeFileAtomic(join(repoDir, 'refs', revision), commit);
  } catch (error) {
    // writeFileAtomic words its errors for output folders: word them for the cache.
    throw storageError(error instanceof AtlasError && error.cause ? error.cause : error, repoDir);
  }
}

/** The commit a branch or tag pointed to when last fetched, from `refs/<revision>`. */
export async function readRef(repoDir: string, revision: string): Promise<string | undefined> {
  if (isCommitHash(revision)) return revision;
  try {
    const s = await lstat(join(repoDir, 'refs', revision));
    if (!s.isFile()) return undefined;
    const commit = (await readFile(join(repoDir, 'refs', revision), 'utf8')).trim();
    return isCommitHash(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}
