import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKENIZER_DIR, fixture } from './paths.ts';

const TOKENIZER_FILES = ['vocab.json', 'merges.txt', 'tokenizer.json', 'tokenizer_config.json'];

/** A model folder in Hugging Face layout: a checkpoint fixture plus GPT-2's tokenizer files. */
export function modelFolder(checkpoint: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-atlas-model-'));
  for (const file of ['config.json', 'model.safetensors']) copyFileSync(fixture(`${checkpoint}/${file}`), join(dir, file));
  for (const file of TOKENIZER_FILES) copyFileSync(join(TOKENIZER_DIR, file), join(dir, file));
  return dir;
}
