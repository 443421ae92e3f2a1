import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * What decides whether a cached analysis still holds: the set file's bytes, the model's
 * revision (a hub commit, or for a local folder its config and the weights' size and
 * modification time), and the version of the code that computes the numbers (a hash over
 * src/analysis, without the report code, which runs after the cache). A change to prose,
 * styles, pages or the report layer therefore never reruns the model.
 */

export interface KeyInputs {
  setHash: string;
  modelId: string;
  modelRevision: string;
  codeVersion: string;
}

export function analysisKey(inputs: KeyInputs): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

/** A local model folder's revision: hash of config.json with the weights' size and mtime. */
export function localModelRevision(configFile: string, weightsFile: string): string {
  const weights = statSync(weightsFile);
  return createHash('sha256')
    .update(readFileSync(configFile))
    .update(`\0${weights.size}\0${Math.round(weights.mtimeMs)}`)
    .digest('hex')
    .slice(0, 16);
}

/** Hash over the analysis code (every file under `analysisDir` except `report/`) and the runtime's version. */
export function analysisCodeVersion(analysisDir: string, runtimeVersions: Record<string, string>): string {
  const hash = createHash('sha256');
  const files = readdirSync(analysisDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .map((file) => ({ file, name: relative(analysisDir, file).split(sep).join('/') }))
    .filter(({ name }) => !name.startsWith('report/'))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const { file, name } of files) hash.update(`${name}\0`).update(readFileSync(file)).update('\0');
  hash.update(JSON.stringify(runtimeVersions));
  return hash.digest('hex').slice(0, 16);
}
