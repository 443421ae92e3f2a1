import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * Every variable that steers the hub client: the cache's place, offline mode, the endpoint,
 * tokens, and proxies (both cases, as users set them). A test that leaves one of them as the
 * machine has it could reach past its fake hub, e.g. through a developer's HTTPS_PROXY.
 */
const HUB_ENV_KEYS = [
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'HF_HUB_OFFLINE',
  'TRANSFORMERS_OFFLINE',
  'HF_ENDPOINT',
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'HF_TOKEN_PATH',
  'XDG_CACHE_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/**
 * For each test: those variables cleared, a fresh HF_HOME in the temp folder, and afterwards the
 * variables given back and the folder removed. Returns the current HF_HOME and its hub cache.
 */
export function useIsolatedHubHome(prefix: string): { home: () => string; cache: () => string } {
  const saved: Record<string, string | undefined> = {};
  let home = '';
  beforeEach(async () => {
    for (const key of HUB_ENV_KEYS) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    home = await mkdtemp(join(tmpdir(), prefix));
    process.env.HF_HOME = home;
  });
  afterEach(async () => {
    for (const key of HUB_ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await rm(home, { recursive: true, force: true });
  });
  return { home: () => home, cache: () => join(home, 'hub') };
}
