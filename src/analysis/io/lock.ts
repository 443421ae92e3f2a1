import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AtlasError } from '../errors.ts';

/**
 * A lock folder shared by processes (two builds started at once on the same cache): `mkdir`
 * is atomic, the owner's pid is written inside, and a lock whose owner has died (an
 * interrupted build) is taken over, so no manual cleaning is ever needed.
 */
export interface LockOptions {
  /** called once when the lock is held by another live process */
  onWait?: (ownerPid: number) => void;
  /** give up after this long (default 30 minutes: an analysis of a large set) */
  timeoutMs?: number;
  pollMs?: number;
}

export async function withLock<T>(lockDir: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { timeoutMs = 30 * 60_000, pollMs = 200 } = options;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      await mkdir(lockDir, { recursive: false });
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await mkdir(join(lockDir, '..'), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw error;
    }
    const owner = await ownerOf(lockDir);
    if (owner !== null && !isAlive(owner)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (owner !== null && !told) {
      options.onWait?.(owner);
      told = true;
    }
    if (Date.now() - started > timeoutMs) {
      throw new AtlasError(
        `Another process (pid ${owner ?? 'unknown'}) has held a lock for over ${Math.round(timeoutMs / 60_000)} minutes.`,
        lockDir,
        'wait for the other build to finish; if no other build is running, delete this folder.',
      );
    }
    await sleep(pollMs);
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function ownerOf(lockDir: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(join(lockDir, 'pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    // the owner has made the folder but not yet written its pid
    return null;
  }
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
