import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { snapshot } from '../helpers/tree.ts';

/**
 * `astro build` killed in the middle must leave the previous site whole: the build writes into
 * a staging folder beside the output folder and swaps it in only when complete.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ASTRO = join(ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');

function build(work: string) {
  const child = spawn(process.execPath, [ASTRO, 'build', '--outDir', join(work, 'dist')], {
    cwd: ROOT,
    // its own process group, so that the kill reaches any helper process the build started
    detached: true,
    env: {
      ...process.env,
      QKV_ATLAS_DEMO: '1',
      QKV_ATLAS_SETS: join(work, 'sets'),
      QKV_ATLAS_CACHE_DIR: join(work, 'cache'),
      ASTRO_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  return { child, done };
}

describe('a killed build', () => {
  it('leaves the previous site whole; the next build replaces it and clears what the killed one left', async () => {
    // inside the project, like dist/: Astro writes its prerender chunks under an output folder it
    // takes to lie within the working folder, and resolves their packages from there (it tests that
    // by string prefix, so a temp folder whose path happens to start with the project's would break)
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    const work = mkdtempSync(join(ROOT, 'test-results', 'killed-build-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    mkdirSync(join(work, 'sets'));
    writeFileSync(
      join(work, 'sets', 'small.yaml'),
      'title: Small\nmodel: m\ntarget: " her"\nseed: 1\nsentences:\n  - I saw her at the market.\n  - She gave her the book.\n  - We thanked her twice.\n',
    );
    // the previous site
    const dist = join(work, 'dist');
    mkdirSync(join(dist, 'small', 'layer-0'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>previous</title>');
    writeFileSync(join(dist, 'small', 'index.html'), '<!doctype html><title>previous small</title>');
    writeFileSync(join(dist, 'small', 'layer-0', 'index.html'), '<!doctype html><title>previous layer</title>');
    const previous = snapshot(dist);

    const first = build(work);
    // kill it once it writes: into a staging folder (or, as it used to, into dist itself)
    const staging = () => readdirSync(work).filter((name) => name.startsWith('.dist.staging-'));
    const writing = () =>
      staging().some((name) => readdirSync(join(work, name)).length > 0) || JSON.stringify([...snapshot(dist)]) !== JSON.stringify([...previous]);
    for (let i = 0; i < 6000 && !writing() && first.child.exitCode === null; i++) await sleep(20);
    process.kill(-(first.child.pid as number), 'SIGKILL');
    const killed = await first.done;
    expect(killed.code, `the build ended before it could be killed:\n${killed.output}`).toBe(null);
    expect(snapshot(dist)).toEqual(previous);

    const second = await build(work).done;
    expect(second.code, second.output).toBe(0);
    expect(existsSync(join(dist, 'small', 'layer-0', 'qq', 'index.html'))).toBe(true);
    expect(snapshot(dist).get('index.html')).not.toBe(previous.get('index.html'));
    expect(staging()).toEqual([]);
    expect(readdirSync(work).sort()).toEqual(['cache', 'dist', 'sets']);
  }, 300_000);
});
