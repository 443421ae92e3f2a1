import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError } from '../errors.ts';
import { decodeNpy, type NpyArray } from '../io/npy.ts';
import type { LayerStats, Manifest, Metric } from '../output-schema.ts';

/**
 * An analysis output folder (the public format of `qkv-atlas analyze`), read lazily and
 * once: every page of a set reads the same few files, so each is parsed a single time per
 * build.
 */
export interface Analysis {
  /** the set's name: its URL segment */
  name: string;
  dir: string;
  manifest: Manifest;
  layers: number[];
  stats(layer: number): LayerStats;
  /** the stride-sampled similarity matrix preview (square; docs/stats-format.md) */
  similarity(layer: number, metric: Metric, condition: 'target' | 'nontarget'): NpyArray;
  /** a file of the folder, as bytes (for the downloads) */
  file(...parts: string[]): Uint8Array<ArrayBuffer>;
}

const loaded = new Map<string, Analysis>();

export function loadAnalysis(dir: string): Analysis {
  const known = loaded.get(dir);
  if (known) return known;
  const manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  if (manifest.schema !== 1) {
    throw new AtlasError(
      `The analysis output has schema ${String(manifest.schema)}; this report reads schema 1.`,
      join(dir, 'manifest.json'),
      'delete the folder so that the build computes it again.',
    );
  }
  const stats = new Map<number, LayerStats>();
  const analysis: Analysis = {
    name: manifest.set.name,
    dir,
    manifest,
    layers: manifest.layers,
    stats(layer) {
      let value = stats.get(layer);
      if (!value) {
        if (!manifest.layers.includes(layer)) throw new Error(`layer ${layer} was not analysed (layers: ${manifest.layers.join(', ')})`);
        value = readJson<LayerStats>(join(dir, 'stats', `layer-${layer}.json`));
        stats.set(layer, value);
      }
      return value;
    },
    similarity(layer, metric, condition) {
      const path = join(dir, 'stats', `layer-${layer}-similarity-${metric}-${condition}.npy`);
      // a plain Uint8Array: decodeNpy's slice() must copy, which a Node Buffer's slice() does not
      return decodeNpy(new Uint8Array(readFileSync(path)), path);
    },
    file(...parts) {
      return readFileSync(join(dir, ...parts));
    },
  };
  loaded.set(dir, analysis);
  return analysis;
}

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AtlasError('A file of the analysis output is missing.', path, 'delete the folder so that the build computes it again.', { cause: error });
  }
  return JSON.parse(text) as T;
}
