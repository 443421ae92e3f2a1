/**
 * Statistics benchmark: all statistics of computeLayerStats for every layer of
 * synthetic GPT-2-small-sized activations (12 layers, d = 768, 12 heads; seeded),
 * at 54 sentences (the lecture's set), then 1,000 and 10,000. In the same run and
 * on the same activations, the lecture's own numpy cells (scripts/lecture_stats.py:
 * target, nontarget, both metrics, the shuffled baseline) are timed, and the ratio
 * printed. Peak RSS is process.resourceUsage().maxRSS (the whole process so far).
 *
 * The one-time start-up (worker threads, onnxruntime sessions, the compiled scan
 * kernel: warmUpStats) is timed once per process, before the layers, and reported
 * apart. The main ratio leaves it out, as the numpy peer's time leaves out Python's
 * start and numpy's import; the ratio with it is printed too. (`analyze` pays it
 * inside its first layers.)
 *
 * Sizes up to 100 sentences are timed in several passes (3 by default), ours and numpy's
 * alternately, and report medians: this machine's speed drifts too much for one pass.
 *
 *   node scripts/bench-stats.ts [--sizes 54,1000,10000] [--layers 12] [--passes 3] [--no-numpy]
 *   /usr/bin/time -v node scripts/bench-stats.ts --sizes 10000   (peak RSS from the OS: "Maximum resident set size")
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpyFloat32 } from '../src/analysis/io/npy.ts';
import { readLayerActivations, warmUpStats } from '../src/analysis/stats/layer-stats.ts';
import { layerStatsInOrder } from '../src/analysis/stats/layers.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface StatsBenchOptions {
  /** sentence counts to run, ascending (peak RSS is cumulative) */
  sizes?: number[];
  layers?: number;
  nEmbd?: number;
  nHead?: number;
  seed?: number;
  /** run the numpy peer (skipped with a message where python3 or numpy is missing) */
  numpy?: boolean;
  /** timed passes (ours, then numpy's, alternately) for sizes up to 100 sentences; larger sizes run once */
  passes?: number;
  log?: (line: string) => void;
}

export interface StatsBenchRow {
  sentences: number;
  layers: number;
  /** seconds for all layers of computeLayerStats: the median over the passes */
  seconds: number;
  /** each pass, in order (the first one right after the start-up and the file writes) */
  passSeconds: number[];
  /** the first pass's time between consecutive layer results */
  perLayer: number[];
  /** seconds for the same layers of the lecture's numpy cells (median over the passes), or null */
  numpySeconds: number | null;
  numpyPassSeconds: number[];
  /** the median of the passes' ratios ours / numpy's */
  ratio: number | null;
  /** seconds of the one-time start-up (warmUpStats), paid by the first size run */
  startupSeconds: number;
  /** (seconds + startupSeconds) / numpySeconds */
  ratioWithStartup: number | null;
  /** process peak RSS so far, MiB */
  peakRssMiB: number;
}

/**
 * Activations with the features that matter to the statistics: a per-neuron offset
 * and scale (so cosine ≠ correlation), a few shared sentence factors (so neurons
 * correlate, more within a head), and noise. xorshift + Box–Muller, seeded.
 */
export function syntheticActivations(rows: number, nEmbd: number, nHead: number, seed: number): Float32Array {
  const m = 3 * nEmbd;
  let s = (seed * 2654435761) >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const factors = 8;
  const dh = nEmbd / nHead;
  const weights = new Float32Array(factors * m);
  for (let c = 0; c < m; c++) {
    const headBias = ((Math.floor((c % nEmbd) / dh) * 7) % factors) | 0;
    for (let k = 0; k < factors; k++) weights[k * m + c] = 0.4 * normal() + (k === headBias ? 0.8 : 0);
  }
  const offset = Float32Array.from({ length: m }, () => 0.8 * normal());
  const scale = Float32Array.from({ length: m }, () => Math.exp(0.5 * normal()));
  const out = new Float32Array(rows * m);
  const f = new Float64Array(factors);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < factors; k++) f[k] = normal();
    const base = r * m;
    for (let c = 0; c < m; c++) {
      let v = normal();
      for (let k = 0; k < factors; k++) v += f[k] * weights[k * m + c];
      out[base + c] = offset[c] + scale[c] * v;
    }
  }
  return out;
}

function layerFile(dir: string, layer: number, which: string): string {
  return join(dir, `layer-${layer}-${which}.npy`);
}

/** layer-{L}-target.npy and layer-{L}-nontarget.npy for L < layers in `dir`, as the numpy peer
 * reads them: synthetic activations [n, 3·nEmbd], seeded per layer and condition. */
export function writeSyntheticLayers(dir: string, layers: number, n: number, nEmbd: number, nHead: number, seed: number): void {
  for (let layer = 0; layer < layers; layer++) {
    for (const [which, salt] of [
      ['target', 0],
      ['nontarget', 1],
    ] as const) {
      const x = syntheticActivations(n, nEmbd, nHead, seed * 1000 + layer * 2 + salt);
      writeFileSync(layerFile(dir, layer, which), encodeNpyFloat32(x, [n, 3 * nEmbd]));
    }
  }
}

export function numpyPeer(dir: string, layers: number): { seconds: number; perLayer: number[] } | { skipped: string } {
  const env = { ...process.env };
  // set on some machines for old OpenBLAS builds; they slow a current numpy down
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const layerList = Array.from({ length: layers }, (_, l) => l).join(',');
  const result = spawnSync('python3', [join(root, 'scripts/lecture_stats.py'), dir, '--layers', layerList], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (result.error) return { skipped: `python3 not available (${result.error.message})` };
  if (result.status !== 0) {
    const why = /No module named 'numpy'/.test(result.stderr) ? 'numpy is not installed' : result.stderr.trim().split('\n').pop();
    return { skipped: `numpy peer failed: ${why}` };
  }
  const timings = JSON.parse(result.stdout.trim().split('\n').pop() as string) as { total: number; perLayer: number[] };
  return { seconds: timings.total, perLayer: timings.perLayer };
}

export async function runStatsBench(options: StatsBenchOptions = {}): Promise<StatsBenchRow[]> {
  const sizes = options.sizes ?? [54, 1000, 10000];
  const layers = options.layers ?? 12;
  const nEmbd = options.nEmbd ?? 768;
  const nHead = options.nHead ?? 12;
  const seed = options.seed ?? 1;
  const log = options.log ?? ((line: string) => console.log(line));
  const rows: StatsBenchRow[] = [];
  const warmStart = performance.now();
  await warmUpStats();
  let startupSeconds = (performance.now() - warmStart) / 1000;
  log(`start-up, once per process: ${startupSeconds.toFixed(2)} s`);
  for (const n of sizes) {
    // The activations go to .npy files first (the numpy peer reads them too), and each layer's
    // are read back only when the pipeline asks for that layer: at 10,000 sentences all 12
    // layers at once would be 2.2 GB, more than the analysis itself needs. The reads are
    // inside the timing, as an honest cost (~2 %); generating them is not.
    const dir = mkdtempSync(join(tmpdir(), 'qkv-stats-bench-'));
    try {
      const file = (layer: number, which: string) => layerFile(dir, layer, which);
      writeSyntheticLayers(dir, layers, n, nEmbd, nHead, seed);
      // read as analyze reads them
      const read = (layer: number, which: string) => readLayerActivations(file(layer, which), n, 3 * nEmbd);
      const input = (layer: number) => ({ layer, target: read(layer, 'target'), nontarget: read(layer, 'nontarget'), nSentences: n, nEmbd, nHead, seed });
      // Small sizes run several passes, ours and numpy's alternately, so that both see the
      // machine in the same state (its speed drifts by ±20 % from minute to minute here);
      // the ratio reported is the median of the passes' ratios.
      const passes = n <= 100 ? Math.max(1, options.passes ?? 3) : 1;
      const passSeconds: number[] = [];
      const numpyPassSeconds: number[] = [];
      let perLayer: number[] = [];
      let peakRssMiB = 0;
      for (let pass = 0; pass < passes; pass++) {
        // layers overlap (two in flight, as analyze runs them): per layer is the time between results
        const times: number[] = [];
        let last = performance.now();
        for await (const _ of layerStatsInOrder(layers, input)) {
          const now = performance.now();
          times.push((now - last) / 1000);
          last = now;
        }
        if (pass === 0) perLayer = times;
        passSeconds.push(times.reduce((a, b) => a + b, 0));
        peakRssMiB = process.resourceUsage().maxRSS / 1024;
        if (options.numpy !== false) {
          const peer = numpyPeer(dir, layers);
          if ('skipped' in peer) {
            log(`  numpy peer skipped: ${peer.skipped}`);
            options = { ...options, numpy: false };
          } else numpyPassSeconds.push(peer.seconds);
        }
      }
      const seconds = median(passSeconds);
      const numpySeconds = numpyPassSeconds.length === passes ? median(numpyPassSeconds) : null;
      const ratio = numpySeconds ? median(passSeconds.map((t, k) => t / numpyPassSeconds[k])) : null;
      const row: StatsBenchRow = {
        sentences: n,
        layers,
        seconds,
        passSeconds,
        perLayer,
        numpySeconds,
        numpyPassSeconds,
        ratio,
        startupSeconds,
        ratioWithStartup: numpySeconds ? (seconds + startupSeconds) / numpySeconds : null,
        peakRssMiB,
      };
      rows.push(row);
      const list = (xs: number[]) => xs.map((t) => t.toFixed(2)).join(' ');
      log(
        `stats  ${String(n).padStart(6)} sentences × ${layers} layers: ${seconds.toFixed(2)} s` +
          ` (${((seconds / layers) * 1000).toFixed(0)} ms/layer${passes > 1 ? `; median of ${passes} passes: ${list(passSeconds)}` : ''})` +
          (numpySeconds !== null && ratio !== null
            ? `; numpy lecture cells ${numpySeconds.toFixed(2)} s${passes > 1 ? ` (${list(numpyPassSeconds)})` : ''}; ratio ${ratio.toFixed(3)}` +
              ` (with start-up ${startupSeconds.toFixed(2)} s: ${((seconds + startupSeconds) / numpySeconds).toFixed(3)})`
            : '') +
          `; peak RSS ${peakRssMiB.toFixed(0)} MiB`,
      );
      log(`  ms per layer: ${perLayer.map((t) => (t * 1000).toFixed(0)).join(' ')}`);
      startupSeconds = 0; // paid once, by the first size
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function parseArgs(argv: string[]): StatsBenchOptions {
  const options: StatsBenchOptions = {};
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--sizes') options.sizes = argv[++k].split(',').map(Number);
    else if (a === '--layers') options.layers = Number(argv[++k]);
    else if (a === '--seed') options.seed = Number(argv[++k]);
    else if (a === '--no-numpy') options.numpy = false;
    else if (a === '--passes') options.passes = Number(argv[++k]);
    else throw new Error(`unknown option ${a} (use --sizes 54,1000,10000 --layers 12 --seed 1 --passes 3 --no-numpy)`);
  }
  return options;
}

if (import.meta.main) {
  const rows = await runStatsBench(parseArgs(process.argv.slice(2)));
  console.log(JSON.stringify(rows.map(({ perLayer: _perLayer, ...rest }) => rest)));
}
