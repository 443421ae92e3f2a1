import { fileURLToPath } from 'node:url';

/** Absolute path of a file under tests/fixtures. */
export function fixture(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}

/** GPT-2's tokenizer as the project ships it (the demo model and `check` read the same folder). */
export const TOKENIZER_DIR = fileURLToPath(new URL('../../assets/gpt2-tokenizer/', import.meta.url));
