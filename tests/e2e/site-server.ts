import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the e2e build goes, the base path it is built under (as on GitHub Pages), and a static server for it. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SITE_DIR = process.env.E2E_SITE_DIR ? join(ROOT, process.env.E2E_SITE_DIR) : join(ROOT, 'test-results', 'e2e-site');
/** the demo model the e2e site is built from: the tiny one, or `gpt2` for GPT-2 small's shape (E2E_DEMO=gpt2, with its own E2E_SITE_DIR) */
export const DEMO = process.env.E2E_DEMO ?? '1';
export const BASE = '/qkv-atlas/';
export const SETS = 'content/sets:tests/e2e/fixtures/sets';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.npy': 'application/octet-stream',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/** A static server for the built site under BASE, as GitHub Pages serves it: directories give index.html, the rest is 404. */
export async function serveSite(dir = SITE_DIR): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (!pathname.startsWith(BASE)) {
      response.writeHead(404).end('not found');
      return;
    }
    let file = normalize(join(dir, pathname.slice(BASE.length)));
    if (!file.startsWith(dir + sep) && file !== dir) {
      response.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) {
        if (!pathname.endsWith('/')) {
          response.writeHead(301, { location: `${pathname}/` }).end();
          return;
        }
        file = join(file, 'index.html');
      }
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { origin: `http://127.0.0.1:${address.port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
