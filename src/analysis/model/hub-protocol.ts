import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { AtlasError } from '../errors.ts';
import type { ProxySettings } from './hub-env.ts';
import { proxyFor, proxyVariable, showProxy } from './hub-fetch.ts';
import type { ProgressCallback } from './progress.ts';
import { isDiskFull, isNotWritable } from '../io/fs-errors.ts';

/**
 * The Hugging Face Hub's protocol: which commit a revision points to and what
 * files it holds (with sizes and checksums), and one file's bytes, resumed with
 * Range requests when the connection is cut and checked against the hub's
 * checksums; every failure as one error that names the host and what to do.
 * Where the bytes go is the cache's business (hub-cache.ts).
 *
 * `@huggingface/hub` is not used for the bytes themselves: its
 * `downloadFileToCacheDir` reports no progress, checks neither size nor
 * checksum, and `snapshotDownload` fetches every file of the repo (pickles and
 * all). The small pieces below do those jobs.
 */

export interface HubContext {
  endpoint: string;
  token: string | undefined;
  fetch: typeof fetch;
  /** The proxies that `fetch` goes through, to name the right one in errors; undefined when it ignores them. */
  proxy?: ProxySettings;
  /** How often a cut download is resumed before giving up, and the first wait (doubled each time). */
  retry?: { attempts: number; delayMs: number };
  /** One line for the user (a retry, a fallback to the cache). */
  warn?: (message: string) => void;
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
/** As `huggingface_hub`: a cut download is resumed up to five times in a row without progress before the error is shown. */
const DEFAULT_RETRY = { attempts: 5, delayMs: 1000 };
const MAX_DELAY_MS = 8000;

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

/**
 * A request to the hub (or the storage it redirects to) that failed or was
 * answered with an error, but not because the revision or the file does not
 * exist: an outage, a rate limit, an expired token, a proxy, no network. A
 * snapshot already in the cache may then be used, as Python does.
 */
export class HubRequestError extends AtlasError {}

/** The hub could not be reached at all (no network, refused, unknown host). */
class HubUnreachableError extends HubRequestError {}

interface FailureFacts {
  codes: string[];
  /** The host name that did not resolve, as the DNS error gives it. */
  hostname?: string;
  /** The address and port that refused or dropped the connection. */
  address?: string;
  /** The status a proxy answered to CONNECT (undici gives it only in its message). */
  proxyStatus?: number;
}

/** What the error of a failed fetch says, from the error and its causes. */
function failureFacts(error: unknown): FailureFacts {
  const facts: FailureFacts = { codes: [] };
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth += 1) {
    const e = current as { code?: unknown; hostname?: unknown; address?: unknown; port?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
    if (typeof e.code === 'string') facts.codes.push(e.code);
    if (typeof e.hostname === 'string' && !facts.hostname) facts.hostname = e.hostname;
    if (typeof e.address === 'string' && !facts.address) facts.address = typeof e.port === 'number' ? `${e.address}:${e.port}` : e.address;
    const status = typeof e.message === 'string' ? /Proxy response \((\d{3})\)/.exec(e.message) : null;
    if (status && facts.proxyStatus === undefined) facts.proxyStatus = Number(status[1]);
    // Node gives an AggregateError when every address of a host refused.
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  return facts;
}

const OFFLINE_HINT =
  'without a network, use a model that is already in the cache with HF_HUB_OFFLINE=1, ' + 'or pass a local folder with --model ./path/to/folder.';

/** One error for a request that got no answer, naming the host (the hub, the storage it redirected to, or the proxy) that failed. */
function networkError(error: unknown, ctx: HubContext, id: string, url: string, file?: string): AtlasError {
  const facts = failureFacts(error);
  const code = facts.codes.find((c) => c !== 'UND_ERR_ABORTED') ?? facts.codes[0];
  const hubHost = new URL(ctx.endpoint).host;
  const proxy = proxyFor(url, ctx.proxy);
  const proxyHost = proxy ? hostOf(proxy) : undefined;
  const variable = proxy && ctx.proxy ? proxyVariable(url, ctx.proxy) : '';
  const what = file ? `Could not download ${file} of the model ${id}` : `Could not reach the Hugging Face Hub to get the model ${id}`;

  if (proxy && facts.proxyStatus !== undefined) {
    const status = facts.proxyStatus;
    const shown = showProxy(proxy);
    if (status === 407) {
      return new HubUnreachableError(
        `${what}: the proxy ${shown} (${variable}) asks for a user name and password (status 407: proxy authentication required).`,
        url,
        `put them in the proxy address: ${variable}=http://user:password@host:port (as curl and Python take it); ${OFFLINE_HINT}`,
        { cause: error },
      );
    }
    return new HubUnreachableError(
      `${what}: the proxy ${shown} (${variable}) refused to open a connection for it (status ${status}).`,
      url,
      `check that ${variable} names the right proxy and that this proxy lets you reach ${hubHost} and the servers it ` +
        `redirects downloads to; a host that needs no proxy goes in NO_PROXY; ${OFFLINE_HINT}`,
      { cause: error },
    );
  }

  let reason: string;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    const host = facts.hostname ?? new URL(url).hostname;
    const whose =
      proxyHost !== undefined && host === proxyHost
        ? ` (the proxy, from ${variable})`
        : host !== new URL(ctx.endpoint).hostname
          ? ` (where the hub redirected the download)`
          : '';
    reason = `the host name ${host}${whose} could not be resolved (${code})`;
  } else if (code === 'ECONNREFUSED') {
    const where = facts.address ? ` to ${facts.address}` : '';
    reason = `the connection${where}${proxy ? ` (the proxy ${showProxy(proxy)}, from ${variable})` : ''} was refused (ECONNREFUSED)`;
  } else if (code) {
    reason = `the connection${proxy ? ` through the proxy ${showProxy(proxy)}` : ''} failed (${code})`;
  } else {
    reason = `the request failed (${error instanceof Error ? error.message : String(error)})`;
  }
  return new HubUnreachableError(
    `${what}: ${reason}.`,
    url,
    `check the network connection, ${proxy ? `the proxy in ${variable}` : 'HTTPS_PROXY if your network needs a proxy'}` +
      ` and HF_ENDPOINT if you set it; ${OFFLINE_HINT}`,
    { cause: error },
  );
}

function hostOf(address: string): string | undefined {
  try {
    return new URL(address).hostname;
  } catch {
    return undefined;
  }
}

async function hubFetch(ctx: HubContext, url: string, id: string, init: RequestInit, file?: string): Promise<Response> {
  try {
    return await ctx.fetch(url, init);
  } catch (error) {
    throw networkError(error, ctx, id, url, file);
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
  // The revision or the file does not exist: the cache must not stand in for it.
  if (code === 'RevisionNotFound' || (response.status === 404 && /revision/i.test(detail) && !file)) {
    return new AtlasError(
      `The revision "${revision}" of the model ${id} does not exist on the hub${said}.`,
      url,
      `check the branch, tag or commit name (see ${page}/tree/main); without @revision, the main branch is used.`,
    );
  }
  if (code === 'EntryNotFound' && file) {
    return new AtlasError(
      `The file ${file} is missing from the model ${id} at revision ${revision}.`,
      url,
      `check the files at ${page}/tree/${revision}, ${local}.`,
    );
  }
  const proxy = proxyFor(url, ctx.proxy);
  if (response.status === 407) {
    const named = proxy && ctx.proxy ? `the proxy ${showProxy(proxy)} (${proxyVariable(url, ctx.proxy)})` : 'a proxy';
    return new HubRequestError(
      `The request for ${id} was refused by ${named}: it asks for a user name and password (status 407).`,
      url,
      'put them in the proxy address: HTTPS_PROXY=http://user:password@host:port (as curl and Python take it), ' +
        `or use a cached model with HF_HUB_OFFLINE=1, ${local}.`,
    );
  }
  // A 403 from the storage server a download was redirected to is not about gating.
  const fromHub = !response.url || new URL(response.url).origin === new URL(ctx.endpoint).origin;
  if (code === 'GatedRepo' || (response.status === 403 && fromHub)) {
    return new HubRequestError(
      `The model ${id} is gated: its files are only given to accounts that accepted its conditions${said}.`,
      url,
      `accept the conditions at ${page} and set HF_TOKEN to a token of that account, ${local}.`,
    );
  }
  if (fromHub && (response.status === 401 || response.status === 404 || code === 'RepoNotFound')) {
    const hint = ctx.token
      ? `check the model id (the page ${page} should exist) and that your token (HF_TOKEN) can read it, ${local}.`
      : `check the model id (the page ${page} should exist); a private model needs a token in HF_TOKEN; ${local}.`;
    return new HubRequestError(
      `The model ${id} was not found on the Hugging Face Hub (status ${response.status})` +
        `${ctx.token ? '' : ', or it is private and no token was given'}${said}.`,
      url,
      hint,
    );
  }
  if (response.status === 429) {
    return new HubRequestError(
      `The Hugging Face Hub refused the request for ${id}: too many requests (status 429).`,
      url,
      'wait a few minutes and run the command again; logging in (HF_TOKEN) raises the limit.',
    );
  }
  const via = proxy ? ` (through the proxy ${showProxy(proxy)}, whose own error page this may be)` : '';
  return new HubRequestError(
    `The Hugging Face Hub answered with an error for ${id} (status ${response.status})${via}${said}.`,
    url,
    `run the command again later; meanwhile use a cached model with HF_HUB_OFFLINE=1, ${local}.`,
  );
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
    // Often a proxy's or a captive portal's page answered with 200: the cache may still serve.
    throw new HubRequestError(
      `The hub's answer about ${id} is not valid JSON.`,
      url,
      'check HF_ENDPOINT (it should point to a Hugging Face Hub) and any proxy or network login page, then run the command again.',
      { cause: error },
    );
  }
  const record = (data ?? {}) as { sha?: unknown; siblings?: unknown };
  if (typeof record.sha !== 'string' || !isCommitHash(record.sha) || !Array.isArray(record.siblings)) {
    throw new AtlasError(
      `The hub's answer about ${id} lacks a commit hash or a file list.`,
      url,
      'check HF_ENDPOINT (it should point to a Hugging Face Hub), then run the command again.',
    );
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

/** The size a sibling is known to have from the API, if any. */
export function expectedSize(sibling: HubSibling): number | undefined {
  return sibling.lfs?.size ?? sibling.size;
}

/** One file of one commit to download. */
export interface BlobRequest {
  id: string;
  commit: string;
  sibling: HubSibling;
  onProgress?: ProgressCallback;
}

/** The address of a file of a commit: `{endpoint}/{id}/resolve/{commit}/{file}`. */
export function fileUrl(ctx: HubContext, id: string, commit: string, file: string): string {
  return `${ctx.endpoint}/${id}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** The connection broke while the body was arriving: resumable. */
class DownloadCut extends Error {}

interface Checksums {
  sha256: Hash;
  /** The git blob sha1 of a small file, when the API gave it. */
  sha1: Hash | undefined;
}

function newChecksums(sibling: HubSibling, size: number | undefined): Checksums {
  return { sha256: createHash('sha256'), sha1: sibling.blobId && !sibling.lfs && size !== undefined ? gitBlobHash(size) : undefined };
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Downloads into `temporary` (which may hold `taken` bytes from an earlier run)
 * and checks the whole file. A cut connection is resumed with a Range request
 * after a wait that doubles, until `retry.attempts` tries in a row bring no
 * bytes (huggingface_hub: five, one second apart);
 * a server that ignores the range (200) or cannot serve it (416) starts over.
 */
export async function downloadBlob(
  ctx: HubContext,
  request: BlobRequest,
  url: string,
  temporary: string,
  taken: number,
): Promise<{ sha256: string; etag: string | undefined }> {
  const { id, sibling } = request;
  const file = sibling.rfilename;
  const size = expectedSize(sibling);
  const retry = ctx.retry ?? DEFAULT_RETRY;
  const handle = await open(temporary, 'a');
  try {
    let sums = newChecksums(sibling, size);
    let bytes = 0;
    if (taken > 0) {
      for await (const chunk of createReadStream(temporary)) {
        sums.sha256.update(chunk as Buffer);
        sums.sha1?.update(chunk as Buffer);
        bytes += (chunk as Buffer).byteLength;
      }
    }
    let fromEarlierRun = bytes > 0;
    let total = size ?? 0;
    let etag: string | undefined;
    let cuts = 0;
    const restart = async (): Promise<void> => {
      await handle.truncate(0);
      sums = newChecksums(sibling, size);
      bytes = 0;
      fromEarlierRun = false;
    };
    request.onProgress?.({ file, bytes, total });

    for (;;) {
      if (size === undefined || bytes < size) {
        const resuming = bytes > 0;
        const before = bytes;
        try {
          let response: Response;
          try {
            // identity: byte counts and checksums are those of the file itself. The
            // token goes to the hub only: fetch drops it on a redirect to another origin (the CDN).
            response = await ctx.fetch(url, {
              headers: headers(ctx, { 'accept-encoding': 'identity', ...(resuming ? { range: `bytes=${bytes}-` } : {}) }),
            });
          } catch (error) {
            // The first connection failing is an answer (no network); a reconnection failing is part of the cut.
            if (!resuming) throw networkError(error, ctx, id, url, file);
            throw new DownloadCut('the connection could not be opened again', { cause: error });
          }
          if (resuming && (response.status === 200 || response.status === 416)) {
            // The server ignores ranges, or cannot serve this one: from zero.
            await restart();
            if (response.status === 416) {
              await response.body?.cancel().catch(() => {});
              continue;
            }
          } else if (response.status === 206) {
            const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
            if (!range || Number(range[1]) !== bytes) {
              await response.body?.cancel().catch(() => {});
              if (!resuming) throw await httpError(response, ctx, id, request.commit, url, file);
              await restart();
              continue;
            }
            if (!total && range[2] !== '*') total = Number(range[2]);
          }
          if (!response.ok || !response.body) throw await httpError(response, ctx, id, request.commit, url, file);
          if (response.status === 200) {
            const length = Number(response.headers.get('content-length') ?? NaN);
            if (!total && Number.isFinite(length)) total = length;
          }
          etag ??= etagHash(response.headers.get('x-linked-etag') ?? response.headers.get('etag'));
          try {
            for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
              let offset = 0;
              while (offset < chunk.byteLength) {
                const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
                offset += bytesWritten;
              }
              sums.sha256.update(chunk);
              sums.sha1?.update(chunk);
              bytes += chunk.byteLength;
              request.onProgress?.({ file, bytes, total });
            }
          } catch (error) {
            if (isDiskFull(error) || isNotWritable(error)) throw error;
            throw new DownloadCut('the connection broke', { cause: error });
          }
          if (total > 0 && bytes < total) throw new DownloadCut('the body ended early');
        } catch (error) {
          if (!(error instanceof DownloadCut)) throw error;
          // As in huggingface_hub, a try that brought bytes starts the count again:
          // only a connection that makes no progress at all is given up on.
          cuts = bytes > before ? 1 : cuts + 1;
          if (cuts > retry.attempts) throw interrupted(id, file, url, bytes, total, retry.attempts, error.cause ?? error);
          const wait = Math.min(retry.delayMs * 2 ** (cuts - 1), MAX_DELAY_MS);
          ctx.warn?.(
            `The download of ${file} of the model ${id} was cut after ${bytes} bytes (${error.message}); ` +
              `resuming in ${wait / 1000} s (retry ${cuts} of ${retry.attempts}).`,
          );
          await sleep(wait);
          continue;
        }
      }

      await handle.sync();
      const problem = total > 0 && bytes !== total ? { kind: 'size', expected: String(total), actual: String(bytes) } : checksumProblem(sums, sibling, etag);
      if (!problem) return { sha256: sums.sha256.digest('hex'), etag };
      if (fromEarlierRun) {
        // What an earlier run left was not a prefix of this file: download it whole.
        ctx.warn?.(`The partial download of ${file} left by an earlier run did not match; downloading it again from the start.`);
        await restart();
        continue;
      }
      throw corrupted(id, file, url, problem.kind, problem.expected, problem.actual);
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

/** A mismatch between the bytes and the checksums the hub gave (LFS sha256, an ETag sha256, the git blob sha1). */
function checksumProblem(sums: Checksums, sibling: HubSibling, etag: string | undefined): { kind: string; expected: string; actual: string } | undefined {
  const sha256Hex = sums.sha256.copy().digest('hex');
  const wantSha256 = sibling.lfs?.sha256 ?? (etag && SHA256.test(etag) ? etag : undefined);
  if (wantSha256 && sha256Hex !== wantSha256) return { kind: 'sha256', expected: wantSha256, actual: sha256Hex };
  if (sums.sha1 && sibling.blobId) {
    const sha1Hex = sums.sha1.copy().digest('hex');
    if (sha1Hex !== sibling.blobId) return { kind: 'git sha1', expected: sibling.blobId, actual: sha1Hex };
  }
  return undefined;
}

function interrupted(id: string, file: string, url: string, bytes: number, total: number, retries: number, cause?: unknown): AtlasError {
  return new HubRequestError(
    `The download of ${file} of the model ${id} was interrupted after ${bytes} of ${total > 0 ? total : '?'} bytes, ` +
      `and ${retries} retries in a row brought no more.`,
    url,
    'run the command again: it resumes from the part already downloaded (kept in the cache); ' + 'if it keeps failing, check the network connection.',
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
