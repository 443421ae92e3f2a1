import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1, for tests (they never use
 * the network). It answers the endpoints the model resolver uses, with the
 * headers the real hub sends:
 *
 * - `GET /api/models/{id}/revision/{rev}[?blobs=true]`: `{ id, sha, siblings: [{ rfilename, size, blobId, lfs }] }`
 * - `GET|HEAD /{id}/resolve/{rev}/{file}`: a small file itself (`ETag` = git blob sha1,
 *   `X-Repo-Commit`, `Content-Length`), or for an LFS file a 302 to a second server
 *   standing for the CDN, with `X-Linked-Etag` (sha256), `X-Linked-Size`, `X-Repo-Commit`
 * - errors with `X-Error-Code`: RepoNotFound (401, as the hub answers for a missing or
 *   private repo without a token), RevisionNotFound (404), EntryNotFound (404)
 *
 * Tests can make it cut a download mid-body (then serve the rest to a Range
 * request, or ignore ranges like some servers), answer every request with an
 * error page (an outage, a rate limit), or redirect LFS files to another host.
 *
 * The CDN server is another origin (another port), like the real CDN, so that a
 * test can check the token is not sent there.
 */

export interface FakeRepo {
  files: Record<string, Uint8Array | string>;
  /** The commit of `main`; random when not given. */
  commit?: string;
  /** Other branches or tags: name → files (a commit of its own is made up for each). */
  branches?: Record<string, Record<string, Uint8Array | string>>;
  /** Needs the hub's token. */
  private?: boolean;
}

export interface FakeHubOptions {
  repos: Record<string, FakeRepo>;
  /** The token that opens private repos. */
  token?: string;
  /** Whether the API answers `blobs=true` with sizes and checksums (default true). */
  blobsInApi?: boolean;
  /** Whether Range requests are served (206); when false, a Range header is ignored (200, the whole file), as some servers do. */
  ranges?: boolean;
  /** Where LFS downloads are redirected instead of the fake CDN (e.g. a host that does not resolve). */
  lfsBase?: string;
}

export interface FakeRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization: string | undefined;
  range: string | undefined;
}

export interface FakeHub {
  /** The hub's address, for HF_ENDPOINT. */
  url: string;
  cdnUrl: string;
  requests: FakeRequest[];
  /** The commit that a repo's revision (default main) points to. */
  commit(id: string, revision?: string): string;
  sha256(content: Uint8Array | string): string;
  gitSha1(content: Uint8Array | string): string;
  /**
   * The next `times` downloads of `file` (default 1) send `fraction` (default half) of the
   * bytes asked for, then the connection dies; calls add up in order; `times` 0 clears them.
   */
  truncateNext(file: string, times?: number, fraction?: number): void;
  /** The next download of `file` sends half its bytes, then nothing more, the connection held open (a stalled or killed client's view). */
  stallNext(file: string): void;
  /** From now on every hub request (API and files) is answered with this status and an error page; null: normal again. */
  failAll(status: number | null): void;
  /** The next download of `file` sends all its bytes with one of them changed. */
  corruptNext(file: string): void;
  stop(): Promise<void>;
}

interface Revision {
  commit: string;
  files: Map<string, Buffer>;
}

const LFS = /\.(safetensors|bin|onnx|h5|msgpack)$/;

function bytes(content: Uint8Array | string): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

function sha256(content: Uint8Array | string): string {
  return createHash('sha256').update(bytes(content)).digest('hex');
}

function gitSha1(content: Uint8Array | string): string {
  const b = bytes(content);
  return createHash('sha1').update(`blob ${b.byteLength}\0`).update(b).digest('hex');
}

function randomCommit(): string {
  return randomBytes(20).toString('hex');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const repos = new Map<string, { revisions: Map<string, Revision>; private: boolean }>();
  const blobs = new Map<string, Buffer>();
  for (const [id, repo] of Object.entries(options.repos)) {
    const revisions = new Map<string, Revision>();
    const toMap = (files: Record<string, Uint8Array | string>) => new Map(Object.entries(files).map(([k, v]) => [k, bytes(v)]));
    const main: Revision = { commit: repo.commit ?? randomCommit(), files: toMap(repo.files) };
    revisions.set('main', main);
    for (const [name, files] of Object.entries(repo.branches ?? {})) revisions.set(name, { commit: randomCommit(), files: toMap(files) });
    for (const revision of [...revisions.values()]) revisions.set(revision.commit, revision);
    for (const revision of revisions.values()) for (const content of revision.files.values()) blobs.set(sha256(content), content);
    repos.set(id, { revisions, private: repo.private === true });
  }

  const requests: FakeRequest[] = [];
  const truncate = new Map<string, number[]>();
  const stall = new Set<string>();
  let failing: number | null = null;
  const corrupt = new Set<string>();
  const blobFile = new Map<string, string>();

  const hub = createServer();
  const cdn = createServer();
  const hubSockets = trackSockets(hub);
  const cdnSockets = trackSockets(cdn);
  const url = await listen(hub);
  const cdnUrl = await listen(cdn);

  function record(server: 'hub' | 'cdn', req: IncomingMessage): void {
    requests.push({ server, method: req.method ?? 'GET', url: req.url ?? '', authorization: req.headers.authorization, range: req.headers.range });
  }

  function findRepo(id: string, req: IncomingMessage, res: ServerResponse) {
    const repo = repos.get(id);
    const authorized = !repo?.private || (options.token !== undefined && req.headers.authorization === `Bearer ${options.token}`);
    if (!repo || !authorized) {
      json(res, 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' });
      return undefined;
    }
    return repo;
  }

  function findRevision(repo: { revisions: Map<string, Revision> }, revision: string, res: ServerResponse): Revision | undefined {
    const found = repo.revisions.get(revision);
    if (!found) json(res, 404, { error: `Invalid rev id: ${revision}` }, { 'x-error-code': 'RevisionNotFound' });
    return found;
  }

  /** The fraction to send of the next download of `file` before cutting it, if it is to be cut. */
  function cutNow(file: string): number | undefined {
    return truncate.get(file)?.shift();
  }

  /** Sends a `fraction` of `part` (with the full length announced), then kills the connection. */
  function sendCut(res: ServerResponse, part: Buffer, fraction: number): void {
    const die = () => setTimeout(() => res.socket?.destroy(), 20);
    const sent = part.subarray(0, Math.floor(part.byteLength * fraction));
    if (sent.byteLength === 0) {
      res.flushHeaders();
      die();
      return;
    }
    res.write(sent, die);
  }

  /** Sends `content`, or a broken version of it when a test asked for one. */
  function sendFile(req: IncomingMessage, res: ServerResponse, file: string, content: Buffer, headers: Record<string, string>): void {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && options.ranges !== false) {
      const start = Number(range[1]);
      if (start >= content.byteLength) {
        res.writeHead(416, { 'content-range': `bytes */${content.byteLength}` });
        res.end();
        return;
      }
      const end = range[2] ? Math.min(Number(range[2]), content.byteLength - 1) : content.byteLength - 1;
      const part = content.subarray(start, end + 1);
      res.writeHead(206, { ...headers, 'content-length': String(part.byteLength), 'content-range': `bytes ${start}-${end}/${content.byteLength}` });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const cut = cutNow(file);
      if (cut !== undefined) sendCut(res, part, cut);
      else res.end(part);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(content.byteLength), ...(options.ranges !== false ? { 'accept-ranges': 'bytes' } : {}) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const cut = cutNow(file);
    if (cut !== undefined) {
      sendCut(res, content, cut);
      return;
    }
    if (stall.delete(file)) {
      res.write(content.subarray(0, Math.floor(content.byteLength / 2)));
      return;
    }
    if (corrupt.delete(file)) {
      const changed = Buffer.from(content);
      changed[Math.floor(changed.byteLength / 2)] ^= 0xff;
      res.end(changed);
      return;
    }
    res.end(content);
  }

  hub.on('request', (req, res) => {
    record('hub', req);
    if (failing !== null) {
      // What an outage, a rate limit or a proxy in between answers: a page, not the hub's JSON.
      const page = `<html><body><h1>${failing} Service error</h1></body></html>`;
      res.writeHead(failing, {
        'content-type': 'text/html',
        'content-length': String(Buffer.byteLength(page)),
        ...(failing === 429 ? { 'retry-after': '60' } : {}),
      });
      return res.end(page);
    }
    const parsed = new URL(req.url ?? '/', url);
    const path = parsed.pathname;
    if (path.startsWith('/api/models/')) {
      const rest = path.slice('/api/models/'.length);
      const at = rest.indexOf('/revision/');
      if (at < 0) return json(res, 404, { error: 'Not found' });
      const id = rest.slice(0, at);
      const revisionName = decodeURIComponent(rest.slice(at + '/revision/'.length));
      const repo = findRepo(id, req, res);
      if (!repo) return;
      const revision = findRevision(repo, revisionName, res);
      if (!revision) return;
      const withBlobs = parsed.searchParams.get('blobs') === 'true' && options.blobsInApi !== false;
      const siblings = [...revision.files.entries()].map(([rfilename, content]) => {
        if (!withBlobs) return { rfilename };
        return {
          rfilename,
          blobId: gitSha1(LFS.test(rfilename) ? `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\n` : content),
          size: content.byteLength,
          ...(LFS.test(rfilename) ? { lfs: { sha256: sha256(content), size: content.byteLength, pointerSize: 134 } } : {}),
        };
      });
      return json(res, 200, { _id: randomBytes(12).toString('hex'), id, modelId: id, sha: revision.commit, private: repo.private, siblings });
    }
    const at = path.indexOf('/resolve/');
    if (at > 0) {
      const id = path.slice(1, at);
      const rest = path.slice(at + '/resolve/'.length);
      const slash = rest.indexOf('/');
      const revisionName = decodeURIComponent(rest.slice(0, slash));
      const file = decodeURIComponent(rest.slice(slash + 1));
      const repo = findRepo(id, req, res);
      if (!repo) return;
      const revision = findRevision(repo, revisionName, res);
      if (!revision) return;
      const content = revision.files.get(file);
      if (!content) return json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': revision.commit });
      if (LFS.test(file)) {
        const hash = sha256(content);
        blobFile.set(hash, file);
        res.writeHead(302, {
          location: `${options.lfsBase ?? cdnUrl}/repos/${hash.slice(0, 2)}/${hash}?response-content-disposition=attachment`,
          'x-repo-commit': revision.commit,
          'x-linked-etag': `"${hash}"`,
          'x-linked-size': String(content.byteLength),
          etag: `"${gitSha1(content)}"`,
          'content-length': '0',
        });
        return res.end();
      }
      return sendFile(req, res, file, content, {
        'content-type': 'text/plain; charset=utf-8',
        etag: `"${gitSha1(content)}"`,
        'x-repo-commit': revision.commit,
      });
    }
    json(res, 404, { error: 'Not found' });
  });

  cdn.on('request', (req, res) => {
    record('cdn', req);
    const hash = new URL(req.url ?? '/', cdnUrl).pathname.split('/').pop() ?? '';
    const content = blobs.get(hash);
    if (!content) {
      res.writeHead(404);
      return res.end();
    }
    // A storage service's own ETag, which is not the file's sha256.
    const md5 = createHash('md5').update(content).digest('hex');
    sendFile(req, res, blobFile.get(hash) ?? hash, content, { 'content-type': 'application/octet-stream', etag: `"${md5}"` });
  });

  async function close(server: Server, sockets: Set<Socket>): Promise<void> {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return {
    url,
    cdnUrl,
    requests,
    commit(id, revision = 'main') {
      const found = repos.get(id)?.revisions.get(revision);
      if (!found) throw new Error(`no revision ${revision} in ${id}`);
      return found.commit;
    },
    sha256,
    gitSha1,
    truncateNext(file, times = 1, fraction = 0.5) {
      const plan = times === 0 ? [] : (truncate.get(file) ?? []);
      for (let i = 0; i < times; i += 1) plan.push(fraction);
      truncate.set(file, plan);
    },
    stallNext(file) {
      stall.add(file);
    },
    failAll(status) {
      failing = status;
    },
    corruptNext(file) {
      corrupt.add(file);
    },
    async stop() {
      await Promise.all([close(hub, hubSockets), close(cdn, cdnSockets)]);
    },
  };
}
