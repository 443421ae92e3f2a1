/**
 * Model benchmark: a full-size random GPT-2 (the shape of GPT-2 small), all 12 layers hooked,
 * through the forward pass analyze runs (each sentence stopped after its last needed position,
 * length buckets), on the lecture's sentences and on 2,000 generated ones. Its peer, in the same
 * run and alternating with it: numpy's float32 GEMM on the same FLOPs, 2·tokens·n_layer·12d²
 * for the tokens up to the last needed position.
 *
 *   node scripts/bench-model.ts [--rounds N] [--sweep] [--matmul] [--options]
 *     --sweep    forward time for other length buckets (how TOKENS_PER_BATCH and MAX_PADDING were chosen)
 *     --matmul   onnxruntime's MatMul alone on the forward's shapes, against numpy's
 *     --options  the forward under other onnxruntime session options (the lecture's set)
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { forwardRows, MAX_PADDING, neededLength, planForward, TOKENS_PER_BATCH, type SentencePositions } from '../src/analysis/activations.ts';
import { HookedModel, type LoadOptions } from '../src/analysis/model/hooked-model.ts';
import { qkvHook } from '../src/analysis/model/hooks.ts';
import { writeRandomModel } from '../src/analysis/model/random-model.ts';
import { DataType, encodeModel } from '../src/analysis/model/onnx-proto.ts';
import { loadTokenizer } from '../src/analysis/model/tokenizer.ts';
import { locateInSet } from '../src/analysis/sentences/locate.ts';
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

/**
 * `count` distinct sentences with " her" as an object, drawn without repeats from a grid of
 * openings, subjects, verbs and endings (seeded), so that lengths and target positions vary
 * as in sets people write: the target sits 2 to 12 tokens in, sentences run 5 to 20 tokens.
 */
export function generatedSentences(count: number, seed = 1): string[] {
  const openings = [
    '',
    'Yesterday',
    'After lunch',
    'On Monday',
    'Later that evening',
    'As usual',
    'Without a word',
    'Before the storm began',
    'When the train finally arrived',
    'Although it was late',
    'In the old house by the river',
    'Once the meeting was over',
    'Every summer',
    'At the end of the long day',
    'For the first time',
    'Just then',
    'Despite the rain',
    'After the concert',
    'Quietly',
    'In the morning',
  ];
  const subjects = ['I', 'she', 'they', 'we', 'the teacher', 'my brother', 'the doctor', 'our neighbour', 'the old coach', 'everyone in the room'];
  const verbs = ['saw', 'thanked', 'called', 'helped', 'met', 'visited', 'warned', 'invited', 'praised', 'followed'];
  const endings = [
    '.',
    ' at the market.',
    ' after the meeting.',
    ' yesterday.',
    ' last week.',
    ' in the morning.',
    ' at the station near the bridge.',
    ' twice.',
    ' during lunch.',
    ' near the river, where the children were playing.',
  ];
  const total = openings.length * subjects.length * verbs.length * endings.length;
  if (count > total) throw new Error(`at most ${total} generated sentences`);
  // a seeded walk through the grid: an index step coprime with its size visits each cell once
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  let step = (next() % total) | 1;
  while (gcd(step, total) !== 1) step += 2;
  const start = next() % total;
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let cell = (start + k * step) % total;
    const e = cell % endings.length;
    cell = Math.floor(cell / endings.length);
    const v = cell % verbs.length;
    cell = Math.floor(cell / verbs.length);
    const s = cell % subjects.length;
    cell = Math.floor(cell / subjects.length);
    const opening = openings[cell];
    const subject = opening ? subjects[s] : subjects[s][0].toUpperCase() + subjects[s].slice(1);
    out.push(`${opening ? `${opening}, ` : ''}${subject} ${verbs[v]} her${endings[e]}`);
  }
  return out;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A set file for `sentences` (a benchmark set: the random model's folder as its model). */
export function writeSetFile(file: string, title: string, sentences: string[], model: string): void {
  writeFileSync(
    file,
    [`title: ${JSON.stringify(title)}`, `model: ${model}`, 'target: " her"', 'seed: 1', 'sentences:', ...sentences.map((s) => `  - ${JSON.stringify(s)}`)].join(
      '\n',
    ) + '\n',
  );
}

function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // set on some machines for old OpenBLAS builds; they slow a current numpy down
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

const NUMPY_GEMM = (d: number, layers: number) => `
import sys, time, numpy as np
d, L = ${d}, ${layers}
rng = np.random.default_rng(0)
ws = [rng.standard_normal(s, dtype=np.float32) for s in [(d, 3 * d), (d, d), (d, 4 * d), (4 * d, d)]]
inputs = {}
def once(t):
    if t not in inputs:
        inputs.clear()
        inputs[t] = (rng.standard_normal((t, d), dtype=np.float32), rng.standard_normal((t, 4 * d), dtype=np.float32))
    x, h = inputs[t]
    s = time.perf_counter()
    for _ in range(L):
        x @ ws[0]; x @ ws[1]; x @ ws[2]; h @ ws[3]
    return time.perf_counter() - s
print("ready", flush=True)
for line in sys.stdin:
    print(once(int(line)), flush=True)
`;

/**
 * numpy's float32 GEMM on the FLOPs the forward pass counts: per layer x·W_attn, z·W_proj,
 * x·W_fc and h·W_proj on t rows, timed inside one long-lived Python process, so that its
 * timings can alternate with ours at a fine grain (this machine's speed drifts from minute to
 * minute when it is shared).
 */
export class NumpyPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** null without python3 and numpy */
  /** `threads`: BLAS threads (default: the BLAS's own choice, all cores) */
  static async start(d: number, layers: number, threads?: number): Promise<NumpyPeer | null> {
    const env = pythonEnv();
    if (threads) for (const name of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) env[name] = String(threads);
    const child = spawn('python3', ['-c', NUMPY_GEMM(d, layers)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new NumpyPeer(child);
    const first = await peer.lines.next().catch(() => ({ done: true, value: '' }));
    if (first.done || first.value !== 'ready') {
      child.kill();
      return null;
    }
    return peer;
  }

  /** seconds for the GEMMs of `tokens` rows through every layer */
  async seconds(tokens: number): Promise<number> {
    this.child.stdin.write(`${tokens}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error('numpy peer stopped');
    return Number(line.value);
  }

  stop(): void {
    this.child.stdin.end();
  }
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface BenchSet {
  name: string;
  sentences: SentencePositions[];
}

async function benchSets(dir: string): Promise<BenchSet[]> {
  const tokenizer = await loadTokenizer(dir);
  const lecture = loadSetFile(`${root}content/sets/her.yaml`).set;
  const work = mkdtempSync(join(tmpdir(), 'qkv-bench-model-'));
  try {
    const file = join(work, 'generated.yaml');
    writeSetFile(file, '2,000 generated sentences', generatedSentences(2000), dir);
    const generated = loadSetFile(file).set;
    return [
      { name: `the lecture's set (${lecture.sentences.length} sentences)`, sentences: locateInSet(lecture, tokenizer, 1024).sentences },
      { name: '2,000 generated sentences', sentences: locateInSet(generated, tokenizer, 1024).sentences },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function forwardSeconds(
  model: HookedModel,
  set: BenchSet,
  hooks: number[],
  tokensPerBatch?: number,
  maxPadding?: number,
): Promise<{ seconds: number; slots: number; batches: number; tokens: number }> {
  const started = performance.now();
  const count = await forwardRows(model, set.sentences, hooks, () => {}, { tokensPerBatch, maxPadding });
  return { seconds: (performance.now() - started) / 1000, ...count };
}

export async function runModelBench(argv: string[] = []): Promise<void> {
  const roundsArg = argv.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(argv[roundsArg + 1]) : 3;
  const dir = await ensureBenchModel();
  const sets = await benchSets(dir);
  const files = { config: `${dir}/config.json`, weights: `${dir}/model.safetensors` };

  const started = performance.now();
  const model = await HookedModel.load(files);
  const { n_layer, n_embd: d } = model.config;
  const layers = Array.from({ length: n_layer }, (_, layer) => layer);
  await model.prepare(layers.map(qkvHook));
  const ready = (performance.now() - started) / 1000;
  console.log(`model: random GPT-2 (d = ${d}, ${n_layer} layers, all hooked); ready (config, header, graph, onnxruntime session) in ${ready.toFixed(3)} s`);
  console.log(
    `  forward ÷ numpy = forward time ÷ numpy float32 GEMM time on 2·tokens·n_layer·12d² (tokens up to the last needed position); ${rounds} rounds, ours and numpy's alternating`,
  );

  const numpy = await NumpyPeer.start(d, n_layer);
  // a second peer on one BLAS thread: on a machine shared with other jobs a threaded BLAS can
  // lose more to waiting threads than it gains, and the fairer peer is the faster of the two
  const numpyOne = await NumpyPeer.start(d, n_layer, 1);
  if (!numpy) console.log('  numpy peer: skipped (python3 with numpy not found)');
  const hooks = layers.map(qkvHook);
  for (const set of sets) {
    const all = set.sentences.reduce((sum, s) => sum + s.ids.length, 0);
    const longest = Math.max(...set.sentences.map((s) => s.ids.length));
    const { lengths, batches } = planForward(set.sentences, n_layer, 3 * d);
    const tokens = lengths.reduce((a, b) => a + b, 0);
    const slots = batches.reduce((sum, batch) => sum + batch.length * Math.max(...batch.map((i) => lengths[i])), 0);
    // batches in groups of ~2,048 tokens, each followed by numpy on the same tokens: both see
    // the machine in the same state; a small set is one group
    const groups: number[][][] = [[]];
    let groupTokens = 0;
    for (const batch of batches) {
      if (groupTokens >= 2048) {
        groups.push([]);
        groupTokens = 0;
      }
      groups.at(-1)!.push(batch);
      groupTokens += batch.reduce((sum, i) => sum + lengths[i], 0);
    }
    const runBatch = (batch: number[]) =>
      model.run(
        batch.map((i) => set.sentences[i].ids.slice(0, lengths[i])),
        hooks,
      );
    for (const batch of batches.slice(0, 3)) await runBatch(batch); // warm-up: onnxruntime's first run of a shape allocates
    const small = groups.length === 1;
    const ours: number[] = [];
    const theirs: number[] = [];
    const theirsOne: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let oursRound = 0;
      let theirsRound = 0;
      let theirsOneRound = 0;
      for (const group of groups) {
        // a small set runs several times (its median), a large one once per round
        const runs: number[] = [];
        const peer: number[] = [];
        const peerOne: number[] = [];
        const groupTokens = group.flat().reduce((sum, i) => sum + lengths[i], 0);
        for (let k = 0; k < (small ? 5 : 1); k++) {
          const started = performance.now();
          for (const batch of group) await runBatch(batch);
          runs.push((performance.now() - started) / 1000);
          if (numpy) peer.push(await numpy.seconds(groupTokens));
          if (numpyOne) peerOne.push(await numpyOne.seconds(groupTokens));
        }
        oursRound += median(runs);
        if (numpy) theirsRound += median(peer);
        if (numpyOne) theirsOneRound += median(peerOne);
      }
      ours.push(oursRound);
      theirs.push(theirsRound);
      theirsOne.push(theirsOneRound);
    }
    const flops = 2 * tokens * n_layer * 12 * d * d;
    console.log(
      `\n${set.name}: ${all} real tokens (longest ${longest}); ${tokens} up to the last needed position, ${slots} slots with padding (×${(slots / tokens).toFixed(3)}), ${batches.length} batches`,
    );
    console.log(`  forward per round (s): ${ours.map((t) => t.toFixed(3)).join(' ')}; ${(flops / median(ours) / 1e9).toFixed(1)} GFLOP/s useful`);
    if (!numpy) continue;
    const ratios = ours.map((t, k) => t / theirs[k]);
    console.log(
      `  numpy GEMM per round (s, ${small ? 'one GEMM chain on all tokens' : `${groups.length} groups of ~2,048 tokens, each after ours`}): ${theirs.map((t) => t.toFixed(3)).join(' ')}; ${(flops / median(theirs) / 1e9).toFixed(1)} GFLOP/s`,
    );
    console.log(`  forward ÷ numpy per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`);
    if (!numpyOne) continue;
    const ratiosOne = ours.map((t, k) => t / theirsOne[k]);
    console.log(
      `  numpy on one BLAS thread per round (s): ${theirsOne.map((t) => t.toFixed(3)).join(' ')}; forward ÷ that: ${ratiosOne.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratiosOne).toFixed(2)}`,
    );
  }

  if (argv.includes('--sweep')) {
    console.log(`\nlength buckets: padding allowed, the lecture's set (default ≤ ${MAX_PADDING} of real tokens; median of 5 runs, variants alternating):`);
    const pads = [0, 0.1, 0.25, Infinity];
    const padTimes = pads.map(() => [] as number[]);
    for (let k = 0; k < 5; k++) {
      for (const [j, pad] of pads.entries()) padTimes[j].push((await forwardSeconds(model, sets[0], layers, undefined, pad)).seconds);
    }
    for (const [j, pad] of pads.entries()) {
      const plan = planForward(sets[0].sentences, n_layer, 3 * d, { maxPadding: pad });
      const slots = plan.batches.reduce((sum, batch) => sum + batch.length * Math.max(...batch.map((i) => plan.lengths[i])), 0);
      console.log(`  padding ≤ ${pad}: ${median(padTimes[j]).toFixed(3)} s, ${plan.batches.length} batches, ${slots} slots`);
    }
    // slots per batch: one needed length (the generated set's most common), batches of growing size
    const byLength = new Map<number, number[]>();
    sets[1].sentences.forEach((s, i) => byLength.set(neededLength(s), [...(byLength.get(neededLength(s)) ?? []), i]));
    const [length, members] = [...byLength.entries()].sort((a, b) => b[1].length - a[1].length)[0];
    const caps = [32, 64, 128, 256, 512, 1024].filter((cap) => cap / length <= members.length);
    console.log(
      `\nlength buckets: slots per batch, sentences of needed length ${length} from the generated set (ms per slot, median of 3 rounds, sizes alternating; default cap ${TOKENS_PER_BATCH}):`,
    );
    const capTimes = caps.map(() => [] as number[]);
    for (let k = 0; k < 3; k++) {
      for (const [j, cap] of caps.entries()) {
        const batch = members.slice(0, Math.floor(cap / length)).map((i) => sets[1].sentences[i].ids.slice(0, length));
        const started = performance.now();
        await model.run(batch, hooks);
        capTimes[j].push((performance.now() - started) / (batch.length * length));
      }
    }
    caps.forEach((cap, j) => console.log(`  ${cap} slots: ${median(capTimes[j]).toFixed(2)} ms per slot`));
    console.log(`  peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  }
  await model.dispose();

  if (argv.includes('--options')) await sessionOptionsBench(files, sets, layers);
  if (argv.includes('--matmul') && numpy) await matmulBench(sets[1], d, n_layer, numpy);
  numpy?.stop();
  numpyOne?.stop();
  console.log(`\npeak RSS (this process): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

/** The forward under other session options, each against the default in the same loop. */
async function sessionOptionsBench(files: { config: string; weights: string }, sets: BenchSet[], layers: number[]): Promise<void> {
  const variants: [string, LoadOptions][] = [
    ['default (graph optimisation all, arena on, prepacking on, intra-op threads = every core)', {}],
    ['intraOpNumThreads 1', { threads: 1 }],
    ['intraOpNumThreads 2', { threads: 2 }],
    ['graphOptimizationLevel basic', { session: { graphOptimizationLevel: 'basic' } }],
    ['enableCpuMemArena false', { session: { enableCpuMemArena: false } }],
    ['prepacking off', { session: { extra: { session: { disable_prepacking: '1' } } } }],
    ['spinning off', { session: { extra: { session: { intra_op: { allow_spinning: '0' } } } } }],
  ];
  for (const set of sets.slice(0, 1)) {
    console.log(`\nsession options, ${set.name} (forward s, best of 5 runs):`);
    for (const [label, options] of variants) {
      const model = await HookedModel.load(files, options);
      await model.prepare(layers.map(qkvHook));
      const runs: number[] = [];
      for (let k = 0; k < 5; k++) runs.push((await forwardSeconds(model, set, layers)).seconds);
      await model.dispose();
      console.log(`  ${label}: ${Math.min(...runs).toFixed(3)} s; peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    }
  }
}

/**
 * onnxruntime's MatMul alone, on the forward's four products of one layer for the same rows,
 * repeated for every layer, against numpy's: whether the GEMM itself is the limit.
 */
async function matmulBench(set: BenchSet, d: number, nLayer: number, numpy: NumpyPeer): Promise<void> {
  // one group's worth of rows: the forward's GEMMs run on batches of this order
  const rows = Math.min(
    2048,
    set.sentences.reduce((sum, s) => sum + neededLength(s), 0),
  );
  // every core, as the forward pass runs (hooked-model.ts)
  const session = await ort.InferenceSession.create(buildMatMulGraph(d), { graphOptimizationLevel: 'all', intraOpNumThreads: availableParallelism() });
  const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
  const feeds = {
    x: new ort.Tensor('float32', random(rows * d), [rows, d]),
    h: new ort.Tensor('float32', random(rows * 4 * d), [rows, 4 * d]),
  };
  await session.run(feeds);
  const times: number[] = [];
  const peer: number[] = [];
  for (let k = 0; k < 3; k++) {
    const started = performance.now();
    for (let layer = 0; layer < nLayer; layer++) await session.run(feeds);
    times.push((performance.now() - started) / 1000);
    peer.push(await numpy.seconds(rows));
  }
  await session.release();
  console.log(
    `\nMatMul alone, ${rows} rows × the four products × ${nLayer} layers (3 rounds alternating): onnxruntime ${median(times).toFixed(3)} s, numpy ${median(peer).toFixed(3)} s, ` +
      `onnxruntime ÷ numpy ${median(times.map((t, k) => t / peer[k])).toFixed(2)}`,
  );
}

/** Four MatMuls of GPT-2's shapes, weights inline: x·W_attn, x·W_proj, x·W_fc (x [rows, d]) and h·W_proj2 (h [rows, 4d]). */
function buildMatMulGraph(d: number): Uint8Array {
  const shapes: [string, number, number][] = [
    ['w_attn', d, 3 * d],
    ['w_proj', d, d],
    ['w_fc', d, 4 * d],
    ['w_out', 4 * d, d],
  ];
  const initializer = shapes.map(([name, rows, cols]) => {
    const values = Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i * 0.37) * 0.02);
    return { name, dims: [rows, cols], data_type: DataType.FLOAT, raw_data: new Uint8Array(values.buffer) };
  });
  const input = (name: string, cols: number) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_param: 'rows' }, { dim_value: cols }] } } },
  });
  const outputs = ['y_attn', 'y_proj', 'y_fc', 'y_out'];
  return encodeModel({
    ir_version: 9,
    producer_name: 'qkv-atlas-bench',
    producer_version: '1',
    opset_import: [{ domain: '', version: 20 }],
    graph: {
      name: 'matmuls',
      node: shapes.map(([w], k) => ({ op_type: 'MatMul', input: [k === 3 ? 'h' : 'x', w], output: [outputs[k]], name: outputs[k], attribute: [] })),
      initializer,
      input: [input('x', d), input('h', 4 * d)],
      output: outputs.map((name) => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT } } })),
    },
  });
}

if (import.meta.main) await runModelBench(process.argv.slice(2));
