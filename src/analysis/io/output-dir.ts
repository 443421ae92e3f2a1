import { mkdir, rename, rm, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAlive } from './lock.ts';

/**
 * An output folder that appears whole or not at all: everything is written into a staging
 * folder beside it, which replaces the old folder only once complete. An interrupted run
 * leaves the previous output intact and a staging folder that the next run clears.
 */
export class StagedDirectory {
  readonly target: string;
  readonly staging: string;

  private constructor(target: string, staging: string) {
    this.target = target;
    this.staging = staging;
  }

  static async create(target: string): Promise<StagedDirectory> {
    const absolute = resolve(target);
    const parent = dirname(absolute);
    await mkdir(parent, { recursive: true });
    await clearAbandoned(parent, basename(absolute));
    const staging = join(parent, `.${basename(absolute)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { recursive: true });
    return new StagedDirectory(absolute, staging);
  }

  path(...parts: string[]): string {
    return join(this.staging, ...parts);
  }

  /** Puts the finished folder in place of the old one. */
  async commit(): Promise<void> {
    const old = `${this.staging}.old`;
    let moved = false;
    try {
      await rename(this.target, old);
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      await rename(this.staging, this.target);
    } catch (error) {
      if (moved) await rename(old, this.target);
      throw error;
    }
    if (moved) await rm(old, { recursive: true, force: true });
  }

  async abandon(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}

/** Staging folders of runs that died (their process is gone) are removed. */
async function clearAbandoned(parent: string, name: string): Promise<void> {
  const prefix = `.${name}.staging-`;
  for (const entry of await readdir(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (pid !== process.pid && !isAlive(pid)) await rm(join(parent, entry), { recursive: true, force: true });
  }
}
