import { lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { AtlasError } from '../errors.ts';

/**
 * The one rule for every path a command writes to (analyze --out, make-model --out, new-set):
 * it writes only where nothing of the user's can be lost. A folder output may be a path that
 * does not exist yet, an empty folder, or a complete earlier output of the same command,
 * recognised by what only that command writes. Anything else is refused before any work is
 * done, with one message, and nothing is touched. An output that is, contains or lies inside
 * one of the command's inputs (the set file, the model folder) is refused too, whatever it
 * holds, comparing real paths so that a symbolic link cannot hide the overlap.
 */

export interface ProtectedPath {
  path: string;
  /** how the message names it, e.g. "the set file" */
  what: string;
}

export interface FolderRule {
  /** the option that names the output, for messages: "--out" */
  option: string;
  /** what the command writes, for messages: "an analysis" */
  writes: string;
  /** null when `dir` (which exists and is not empty) holds a complete earlier output of the
   * command, which may be replaced; otherwise why not, for the message */
  recognise: (dir: string) => Promise<string | null>;
  protect?: ProtectedPath[];
}

type FolderState = 'absent' | 'empty' | 'earlier';

interface CheckedOutput {
  /** the output's real absolute path: symbolic links in the existing part resolved */
  path: string;
  state: FolderState;
}

const NAME_MAX = 255;
const EXAMPLES = 3;

/** Checks a folder output against the rule; throws one AtlasError when it may not be written. */
export async function checkOutputFolder(target: string, rule: FolderRule): Promise<CheckedOutput> {
  const where = `${rule.option} ${target}`;
  const located = await locate(target, where, rule.option);
  await refuseOverlap(located.path, rule.protect ?? [], where, rule.option);
  if (!located.exists) return { path: located.path, state: 'absent' };

  const info = await stat(located.path);
  if (!info.isDirectory()) {
    throw new AtlasError(
      `The output ${located.path} is a file, not a folder; it was left as it is.`,
      where,
      `name a folder that does not exist yet (or an empty one) for ${rule.option}.`,
    );
  }
  let entries: string[];
  try {
    entries = await readdir(located.path);
  } catch (error) {
    throw folderError(located.path, where, rule.option, error);
  }
  if (entries.length === 0) return { path: located.path, state: 'empty' };
  const why = await rule.recognise(located.path);
  if (why === null) return { path: located.path, state: 'earlier' };
  throw new AtlasError(
    `The output folder is not empty and is not ${rule.writes} written by qkv-atlas: ${why}. Nothing was changed.`,
    where,
    `name a folder that does not exist yet or an empty one for ${rule.option}; qkv-atlas replaces only a complete ${rule.writes.replace(/^an? /, '')} of its own.`,
  );
}

/** Checks a single-file output (new-set): the file must not exist in any form, not even as a link. */
export async function checkOutputFile(target: string, option: string, protect: ProtectedPath[] = []): Promise<string> {
  const located = await locate(target, target, option);
  await refuseOverlap(located.path, protect, target, option);
  if (located.exists) {
    throw new AtlasError('The file already exists; it was left as it is.', target, 'choose another name, or edit the existing file.');
  }
  return located.path;
}

interface Located {
  path: string;
  exists: boolean;
}

/**
 * The real path of `target` and whether it exists. The deepest part that exists is resolved
 * through symbolic links; the rest is appended. Every way a path can be unusable (the root,
 * a name too long, a path below a file, a link that points nowhere or to itself) becomes one
 * message here, before any work, rather than a failure after the whole analysis.
 */
async function locate(target: string, where: string, option: string): Promise<Located> {
  if (target.trim() === '') throw new AtlasError('The output path is empty.', where, `give ${option} a folder name, e.g. out/result.`);
  if (target.includes('\0')) throw new AtlasError('The output path contains a NUL character.', where, `give ${option} an ordinary path.`);
  const absolute = resolve(target);
  if (dirname(absolute) === absolute) {
    throw new AtlasError('The output is the root of the file system, which is never written over.', where, `name a new folder for ${option}, e.g. out/result.`);
  }
  const long = absolute.split(sep).find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (long !== undefined) {
    throw new AtlasError(
      `A name in the output path is ${Buffer.byteLength(long)} bytes long; file systems allow at most ${NAME_MAX}.`,
      where,
      `give ${option} a shorter folder name.`,
    );
  }
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      await lstat(existing);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(existing) !== existing) {
        missing.unshift(basename(existing));
        existing = dirname(existing);
        continue;
      }
      throw folderError(existing, where, option, error);
    }
  }
  let real: string;
  try {
    real = await realpath(existing);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new AtlasError(
        `The output ${existing} is a symbolic link to something that does not exist; it was left as it is.`,
        where,
        `name a folder that does not exist yet for ${option}, or remove the link.`,
      );
    }
    throw folderError(existing, where, option, error);
  }
  if (missing.length > 0 && !(await stat(real)).isDirectory()) {
    throw new AtlasError(
      `The output path lies below ${existing}, which is a file, not a folder; nothing was changed.`,
      where,
      `give ${option} a path whose folders are folders, e.g. out/result.`,
    );
  }
  return { path: join(real, ...missing), exists: missing.length === 0 };
}

async function refuseOverlap(output: string, protect: ProtectedPath[], where: string, option: string): Promise<void> {
  for (const input of protect) {
    let real: string;
    try {
      real = await realpath(input.path);
    } catch {
      real = resolve(input.path);
    }
    const relation = output === real ? 'is' : inside(output, real) ? 'lies inside' : inside(real, output) ? 'contains' : null;
    if (relation === null) continue;
    throw new AtlasError(
      `The output ${relation} ${input.what} (${real}), which would be overwritten; nothing was changed.`,
      where,
      `give ${option} a folder apart from ${input.what}, e.g. out/result.`,
    );
  }
}

/** Whether `path` lies strictly inside `folder`. */
function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
}

/**
 * Creates a folder and its missing parents, one level at a time. Node's own recursive mkdir
 * retries a parent for ever when the file system answers ENOENT for a folder that exists
 * (as /proc does), which hung `--out /proc/x` at full CPU. Returns the folders it created.
 */
export async function makeFolders(path: string): Promise<string[]> {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      if ((await stat(current)).isDirectory()) break;
      throw Object.assign(new Error(`${current} is not a folder`), { code: 'ENOTDIR' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) throw error;
      missing.unshift(current);
      current = dirname(current);
    }
  }
  const created: string[] = [];
  for (const folder of missing) {
    try {
      await mkdir(folder);
      created.push(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return created;
}

/** One message for a folder that cannot be examined or created. */
export function folderError(path: string, where: string, option: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'the file system does not let a folder be created there',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ENAMETOOLONG: 'the path is too long',
    ELOOP: 'symbolic links in the path point to each other in a loop',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EEXIST: 'something of that name appeared at the same time',
  };
  const reason = code === undefined ? undefined : reasons[code];
  if (reason === undefined) return error;
  return new AtlasError(
    `The output ${path} cannot be used: ${reason}. Nothing was changed.`,
    where,
    `name a folder you can write to for ${option}, e.g. out/result.`,
    { cause: error },
  );
}

/** Up to three entries of a folder (relative paths), for a message. */
export function examples(names: string[]): string {
  const shown = names.slice(0, EXAMPLES).join(', ');
  return names.length > EXAMPLES ? `${shown} and ${names.length - EXAMPLES} more` : shown;
}
