import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chooseChromium } from './browser.ts';
import { BASE, DEMO, ROOT, SETS, SITE_DIR } from './site-server.ts';

/**
 * Builds the demo site: random model (offline), the lecture's sets plus the fixture sets
 * (hostile text, chosen layers, another comparison token), under a base path. `env` adds to
 * the environment, e.g. QKV_ATLAS_CACHE_DIR for a fresh analysis cache. Returns the seconds taken.
 */
export function buildDemo(outDir: string, env: Record<string, string> = {}): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build', '--outDir', outDir], {
    cwd: ROOT,
    env: {
      ...process.env,
      QKV_ATLAS_DEMO: DEMO,
      QKV_ATLAS_SETS: SETS,
      SITE_BASE: BASE,
      SITE_URL: 'https://example.org',
      ASTRO_TELEMETRY_DISABLED: '1',
      ...env,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(`the demo build into ${outDir} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return (performance.now() - started) / 1000;
}

/**
 * Finds the browser first (a machine without one learns it before a minute of building), then
 * builds the demo site once for all e2e tests. E2E_SKIP_BUILD=1 reuses the previous build.
 */
export default async function setup(): Promise<void> {
  const browser = await chooseChromium();
  process.stderr.write(`e2e: Chromium from ${browser.source}: ${browser.launch.executablePath}\n`);
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(join(SITE_DIR, 'index.html'))) return;
  const seconds = buildDemo(SITE_DIR);
  process.stderr.write(`e2e: demo site built in ${seconds.toFixed(1)} s\n`);
}
