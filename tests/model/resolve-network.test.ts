import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/analysis/errors.ts';
import { resolveModel, type ResolveOptions } from '../../src/analysis/model/resolve.ts';
import { useIsolatedHubHome } from '../helpers/hub-home.ts';
import { startFakeHub, type FakeHub, type FakeHubOptions, type FakeRepo } from '../helpers/fake-hub.ts';
import { startFakeProxy, type FakeProxy } from '../helpers/fake-proxy.ts';

/**
 * The hub client on the network as users have it: behind a proxy, with a hub
 * that fails while the cache is complete, with downloads cut in the middle,
 * with GPT-2's renamed ids, and with a download host that does not resolve.
 * Every server here is local (127.0.0.1); `.invalid` never resolves (RFC 2606).
 */

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const MODEL_DIR = join(FIXTURES, 'models/tiny-bare-f32');
const TOKENIZER_DIR = resolve(import.meta.dirname, '../../assets/gpt2-tokenizer');

let config: Buffer;
let weights: Buffer;
let vocab: Buffer;
let merges: Buffer;

beforeAll(async () => {
  config = await readFile(join(MODEL_DIR, 'config.json'));
  weights = await readFile(join(MODEL_DIR, 'model.safetensors'));
  vocab = await readFile(join(TOKENIZER_DIR, 'vocab.json'));
  merges = await readFile(join(TOKENIZER_DIR, 'merges.txt'));
});

function modelRepo(extra: Partial<FakeRepo> = {}): FakeRepo {
  return { files: { 'config.json': config, 'model.safetensors': weights, 'vocab.json': vocab, 'merges.txt': merges }, ...extra };
}

// the hub client's variables cleared and a fresh HF_HOME for each test (tests/helpers/hub-home.ts)
const hubHome = useIsolatedHubHome('qkv-atlas-net-');
let cache: string;
let hub: FakeHub | undefined;
let proxy: FakeProxy | undefined;

beforeEach(() => {
  cache = hubHome.cache();
});

afterEach(async () => {
  await hub?.stop();
  await proxy?.stop();
  hub = undefined;
  proxy = undefined;
});

const ID = 'tiny-org/tiny-gpt2';
const REPO_DIR = () => join(cache, 'models--tiny-org--tiny-gpt2');

async function start(repos: Record<string, FakeRepo>, options: Omit<FakeHubOptions, 'repos'> = {}): Promise<FakeHub> {
  hub = await startFakeHub({ repos, ...options });
  process.env.HF_ENDPOINT = hub.url;
  return hub;
}

/** Resolves with a progress callback, short retry waits, and the warnings recorded. */
async function resolveQuietly(spec: string, options: ResolveOptions = {}) {
  const warnings: string[] = [];
  const model = await resolveModel(spec, { onProgress: () => {}, onWarning: (m) => warnings.push(m), retryDelayMs: 5, ...options });
  return { model, warnings };
}

async function failure(promise: Promise<unknown>): Promise<AtlasError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AtlasError);
    return error as AtlasError;
  }
  throw new Error('expected an AtlasError, got success');
}

async function partials(): Promise<string[]> {
  return (await readdir(join(REPO_DIR(), 'blobs')).catch(() => [] as string[])).filter((n) => n.endsWith('.incomplete'));
}

const hostOf = (url: string) => new URL(url).host;

describe('proxies: HTTPS_PROXY, HTTP_PROXY, NO_PROXY', () => {
  it('every hub request goes through HTTP_PROXY, to the hub and to the storage it redirects to', async () => {
    const fake = await start({ [ID]: modelRepo() });
    proxy = await startFakeProxy();
    process.env.HTTP_PROXY = proxy.url;
    const { model } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    // The proxy saw both hosts; each host name it was asked for is one of the two servers.
    expect(proxy.seen.some((s) => s.includes(hostOf(fake.url)))).toBe(true);
    expect(proxy.seen.some((s) => s.includes(hostOf(fake.cdnUrl)))).toBe(true);
    expect(proxy.seen.every((s) => s.includes(hostOf(fake.url)) || s.includes(hostOf(fake.cdnUrl)))).toBe(true);
  });

  it('the lowercase names are read too, and NO_PROXY bypasses the proxy', async () => {
    await start({ [ID]: modelRepo() });
    proxy = await startFakeProxy();
    process.env.http_proxy = proxy.url;
    process.env.NO_PROXY = 'example.org, 127.0.0.1';
    const { model } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    expect(proxy.seen).toEqual([]);

    delete process.env.NO_PROXY;
    process.env.no_proxy = 'example.org';
    await rm(cache, { recursive: true, force: true });
    await resolveQuietly(ID);
    expect(proxy.seen.length).toBeGreaterThan(0);
  });

  it('credentials in the proxy address are sent; a 407 names the proxy and never prints the password', async () => {
    await start({ [ID]: modelRepo() });
    proxy = await startFakeProxy({ credentials: 'alice:s3cret' });
    const address = new URL(proxy.url);
    process.env.HTTP_PROXY = proxy.url;
    const refused = await failure(resolveQuietly(ID));
    expect(refused.message).toContain(`the proxy http://${address.host}`);
    expect(refused.message).toContain('407');
    expect(refused.message).toContain('HTTP_PROXY');
    expect(refused.hint).toContain('user:password');

    process.env.HTTP_PROXY = `http://alice:wrong-pass@${address.host}`;
    const wrong = await failure(resolveQuietly(ID));
    expect(wrong.message).toContain('407');
    expect(wrong.message).not.toContain('wrong-pass');
    expect(wrong.where).not.toContain('wrong-pass');

    process.env.HTTP_PROXY = `http://alice:s3cret@${address.host}`;
    const { model } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    expect(proxy.authorizations.at(-1)).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  });

  it('https://huggingface.co through HTTPS_PROXY: the proxy is asked for huggingface.co:443, and its refusal is named', async () => {
    proxy = await startFakeProxy({ refuseWith: 502 });
    process.env.HTTPS_PROXY = proxy.url; // HF_ENDPOINT unset: the real hub's address, which only the proxy sees
    const error = await failure(resolveQuietly(ID));
    expect(proxy.seen).toEqual(['huggingface.co:443']);
    expect(error.message).toContain(`the proxy ${proxy.url}`);
    expect(error.message).toContain('HTTPS_PROXY');
    expect(error.message).toContain('status 502');
  });

  it('a proxy address that is not one is a clear error; offline, proxy settings do not matter', async () => {
    await start({ [ID]: modelRepo() });
    process.env.HTTPS_PROXY = 'ftp://user:pw@proxy.corp';
    process.env.HTTP_PROXY = 'ftp://user:pw@proxy.corp';
    const error = await failure(resolveQuietly(ID));
    expect(error.message).toContain('is not a proxy address');
    expect(error.message).not.toContain('pw');
    await resolveQuietly(ID, { offline: true }).catch((e: AtlasError) => expect(e.message).toContain('is not in the Hugging Face cache'));
  });

  it('a proxy that is down is named as the one refusing', async () => {
    await start({ [ID]: modelRepo() });
    proxy = await startFakeProxy();
    const address = proxy.url;
    await proxy.stop();
    proxy = undefined;
    process.env.HTTP_PROXY = address;
    const error = await failure(resolveQuietly(ID));
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(`the proxy ${address}`);
  });
});

describe('hub errors while the cache is complete: the cached snapshot is used, with a warning', () => {
  for (const status of [503, 429, 401, 502]) {
    it(`status ${status}`, async () => {
      const fake = await start({ [ID]: modelRepo() });
      const first = await resolveQuietly(ID);
      fake.failAll(status);
      const again = await resolveQuietly(ID);
      expect(again.model).toEqual({ ...first.model, source: 'cache' });
      expect(again.warnings).toHaveLength(1);
      expect(again.warnings[0]).toContain(`status ${status}`);
      expect(again.warnings[0]).toContain(`Using the cached snapshot ${fake.commit(ID)}`);
      expect(again.warnings[0]).not.toContain('\n');
    });
  }

  it('a network login page answered with 200 instead of the hub', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const first = await resolveQuietly(ID);
    fake.failAll(200);
    const again = await resolveQuietly(ID);
    expect(again.model).toEqual({ ...first.model, source: 'cache' });
    expect(again.warnings[0]).toContain('not valid JSON');
  });

  it('a hub that is down while nothing is cached, or a commit or branch never cached, still fails as before', async () => {
    const fake = await start({ [ID]: modelRepo({ branches: { v1: modelRepo().files } }) });
    fake.failAll(503);
    const nothing = await failure(resolveQuietly(ID));
    expect(nothing.message).toContain('status 503');

    fake.failAll(null);
    await resolveQuietly(ID);
    fake.failAll(503);
    const pinned = await failure(resolveQuietly(`${ID}@${fake.commit(ID, 'v1')}`));
    expect(pinned.message).toContain('status 503');
    const branch = await failure(resolveQuietly(`${ID}@v1`));
    expect(branch.message).toContain('status 503');
  });

  it('a branch deleted on the hub is not replaced by its cached snapshot', async () => {
    const fake = await start({ [ID]: modelRepo() });
    await resolveQuietly(ID);
    await writeFile(join(REPO_DIR(), 'refs', 'v9'), fake.commit(ID));
    const error = await failure(resolveQuietly(`${ID}@v9`));
    expect(error.message).toContain('"v9"');
    expect(error.message).toContain('does not exist');
  });
});

describe('broken downloads are resumed', () => {
  it('a connection cut mid-body: resumed with a Range request, the whole file checked', async () => {
    const fake = await start({ [ID]: modelRepo() });
    fake.truncateNext('model.safetensors');
    const { model, warnings } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    const cdn = fake.requests.filter((r) => r.server === 'cdn');
    const half = Math.floor(weights.byteLength / 2);
    expect(cdn.map((r) => r.range)).toEqual([undefined, `bytes=${half}-`]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cut after ${half} bytes`);
    expect(await partials()).toEqual([]);
  });

  it('a server that ignores ranges (200 to a Range request): started over from zero', async () => {
    const fake = await start({ [ID]: modelRepo() }, { ranges: false });
    fake.truncateNext('model.safetensors');
    const { model } = await resolveQuietly(ID);
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    expect(fake.requests.filter((r) => r.server === 'cdn').length).toBe(2);
    expect(await partials()).toEqual([]);
  });

  it('a flaky connection that keeps bringing bytes is followed to the end', async () => {
    const fake = await start({ [ID]: modelRepo() });
    fake.truncateNext('model.safetensors', 8);
    const { model, warnings } = await resolveQuietly(ID);
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    expect(warnings).toHaveLength(8);
    expect(fake.requests.filter((r) => r.server === 'cdn')).toHaveLength(9);
  });

  it('retries with doubling waits while no bytes come, then keeps the part for the next run, which resumes it', async () => {
    const fake = await start({ [ID]: modelRepo() });
    fake.truncateNext('model.safetensors', 1, 0.5);
    fake.truncateNext('model.safetensors', 5, 0);
    const warnings: string[] = [];
    const error = await failure(resolveModel(ID, { onProgress: () => {}, onWarning: (m) => warnings.push(m), retryDelayMs: 4 }));
    const half = Math.floor(weights.byteLength / 2);
    expect(error.message).toContain(`interrupted after ${half} of ${weights.byteLength} bytes`);
    expect(error.message).toContain('5 retries in a row');
    expect(error.hint).toContain('resumes');
    expect(warnings.map((w) => /resuming in ([\d.]+) s/.exec(w)?.[1])).toEqual(['0.004', '0.008', '0.016', '0.032', '0.064']);
    const cdn = fake.requests.filter((r) => r.server === 'cdn').map((r) => r.range);
    expect(cdn).toEqual([undefined, ...Array(5).fill(`bytes=${half}-`)]);
    const kept = await partials();
    expect(kept).toHaveLength(1);
    expect(Buffer.compare(await readFile(join(REPO_DIR(), 'blobs', kept[0])), weights.subarray(0, half))).toBe(0);

    const before = fake.requests.length;
    const { model } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    expect(
      fake.requests
        .slice(before)
        .filter((r) => r.server === 'cdn')
        .map((r) => r.range),
    ).toEqual([`bytes=${half}-`]);
    expect(await partials()).toEqual([]);
  });

  it('a run stopped by Ctrl-C mid-download leaves its part, which the next run resumes', async () => {
    const fake = await start({ [ID]: modelRepo() });
    fake.stallNext('model.safetensors');
    const half = Math.floor(weights.byteLength / 2);
    // A real process, killed by SIGINT as a terminal's Ctrl-C does: no cleanup code runs.
    const script = `import { resolveModel } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/analysis/model/resolve.ts'))};
      await resolveModel(${JSON.stringify(ID)}, { onProgress: (p) => { if (p.file === 'model.safetensors' && p.bytes >= ${half}) console.log('stalled'); } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (d) => {
        if (String(d).includes('stalled')) done();
      });
      child.on('exit', (code) => fail(new Error(`the download process ended (${code}) before it was stopped: ${stderr}`)));
    });
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await exited;
    const left = await partials();
    expect(left).toEqual([expect.stringMatching(new RegExp(`^${fake.sha256(weights)}\\.${child.pid}-[0-9a-f]+\\.incomplete$`))]);
    expect((await readFile(join(REPO_DIR(), 'blobs', left[0]))).byteLength).toBe(half);

    const before = fake.requests.length;
    const { model } = await resolveQuietly(ID);
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    expect(
      fake.requests
        .slice(before)
        .filter((r) => r.server === 'cdn')
        .map((r) => r.range),
    ).toEqual([`bytes=${half}-`]);
    expect(await partials()).toEqual([]);
  });

  it("a partial file left by Ctrl-C (Python's <blob>.incomplete) is resumed by the next run", async () => {
    const fake = await start({ [ID]: modelRepo() });
    const blobs = join(REPO_DIR(), 'blobs');
    await mkdir(blobs, { recursive: true });
    const partial = join(blobs, `${fake.sha256(weights)}.incomplete`);
    const third = Math.floor(weights.byteLength / 3);
    await writeFile(partial, weights.subarray(0, third));
    const aMinuteAgo = new Date(Date.now() - 60 * 1000);
    await utimes(partial, aMinuteAgo, aMinuteAgo);

    const { model } = await resolveQuietly(ID);
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    expect(fake.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual([`bytes=${third}-`]);
    expect(await partials()).toEqual([]);
  });

  it('a left partial whose bytes are not the start of the file fails the checksum and is downloaded again whole', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const blobs = join(REPO_DIR(), 'blobs');
    await mkdir(blobs, { recursive: true });
    // A run of a process that no longer exists (a pid above the kernel's limit).
    const partial = join(blobs, `${fake.sha256(weights)}.99999999-0badc0de.incomplete`);
    await writeFile(partial, Buffer.alloc(1000, 7));

    const { model, warnings } = await resolveQuietly(ID);
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    expect(fake.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual(['bytes=1000-', undefined]);
    expect(warnings.join('\n')).toContain('did not match');
    expect(await partials()).toEqual([]);
  });

  it('a partial that another live process is writing is left alone; partials of other blobs are removed after a day', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const blobs = join(REPO_DIR(), 'blobs');
    await mkdir(blobs, { recursive: true });
    const running = `${fake.sha256(weights)}.${process.ppid}-abcd0123.incomplete`;
    const forgotten = `${'e'.repeat(64)}.incomplete`;
    const recent = `${'f'.repeat(64)}.incomplete`;
    for (const name of [running, forgotten, recent]) await writeFile(join(blobs, name), 'partial');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(join(blobs, forgotten), twoDaysAgo, twoDaysAgo);
    await resolveQuietly(ID);
    expect((await partials()).sort()).toEqual([running, recent].sort());
  });
});

describe("GPT-2's renamed ids: a cache filled under either name is found", () => {
  const COMMIT = '607a30d783dfa663caf39e06633721c8d4cfcd7e';

  /** A snapshot as Python writes it: refs/main, snapshots/<commit>/<file> -> ../../blobs/<hash>. */
  async function pythonCache(folder: string): Promise<string> {
    const repoDir = join(cache, folder);
    await mkdir(join(repoDir, 'refs'), { recursive: true });
    await mkdir(join(repoDir, 'snapshots', COMMIT), { recursive: true });
    await mkdir(join(repoDir, 'blobs'), { recursive: true });
    await writeFile(join(repoDir, 'refs', 'main'), COMMIT);
    const files: Record<string, Buffer> = { 'config.json': config, 'model.safetensors': weights, 'vocab.json': vocab, 'merges.txt': merges };
    for (const [name, content] of Object.entries(files)) {
      const blob = `${name.replace(/\W/g, '')}-blob`;
      await writeFile(join(repoDir, 'blobs', blob), content);
      await symlink(`../../blobs/${blob}`, join(repoDir, 'snapshots', COMMIT, name));
    }
    return join(repoDir, 'snapshots', COMMIT);
  }

  const pairs: [string, string][] = [
    ['gpt2', 'openai-community/gpt2'],
    ['gpt2-medium', 'openai-community/gpt2-medium'],
    ['gpt2-large', 'openai-community/gpt2-large'],
    ['gpt2-xl', 'openai-community/gpt2-xl'],
    ['distilgpt2', 'distilbert/distilgpt2'],
  ];

  for (const [legacy, current] of pairs) {
    it(`${legacy} <-> ${current}, offline`, async () => {
      process.env.HF_HUB_OFFLINE = '1';
      const legacyDir = await pythonCache(`models--${legacy}`);
      const found = await resolveModel(current);
      expect(found.dir).toBe(legacyDir);
      expect(found.revision).toBe(COMMIT);
      expect(found.id).toBe(current);
      expect(found.files.weightsRealPath).toBe(await realpath(join(legacyDir, 'model.safetensors')));

      await rm(cache, { recursive: true, force: true });
      const currentDir = await pythonCache(`models--${current.replace('/', '--')}`);
      expect((await resolveModel(legacy)).dir).toBe(currentDir);
    });
  }

  it('the default model is found in a cache that from_pretrained("gpt2") filled', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    const dir = await pythonCache('models--gpt2');
    expect((await resolveModel('')).dir).toBe(dir);
  });

  it("online, the commit the hub names is taken from the other name's cache without a download", async () => {
    const fake = await start({ gpt2: modelRepo({ commit: COMMIT }) });
    const dir = await pythonCache('models--openai-community--gpt2');
    const { model } = await resolveQuietly('gpt2');
    expect(model.dir).toBe(dir);
    expect(model.source).toBe('cache');
    expect(fake.requests.filter((r) => r.url.includes('/resolve/'))).toEqual([]);
  });

  it('other ids are not looked up under any other name', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    await pythonCache('models--gpt2');
    const error = await failure(resolveModel('someone/gpt2'));
    expect(error.message).toContain('is not in the Hugging Face cache');
  });
});

describe('the right culprit', () => {
  it('a download host that does not resolve is named, not the hub', async () => {
    const fake = await start({ [ID]: modelRepo() }, { lfsBase: 'http://nonexistent.invalid' });
    const error = await failure(resolveQuietly(ID));
    expect(error.message).toContain('the host name nonexistent.invalid');
    expect(error.message).toContain('model.safetensors');
    expect(error.message).not.toContain(`host name ${new URL(fake.url).hostname}`);
    expect(fake.requests.some((r) => r.url.includes('/resolve/'))).toBe(true);
  });
});
