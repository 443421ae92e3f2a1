import { PAIR_COUNT } from '../shapes.ts';
import { accumulateFunction, carefulFunction, rowFunction } from './kernel-f64.ts';
import { careful4Function, row4Function } from './kernel-f32.ts';
import { kernelLayout, type Elem, type KernelLayout } from './kernel-layout.ts';
import { assembleModule } from './wasm-asm.ts';

export { kernelLayout, type Elem, type KernelLayout };

/**
 * The innermost loop of the statistics, in WebAssembly: one row segment of the
 * correlation Gram (columns j0 … j1 of row i, all of one pair type), both metrics.
 * Per entry r and its cosine v = (a_i·a_j)·r + b_i·b_j (see columns.ts):
 * - its fine bin f = ⌊x·10⁴ + 10001⌋ (histogram.ts) is counted, unless the value
 *   lies within the Gram's error margin of a report edge (or outside the fine
 *   bins): then its id goes to the flag list instead, and scan.ts recomputes it in
 *   float64 (~2,000 of 5.3 million values per matrix at 54 sentences);
 * - |x| is summed per head pair (the per-head tables, and the pair's mean |x|);
 * - min and max; and, in the `sums` variant, Σx and Σx².
 *
 * Two kernels. The 'f32' one scans the Gram of up to 256 sentences (one float32
 * GEMM; the statistics then take the sums from moments.ts): four entries per
 * float32 vector, the fine bin by rounding against a magic number, and a
 * candidate test in float32 (x·BIN_COUNT/2 + BIN_COUNT/2 within the margin, plus the lanes' own
 * error, of an integer: a report edge; or |x| > 1) that sends ~0.04 % of values to
 * `careful4`, which decides each of them in float64 exactly as before. So report
 * bins, flags and over-0.5 counts are those of float64 arithmetic; fine bins, |x|,
 * min and max carry the lanes' float32 rounding (≤ 5·2⁻²⁴ ≈ 3e-7 on a cosine).
 * The 'f64' one scans float64 panels (chunks of sentences summed) two lanes at a
 * time with the same operations and roundings as scalar float64 code, and an
 * integer candidate test (f mod FINE_PER_BIN ∈ {0, 1}) that sends ~1 % of values to
 * `careful`. Left scalar in both: the histogram increments, now about half the
 * time. (The JavaScript loop they replace ran at ~20 ns per entry; the f64 kernel
 * at ~5 ns, the f32 one at ~3 ns on a 2-core EPYC; `npm run bench -- stats`.)
 *
 * Memory: kernel-layout.ts. The kernels: kernel-f64.ts and kernel-f32.ts, from the
 * WebAssembly text they share (kernel-snippets.ts); this file builds one per shape.
 */

export type RowKernel = (
  p: number,
  j0: number,
  j1: number,
  ai: number,
  bi: number,
  id: number,
  nf: number,
  state: number,
  fineR: number,
  fineC: number,
  head: number,
  marginFine: number,
) => number;

export interface Kernel {
  memory: WebAssembly.Memory;
  layout: KernelLayout;
  elem: Elem;
  /** the row kernel for each pair type (f32: float32 lanes, no sums; f64: float64 lanes) */
  rows: RowKernel[];
  /** f64 kernels: the same, also accumulating Σx and Σx² */
  rowsSums: RowKernel[] | null;
  /** f64 kernels: add a chunk's float32 Gram into the float64 panel */
  accumulate: ((dst: number, src: number, count: number) => void) | null;
}

const PAGE = 65536;
/** pair indices 0 … PAIR_COUNT − 1: one row function per pair type (f32), or the same one for all (f64) */
const PAIRS = Array.from({ length: PAIR_COUNT }, (_, pair) => pair);

/**
 * A kernel for one shape. 'f32' scans a float32 panel (the Gram of one chunk of
 * sentences) with float32 lanes and no sums; 'f64' scans a float64 panel (chunks
 * summed), with or without sums.
 */
export function buildKernel(m: number, dh: number, heads: number, panelEntries: number, elem: Elem): Kernel {
  const layout = kernelLayout(m, heads, panelEntries, elem);
  const pages = Math.ceil(layout.bytes / PAGE);
  const functions =
    elem === 'f32'
      ? [...PAIRS.map((pair) => row4Function(layout, dh, heads, pair)), careful4Function(layout)]
      : [rowFunction(layout, false, dh, heads), rowFunction(layout, true, dh, heads), carefulFunction(layout), accumulateFunction()];
  const bytes = assembleModule(functions, pages);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const e = instance.exports as Record<string, unknown>;
  if (elem === 'f32') {
    return { memory, layout, elem, rows: PAIRS.map((pair) => e[`row4_f32_${pair}`] as RowKernel), rowsSums: null, accumulate: null };
  }
  return {
    memory,
    layout,
    elem,
    rows: PAIRS.map(() => e.row_f64 as RowKernel),
    rowsSums: PAIRS.map(() => e.row_f64_sums as RowKernel),
    accumulate: e.accumulate as Kernel['accumulate'],
  };
}
