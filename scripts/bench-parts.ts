/**
 * Where one layer's statistics spend their time: every step of matrix.ts (and the
 * summaries layer-stats.ts makes on the main thread) timed on its own, on one
 * thread, for a GPT-2-small-sized layer at the lecture's 54 sentences (synthetic
 * activations, as bench-stats.ts). The steps run in rounds, each step once per
 * round, so that all of them see the machine in the same states; min and median
 * over the rounds. The per-layer total weights each step by how often a layer runs
 * it (4 matrices: target, nontarget, two baselines; details for 2).
 *
 * The pipeline runs the four matrices on two threads, so "two threads at best" is
 * half the single-thread sum: a floor that the real pipeline (bench-stats.ts) does
 * not reach, since two threads contend for caches and memory and V8's garbage
 * collector takes CPU of its own. The lecture's numpy cells on the same layer
 * (scripts/lecture_stats.py, median over layers 2–12) give the 10× budget to set it against.
 * Not timed here: the QQ sequence (20,000 values; within noise) and the
 * structured clone of each matrix's results to the main thread.
 *
 *   node scripts/bench-parts.ts [--rounds 30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAIR_TYPES, type Condition, type Pairs, type Summary } from '../src/analysis/output-schema.ts';
import { shuffleAllTransposed, shufflePerNeuronTransposed } from '../src/analysis/stats/baselines.ts';
import { distanceTable } from '../src/analysis/stats/comparisons.ts';
import { columnStats } from '../src/analysis/stats/columns.ts';
import { similarityDetail } from '../src/analysis/stats/detail.ts';
import { completeScan, type Distribution } from '../src/analysis/stats/exact.ts';
import { forEachPanel, gramMargin, PANEL_ROWS } from '../src/analysis/stats/gram.ts';
import { exactMoments } from '../src/analysis/stats/moments.ts';
import { pairCount } from '../src/analysis/stats/pair-mask.ts';
import { previewStride } from '../src/analysis/stats/preview.ts';
import { QQ_SEQUENCE_LENGTH } from '../src/analysis/stats/matrix.ts';
import { scanSimilarities } from '../src/analysis/stats/scan.ts';
import { summarise } from '../src/analysis/stats/summary.ts';
import { transpose } from '../src/analysis/stats/transpose.ts';
import { median, numpyPeer, syntheticActivations, writeSyntheticLayers } from './bench-stats.ts';

export interface PartRow {
  part: string;
  /** how many times one layer runs it */
  perLayer: number;
  minMs: number;
  medianMs: number;
}

/** The timed layer's shape: GPT-2 small at the lecture's 54 sentences. */
const SHAPE = { rows: 54, d: 768, nHead: 12 };

export async function runPartsBench(rounds = 30): Promise<PartRow[]> {
  const { rows, d, nHead } = SHAPE;
  const m = 3 * d;
  const x = syntheticActivations(rows, d, nHead, 7);
  const xT = transpose(x, rows, m);
  const cols = columnStats(rows, m, xT);
  const margin = gramMargin(rows);
  const panel = new Float32Array(Math.min(PANEL_ROWS, m) * m);
  const scanOptions = { margin, sums: false, nHead, qqLimit: 0 };
  const scan = await scanSimilarities(cols, scanOptions);
  const dists = completeScan(scan);
  const moments = await exactMoments(x, cols);

  const summaries = (): Record<Condition, Pairs<Summary>> => {
    const one = {} as Pairs<Summary>;
    PAIR_TYPES.forEach((p, k) => (one[p] = summarise(dists[0][k], pairCount(k, d), { sum: moments.sum[0][k], sumSq: moments.sumSq[0][k] })));
    return { target: one, nontarget: one, shuffled: one, shuffledPerNeuron: one };
  };
  const made = summaries();
  const gemmStep = ['Gram: onnxruntime GEMMs only', 4, () => forEachPanel(cols, { panel }, () => {})] as const;
  const scanStep = ['Gram + scan kernel + its JavaScript', 4, () => scanSimilarities(cols, scanOptions)] as const;
  const steps: (readonly [string, number, () => unknown])[] = [
    ['lecture baseline: shuffle all entries (neuron-major)', 1, () => shuffleAllTransposed(xT, rows, m, 1, 0)],
    ['per-neuron baseline: shuffle each column (neuron-major)', 1, () => shufflePerNeuronTransposed(xT, rows, m, 1, 0)],
    ['column statistics (with the transpose)', 4, () => columnStats(rows, m, transpose(x, rows, m))],
    gemmStep,
    scanStep,
    ['exact moments (float64)', 4, () => exactMoments(x, cols)],
    ['flagged values and report bins (completeScan)', 4, () => completeScan(scan)],
    ['per-head tables, previews and the QQ block', 2, () => similarityDetail(cols, scan, nHead, previewStride(m), QQ_SEQUENCE_LENGTH)],
    ['summaries: quantiles, densities (one condition, 6 pairs)', 8, () => summaries()],
    ['summaries: KS and Wasserstein (5 comparisons × 6 pairs)', 2, () => distanceTable((): Distribution[] => dists[0], made)],
  ];
  const times = steps.map(() => [] as number[]);
  for (let round = -3; round < rounds; round++) {
    for (let s = 0; s < steps.length; s++) {
      const t0 = performance.now();
      await steps[s][2]();
      if (round >= 0) times[s].push(performance.now() - t0);
    }
  }
  const out: PartRow[] = steps.map(([part, perLayer], s) => ({ part, perLayer, minMs: Math.min(...times[s]), medianMs: median(times[s]) }));
  // The scan row includes the GEMMs: keep only what the scan adds.
  const gemm = out[steps.indexOf(gemmStep)];
  const scanRow = out[steps.indexOf(scanStep)];
  scanRow.part = 'scan kernel + its JavaScript (Gram + scan, less the GEMMs)';
  scanRow.minMs = Math.max(0, scanRow.minMs - gemm.minMs);
  scanRow.medianMs = Math.max(0, scanRow.medianMs - gemm.medianMs);
  return out;
}

if (import.meta.main) {
  const at = process.argv.indexOf('--rounds');
  const rounds = at > 0 ? Number(process.argv[at + 1]) : 30;
  const rowsOut = await runPartsBench(rounds);
  console.log(`one layer's statistics, part by part (${SHAPE.rows} sentences, d = ${SHAPE.d}, ${SHAPE.nHead} heads; one thread; ${rounds} rounds)`);
  console.log(`  ${'part'.padEnd(62)} ${'× per layer'.padStart(11)} ${'min ms'.padStart(8)} ${'median ms'.padStart(10)} ${'ms/layer'.padStart(9)}`);
  let total = 0;
  let totalMin = 0;
  for (const r of rowsOut) {
    const layer = r.perLayer * r.medianMs;
    total += layer;
    totalMin += r.perLayer * r.minMs;
    console.log(
      `  ${r.part.padEnd(62)} ${String(r.perLayer).padStart(11)} ${r.minMs.toFixed(2).padStart(8)} ${r.medianMs.toFixed(2).padStart(10)} ${layer.toFixed(1).padStart(9)}`,
    );
  }
  console.log(
    `  one layer on one thread: ${total.toFixed(0)} ms (medians; ${totalMin.toFixed(0)} ms from the minima); two threads at best: ${(total / 2).toFixed(0)} ms`,
  );
  console.log(`  12 layers, two threads at best: ${((12 * total) / 2000).toFixed(2)} s (minima: ${((12 * totalMin) / 2000).toFixed(2)} s)`);
  const numpy = numpyPerLayer();
  if (typeof numpy === 'string') console.log(`  numpy peer skipped: ${numpy}`);
  else {
    console.log(
      `  the lecture's numpy cells, same shape: ${numpy.toFixed(0)} ms per layer (median of layers 2–12), so the 10× budget is ${(numpy / 10).toFixed(0)} ms per layer;` +
        ` two threads at best take ${(total / 2).toFixed(0)} ms (${(total / 2 / numpy).toFixed(3)} of numpy; minima ${(totalMin / 2 / numpy).toFixed(3)})`,
    );
  }
}

/** ms per layer of the lecture's numpy cells on synthetic layers of the same shape (the median
 * over layers 2 … 12 of a 12-layer run: the first pays numpy's first-touch costs), or why not. */
function numpyPerLayer(): number | string {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-parts-bench-'));
  try {
    const layers = 12;
    writeSyntheticLayers(dir, layers, SHAPE.rows, SHAPE.d, SHAPE.nHead, 1);
    const peer = numpyPeer(dir, layers);
    if ('skipped' in peer) return peer.skipped;
    return median(peer.perLayer.slice(1)) * 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
