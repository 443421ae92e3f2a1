import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every file, folder and link under `root` with what it holds (a hash of a file's bytes, a
 * link's target), by relative path: two snapshots taken around a command show exactly what
 * it changed or removed.
 */
export function snapshot(root: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const info = lstatSync(path);
      const key = relative(root, path);
      if (info.isSymbolicLink()) entries.set(key, `link ${readlinkSync(path)}`);
      else if (info.isDirectory()) {
        entries.set(key, 'folder');
        walk(path);
      } else entries.set(key, `file ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    }
  };
  walk(root);
  return entries;
}

/** Entries of `before` that are gone or different in `after`. */
export function lostOrChanged(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before].filter(([key, value]) => after.get(key) !== value).map(([key]) => key);
}
