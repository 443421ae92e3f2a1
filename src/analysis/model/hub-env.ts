import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The Hugging Face Hub settings, read from the environment in this one place
 * with the same names and defaults as Python's `huggingface_hub`, so that a
 * cache or a token set up for Python is used as is. Options passed to
 * `resolveModel` override these values.
 */
export interface HubEnv {
  /** The hub cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir: string;
  /** `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`) set to 1/ON/YES/TRUE. */
  offline: boolean;
  /** `HF_ENDPOINT`, default `https://huggingface.co`, without a trailing slash. */
  endpoint: string;
  /** `HF_TOKEN`, else the token file that `hf auth login` writes; undefined when none. */
  token: string | undefined;
  /** The proxies for hub requests: `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`. */
  proxy: ProxySettings;
}

/**
 * Proxy variables as curl, Python `requests` and undici read them: the
 * lowercase name first, then the uppercase one. An https address goes through
 * `https` when set, else through `http`; a host listed in `noProxy` goes direct.
 */
export interface ProxySettings {
  http: string | undefined;
  https: string | undefined;
  /** Comma- or space-separated hosts (`example.com`, `.example.com`, `*.example.com`, `host:port`, `*`). */
  noProxy: string;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

type Env = Record<string, string | undefined>;

/** Python's `_is_true`: 1, ON, YES, TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: Env = process.env): string {
  const home = nonEmpty(env.HF_HOME);
  if (home) return expandHome(home);
  return join(expandHome(nonEmpty(env.XDG_CACHE_HOME) ?? join(homedir(), '.cache')), 'huggingface');
}

/**
 * The hub cache folder. Same rule as `getHFHubCachePath()` of `@huggingface/hub`
 * and Python's `HF_HUB_CACHE` constant; written out here so that it can be
 * computed from an explicit environment (the library only reads process.env).
 */
export function hubCacheDir(env: Env = process.env): string {
  const explicit = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  return explicit ? expandHome(explicit) : join(hfHome(env), 'hub');
}

function readToken(env: Env): string | undefined {
  const direct = nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  if (direct) return direct;
  const file = nonEmpty(env.HF_TOKEN_PATH) ? expandHome(env.HF_TOKEN_PATH!.trim()) : join(hfHome(env), 'token');
  try {
    return nonEmpty(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A proxy given without a scheme (`proxy.example:3128`) is an http one, as curl and Python take it. */
function proxyAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

export function readProxyEnv(env: Env = process.env): ProxySettings {
  return {
    http: proxyAddress(nonEmpty(env.http_proxy) ?? nonEmpty(env.HTTP_PROXY)),
    https: proxyAddress(nonEmpty(env.https_proxy) ?? nonEmpty(env.HTTPS_PROXY)),
    noProxy: nonEmpty(env.no_proxy) ?? nonEmpty(env.NO_PROXY) ?? '',
  };
}

export function readHubEnv(env: Env = process.env): HubEnv {
  const endpoint = (nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  return {
    cacheDir: hubCacheDir(env),
    offline: isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE),
    endpoint,
    token: readToken(env),
    proxy: readProxyEnv(env),
  };
}
