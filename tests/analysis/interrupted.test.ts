import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { modelFolder } from '../helpers/model-folder.ts';

/** The command line as a user runs it, killed in the middle and started twice at once. */
const cli = fileURLToPath(new URL('../../bin/qkv-atlas.js', import.meta.url));
const SENTENCES = 1200;

function setFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-set-')), 'interrupted.yaml');
  const frames = ['I saw', 'She gave', 'They asked', 'We invited', 'The dog followed', 'He thanked'];
  // enough sentences that writing the output takes a while: the kill must land in the middle
  const sentences = Array.from({ length: SENTENCES }, (_, i) => `${frames[i % 6]} her ${i} times.`);
  writeFileSync(file, `title: t\nmodel: m\ntarget: " her"\nseed: 1\nsentences:\n${sentences.map((s) => `  - ${s}`).join('\n')}\n`);
  return file;
}

function run(args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { child, done };
}

describe('interrupted and simultaneous runs', () => {
  const model = modelFolder('hf-random-gpt2');
  const set = setFile();

  it('a run killed in the middle leaves nothing that looks complete, and the next run recovers by itself', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'qkv-atlas-out-'));
    const out = join(parent, 'result');
    const first = run(['analyze', '--set', set, '--model', model, '--out', out]);
    // kill it once it has started writing into its staging folder (made before the model loads)
    const writing = () => readdirSync(parent).some((f) => f.includes('staging') && existsSync(join(parent, f, 'activations')));
    for (let i = 0; i < 1500 && !writing(); i++) await sleep(20);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code, 'the first run finished before it could be interrupted').toBe(null);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);

    const second = await run(['analyze', '--set', set, '--model', model, '--out', out]).done;
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).sentences).toHaveLength(SENTENCES);
    expect(readdirSync(parent)).toEqual(['result']);
  });

  it('two runs started at once on the same output both finish, leaving one complete analysis', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'qkv-atlas-out-'));
    const out = join(parent, 'result');
    const results = await Promise.all([0, 1].map(() => run(['analyze', '--set', set, '--model', model, '--out', out]).done));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(parent)).toEqual(['result']);
    expect(readdirSync(join(out, 'stats'))).toContain('layer-1.json');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).layers).toEqual([0, 1]);
  });
});
