import { CONDITIONS, METRICS, PAIR_TYPES, type LayerStats, type Manifest, type Summary } from '../output-schema.ts';
import { toCsv, type CsvValue } from './csv.ts';
import type { Analysis } from './load.ts';
import { publicModelId } from './model-name.ts';
import { COMPARISONS } from '../shapes.ts';

/**
 * The files of `/{set}/data/`: the analysis output as published (manifest, per-layer JSON,
 * activations and similarity previews as .npy), plus tidy CSV made from the JSON.
 */

export interface Download {
  /** file name under /{set}/data/ */
  file: string;
  /** what it holds, for the data page */
  description: string;
  kind: 'json' | 'csv' | 'npy';
  layer: number | null;
  bytes: () => Uint8Array<ArrayBuffer>;
}

export const TIDY_HEADER = ['layer', 'metric', 'condition', 'pair', 'statistic', 'bin_lower', 'bin_upper', 'head_a', 'head_b', 'value'] as const;

const SUMMARY_STATISTICS: [string, (s: Summary) => number][] = [
  ['n', (s) => s.n],
  ['undefined', (s) => s.undefined],
  ['mean', (s) => s.mean],
  ['sd', (s) => s.sd],
  ['median', (s) => s.median],
  ['mean_abs', (s) => s.meanAbs],
  ['share_abs_over_0.5', (s) => s.shareAbsOver05],
  ['min', (s) => s.min],
  ['max', (s) => s.max],
  ['p01', (s) => s.quantiles.p01],
  ['p05', (s) => s.quantiles.p05],
  ['p25', (s) => s.quantiles.p25],
  ['p75', (s) => s.quantiles.p75],
  ['p95', (s) => s.quantiles.p95],
  ['p99', (s) => s.quantiles.p99],
];

/** Rows of one layer in tidy form: one row per statistic, per histogram bin, per head pair. */
export function* tidyRows(stats: LayerStats, options: { bins: boolean; heads: boolean }): Generator<CsvValue[]> {
  const { layer } = stats;
  for (const metric of METRICS) {
    const m = stats[metric];
    for (const condition of CONDITIONS) {
      for (const pair of PAIR_TYPES) {
        const summary = m[condition][pair];
        for (const [name, get] of SUMMARY_STATISTICS) yield [layer, metric, condition, pair, name, null, null, null, null, get(summary)];
        if (options.bins) {
          for (let i = 0; i < summary.density.length; i++) {
            yield [layer, metric, condition, pair, 'density', stats.edges[i], stats.edges[i + 1], null, null, summary.density[i]];
          }
        }
      }
    }
    for (const [comparison] of COMPARISONS) {
      for (const pair of PAIR_TYPES) {
        const c = m.comparisons[comparison][pair];
        yield [layer, metric, comparison, pair, 'ks', null, null, null, null, c.ks];
        yield [layer, metric, comparison, pair, 'wasserstein', null, null, null, null, c.wasserstein];
        yield [layer, metric, comparison, pair, 'sd_ratio', null, null, null, null, c.sdRatio];
      }
    }
    if (options.heads) {
      for (const side of ['target', 'nontarget'] as const) {
        for (const pair of PAIR_TYPES) {
          const matrix = m.heads[side][pair];
          for (let a = 0; a < matrix.length; a++) {
            for (let b = 0; b < matrix[a].length; b++) yield [layer, metric, side, pair, 'head_mean_abs', null, null, a, b, matrix[a][b]];
          }
        }
      }
    }
  }
}

export function layerCsv(stats: LayerStats): string {
  return toCsv(TIDY_HEADER, tidyRows(stats, { bins: true, heads: true }));
}

/** Statistics and comparisons of every layer, without bins or heads: the table to start from in pandas. */
export function summaryCsv(analysis: Analysis): string {
  function* rows(): Generator<CsvValue[]> {
    for (const layer of analysis.layers) yield* tidyRows(analysis.stats(layer), { bins: false, heads: false });
  }
  return toCsv(TIDY_HEADER, rows());
}

/**
 * The manifest as the site publishes it: the analysis output's manifest.json without
 * `seconds`. Those are the wall-clock timings of the run that computed the analysis; they
 * differ from one run to the next, so publishing them would make two builds from the same
 * inputs differ (and they say nothing about the statistics). A local model is named by its
 * folder's name, not the building machine's path. Everything else is kept, in the same layout
 * as `qkv-atlas analyze` writes it.
 */
export function publishedManifest(manifest: Manifest): string {
  const { seconds: _timings, ...published } = manifest;
  const model = { ...published.model, id: publicModelId(published.model) };
  return JSON.stringify({ ...published, model }, null, 1) + '\n';
}

export function downloads(analysis: Analysis): Download[] {
  const files: Download[] = [
    {
      file: 'manifest.json',
      kind: 'json',
      layer: null,
      description:
        "the model, the set, every sentence with its token ids and the target and comparison positions (the analysis output's manifest without its run timings)",
      bytes: () => new TextEncoder().encode(publishedManifest(analysis.manifest)),
    },
    {
      file: 'summary.csv',
      kind: 'csv',
      layer: null,
      description: 'statistics and comparisons of every layer (tidy: one row per statistic)',
      bytes: () => new TextEncoder().encode(summaryCsv(analysis)),
    },
  ];
  for (const layer of analysis.layers) {
    files.push(
      {
        file: `layer-${layer}.json`,
        kind: 'json',
        layer,
        description: 'all statistics of the layer (the analysis output as is)',
        bytes: () => analysis.file('stats', `layer-${layer}.json`),
      },
      {
        file: `layer-${layer}.csv`,
        kind: 'csv',
        layer,
        description: 'statistics, histogram bins and per-head values (tidy)',
        bytes: () => new TextEncoder().encode(layerCsv(analysis.stats(layer))),
      },
      {
        file: `layer-${layer}-target.npy`,
        kind: 'npy',
        layer,
        description: 'activations at the target token [sentences, 3·d] (Q | K | V)',
        bytes: () => analysis.file('activations', `layer-${layer}-target.npy`),
      },
      {
        file: `layer-${layer}-nontarget.npy`,
        kind: 'npy',
        layer,
        description: 'activations at the comparison token [sentences, 3·d]',
        bytes: () => analysis.file('activations', `layer-${layer}-nontarget.npy`),
      },
    );
    for (const metric of METRICS) {
      for (const side of ['target', 'nontarget'] as const) {
        const name = `layer-${layer}-similarity-${metric}-${side}.npy`;
        files.push({
          file: name,
          kind: 'npy',
          layer,
          description: `${metric} similarity matrix, every s-th neuron, exact entries (${side === 'target' ? 'target' : 'comparison'} token)`,
          bytes: () => analysis.file('stats', name),
        });
      }
    }
  }
  return files;
}
