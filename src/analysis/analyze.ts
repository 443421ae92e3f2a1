import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './io/atomic.ts';
import { encodeNpyFloat32 } from './io/npy.ts';
import { StagedDirectory } from './io/output-dir.ts';
import { checkOutputFolder, makeFolders, type FolderRule, type ProtectedPath } from './io/safe-output.ts';
import { CACHE_MARK, MANIFEST, activationFile, similarityFile, statsFile, whyNotAnAnalysis } from './analysis-folder.ts';
import { writeActivations } from './activations.ts';
import { HookedModel, type Device } from './model/hooked-model.ts';
import { expandHome, parseModelSpec, resolveModel } from './model/resolve.ts';
import { loadTokenizer } from './model/tokenizer.ts';
import { loadSetFile, resolveLayers, type SetWarning } from './sentences/set-file.ts';
import { locateInSet } from './sentences/locate.ts';
import { readLayerActivations } from './stats/layer-stats.ts';
import { layerStatsInOrder } from './stats/layers.ts';
import { METRICS, type Manifest } from './output-schema.ts';
import { BLOCK_COUNT } from './shapes.ts';

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
  /** marks the folder as an entry of the site's analysis cache (src/integration), whose
   * clean-up removes only folders that carry this mark; the text is the entry's key */
  cacheMark?: string;
}

export interface AnalyzeResult {
  manifest: Manifest;
  warnings: SetWarning[];
  out: string;
}

/**
 * The whole analysis of one sentence set: set file → tokenizer → hooked model →
 * activations → statistics, written to `out` in the public format (docs/output-format.md).
 * `out` must be a new or empty folder or a complete earlier analysis (src/analysis/io/safe-output.ts),
 * apart from the set file and the model; this is checked, and the staging folder created,
 * before the model is loaded. The folder is replaced only when everything is written.
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalyzeResult> {
  const log = options.log ?? (() => {});
  const { set, warnings } = loadSetFile(options.setFile);
  for (const warning of warnings) log(`warning: ${warning.message} (${warning.where})`);

  const modelSpec = options.model ?? set.model;
  const spec = parseModelSpec(modelSpec, options.revision);
  const protect: ProtectedPath[] = [{ path: options.setFile, what: 'the set file' }];
  if (spec.kind === 'local') protect.push({ path: expandHome(spec.path), what: 'the model folder' });
  const rule: FolderRule = { option: '--out', writes: 'an analysis', recognise: whyNotAnAnalysis, protect };
  // the real path: an --out that is a link to an earlier analysis replaces that analysis and keeps the link
  const { path: out } = await checkOutputFolder(options.out, rule);
  const output = await StagedDirectory.create(out, {
    beforeReplace: async () => {
      await checkOutputFolder(options.out, rule);
    },
  });
  try {
    return await analyzeInto(output, options, rule, { set, warnings, log });
  } catch (error) {
    await output.abandon();
    throw error;
  }
}

async function analyzeInto(
  output: StagedDirectory,
  options: AnalyzeOptions,
  rule: FolderRule,
  { set, warnings, log }: { set: ReturnType<typeof loadSetFile>['set']; warnings: SetWarning[]; log: (line: string) => void },
): Promise<AnalyzeResult> {
  let started = performance.now();
  const resolved = await resolveModel(options.model ?? set.model, {
    revision: options.revision,
    offline: options.offline,
    onProgress: options.onDownload,
  });
  // a hub model's folder is known only now: its snapshot and the blobs its files link to
  rule.protect?.push({ path: resolved.dir, what: 'the model folder' }, { path: dirname(resolved.files.weightsRealPath), what: "the model's weights folder" });
  await checkOutputFolder(options.out, rule);
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
  started = performance.now();
  const width = BLOCK_COUNT * n_embd;
  const nSentences = located.sentences.length;
  const activationPath = (layer: number, which: 'target' | 'nontarget') => output.path(activationFile(layer, which));
  await makeFolders(dirname(activationPath(layers[0], 'target')));
  // the session's memory goes as soon as the forward pass is done, or has failed
  const computed = await writeActivations(model, located.sentences, layers, activationPath).finally(() => model.dispose());
  const forward = seconds(started);
  log(
    `forward pass: ${nSentences} sentences, ${layers.length} hooked layers in ${forward.toFixed(2)} s` +
      ` (${computed.tokens} tokens up to the last needed position, ${computed.slots} with padding, ${computed.batches} batches)`,
  );

  started = performance.now();
  const results = layerStatsInOrder(layers.length, (i) => ({
    layer: layers[i],
    target: readLayerActivations(activationPath(layers[i], 'target'), nSentences, width),
    nontarget: readLayerActivations(activationPath(layers[i], 'nontarget'), nSentences, width),
    nSentences,
    nEmbd: n_embd,
    nHead: n_head,
    seed: set.seed,
  }));
  let index = 0;
  for await (const { stats, previews } of results) {
    const layer = layers[index++];
    await writeFileAtomic(output.path(statsFile(layer)), JSON.stringify(stats));
    for (const metric of METRICS) {
      for (const condition of ['target', 'nontarget'] as const) {
        const preview = previews[metric];
        await writeFileAtomic(output.path(similarityFile(layer, metric, condition)), encodeNpyFloat32(preview[condition], [preview.size, preview.size]));
      }
    }
    log(`statistics: layer ${layer} done`);
  }
  const stats = seconds(started);

  const manifest: Manifest = {
    schema: 1,
    model: { id: resolved.id, revision: resolved.revision, n_layer, n_head, n_embd },
    set: {
      name: set.name,
      title: set.title,
      description: set.description,
      target: set.target,
      compare: set.compare.label,
      seed: set.seed,
      hash: set.hash,
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
  if (options.cacheMark !== undefined) await writeFileAtomic(output.path(CACHE_MARK), `${options.cacheMark}\n`);
  // the manifest is written last: a folder with a manifest is a complete analysis
  await writeFileAtomic(output.path(MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
  await output.commit();
  log(`wrote ${output.target}`);
  return { manifest, warnings, out: output.target };
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
