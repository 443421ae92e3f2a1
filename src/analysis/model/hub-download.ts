import { createHash, randomBytes, type Hash } from 'node:crypto';
import { copyFile, lstat, mkdir, open, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { AtlasError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { ProgressCallback } from './progress.ts';

/**
 * Talking to the Hugging Face Hub and writing its cache, in the layout that
 * Python's `huggingface_hub` uses, so that either one reuses what the other fetched:
 *
 *   $HF_HUB_CACHE/models--org--name/blobs/<sha256 of an LFS file | git sha1 of a small file>
 *   $HF_HUB_CACHE/models--org--name/snapshots/<commit>/<file> -> ../../blobs/<hash>
 *   $HF_HUB_CACHE/models--org--name/refs/<branch or tag>      (holds the commit)
 *
 * `@huggingface/hub` gives the cache path rules (`getRepoFolderName`), but its
 * `downloadFileToCacheDir` is not used for the bytes themselves: it reports no
 * progress, checks neither size nor checksum, writes every process's partial
 * data to the same `<blob>.incomplete` name, leaves that file behind on error,
 * and writes no `refs/<branch>` file, so a later offline run could not find the
 * snapshot by branch name. `snapshotDownload` fetches every file of the repo
 * (pickles and all). The small pieces below do those jobs.
 */

export interface HubContext {
  endpoint: string;
  token: string | undefined;
  fetch: typeof fetch;
}

export interface HubSibling {
  rfilename: string;
  size?: number;
  /** git blob sha1 (present when the API is asked for `blobs=true`). */
  blobId?: string;
  lfs?: { sha256: string; size: number };
}

export interface HubRepoInfo {
  /** The commit the revision points to. */
  sha: string;
  siblings: HubSibling[];
}

const COMMIT = /^[0-9a-f]{40}$/;
const SHA1 = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function isCommitHash(value: string): boolean {
  return COMMIT.test(value);
}

function headers(ctx: HubContext, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'user-agent': 'qkv-atlas',
    ...(ctx.token ? { authorization: `Bearer ${ctx.token}` } : {}),
    ...extra,
  };
}

/** The error codes of a failed fetch, from the error and its causes. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** The hub could not be reached at all (no network, refused, unknown host): the cache may still serve. */
export class HubUnreachableError extends AtlasError {}

function networkError(error: unknown, ctx: HubContext, id: string): AtlasError {
  const codes = errorCodes(error);
  const code = codes[0];
  const reason = code === 'ENOTFOUND' || code === 'EAI_AGAIN'
    ? `the host name ${new URL(ctx.endpoint).host} could not be resolved (${code})`
    : code === 'ECONNREFUSED'
      ? 'the connection was refused (ECONNREFUSED)'
      : code
        ? `the connection failed (${code})`
        : `the request failed (${error instanceof Error ? error.message : String(error)})`;
  return new HubUnreachableError(
    `Could not reach the Hugging Face Hub to get the model ${id}: ${reason}.`,
    ctx.endpoint,
    'check the network connection (and HF_ENDPOINT if you set it); without a network, use a model that is already ' +
      'in the cache with HF_HUB_OFFLINE=1, or pass a local folder with --model ./path/to/folder.',
    { cause: error },
  );
}

async function hubFetch(ctx: HubContext, url: string, id: string, init: RequestInit): Promise<Response> {
  try {
    return await ctx.fetch(url, init);
  } catch (error) {
    throw networkError(error, ctx, id);
  }
}

async function errorDetail(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 500);
    try {
      const json = JSON.parse(text) as { error?: unknown; message?: unknown };
      const message = json.error ?? json.message;
      if (typeof message === 'string') return message;
    } catch {
      // not JSON
    }
    // A short plain-text reason is worth showing; an HTML error page is not.
    return text.trimStart().startsWith('<') ? '' : text.trim().slice(0, 200);
  } catch {
    return '';
  }
}

/** One AtlasError for a hub answer that is not a success. */
async function httpError(response: Response, ctx: HubContext, id: string, revision: string, url: string, file?: string): Promise<AtlasError> {
  const code = response.headers.get('x-error-code') ?? '';
  const detail = await errorDetail(response);
  const said = detail ? ` (the hub said: ${detail})` : '';
  const page = `${ctx.endpoint}/${id}`;
  const local = 'or pass a local folder with --model ./path/to/folder';
  if (code === 'RevisionNotFound' || (response.status === 404 && /revision/i.test(detail) && !file)) {
    return new AtlasError(`The revision "${revision}" of the model ${id} does not exist on the hub${said}.`, url,
      `check the branch, tag or commit name (see ${page}/tree/main); without @revision, the main branch is used.`);
  }
  if (code === 'EntryNotFound' && file) {
    return new AtlasError(`The file ${file} is missing from the model ${id} at revision ${revision}.`, url,
      `check the files at ${page}/tree/${revision}, ${local}.`);
  }
  // A 403 from the storage server a download was redirected to is not about gating.
  const fromHub = !response.url || new URL(response.url).origin === new URL(ctx.endpoint).origin;
  if (code === 'GatedRepo' || (response.status === 403 && fromHub)) {
    return new AtlasError(`The model ${id} is gated: its files are only given to accounts that accepted its conditions${said}.`, url,
      `accept the conditions at ${page} and set HF_TOKEN to a token of that account, ${local}.`);
  }
  if (fromHub && (response.status === 401 || response.status === 404 || code === 'RepoNotFound')) {
    const hint = ctx.token
      ? `check the model id (the page ${page} should exist) and that your token (HF_TOKEN) can read it, ${local}.`
      : `check the model id (the page ${page} should exist); a private model needs a token in HF_TOKEN; ${local}.`;
    return new AtlasError(
      `The model ${id} was not found on the Hugging Face Hub (status ${response.status})` +
        `${ctx.token ? '' : ', or it is private and no token was given'}${said}.`,
      url, hint);
  }
  if (response.status === 429) {
    return new AtlasError(`The Hugging Face Hub refused the request for ${id}: too many requests (status 429).`, url,
      'wait a few minutes and run the command again; logging in (HF_TOKEN) raises the limit.');
  }
  return new AtlasError(`The Hugging Face Hub answered with an error for ${id} (status ${response.status})${said}.`, url,
    `run the command again later; meanwhile use a cached model with HF_HUB_OFFLINE=1, ${local}.`);
}

/**
 * Which commit a revision points to and what files it holds, with sizes and
 * checksums: `GET /api/models/{id}/revision/{rev}?blobs=true`. (The library's
 * `modelInfo` does not ask for `blobs=true`, which gives the sizes and the LFS
 * sha256 that each download is checked against.)
 */
export async function fetchRepoInfo(ctx: HubContext, id: string, revision: string): Promise<HubRepoInfo> {
  const url = `${ctx.endpoint}/api/models/${id}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const response = await hubFetch(ctx, url, id, { headers: headers(ctx) });
  if (!response.ok) throw await httpError(response, ctx, id, revision, url);
  let data: unknown;
  try {
    data = await response.json();
  } catch (error) {
    throw new AtlasError(`The hub's answer about ${id} is not valid JSON.`, url,
      'check HF_ENDPOINT (it should point to a Hugging Face Hub), then run the command again.', { cause: error });
  }
  const record = (data ?? {}) as { sha?: unknown; siblings?: unknown };
  if (typeof record.sha !== 'string' || !isCommitHash(record.sha) || !Array.isArray(record.siblings)) {
    throw new AtlasError(`The hub's answer about ${id} lacks a commit hash or a file list.`, url,
      'check HF_ENDPOINT (it should point to a Hugging Face Hub), then run the command again.');
  }
  const siblings: HubSibling[] = [];
  for (const entry of record.siblings as unknown[]) {
    const s = (entry ?? {}) as Record<string, unknown>;
    if (typeof s.rfilename !== 'string') continue;
    const sibling: HubSibling = { rfilename: s.rfilename };
    if (typeof s.size === 'number') sibling.size = s.size;
    if (typeof s.blobId === 'string' && SHA1.test(s.blobId)) sibling.blobId = s.blobId;
    const lfs = s.lfs as { sha256?: unknown; size?: unknown } | undefined;
    if (lfs && typeof lfs.sha256 === 'string' && SHA256.test(lfs.sha256) && typeof lfs.size === 'number') {
      sibling.lfs = { sha256: lfs.sha256, size: lfs.size };
    }
    siblings.push(sibling);
  }
  return { sha: record.sha, siblings };
}

/** An ETag header as a blob name: quotes and `W/` removed, only a plain hex hash accepted. */
function etagHash(value: string | null): string | undefined {
  if (!value) return undefined;
  const bare = value.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return SHA1.test(bare) || SHA256.test(bare) ? bare : undefined;
}

function gitBlobHash(size: number): Hash {
  return createHash('sha1').update(`blob ${size}\0`);
}

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

/**
 * Partial downloads of a blob left by a run that was killed (ours, or Python's
 * `<blob>.incomplete`): removed once untouched for an hour, so that a running
 * download (whose file keeps changing) is never disturbed.
 */
async function removeStalePartials(blobsDir: string, name: string): Promise<void> {
  const entries = await readdir(blobsDir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.`) || !entry.endsWith('.incomplete')) continue;
    const path = join(blobsDir, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 60 * 60 * 1000) await rm(path, { force: true }).catch(() => {});
  }
}

export interface CacheFileRequest {
  id: string;
  commit: string;
  /** `$HF_HUB_CACHE/models--org--name`. */
  repoDir: string;
  sibling: HubSibling;
  onProgress?: ProgressCallback;
}

/** The size a sibling is known to have from the API, if any. */
export function expectedSize(sibling: HubSibling): number | undefined {
  return sibling.lfs?.size ?? sibling.size;
}

/**
 * Makes sure `snapshots/<commit>/<file>` exists in the cache, downloading it if
 * needed. The bytes go to `blobs/<hash>.<pid>-<random>.incomplete`, are checked
 * (size, and the LFS sha256 or the git blob sha1 when the hub gives them), and
 * only then renamed to `blobs/<hash>` and linked from the snapshot. On any
 * failure the partial file is removed, so nothing in the cache ever looks
 * complete without being so.
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

  await mkdir(blobsDir, { recursive: true });
  if (known) await removeStalePartials(blobsDir, known);
  const url = `${ctx.endpoint}/${id}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
  // identity: byte counts and checksums are those of the file itself. The
  // token goes to the hub only: fetch drops it on a redirect to another origin (the CDN).
  const response = await hubFetch(ctx, url, id, { headers: headers(ctx, { 'accept-encoding': 'identity' }) });
  if (!response.ok || !response.body) throw await httpError(response, ctx, id, commit, url, file);

  const lengthHeader = Number(response.headers.get('content-length') ?? NaN);
  const total = size ?? (Number.isFinite(lengthHeader) ? lengthHeader : 0);
  const etag = etagHash(response.headers.get('x-linked-etag') ?? response.headers.get('etag'));
  const sha256 = createHash('sha256');
  const sha1 = sibling.blobId && !sibling.lfs && size !== undefined ? gitBlobHash(size) : undefined;
  const temporary = join(blobsDir, `${known ?? 'download'}.${process.pid}-${randomBytes(4).toString('hex')}.incomplete`);
  let bytes = 0;
  let handle;
  try {
    handle = await open(temporary, 'wx');
    request.onProgress?.({ file, bytes: 0, total });
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        sha256.update(chunk);
        sha1?.update(chunk);
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
        bytes += chunk.byteLength;
        request.onProgress?.({ file, bytes, total });
      }
    } catch (error) {
      if (error instanceof AtlasError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw error;
      throw interrupted(id, file, url, bytes, total, error);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;

    if (total > 0 && bytes !== total) throw interrupted(id, file, url, bytes, total);
    const sha256Hex = sha256.digest('hex');
    const wantSha256 = sibling.lfs?.sha256 ?? (etag && SHA256.test(etag) ? etag : undefined);
    if (wantSha256 && sha256Hex !== wantSha256) throw corrupted(id, file, url, 'sha256', wantSha256, sha256Hex);
    if (sha1 && sibling.blobId) {
      const sha1Hex = sha1.digest('hex');
      if (sha1Hex !== sibling.blobId) throw corrupted(id, file, url, 'git sha1', sibling.blobId, sha1Hex);
    }
    // The blob's name is the one Python gives it: the LFS sha256, or the git
    // blob sha1 (the ETag) of a small file; the content's sha256 as a last resort.
    const name = known ?? etag ?? sha256Hex;
    const blob = join(blobsDir, name);
    await rename(temporary, blob);
    await linkIntoSnapshot(blob, pointer);
    return 'download';
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true }).catch(() => {});
    throw storageError(error, repoDir);
  }
}

function interrupted(id: string, file: string, url: string, bytes: number, total: number, cause?: unknown): AtlasError {
  return new AtlasError(
    `The download of ${file} of the model ${id} was interrupted after ${bytes} of ${total > 0 ? total : '?'} bytes.`,
    url,
    'run the command again (nothing partial was kept in the cache); if it keeps failing, check the network connection.',
    { cause },
  );
}

function corrupted(id: string, file: string, url: string, kind: string, expected: string, actual: string): AtlasError {
  return new AtlasError(
    `The downloaded ${file} of the model ${id} does not match its checksum (${kind} ${actual}, expected ${expected}); it was not kept.`,
    url,
    'run the command again; if it keeps failing, something between you and the hub (a proxy) alters the file.',
  );
}

function storageError(error: unknown, repoDir: string): unknown {
  if (error instanceof AtlasError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AtlasError('The disk is full: the model could not be written to the Hugging Face cache (nothing partial was kept).',
      repoDir, 'free some space, or set HF_HOME (or HF_HUB_CACHE) to a folder on a larger disk, and run the command again.',
      { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new AtlasError('The Hugging Face cache cannot be written: permission denied.', repoDir,
      'fix the folder\'s permissions, or set HF_HOME (or HF_HUB_CACHE) to a folder you can write to.', { cause: error });
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
