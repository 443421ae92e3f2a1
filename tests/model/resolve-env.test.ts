import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHFHubCachePath } from '@huggingface/hub';
import { describe, expect, it } from 'vitest';
import { hubCacheDir, readHubEnv, readProxyEnv } from '../../src/analysis/model/hub-env.ts';
import { proxyFor, showProxy } from '../../src/analysis/model/hub-fetch.ts';
import { createConsoleProgress, formatBytes, formatDuration } from '../../src/analysis/model/progress.ts';

describe('hub-env', () => {
  it('finds the cache as Python and @huggingface/hub do', () => {
    expect(hubCacheDir({})).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hubCacheDir({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/h/hub');
    expect(hubCacheDir({ HF_HOME: '/h', HUGGINGFACE_HUB_CACHE: '/old' })).toBe('/old');
    expect(hubCacheDir({ HF_HOME: '/h', HF_HUB_CACHE: '/c', HUGGINGFACE_HUB_CACHE: '/old' })).toBe('/c');
    expect(hubCacheDir({ HF_HOME: '~/hf' })).toBe(join(homedir(), 'hf', 'hub'));
    expect(hubCacheDir(process.env)).toBe(getHFHubCachePath());
  });

  it('reads offline, endpoint and token', async () => {
    for (const value of ['1', 'true', 'ON', 'yes']) expect(readHubEnv({ HF_HUB_OFFLINE: value }).offline).toBe(true);
    for (const value of ['0', 'false', '', 'off']) expect(readHubEnv({ HF_HUB_OFFLINE: value }).offline).toBe(false);
    expect(readHubEnv({ TRANSFORMERS_OFFLINE: '1' }).offline).toBe(true);
    expect(readHubEnv({ HF_ENDPOINT: 'http://127.0.0.1:5/' }).endpoint).toBe('http://127.0.0.1:5');
    expect(readHubEnv({ HF_HOME: '/nonexistent-qkv' }).endpoint).toBe('https://huggingface.co');

    const home = await mkdtemp(join(tmpdir(), 'qkv-atlas-env-'));
    try {
      expect(readHubEnv({ HF_HOME: home }).token).toBeUndefined();
      await writeFile(join(home, 'token'), 'hf_fromfile\n');
      expect(readHubEnv({ HF_HOME: home }).token).toBe('hf_fromfile');
      expect(readHubEnv({ HF_HOME: home, HF_TOKEN: 'hf_env' }).token).toBe('hf_env');
      await writeFile(join(home, 'other-token'), 'hf_path');
      expect(readHubEnv({ HF_HOME: home, HF_TOKEN_PATH: join(home, 'other-token') }).token).toBe('hf_path');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('proxy variables', () => {
  it('reads the lowercase name first, as curl, requests and undici do', () => {
    expect(readProxyEnv({})).toEqual({ http: undefined, https: undefined, noProxy: '' });
    expect(readProxyEnv({ HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:2', HTTP_PROXY: 'http://c:3', NO_PROXY: 'x', no_proxy: '' })).toEqual({
      http: 'http://c:3',
      https: 'http://b:2',
      noProxy: 'x',
    });
    expect(readHubEnv({ http_proxy: 'http://p:8080' }).proxy.http).toBe('http://p:8080');
    // Without a scheme, an http proxy (as curl and Python take it).
    expect(readProxyEnv({ HTTPS_PROXY: 'proxy.corp:3128' }).https).toBe('http://proxy.corp:3128');
  });

  it('names the proxy a request goes through, with the NO_PROXY rules', () => {
    const proxy = { http: 'http://h:1', https: undefined, noProxy: 'example.org, .corp.lan *.intra 10.0.0.1:8080' };
    // An https address without HTTPS_PROXY goes through HTTP_PROXY.
    expect(proxyFor('https://huggingface.co/api', proxy)).toBe('http://h:1');
    expect(proxyFor('https://example.org/x', proxy)).toBeUndefined();
    expect(proxyFor('https://cdn.example.org/x', proxy)).toBeUndefined();
    expect(proxyFor('https://notexample.org/x', proxy)).toBe('http://h:1');
    expect(proxyFor('http://a.corp.lan/x', proxy)).toBeUndefined();
    expect(proxyFor('http://b.intra/x', proxy)).toBeUndefined();
    expect(proxyFor('http://10.0.0.1:8080/x', proxy)).toBeUndefined();
    expect(proxyFor('http://10.0.0.1:9090/x', proxy)).toBe('http://h:1');
    expect(proxyFor('https://x.io', { http: 'http://h:1', https: 'http://s:2', noProxy: '' })).toBe('http://s:2');
    expect(proxyFor('https://x.io', { http: 'http://h:1', https: 'http://s:2', noProxy: '*' })).toBeUndefined();
    expect(proxyFor('https://x.io', undefined)).toBeUndefined();
  });

  it('never shows the credentials of a proxy address', () => {
    expect(showProxy('http://alice:s3cret@proxy.corp:3128')).toBe('http://proxy.corp:3128');
    expect(showProxy('http://proxy.corp:3128/')).toBe('http://proxy.corp:3128');
  });
});

describe('progress', () => {
  function stream(isTTY: boolean) {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, columns: 120, write: (s: string) => chunks.push(s) } };
  }

  it('formats bytes and durations', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(548_105_171)).toBe('548.1 MB');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3 h 02 min');
    expect(formatDuration(Infinity)).toBe('?');
  });

  it('redraws one line on a terminal, with bytes, rate and time left', () => {
    let t = 0;
    const { chunks, stream: s } = stream(true);
    const bar = createConsoleProgress('Downloading org/m', { stream: s, total: 2_000_000, now: () => t });
    bar.update({ file: 'config.json', bytes: 0, total: 1000 });
    t = 1000;
    bar.update({ file: 'config.json', bytes: 1000, total: 1000 });
    t = 2000;
    bar.update({ file: 'model.safetensors', bytes: 999_000, total: 1_999_000 });
    bar.finish(true);
    const last = chunks.at(-2)!;
    expect(chunks.every((c) => c.startsWith('\r'))).toBe(true);
    expect(last).toContain('model.safetensors');
    expect(last).toContain(' 50%');
    expect(last).toContain('1.0 MB/2.0 MB');
    expect(last).toContain('500.0 kB/s');
    expect(last).toContain('2 s left');
    expect(chunks.at(-1)!.endsWith('\n')).toBe(true);
  });

  it('writes occasional plain lines when not a terminal', () => {
    let t = 0;
    const { chunks, stream: s } = stream(false);
    const bar = createConsoleProgress('Downloading org/m', { stream: s, now: () => t, plainIntervalMs: 10_000 });
    for (let i = 0; i <= 100; i += 1) {
      t = i * 1000;
      bar.update({ file: 'model.safetensors', bytes: i * 1000, total: 100_000 });
    }
    bar.finish(true);
    expect(chunks.length).toBe(12);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    expect(chunks[5]).toBe('Downloading org/m: model.safetensors 50% (50.0 kB of 100.0 kB, 1.0 kB/s, about 50 s left)\n');
    expect(chunks.at(-1)).toBe('Downloading org/m: done, 100.0 kB in 1 min 40 s\n');
  });

  it('prints nothing when nothing was downloaded', () => {
    const { chunks, stream: s } = stream(false);
    createConsoleProgress('x', { stream: s }).finish(true);
    expect(chunks).toEqual([]);
  });
});
