import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDemo } from './build-site.ts';
import { ROOT } from './site-server.ts';

/**
 * Two builds from the same inputs give byte-identical sites: the demo is built twice from
 * scratch, each into its own folder and with its own fresh analysis cache (so the model runs
 * twice, and anything that differs between analysis runs, such as timings, would show), and
 * every file is compared byte for byte.
 */

const WORK = join(ROOT, 'test-results', 'reproducible');

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(relative(dir, path).split(sep).join('/'), createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  return found;
}

describe('reproducible builds', () => {
  it('writes byte-identical sites from the same inputs, with fresh analyses each time', () => {
    rmSync(WORK, { recursive: true, force: true });
    const sites = ['first', 'second'].map((name) => {
      const site = join(WORK, name, 'site');
      const seconds = buildDemo(site, { QKV_ATLAS_CACHE_DIR: join(WORK, name, 'analysis-cache') });
      process.stderr.write(`reproducible: ${name} build in ${seconds.toFixed(1)} s\n`);
      return files(site);
    });
    const [first, second] = sites;
    const names = [...new Set([...first.keys(), ...second.keys()])].sort();
    const differing = names
      .filter((name) => first.get(name) !== second.get(name))
      .map((name) => (!first.has(name) ? `${name} (only in the second build)` : !second.has(name) ? `${name} (only in the first build)` : name));
    expect(first.size).toBeGreaterThan(100);
    expect(differing, `files that differ between two builds of ${WORK}`).toEqual([]);
    rmSync(WORK, { recursive: true, force: true });
  });
});
