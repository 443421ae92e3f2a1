import { cp, mkdir, rename, rm, readdir, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { isAlive } from './lock.ts';
import { folderError, makeFolders } from './safe-output.ts';

/**
 * An output folder that appears whole or not at all: everything is written into a staging
 * folder beside it, which replaces the old folder only once complete. An interrupted run
 * leaves the previous output intact and a staging folder that the next run clears.
 */
interface StagingOptions {
  /** the option that named the folder, for messages (default "--out") */
  option?: string;
  /** run just before the old folder is replaced: throws when it may no longer be (something
   * of the user's appeared there while the command ran) */
  beforeReplace?: () => Promise<void>;
}

export class StagedDirectory {
  readonly target: string;
  readonly staging: string;
  private readonly beforeReplace?: () => Promise<void>;
  /** parent folders that create() made, removed again by abandon() when still empty */
  private readonly madeParents: string[];

  private constructor(target: string, staging: string, beforeReplace: (() => Promise<void>) | undefined, madeParents: string[]) {
    this.target = target;
    this.staging = staging;
    this.beforeReplace = beforeReplace;
    this.madeParents = madeParents;
  }

  /** Creates the staging folder now, so that an output that cannot be written is found before any work. */
  static async create(target: string, options: StagingOptions = {}): Promise<StagedDirectory> {
    const absolute = resolve(target);
    const parent = dirname(absolute);
    const staging = join(parent, `${stagingPrefix(basename(absolute))}${process.pid}-${randomBytes(4).toString('hex')}`);
    let made: string[] = [];
    try {
      made = await makeFolders(parent);
      await clearAbandoned(parent, basename(absolute));
      // not recursive: the parent exists, and a recursive mkdir loops for ever where the file system refuses (/proc)
      await mkdir(staging);
    } catch (error) {
      throw folderError(absolute, `${options.option ?? '--out'} ${target}`, options.option ?? '--out', error);
    }
    return new StagedDirectory(absolute, staging, options.beforeReplace, made);
  }

  path(...parts: string[]): string {
    return join(this.staging, ...parts);
  }

  /** Puts the finished folder in place of the old one. */
  async commit(): Promise<void> {
    await this.beforeReplace?.();
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

  /**
   * For an output folder that cannot be renamed (a mount point: EBUSY, EXDEV): its contents
   * are replaced instead, once everything is written. Not atomic, but only this last step is
   * exposed to an interruption rather than the whole run.
   */
  async commitInPlace(): Promise<void> {
    await this.beforeReplace?.();
    for (const entry of await readdir(this.target)) await rm(join(this.target, entry), { recursive: true, force: true });
    await cp(this.staging, this.target, { recursive: true, verbatimSymlinks: true });
    await rm(this.staging, { recursive: true, force: true });
  }

  /** Removes the staging folder and the parents create() made, so a failed run leaves no trace. */
  async abandon(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
    for (const folder of [...this.madeParents].reverse()) {
      // rmdir removes only an empty folder: one that something else has written into stays
      if (
        !(await rmdir(folder).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  }
}

/** `.NAME.staging-`; a long NAME is shortened (with a hash, to stay distinct) so that the staging
 * folder's name still fits the file system's 255 bytes wherever NAME itself does. */
function stagingPrefix(name: string): string {
  const short = Buffer.byteLength(name) <= 200 ? name : `${name.slice(0, 40)}~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
  return `.${short}.staging-`;
}

/**
 * Staging folders of runs that died (their process is gone) are removed. A run killed between
 * the two renames of commit() left the previous output set aside as `….old` and nothing in
 * its place: that output is put back first, so it is never lost.
 */
async function clearAbandoned(parent: string, name: string): Promise<void> {
  const prefix = stagingPrefix(name);
  const entries = (await readdir(parent)).filter((entry) => entry.startsWith(prefix));
  for (const entry of entries) {
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (pid === process.pid || isAlive(pid)) continue;
    if (entry.endsWith('.old')) {
      try {
        await rename(join(parent, entry), join(parent, name));
        continue;
      } catch {
        // the output is in place: this is the previous one, set aside before the process died
      }
    }
    await rm(join(parent, entry), { recursive: true, force: true });
  }
}
