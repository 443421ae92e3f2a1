import type { Dirent } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, readlink, realpath, symlink, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/analysis/errors.ts';
import { parseModelSpec, resolveModel, type ResolveOptions } from '../../src/analysis/model/resolve.ts';
import { useIsolatedHubHome } from '../helpers/hub-home.ts';
import { startFakeHub, type FakeHub, type FakeRepo } from '../helpers/fake-hub.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const MODEL_DIR = join(FIXTURES, 'models/tiny-bare-f32');
const TOKENIZER_DIR = resolve(import.meta.dirname, '../../assets/gpt2-tokenizer');
const FOLDER_HINT = '--model ./path/to/folder';

let config: Buffer;
let weights: Buffer;
let vocab: Buffer;
let merges: Buffer;
let tokenizerConfig: Buffer;

beforeAll(async () => {
  config = await readFile(join(MODEL_DIR, 'config.json'));
  weights = await readFile(join(MODEL_DIR, 'model.safetensors'));
  vocab = await readFile(join(TOKENIZER_DIR, 'vocab.json'));
  merges = await readFile(join(TOKENIZER_DIR, 'merges.txt'));
  tokenizerConfig = await readFile(join(TOKENIZER_DIR, 'tokenizer_config.json'));
});

function modelRepo(extra: Partial<FakeRepo> = {}): FakeRepo {
  return {
    files: {
      'config.json': config,
      'model.safetensors': weights,
      'pytorch_model.bin': Buffer.from('a pickle that must never be fetched'),
      'vocab.json': vocab,
      'merges.txt': merges,
      'tokenizer_config.json': tokenizerConfig,
      'README.md': '# tiny\n',
    },
    ...extra,
  };
}

// the hub client's variables cleared and a fresh HF_HOME for each test (tests/helpers/hub-home.ts)
const hubHome = useIsolatedHubHome('qkv-atlas-hf-');
let home: string;
let cache: string;
let hub: FakeHub | undefined;

beforeEach(() => {
  home = hubHome.home();
  cache = hubHome.cache();
});

afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});

async function start(repos: Record<string, FakeRepo>, options: { token?: string; blobsInApi?: boolean } = {}): Promise<FakeHub> {
  hub = await startFakeHub({ repos, ...options });
  process.env.HF_ENDPOINT = hub.url;
  return hub;
}

/** Resolves with a progress callback (so no bar is drawn) and records the progress events. */
async function resolveQuietly(spec: string, options: ResolveOptions = {}) {
  const events: { file: string; bytes: number; total: number }[] = [];
  const model = await resolveModel(spec, { onProgress: (p) => events.push(p), ...options });
  return { model, events };
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

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, prefix: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), rel);
      else out.push(rel);
    }
  }
  await walk(dir, '');
  return out.sort();
}

const ID = 'tiny-org/tiny-gpt2';
const REPO_DIR = () => join(cache, 'models--tiny-org--tiny-gpt2');

describe('resolveModel: downloads into the Hugging Face cache', () => {
  it('fills the Python layout: blobs, snapshot symlinks, refs/main', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const commit = fake.commit(ID);
    const { model, events } = await resolveQuietly(ID);

    expect(model.source).toBe('download');
    expect(model.id).toBe(ID);
    expect(model.revision).toBe(commit);
    const snapshot = join(REPO_DIR(), 'snapshots', commit);
    expect(model.dir).toBe(snapshot);
    expect(model.files.config).toBe(join(snapshot, 'config.json'));
    expect(model.files.weights).toBe(join(snapshot, 'model.safetensors'));
    expect(model.files.tokenizer).toEqual(['vocab.json', 'merges.txt', 'tokenizer_config.json'].map((n) => join(snapshot, n)));

    const weightsBlob = join(REPO_DIR(), 'blobs', fake.sha256(weights));
    expect(model.files.weightsRealPath).toBe(await realpath(weightsBlob));
    expect((await lstat(model.files.weights)).isSymbolicLink()).toBe(true);
    expect(await readlink(model.files.weights)).toBe(`../../blobs/${fake.sha256(weights)}`);
    expect(await readlink(model.files.config)).toBe(`../../blobs/${fake.gitSha1(config)}`);
    expect(await readFile(join(REPO_DIR(), 'refs', 'main'), 'utf8')).toBe(commit);
    expect(Buffer.compare(await readFile(model.files.weights), weights)).toBe(0);

    // Exactly the needed files, each once; never the pickle or the README.
    expect(await tree(REPO_DIR())).toEqual(
      [
        `blobs/${fake.gitSha1(tokenizerConfig)}`,
        `blobs/${fake.gitSha1(config)}`,
        `blobs/${fake.gitSha1(merges)}`,
        `blobs/${fake.gitSha1(vocab)}`,
        `blobs/${fake.sha256(weights)}`,
        'refs/main',
        ...['config.json', 'merges.txt', 'model.safetensors', 'tokenizer_config.json', 'vocab.json'].map((n) => `snapshots/${commit}/${n}`),
      ].sort(),
    );
    expect(fake.requests.some((r) => r.url.includes('pytorch_model.bin') || r.url.includes('README'))).toBe(false);

    const last = events.filter((e) => e.file === 'model.safetensors').at(-1);
    expect(last).toEqual({ file: 'model.safetensors', bytes: weights.byteLength, total: weights.byteLength });
  });

  it('uses the cache on a second run: online with one small request, offline with the server stopped', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const first = await resolveQuietly(ID);
    const before = fake.requests.length;

    const again = await resolveQuietly(ID);
    expect(again.model.source).toBe('cache');
    expect(again.model).toEqual({ ...first.model, source: 'cache' });
    expect(fake.requests.slice(before).map((r) => r.url.split('?')[0])).toEqual([`/api/models/${ID}/revision/main`]);
    expect(again.events).toEqual([]);

    await fake.stop();
    hub = undefined;
    process.env.HF_HUB_OFFLINE = '1';
    const offline = await resolveQuietly(ID);
    expect(offline.model).toEqual({ ...first.model, source: 'cache' });
  });

  it('falls back to the cache when the hub cannot be reached (as Python does)', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const first = await resolveQuietly(ID);
    await fake.stop();
    hub = undefined;
    const again = await resolveQuietly(ID); // HF_ENDPOINT still points at the stopped server
    expect(again.model).toEqual({ ...first.model, source: 'cache' });
  });

  it('downloads a revision given as id@revision or as an option, and records refs/<revision>', async () => {
    const v1 = { 'config.json': config, 'model.safetensors': weights, 'tokenizer.json': '{"model":{}}' };
    const fake = await start({ [ID]: modelRepo({ branches: { v1, 'refs/pr/1': v1 } }) });
    const { model } = await resolveQuietly(`${ID}@v1`);
    expect(model.revision).toBe(fake.commit(ID, 'v1'));
    expect(model.files.tokenizer).toEqual([join(model.dir, 'tokenizer.json')]);
    expect(await readFile(join(REPO_DIR(), 'refs', 'v1'), 'utf8')).toBe(fake.commit(ID, 'v1'));

    const pr = await resolveQuietly(ID, { revision: 'refs/pr/1' });
    expect(pr.model.revision).toBe(fake.commit(ID, 'refs/pr/1'));
    expect(await readFile(join(REPO_DIR(), 'refs', 'refs', 'pr', '1'), 'utf8')).toBe(fake.commit(ID, 'refs/pr/1'));
    expect(fake.requests.some((r) => r.url.startsWith(`/api/models/${ID}/revision/refs%2Fpr%2F1`))).toBe(true);

    // A commit that is cached needs no request at all.
    const count = fake.requests.length;
    const byCommit = await resolveQuietly(`${ID}@${fake.commit(ID, 'v1')}`);
    expect(byCommit.model.source).toBe('cache');
    expect(fake.requests.length).toBe(count);

    const missing = await failure(resolveQuietly(`${ID}@v9`));
    expect(missing.message).toContain('"v9"');
    expect(missing.message).toContain(ID);

    const conflict = await failure(resolveQuietly(`${ID}@v1`, { revision: 'main' }));
    expect(conflict.message).toContain('Two different revisions');
  });

  it('sends the token to the hub but not to the CDN; a private model without a token is a clear error', async () => {
    const token = 'hf_testtoken';
    const fake = await start({ [ID]: modelRepo({ private: true }) }, { token });
    const refused = await failure(resolveQuietly(ID));
    expect(refused.message).toContain(ID);
    expect(refused.message).toContain('private');
    expect(refused.hint).toContain('HF_TOKEN');
    expect(await tree(cache)).toEqual([]);

    process.env.HF_TOKEN = token;
    const { model } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    const hubAuth = fake.requests.filter((r) => r.server === 'hub' && r.authorization === `Bearer ${token}`);
    expect(hubAuth.length).toBeGreaterThan(0);
    const cdn = fake.requests.filter((r) => r.server === 'cdn');
    expect(cdn.length).toBe(1);
    expect(cdn[0].authorization).toBeUndefined();
  });

  it('works when the API gives no sizes or checksums (names blobs from the ETag or the content)', async () => {
    const fake = await start({ [ID]: modelRepo() }, { blobsInApi: false });
    const { model } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    expect(await readlink(model.files.config)).toBe(`../../blobs/${fake.gitSha1(config)}`);
    expect(await readlink(model.files.weights)).toBe(`../../blobs/${fake.sha256(weights)}`);
  });

  it('draws its own progress on stderr when no callback is given', async () => {
    await start({ [ID]: modelRepo() });
    const model = await resolveModel(ID);
    expect(model.source).toBe('download');
  });
});

describe('resolveModel: interrupted or altered downloads leave nothing that looks complete', () => {
  async function expectNoWeights(fake: FakeHub): Promise<void> {
    const files = await tree(REPO_DIR());
    const commit = fake.commit(ID);
    expect(files).not.toContain(`snapshots/${commit}/model.safetensors`);
    expect(files).not.toContain(`blobs/${fake.sha256(weights)}`);
    expect(files.filter((f) => f.includes('incomplete') || f.includes('.tmp'))).toEqual([]);
    expect(files).not.toContain('refs/main');
  }

  it('a connection that stays cut: an error, only an .incomplete part kept, and a later run completes it', async () => {
    const fake = await start({ [ID]: modelRepo() });
    fake.truncateNext('model.safetensors', 1, 0.5);
    fake.truncateNext('model.safetensors', 10, 0);
    const error = await failure(resolveQuietly(ID, { retryDelayMs: 1, onWarning: () => {} }));
    expect(error.message).toContain('interrupted');
    expect(error.message).toContain('model.safetensors');
    expect(error.hint).toContain('run the command again');
    const files = await tree(REPO_DIR());
    expect(files).not.toContain(`snapshots/${fake.commit(ID)}/model.safetensors`);
    expect(files).not.toContain(`blobs/${fake.sha256(weights)}`);
    expect(files).not.toContain('refs/main');
    expect(files.filter((f) => f.includes('.incomplete'))).toHaveLength(1);

    process.env.HF_HUB_OFFLINE = '1';
    const offline = await failure(resolveQuietly(ID));
    expect(offline.message).toContain('is not in the Hugging Face cache');
    delete process.env.HF_HUB_OFFLINE;

    fake.truncateNext('model.safetensors', 0);
    const { model } = await resolveQuietly(ID);
    expect(model.source).toBe('download');
    expect(Buffer.compare(await readFile(model.files.weightsRealPath), weights)).toBe(0);
    expect((await tree(REPO_DIR())).filter((f) => f.includes('.incomplete'))).toEqual([]);
  });

  it('partial files left by a killed run are taken over; one that a live process writes is left alone', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const blobs = join(REPO_DIR(), 'blobs');
    await mkdir(blobs, { recursive: true });
    const stale = join(blobs, `${fake.sha256(weights)}.incomplete`);
    const running = join(blobs, `${fake.sha256(weights)}.${process.ppid}-abcd0123.incomplete`);
    await writeFile(stale, weights.subarray(0, 100));
    await writeFile(running, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await resolveQuietly(ID);
    const files = await tree(blobs);
    expect(files).not.toContain(`${fake.sha256(weights)}.incomplete`);
    expect(files).toContain(`${fake.sha256(weights)}.${process.ppid}-abcd0123.incomplete`);
  });

  it('a file whose bytes differ from the LFS sha256 is not kept', async () => {
    const fake = await start({ [ID]: modelRepo() });
    fake.corruptNext('model.safetensors');
    const error = await failure(resolveQuietly(ID));
    expect(error.message).toContain('checksum');
    await expectNoWeights(fake);
  });

  it('a small file whose bytes differ from its git blob id is not kept', async () => {
    const fake = await start({ [ID]: modelRepo() });
    fake.corruptNext('config.json');
    const error = await failure(resolveQuietly(ID));
    expect(error.message).toContain('config.json');
    expect(error.message).toContain('checksum');
    expect(await tree(REPO_DIR())).toEqual([]);
  });
});

describe('resolveModel: errors', () => {
  it('offline and not cached: names the model, the cache folder and how to pass a folder', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    const error = await failure(resolveQuietly(ID));
    expect(error.message).toContain(ID);
    expect(error.message).toContain(cache);
    expect(error.message).toContain(FOLDER_HINT);
    expect(error.message).toContain('HF_HUB_OFFLINE');
  });

  it('the offline option overrides the environment', async () => {
    const error = await failure(resolveQuietly(ID, { offline: true, cacheDir: join(home, 'elsewhere') }));
    expect(error.message).toContain(join(home, 'elsewhere'));
  });

  it('a model id that does not exist', async () => {
    await start({ [ID]: modelRepo() });
    const error = await failure(resolveQuietly('nobody/nothing'));
    expect(error.message).toContain('nobody/nothing');
    expect(error.message).toContain('not found');
    expect(error.hint).toContain(FOLDER_HINT);
  });

  it('no network: connection refused, and a host that does not resolve', async () => {
    const fake = await start({});
    const endpoint = fake.url;
    await fake.stop();
    hub = undefined;
    const refused = await failure(resolveQuietly(ID, { endpoint }));
    expect(refused.message).toContain('Could not reach');
    expect(refused.message).toContain('ECONNREFUSED');
    expect(refused.hint).toContain(FOLDER_HINT);

    const dnsFailure: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND hub.example'), { code: 'ENOTFOUND' }) });
    };
    const unknown = await failure(resolveQuietly(ID, { endpoint: 'https://hub.example', fetch: dnsFailure }));
    expect(unknown.message).toContain('ENOTFOUND');
    expect(unknown.message).toContain('hub.example');
  });

  it('a repo with only pytorch_model.bin is refused, and nothing is fetched', async () => {
    const fake = await start({
      'legacy/pickled': { files: { 'config.json': config, 'pytorch_model.bin': 'pickle', 'vocab.json': vocab, 'merges.txt': merges } },
    });
    const error = await failure(resolveQuietly('legacy/pickled'));
    expect(error.message).toContain('model.safetensors');
    expect(error.message).toContain('pytorch_model.bin');
    expect(error.message).toContain('never loads');
    expect(fake.requests.filter((r) => r.url.includes('/resolve/'))).toEqual([]);
    expect(await tree(cache)).toEqual([]);
  });

  it('a repo without tokenizer files is refused', async () => {
    await start({ 'org/notok': { files: { 'config.json': config, 'model.safetensors': weights } } });
    const error = await failure(resolveQuietly('org/notok'));
    expect(error.message).toContain('tokenizer.json (or vocab.json + merges.txt)');
  });

  it('hostile ids and revisions never reach the hub or the cache', async () => {
    const fake = await start({ [ID]: modelRepo() });
    const specs = [
      '../x',
      '/nonexistent-qkv-atlas-model',
      'a/b/c',
      'a/..',
      '..',
      'a--b/c',
      '.hidden/x',
      'org/na me',
      `${ID}@../../etc`,
      `${ID}@/abs`,
      `${ID}@a//b`,
      `${ID}@`,
      'org/name%2F..',
      'org/name\\..\\x',
      '~/nonexistent-qkv-atlas',
    ];
    for (const spec of specs) {
      const error = await failure(resolveQuietly(spec));
      expect(error.message.length).toBeGreaterThan(0);
    }
    await failure(resolveQuietly(ID, { revision: '../../../outside' }));
    expect(fake.requests).toEqual([]);
    expect(await tree(home)).toEqual([]);
  });
});

describe('resolveModel: local folders', () => {
  async function folder(files: string[]): Promise<string> {
    const dir = join(home, 'model');
    await mkdir(dir, { recursive: true });
    for (const name of files) {
      const source = ['config.json', 'model.safetensors'].includes(name)
        ? join(MODEL_DIR, name)
        : ['vocab.json', 'merges.txt', 'tokenizer_config.json'].includes(name)
          ? join(TOKENIZER_DIR, name)
          : undefined;
      if (source) await copyFile(source, join(dir, name));
      else await writeFile(join(dir, name), 'x');
    }
    return dir;
  }

  it('a complete folder is used as is, without the network', async () => {
    const dir = await folder(['config.json', 'model.safetensors', 'vocab.json', 'merges.txt']);
    const model = await resolveModel(dir);
    expect(model).toEqual({
      id: dir,
      revision: null,
      dir,
      files: {
        config: join(dir, 'config.json'),
        weights: join(dir, 'model.safetensors'),
        weightsRealPath: await realpath(join(dir, 'model.safetensors')),
        tokenizer: [join(dir, 'vocab.json'), join(dir, 'merges.txt')],
      },
      source: 'local',
    });
  });

  it('a folder whose weights are a symlink gives the real path', async () => {
    const dir = await folder(['config.json', 'vocab.json', 'merges.txt']);
    await symlink(join(MODEL_DIR, 'model.safetensors'), join(dir, 'model.safetensors'));
    const model = await resolveModel(dir);
    expect(model.files.weightsRealPath).toBe(await realpath(join(MODEL_DIR, 'model.safetensors')));
  });

  it('missing files: one error listing what is missing and what is present', async () => {
    const dir = await folder(['config.json', 'pytorch_model.bin', 'vocab.json']);
    const error = await failure(resolveModel(dir));
    expect(error.message).toContain('lacks model.safetensors, tokenizer.json (or vocab.json + merges.txt)');
    expect(error.message).toContain('pytorch_model.bin');
    expect(error.message).toContain('never loads');
    expect(error.hint).toContain('it holds: config.json, pytorch_model.bin, vocab.json');
    expect(error.where).toBe(dir);
  });

  it('a folder that does not exist, and a revision given for a folder', async () => {
    const missing = await failure(resolveModel(join(home, 'nope')));
    expect(missing.message).toContain('does not exist');
    const dir = await folder(['config.json', 'model.safetensors', 'vocab.json', 'merges.txt']);
    const withRevision = await failure(resolveModel(dir, { revision: 'main' }));
    expect(withRevision.message).toContain('revision');
  });
});

describe('resolveModel: a cache written by Python huggingface_hub', () => {
  it('is found offline: refs/main, snapshots/<commit>/<file> -> ../../blobs/<hash>', async () => {
    const commit = '607a30d783dfa663caf39e06633721c8d4cfcd7e';
    const repoDir = join(cache, 'models--openai-community--gpt2');
    await mkdir(join(repoDir, 'blobs'), { recursive: true });
    await mkdir(join(repoDir, 'refs'), { recursive: true });
    await mkdir(join(repoDir, 'snapshots', commit), { recursive: true });
    await mkdir(join(repoDir, '.no_exist', commit), { recursive: true });
    await writeFile(join(repoDir, '.no_exist', commit, 'tokenizer.json'), '');
    await writeFile(join(repoDir, 'refs', 'main'), commit);
    const contents: Record<string, Buffer> = { 'config.json': config, 'model.safetensors': weights, 'vocab.json': vocab, 'merges.txt': merges };
    const hashes: Record<string, string> = {
      'config.json': '10c66461e4c109db5a2196bff4bb59be30396ed8',
      'model.safetensors': '248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707',
      'vocab.json': '1f1d9aaca301414e7f6c9396df506798ff4eb9a6',
      'merges.txt': '226b0752cac7789c48f0cb3ec53eda48b7be36cc',
    };
    for (const [name, content] of Object.entries(contents)) {
      await writeFile(join(repoDir, 'blobs', hashes[name]), content);
      await symlink(`../../blobs/${hashes[name]}`, join(repoDir, 'snapshots', commit, name));
    }

    process.env.HF_HUB_OFFLINE = '1';
    const model = await resolveModel('openai-community/gpt2');
    expect(model.source).toBe('cache');
    expect(model.revision).toBe(commit);
    expect(model.files.weights).toBe(join(repoDir, 'snapshots', commit, 'model.safetensors'));
    expect(model.files.weightsRealPath).toBe(await realpath(join(repoDir, 'blobs', hashes['model.safetensors'])));
    expect(model.files.tokenizer).toEqual([join(model.dir, 'vocab.json'), join(model.dir, 'merges.txt')]);

    const byCommit = await resolveModel(`openai-community/gpt2@${commit}`);
    expect(byCommit.dir).toBe(model.dir);

    // The default spec is GPT-2 itself.
    expect((await resolveModel('')).dir).toBe(model.dir);

    // HF_HUB_CACHE takes precedence over HF_HOME.
    process.env.HF_HUB_CACHE = join(home, 'other');
    const error = await failure(resolveModel('openai-community/gpt2'));
    expect(error.message).toContain(join(home, 'other'));
  });
});

describe('parseModelSpec', () => {
  it('tells ids, revisions and folders apart', () => {
    expect(parseModelSpec('openai-community/gpt2')).toEqual({ kind: 'hub', id: 'openai-community/gpt2', revision: undefined });
    expect(parseModelSpec('gpt2@main')).toEqual({ kind: 'hub', id: 'gpt2', revision: 'main' });
    expect(parseModelSpec('org/m.v2_x-y@refs/pr/3')).toEqual({ kind: 'hub', id: 'org/m.v2_x-y', revision: 'refs/pr/3' });
    expect(parseModelSpec('org/m', 'v1')).toEqual({ kind: 'hub', id: 'org/m', revision: 'v1' });
    expect(parseModelSpec('./models/gpt2')).toEqual({ kind: 'local', path: './models/gpt2' });
    expect(parseModelSpec('/opt/models/gpt2')).toEqual({ kind: 'local', path: '/opt/models/gpt2' });
    expect(parseModelSpec('tests/fixtures')).toEqual({ kind: 'local', path: 'tests/fixtures' });
    expect(parseModelSpec('  ')).toEqual({ kind: 'hub', id: 'openai-community/gpt2', revision: undefined });
  });
});

afterAll(async () => {
  await hub?.stop();
});
