import { exactCorrelation, exactCosine, type Columns } from './columns.ts';
import { forEachPanel, CHUNK, PANEL_ROWS, type Panel, type PanelTarget } from './gram.ts';
import { FINE_BINS, FINE_LENGTH, FINE_PER_BIN } from './histogram.ts';
import { SLOTS, SLOT_C, SLOT_R, STATE, STATE_PAIR_BYTES, STATE_STRIDE, fineIndex } from './kernel-layout.ts';
import { pairOf } from './pair-mask.ts';
import { buildKernel, type Kernel, type RowKernel } from './scan-kernel.ts';
import { BLOCK_COUNT, PAIR_COUNT, PAIR_OF_BLOCKS } from '../shapes.ts';

/**
 * One pass over the upper triangle of the correlation Gram, panel by panel as
 * gram.ts computes it, producing for both metrics and every pair type the raw
 * material of every statistic: fine counts, extremes, Σ|x| per head pair (hence
 * per pair), sums where asked, and the entries recomputed in float64 because they
 * lie within the Gram's error margin of a report-bin edge.
 *
 * Rows whose neurons are all defined go through the WebAssembly kernel
 * (scan-kernel.ts), in runs of columns that are defined too; the rare similarities
 * with one metric undefined (a neuron that does not vary: its cosine is still
 * defined) are handled here one by one, the same way.
 */

export const METRIC_COS = 0;
export const METRIC_CORR = 1;

export interface Accumulator {
  /** counts per fine bin (see histogram.ts), without the entries in `exact` */
  fine: Int32Array;
  /** values seen (defined similarities) */
  count: number;
  /** Σx and Σx², when the scan was asked for them (else 0) */
  sum: number;
  sumSq: number;
  sumAbs: number;
  min: number;
  max: number;
}

/** Entries recomputed in float64, with their pair type. */
export interface ExactValues {
  pair: number[];
  value: number[];
}

export interface ScanResult {
  /** [metric][pair] */
  acc: Accumulator[][];
  /** [metric] */
  exact: ExactValues[];
  /** [metric]: Σ|x| per (row head, column head) over the upper triangle, heads × heads (heads = BLOCK_COUNT·n_head) */
  headSums: Float64Array[];
  heads: number;
  /** the first `qqLimit` defined QQ cosines, row-major */
  qq: number[];
}

export interface ScanOptions {
  /** float64 error bound of the Gram entries */
  margin: number;
  /** accumulate sums and sums of squares (not needed where moments.ts gives them exactly) */
  sums: boolean;
  nHead: number;
  /** how many QQ cosines to collect for the QQ sequence (0: none) */
  qqLimit: number;
}

const HALF = FINE_BINS / 2;

/** Idle kernels by shape. A scan holds its kernel (memory included) until it
 * returns, so that concurrent scans (awaiting onnxruntime) never share one. */
const idle = new Map<string, Kernel[]>();

function acquireKernel(m: number, dh: number, heads: number, float64: boolean): { kernel: Kernel; release: () => void } {
  const elem = float64 ? 'f64' : 'f32';
  const key = `${m}/${dh}/${heads}/${elem}`;
  const free = idle.get(key) ?? [];
  idle.set(key, free);
  const kernel = free.pop() ?? buildKernel(m, dh, heads, Math.min(m, PANEL_ROWS) * m, elem);
  return { kernel, release: () => free.push(kernel) };
}

export async function scanSimilarities(cols: Columns, options: ScanOptions): Promise<ScanResult> {
  const m = cols.cols;
  const d = m / BLOCK_COUNT;
  const heads = BLOCK_COUNT * options.nHead;
  const dh = d / options.nHead;
  // float32 lanes where the Gram is one float32 chunk and no sums are asked (moments.ts gives them)
  const { kernel, release } = acquireKernel(m, dh, heads, cols.rows > CHUNK || options.sums);
  try {
    return await scanWith(kernel, cols, options);
  } finally {
    release();
  }
}

async function scanWith(kernel: Kernel, cols: Columns, options: ScanOptions): Promise<ScanResult> {
  const m = cols.cols;
  const d = m / BLOCK_COUNT;
  const heads = BLOCK_COUNT * options.nHead;
  const dh = d / options.nHead;
  const { layout, memory } = kernel;
  const buffer = memory.buffer;
  const state = new Float64Array(buffer, layout.state, PAIR_COUNT * STATE_STRIDE);
  const fine = new Int32Array(buffer, layout.fine, SLOTS * PAIR_COUNT * FINE_LENGTH);
  const headSums = new Float64Array(buffer, layout.heads, SLOTS * heads * heads);
  const flags = new Int32Array(buffer, layout.flags, layout.flagCapacity);
  const emptyState = new Float64Array(STATE_STRIDE);
  emptyState[STATE.minR] = emptyState[STATE.minC] = Infinity;
  emptyState[STATE.maxR] = emptyState[STATE.maxC] = -Infinity;
  for (let pair = 0; pair < PAIR_COUNT; pair++) state.set(emptyState, pair * STATE_STRIDE);
  fine.fill(0);
  headSums.fill(0);
  new Float64Array(buffer, layout.a, m).set(cols.a);
  new Float64Array(buffer, layout.b, m).set(cols.b);
  if (kernel.elem === 'f32') {
    new Float32Array(buffer, layout.a32, m).set(cols.a);
    new Float32Array(buffer, layout.b32, m).set(cols.b);
  }

  const { a, b, cosBad, corrBad } = cols;
  const rows = options.sums ? (kernel.rowsSums as RowKernel[]) : kernel.rows;
  const elemBytes = kernel.elem === 'f32' ? 4 : 8;
  const counts = [new Float64Array(PAIR_COUNT), new Float64Array(PAIR_COUNT)]; // [slot][pair]
  const exact: ExactValues[] = [
    { pair: [], value: [] },
    { pair: [], value: [] },
  ];
  const qq: number[] = [];
  // Columns where a metric is undefined; a prefix count finds runs without them.
  const badBefore = new Int32Array(m + 1);
  for (let c = 0; c < m; c++) badBefore[c + 1] = badBefore[c] + (cosBad[c] | corrBad[c]);
  // the margin in fine-bin units
  const mt = options.margin * HALF + 1e-9;
  let nf = 0;

  const panelElements = Math.min(m, PANEL_ROWS) * m;
  const target: PanelTarget =
    kernel.elem === 'f32'
      ? { panel: new Float32Array(buffer, layout.panel, panelElements) }
      : {
          panel: new Float64Array(buffer, layout.panel, panelElements),
          scratch: new Float32Array(buffer, layout.scratch, panelElements),
          accumulate: (count) => (kernel.accumulate as NonNullable<Kernel['accumulate']>)(layout.panel, layout.scratch, count),
        };

  /** The flagged entries (within the margin of a report edge): recomputed in float64. */
  const resolveFlags = () => {
    for (let k = 0; k < nf; k++) {
      let id = flags[k];
      const cosine = id < 0;
      if (cosine) id = ~id;
      const i = Math.floor(id / m);
      const j = id - i * m;
      const list = exact[cosine ? METRIC_COS : METRIC_CORR];
      list.pair.push(pairOf(i, j, d));
      list.value.push(cosine ? exactCosine(cols, i, j) : exactCorrelation(cols, i, j));
    }
    nf = 0;
  };

  /** One similarity with only the cosine defined (a neuron that does not vary),
   * treated as the kernel treats each entry. */
  const cosineOnly = (i: number, j: number, r: number, pair: number) => {
    const v = a[i] * a[j] * r + b[i] * b[j];
    const t = v * HALF + (HALF + 1);
    const f = Math.trunc(t);
    const rem = (f - 1) % FINE_PER_BIN;
    const near = f < 1 || f > FINE_BINS || (rem === 0 && t - f < mt) || (rem === FINE_PER_BIN - 1 && f + 1 - t < mt);
    if (near) flags[nf++] = ~(i * m + j);
    else fine[fineIndex(SLOT_C, pair) + f]++;
    const s = pair * STATE_STRIDE;
    if (v < state[s + STATE.minC]) state[s + STATE.minC] = v;
    if (v > state[s + STATE.maxC]) state[s + STATE.maxC] = v;
    state[s + STATE.sumC] += v;
    state[s + STATE.sumSqC] += v * v;
    headSums[heads * heads + Math.floor(i / dh) * heads + Math.floor(j / dh)] += Math.abs(v);
    counts[SLOT_C][pair]++;
  };

  const visit = (panel: Panel) => {
    const { p0, p1, stride, values } = panel;
    for (let i = p0; i < p1; i++) {
      if (cosBad[i]) continue;
      const rb = Math.floor(i / d);
      const rowBase = layout.panel + elemBytes * (i - p0) * stride - elemBytes * p0;
      const headRow = layout.heads + 8 * Math.floor(i / dh) * heads;
      for (let cb = rb; cb < BLOCK_COUNT; cb++) {
        const j0 = Math.max(i + 1, cb * d);
        const j1 = (cb + 1) * d;
        if (j0 >= j1) continue;
        const pair = PAIR_OF_BLOCKS[rb][cb];
        if (nf + 2 * (j1 - j0) > layout.flagCapacity) resolveFlags();
        const run = (r0: number, r1: number) => {
          nf = rows[pair](
            rowBase + elemBytes * r0,
            r0,
            r1,
            a[i],
            b[i],
            i * m,
            nf,
            layout.state + STATE_PAIR_BYTES * pair,
            layout.fine + 4 * fineIndex(SLOT_R, pair),
            layout.fine + 4 * fineIndex(SLOT_C, pair),
            headRow,
            mt,
          );
          counts[SLOT_R][pair] += r1 - r0;
          counts[SLOT_C][pair] += r1 - r0;
        };
        if (!corrBad[i] && badBefore[j1] === badBefore[j0]) {
          run(j0, j1);
          continue;
        }
        // Undefined neurons in this segment: runs of defined columns, the rest one by one.
        let start = j0;
        for (let j = j0; j <= j1; j++) {
          const defined = j < j1 && !corrBad[i] && !cosBad[j] && !corrBad[j];
          if (defined) continue;
          if (j > start) run(start, j);
          start = j + 1;
          if (j < j1 && !cosBad[j]) cosineOnly(i, j, values[(i - p0) * stride + (j - p0)], pair);
        }
      }
      if (qq.length < options.qqLimit && i < d) {
        for (let j = i + 1; j < d && qq.length < options.qqLimit; j++) {
          if (cosBad[j]) continue;
          qq.push(a[i] * a[j] * values[(i - p0) * stride + (j - p0)] + b[i] * b[j]);
        }
      }
    }
  };

  await forEachPanel(cols, target, visit);
  resolveFlags();

  const acc: Accumulator[][] = [[], []];
  for (const [metric, slot] of [
    [METRIC_COS, SLOT_C],
    [METRIC_CORR, SLOT_R],
  ]) {
    const at =
      slot === SLOT_R
        ? { min: STATE.minR, max: STATE.maxR, sum: STATE.sumR, sumSq: STATE.sumSqR }
        : { min: STATE.minC, max: STATE.maxC, sum: STATE.sumC, sumSq: STATE.sumSqC };
    for (let pair = 0; pair < PAIR_COUNT; pair++) {
      const s = pair * STATE_STRIDE;
      acc[metric].push({
        fine: fine.slice(fineIndex(slot, pair), fineIndex(slot, pair) + FINE_LENGTH),
        count: counts[slot][pair],
        sum: options.sums ? state[s + at.sum] : 0,
        sumSq: options.sums ? state[s + at.sumSq] : 0,
        sumAbs: 0,
        min: state[s + at.min],
        max: state[s + at.max],
      });
    }
  }
  const perMetric = [
    headSums.slice(heads * heads, 2 * heads * heads), // cosine
    headSums.slice(0, heads * heads), // correlation
  ];
  for (let metric = 0; metric < 2; metric++) {
    const h = perMetric[metric];
    for (let hr = 0; hr < heads; hr++)
      for (let hc = 0; hc < heads; hc++) {
        const rb = Math.floor(hr / options.nHead);
        const cb = Math.floor(hc / options.nHead);
        if (cb >= rb) acc[metric][PAIR_OF_BLOCKS[rb][cb]].sumAbs += h[hr * heads + hc];
      }
  }
  return { acc, exact, headSums: perMetric, heads, qq };
}
