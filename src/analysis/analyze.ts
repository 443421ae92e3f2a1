import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from './io/atomic.ts';
import { encodeNpyFloat32 } from './io/npy.ts';
import { readNpyFloat32 } from './io/npy-rows.ts';
import { StagedDirectory } from './io/output-dir.ts';
import { writeActivations } from './activations.ts';
import { HookedModel, type Device } from './model/hooked-model.ts';
import { resolveModel } from './model/resolve.ts';
import { loadTokenizer } from './model/tokenizer.ts';
import { loadSetFile, resolveLayers, type SetWarning } from './sentences/set-file.ts';
import { locateInSet } from './sentences/locate.ts';
import { layerStatsInOrder } from './stats/index.ts';
import { METRICS, type Manifest } from './format.ts';

export interface AnalyzeOptions {
  setFile: string;
  /** a hub id or a folder; default: the set's `model` */
  model?: string;
  revision?: string;
  out: string;
  offline?: boolean;
  device?: Device;
  /** progress and warnings, one line each */
  log?: (line: string) => void;
  onDownload?: (progress: { file: string; bytes: number; total: number }) => void;
}

export interface AnalyzeResult {
  manifest: Manifest;
  warnings: SetWarning[];
  out: string;
}

/**
 * The whole analysis of one sentence set: set file → tokenizer → hooked model →
 * activations → statistics, written to `out` in the public format (docs/output-format.md).
 * The folder is replaced only when everything is written.
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalyzeResult> {
  const log = options.log ?? (() => {});
  const { set, warnings } = loadSetFile(options.setFile);
  for (const warning of warnings) log(`warning: ${warning.message} (${warning.where})`);

  let started = performance.now();
  const resolved = await resolveModel(options.model ?? set.model, {
    revision: options.revision,
    offline: options.offline,
    onProgress: options.onDownload,
  });
  const tokenizer = await loadTokenizer(resolved.dir);
  const model = await HookedModel.load(resolved.files, { device: options.device });
  const { n_layer, n_head, n_embd } = model.config;
  const located = locateInSet(set, tokenizer, model.config.n_positions);
  const layers = resolveLayers(set, n_layer);
  await model.prepare(layers.map((layer) => `blocks.${layer}.attn.hook_qkv`));
  const load = seconds(started);
  log(`model ${resolved.id} ready (${resolved.source}, ${n_layer} layers, d = ${n_embd}) in ${load.toFixed(2)} s`);

  // the activations are streamed into the output folder as the model makes them, and the
  // statistics read them back one layer at a time: memory holds a batch, then a few layers
  const output = await StagedDirectory.create(options.out);
  try {
    started = performance.now();
    const width = 3 * n_embd;
    const nSentences = located.sentences.length;
    const activationFile = (layer: number, which: 'target' | 'nontarget') => output.path('activations', `layer-${layer}-${which}.npy`);
    await mkdir(output.path('activations'), { recursive: true });
    // the session's memory goes as soon as the forward pass is done, or has failed
    const computed = await writeActivations(model, located.sentences, layers, activationFile).finally(() => model.dispose());
    const forward = seconds(started);
    log(`forward pass: ${nSentences} sentences, ${layers.length} hooked layers in ${forward.toFixed(2)} s`
      + ` (${computed.tokens} tokens up to the last needed position, ${computed.slots} with padding, ${computed.batches} batches)`);

    started = performance.now();
    const results = layerStatsInOrder(layers.length, (i) => ({
      layer: layers[i],
      target: readNpyFloat32(activationFile(layers[i], 'target'), [nSentences, width], { shared: true }),
      nontarget: readNpyFloat32(activationFile(layers[i], 'nontarget'), [nSentences, width], { shared: true }),
      nSentences, nEmbd: n_embd, nHead: n_head, seed: set.seed,
    }));
    let index = 0;
    for await (const { stats, previews } of results) {
      const layer = layers[index++];
      await writeFileAtomic(output.path('stats', `layer-${layer}.json`), JSON.stringify(stats));
      for (const metric of METRICS) {
        for (const condition of ['target', 'nontarget'] as const) {
          const preview = previews[metric];
          await writeFileAtomic(output.path('stats', `layer-${layer}-similarity-${metric}-${condition}.npy`),
            encodeNpyFloat32(preview[condition], [preview.size, preview.size]));
        }
      }
      log(`statistics: layer ${layer} done`);
    }
    const stats = seconds(started);

    const manifest: Manifest = {
      schema: 1,
      model: { id: resolved.id, revision: resolved.revision, n_layer, n_head, n_embd },
      set: {
        name: set.name, title: set.title, description: set.description, target: set.target,
        compare: set.compare.label, seed: set.seed, hash: set.hash,
      },
      sentences: located.sentences.map((sentence) => ({
        text: sentence.text,
        ids: sentence.ids,
        tokens: tokenizer.tokens(sentence.ids),
        target: sentence.target,
        nontarget: sentence.nontarget,
      })),
      layers,
      seconds: { load: round(load), forward: round(forward), stats: round(stats) },
      versions: versions(),
    };
    // the manifest is written last: a folder with a manifest is a complete analysis
    await writeFileAtomic(output.path('manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    await output.commit();
    log(`wrote ${output.target}`);
    return { manifest, warnings, out: output.target };
  } catch (error) {
    await output.abandon();
    throw error;
  }
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Versions of the code that computed the numbers, recorded for reproducibility. */
export function versions(): Record<string, string> {
  const read = (path: string): string => {
    try {
      return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')).version as string;
    } catch {
      return 'unknown';
    }
  };
  return {
    'qkv-atlas': read('../../package.json'),
    'onnxruntime-node': read('../../node_modules/onnxruntime-node/package.json'),
    '@huggingface/transformers': read('../../node_modules/@huggingface/transformers/package.json'),
  };
}
