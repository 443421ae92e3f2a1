import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { withLock } from '../../src/analysis/io/lock.ts';

describe('withLock', () => {
  it('runs holders one after another, never together', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-lock-')), '.lock');
    const events: string[] = [];
    const holder = (name: string) =>
      withLock(
        lock,
        async () => {
          events.push(`${name} in`);
          await sleep(50);
          events.push(`${name} out`);
        },
        { pollMs: 10 },
      );
    await Promise.all([holder('a'), holder('b'), holder('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i].split(' ')[0]).toBe(events[i + 1].split(' ')[0]);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock left by a process that died (an interrupted build)', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-lock-')), '.lock');
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((done) => child.on('exit', done));
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(child.pid));
    let waited = false;
    const value = await withLock(lock, async () => 42, {
      onWait: () => {
        waited = true;
      },
      pollMs: 10,
    });
    expect(value).toBe(42);
    expect(waited).toBe(false);
  });

  it('waits for a live owner and says so, and gives up with a clear message after the timeout', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'qkv-atlas-lock-')), '.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    let owner = 0;
    const error = await withLock(lock, async () => 1, {
      onWait: (pid) => {
        owner = pid;
      },
      timeoutMs: 100,
      pollMs: 10,
    }).catch((e: unknown) => e);
    expect(owner).toBe(process.pid);
    expect((error as Error).message).toMatch(new RegExp(`Another process \\(pid ${process.pid}\\) has held a lock`));
    expect(readdirSync(join(lock, '..'))).toEqual(['.lock']);
  });
});
