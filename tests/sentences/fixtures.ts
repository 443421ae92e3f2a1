import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export { TOKENIZER_DIR as FIXTURE_TOKENIZER_DIR } from '../helpers/paths.ts';
export const HER_SET_FILE = fileURLToPath(new URL('../../content/sets/her.yaml', import.meta.url));

export interface ExpectedEntry {
  label: string;
  text: string;
  ids: number[];
  pieces: string[];
}

export interface ExpectedTokenization {
  lecture: ExpectedEntry[];
  awkward: ExpectedEntry[];
}

/** tests/fixtures/tokenization-expected.json, written by scripts/reference/openai_bpe.py. */
export function expectedTokenization(): ExpectedTokenization {
  const url = new URL('../fixtures/tokenization-expected.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as ExpectedTokenization;
}
