import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { AtlasError } from '../errors.ts';
import type { ProxySettings } from './hub-env.ts';

/**
 * How hub requests reach the network: through the proxy that the environment
 * names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as Python's `huggingface_hub`
 * does. Node's global fetch ignores these variables, so undici's own fetch is
 * used with its `EnvHttpProxyAgent` as the dispatcher: the pair comes from one
 * package version, where mixing that dispatcher with the undici bundled in
 * Node is not guaranteed to work. An https address goes through the proxy in
 * a CONNECT tunnel, so the proxy sees the host name but never the token.
 */

export interface HubTransport {
  fetch: typeof fetch;
  /** Closes the connections kept open for reuse, and any request still running. */
  destroy(): Promise<void>;
}

/** A proxy address as a URL, or one clear error naming the variable it came from. */
function checkedProxy(value: string | undefined, variable: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:', 'socks:', 'socks5:'].includes(url.protocol) || !url.hostname) {
    throw new AtlasError(
      `${variable} is not a proxy address: "${showProxy(value)}".`,
      variable,
      `give it as http://host:port (with a login: http://user:password@host:port), or unset it to connect directly.`,
    );
  }
  return value;
}

export function createHubTransport(proxy: ProxySettings): HubTransport {
  checkedProxy(proxy.http, 'HTTP_PROXY');
  checkedProxy(proxy.https, 'HTTPS_PROXY');
  // The settings are passed explicitly (not left to the agent's own reading of
  // process.env) so that the proxy named in error messages is the one used.
  // bodyTimeout: a download that stalls this long without a byte is treated as
  // cut and resumed (undici's default waits five minutes; Python's, ten seconds).
  const agent = new EnvHttpProxyAgent({
    httpProxy: proxy.http,
    httpsProxy: proxy.https,
    noProxy: proxy.noProxy,
    bodyTimeout: 60_000,
    headersTimeout: 60_000,
  });
  const proxied = (input: string | URL | Request, init?: RequestInit) => undiciFetch(input as string | URL, { ...(init as object), dispatcher: agent });
  return {
    // undici's Response has the same shape as the global one; only the types are declared apart.
    fetch: proxied as unknown as typeof fetch,
    destroy: () => agent.destroy(),
  };
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** Whether NO_PROXY exempts `url`; the rules of undici's EnvHttpProxyAgent (and curl). */
function bypassed(url: URL, noProxy: string): boolean {
  const value = noProxy.trim();
  if (value === '*') return true;
  const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  for (const entry of value.split(/[,\s]/)) {
    if (!entry) continue;
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const host = (parsed ? parsed[1] : entry).replace(/^\*?\./, '').toLowerCase();
    const entryPort = parsed ? Number.parseInt(parsed[2], 10) : 0;
    if (entryPort && entryPort !== port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return true;
  }
  return false;
}

/** The proxy a request to `url` goes through, or undefined when it goes direct. */
export function proxyFor(url: string, proxy: ProxySettings | undefined): string | undefined {
  if (!proxy) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const chosen = parsed.protocol === 'https:' ? (proxy.https ?? proxy.http) : parsed.protocol === 'http:' ? proxy.http : undefined;
  if (!chosen || bypassed(parsed, proxy.noProxy)) return undefined;
  return chosen;
}

/** A proxy address fit to print: without the user name and password it may hold. */
export function showProxy(proxy: string): string {
  try {
    const url = new URL(proxy);
    return `${url.protocol}//${url.host}`;
  } catch {
    return proxy.replace(/\/\/[^@/]*@/, '//');
  }
}

/** The environment variable that set the proxy for `url` (for messages). */
export function proxyVariable(url: string, proxy: ProxySettings): string {
  return new URL(url).protocol === 'https:' && proxy.https ? 'HTTPS_PROXY' : 'HTTP_PROXY';
}
