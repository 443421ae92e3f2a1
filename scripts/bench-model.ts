/**
 * Model benchmark: a full-size random GPT-2 (the shape of GPT-2 small) on the lecture's
 * sentences. Prints time to a ready model, forward time for all 12 hooked layers, effective
 * GFLOP/s, the same FLOPs on numpy's float32 GEMM (same machine, same run) and peak RSS.
 *
 *   node scripts/bench-model.ts            (or through `npm run bench`)
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HookedModel } from '../src/analysis/model/hooked-model.ts';
import { qkvHook } from '../src/analysis/model/hooks.ts';
import { writeRandomModel } from '../src/analysis/model/random-model.ts';
import { loadTokenizer } from '../src/analysis/model/tokenizer.ts';
import { loadSetFile } from '../src/analysis/sentences/set-file.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_MODEL_DIR = `${root}.cache/models/random-gpt2-seed1`;

export async function ensureBenchModel(): Promise<string> {
  if (!existsSync(`${BENCH_MODEL_DIR}/model.safetensors`)) {
    console.log(`writing a random GPT-2 (gpt2 shape) to ${BENCH_MODEL_DIR} ...`);
    await writeRandomModel(BENCH_MODEL_DIR, { config: 'gpt2', seed: 1 });
  }
  return BENCH_MODEL_DIR;
}

/** Seconds numpy's float32 GEMM takes for the same matrix products, or null without numpy. */
function numpyGemmSeconds(tokens: number, d: number, layers: number, repeats: number): number | null {
  const program = `
import time, numpy as np
t, d, L = ${tokens}, ${d}, ${layers}
rng = np.random.default_rng(0)
x = rng.standard_normal((t, d), dtype=np.float32); h = rng.standard_normal((t, 4 * d), dtype=np.float32)
ws = [rng.standard_normal(s, dtype=np.float32) for s in [(d, 3 * d), (d, d), (d, 4 * d), (4 * d, d)]]
def once():
    for _ in range(L):
        x @ ws[0]; x @ ws[1]; x @ ws[2]; h @ ws[3]
once()
best = min((lambda s: (once(), time.perf_counter() - s)[1])(time.perf_counter()) for _ in range(${repeats}))
print(best)`;
  const env = { ...process.env };
  // set on some machines for old OpenBLAS builds; they slow a current numpy down
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync('python3', ['-c', program], { env, encoding: 'utf8' });
  if (result.status !== 0) return null;
  return Number(result.stdout.trim());
}

export async function runModelBench(): Promise<void> {
  const dir = await ensureBenchModel();
  const { set } = loadSetFile(`${root}content/sets/her.yaml`);
  const tokenizer = await loadTokenizer(dir);
  const sequences = set.sentences.map((s) => tokenizer.encode(s.text));
  const tokens = sequences.reduce((sum, s) => sum + s.length, 0);

  let started = performance.now();
  const model = await HookedModel.load({ config: `${dir}/config.json`, weights: `${dir}/model.safetensors` });
  const { n_layer, n_embd: d } = model.config;
  const hooks = Array.from({ length: n_layer }, (_, layer) => qkvHook(layer));
  await model.prepare(hooks);
  const ready = (performance.now() - started) / 1000;

  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    started = performance.now();
    await model.run(sequences, hooks);
    times.push((performance.now() - started) / 1000);
  }
  const first = times[0];
  const best = Math.min(...times.slice(1));
  const median = times.slice(1).sort((a, b) => a - b)[3];
  const flops = 2 * tokens * n_layer * (3 * d * d + d * d + 8 * d * d);
  const numpy = numpyGemmSeconds(tokens, d, n_layer, 5);

  console.log(`model: random GPT-2 (d = ${d}, ${n_layer} layers), ${sequences.length} sentences, ${tokens} real tokens (padded to ${Math.max(...sequences.map((s) => s.length))})`);
  console.log(`  ready (config, header, graph, onnxruntime session): ${ready.toFixed(3)} s`);
  console.log(`  forward, all ${n_layer} hooked layers: first ${first.toFixed(3)} s, then best ${best.toFixed(3)} s, median ${median.toFixed(3)} s`);
  console.log(`  useful FLOPs 2·tokens·n_layer·12d² = ${(flops / 1e9).toFixed(1)} G → ${(flops / median / 1e9).toFixed(1)} GFLOP/s effective (median)`);
  if (numpy === null) console.log('  numpy peer: skipped (python3 with numpy not found)');
  else console.log(`  numpy float32 GEMM, same FLOPs: ${numpy.toFixed(3)} s (${(flops / numpy / 1e9).toFixed(1)} GFLOP/s); forward / numpy = ${(median / numpy).toFixed(2)}`);
  console.log(`  peak RSS (this process): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  await model.dispose();
}

if (import.meta.main) await runModelBench();
