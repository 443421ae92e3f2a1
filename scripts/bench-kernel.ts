/**
 * The scan kernel alone (scan-kernel.ts), both kinds, on the same float32 Gram rows:
 * 256 rows of a GPT-2-small-sized correlation Gram (synthetic activations, 54
 * sentences) against all later columns, scanned as scan.ts does (per row, one call
 * per column block), many times; the best time per entry (one correlation and its
 * cosine). 'f32' is what the statistics use up to 256 sentences; 'f64' is the kernel
 * for summed chunks (here on the same values widened to float64).
 *
 *   node scripts/bench-kernel.ts
 */
import { columnStats } from '../src/analysis/stats/columns.ts';
import { transpose } from '../src/analysis/stats/transpose.ts';
import { forEachPanel, gramMargin } from '../src/analysis/stats/gram.ts';
import { SLOT_C, SLOT_R, STATE_PAIR_BYTES, fineIndex } from '../src/analysis/stats/kernel-layout.ts';
import { BLOCK_COUNT, PAIR_OF_BLOCKS } from '../src/analysis/shapes.ts';
import { buildKernel, type Elem } from '../src/analysis/stats/scan-kernel.ts';
import { syntheticActivations } from './bench-stats.ts';

export interface KernelBenchRow {
  elem: Elem;
  /** best of the repetitions, nanoseconds per Gram entry (both metrics) */
  nsPerEntry: number;
}

export async function runKernelBench(reps = 60): Promise<KernelBenchRow[]> {
  const rows = 54;
  const d = 768;
  const nHead = 12;
  const m = BLOCK_COUNT * d;
  const dh = d / nHead;
  const heads = BLOCK_COUNT * nHead;
  const panelRows = 256;
  const cols = columnStats(rows, m, transpose(syntheticActivations(rows, d, nHead, 7), rows, m));
  let first: Float32Array | null = null;
  await forEachPanel(cols, { panel: new Float32Array(panelRows * m) }, (p) => {
    first ??= (p.values as Float32Array).slice(0, panelRows * m);
  });
  const marginFine = gramMargin(rows) * 10000 + 1e-9;
  const kernels = (['f32', 'f64'] as const).map((elem) => {
    const k = buildKernel(m, dh, heads, panelRows * m, elem);
    const { layout, memory } = k;
    const panel = elem === 'f32' ? new Float32Array(memory.buffer, layout.panel, panelRows * m) : new Float64Array(memory.buffer, layout.panel, panelRows * m);
    panel.set(first as Float32Array);
    new Float64Array(memory.buffer, layout.a, m).set(cols.a);
    new Float64Array(memory.buffer, layout.b, m).set(cols.b);
    if (elem === 'f32') {
      new Float32Array(memory.buffer, layout.a32, m).set(cols.a);
      new Float32Array(memory.buffer, layout.b32, m).set(cols.b);
    }
    const size = elem === 'f32' ? 4 : 8;
    const scan = () => {
      for (let i = 0; i < panelRows; i++) {
        for (let cb = 0; cb < BLOCK_COUNT; cb++) {
          const j0 = Math.max(i + 1, cb * d);
          const j1 = (cb + 1) * d;
          // rows 0 … 255 are Q rows: column block cb is pair QQ, QK, QV
          const pair = PAIR_OF_BLOCKS[0][cb];
          k.rows[pair](
            layout.panel + size * (i * m + j0),
            j0,
            j1,
            cols.a[i],
            cols.b[i],
            i * m,
            0,
            layout.state + STATE_PAIR_BYTES * pair,
            layout.fine + 4 * fineIndex(SLOT_R, pair),
            layout.fine + 4 * fineIndex(SLOT_C, pair),
            layout.heads + 8 * Math.floor(i / dh) * heads,
            marginFine,
          );
        }
      }
    };
    return { elem, scan, best: Infinity };
  });
  for (let rep = 0; rep < reps; rep++) {
    for (const k of kernels) {
      const t0 = performance.now();
      k.scan();
      k.best = Math.min(k.best, performance.now() - t0);
    }
  }
  const entries = panelRows * m - (panelRows * (panelRows + 1)) / 2;
  return kernels.map(({ elem, best }) => ({ elem, nsPerEntry: (best * 1e6) / entries }));
}

if (import.meta.main) {
  for (const { elem, nsPerEntry } of await runKernelBench()) console.log(`scan kernel, ${elem} lanes: ${nsPerEntry.toFixed(2)} ns per entry`);
}
