import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { METRICS } from './output-schema.ts';
import { examples } from './io/safe-output.ts';

/**
 * The files of one analysis folder (docs/output-format.md), named in one place: analyze
 * writes exactly these, and an existing folder is recognised as a complete earlier analysis,
 * which analyze may replace, only when it holds all of them and nothing else. A folder with
 * one file more (a user's notes) is therefore never replaced, so nothing of the user's is lost.
 */

export const MANIFEST = 'manifest.json';
/** The mark of an analysis that the site's build made for its cache (src/integration); the
 * build's clean-up removes only folders that carry it. */
export const CACHE_MARK = '.qkv-atlas-cache';

export const activationFile = (layer: number, which: 'target' | 'nontarget'): string => `activations/layer-${layer}-${which}.npy`;
export const statsFile = (layer: number): string => `stats/layer-${layer}.json`;
export const similarityFile = (layer: number, metric: string, condition: 'target' | 'nontarget'): string =>
  `stats/layer-${layer}-similarity-${metric}-${condition}.npy`;

/** Every file of a complete analysis of these layers, as relative paths with "/". */
function analysisFiles(layers: number[]): string[] {
  const files = [MANIFEST];
  for (const layer of layers) {
    files.push(activationFile(layer, 'target'), activationFile(layer, 'nontarget'), statsFile(layer));
    for (const metric of METRICS) for (const condition of ['target', 'nontarget'] as const) files.push(similarityFile(layer, metric, condition));
  }
  return files;
}

/** A manifest larger than this is not one that analyze wrote (a million sentences make ~500 MB). */
const MANIFEST_LIMIT = 1 << 30;

/** null when `dir` holds a complete analysis written by qkv-atlas and nothing else; otherwise why not. */
export async function whyNotAnAnalysis(dir: string): Promise<string | null> {
  let manifest: { schema?: unknown; versions?: Record<string, unknown>; layers?: unknown };
  try {
    if ((await stat(join(dir, MANIFEST))).size > MANIFEST_LIMIT) return `its ${MANIFEST} is not one that qkv-atlas writes`;
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
  } catch {
    // only the top level: the folder may be a whole home directory
    return `it holds ${examples((await readdir(dir)).sort())} and no ${MANIFEST} of an analysis`;
  }
  const layers = manifest?.layers;
  if (
    manifest?.schema !== 1 ||
    typeof manifest.versions?.['qkv-atlas'] !== 'string' ||
    !Array.isArray(layers) ||
    !layers.every((layer) => Number.isSafeInteger(layer) && layer >= 0)
  ) {
    return `its ${MANIFEST} is not the manifest of a qkv-atlas analysis (schema 1)`;
  }
  const expected = new Set([...analysisFiles(layers as number[]), CACHE_MARK]);
  const found = await listFiles(dir);
  const foreign = found.filter((file) => !expected.has(file));
  if (foreign.length > 0) return `besides an analysis it holds ${examples(foreign)}`;
  const present = new Set(found);
  const missing = analysisFiles(layers as number[]).filter((file) => !present.has(file));
  if (missing.length > 0) return `the analysis in it is not complete (${examples(missing)} missing)`;
  return null;
}

/** Every file and folder below `dir` that is not one of an analysis' two folders, as relative paths. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => ({ entry, name: relative(dir, join(entry.parentPath, entry.name)) }))
    .filter(({ entry, name }) => !(entry.isDirectory() && (name === 'activations' || name === 'stats')))
    .map(({ name }) => name.split(sep).join('/'))
    .sort();
}
