import { fileURLToPath } from 'node:url';

/** Absolute path of a file under tests/fixtures. */
export function fixture(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}
