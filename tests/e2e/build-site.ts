import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BASE, ROOT, SETS, SITE_DIR } from './site.ts';

/**
 * Builds the demo site once for all e2e tests: random model (offline), the lecture's set plus
 * a set of hostile text, under a base path. E2E_SKIP_BUILD=1 reuses the previous build.
 */
export default function setup(): void {
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(join(SITE_DIR, 'index.html'))) return;
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build', '--outDir', SITE_DIR], {
    cwd: ROOT,
    env: { ...process.env, QKV_ATLAS_DEMO: '1', QKV_ATLAS_SETS: SETS, SITE_BASE: BASE, SITE_URL: 'https://example.org', ASTRO_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(`the demo build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  process.stderr.write(`e2e: demo site built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
