import { FINE_BINS, FINE_LENGTH, FINE_PER_BIN } from './histogram.ts';
import { BLOCKS_OF_PAIR } from './pair-mask.ts';
import type { Columns } from './columns.ts';

/**
 * One pass over the upper triangle of a correlation Gram, producing for both
 * metrics and all six pair types the raw material of every statistic: fine
 * counts, sums, extremes, and the list of entries too close to a report-bin edge
 * to bin from the float32 Gram. (Per-head and preview averages come from
 * onnxruntime pooling, see detail.ts.)
 *
 * This loop visits ~2.65 million entries per matrix (d = 768), twice per entry
 * (two metrics), so it works on typed arrays and locals only: no per-value
 * allocation, no calls on the common path.
 */

export const METRIC_COS = 0;
export const METRIC_CORR = 1;

export interface Accumulator {
  /** counts per fine bin (see histogram.ts); entries near a report edge are added later */
  fine: Uint32Array;
  /** values seen (defined similarities) */
  count: number;
  sum: number;
  sumSq: number;
  sumAbs: number;
  min: number;
  max: number;
}

export interface FlagList {
  data: Int32Array;
  length: number;
}

export interface ScanResult {
  /** [metric][pair] */
  acc: Accumulator[][];
  /** [metric]: flat indices i·M + j of entries to recompute in float64 */
  flags: FlagList[];
}

function newAccumulator(): Accumulator {
  return { fine: new Uint32Array(FINE_LENGTH), count: 0, sum: 0, sumSq: 0, sumAbs: 0, min: Infinity, max: -Infinity };
}

function pushFlag(list: FlagList, v: number): void {
  if (list.length === list.data.length) {
    const grown = new Int32Array(list.data.length * 2);
    grown.set(list.data);
    list.data = grown;
  }
  list.data[list.length++] = v;
}

/**
 * Kind of each fine bin relative to the report edges: 0 interior, 1 just above an
 * edge, 2 just below an edge, 3 outside [-1, 1] (always recomputed).
 */
const EDGE_KIND = (() => {
  const kind = new Uint8Array(FINE_LENGTH + 1);
  for (let f = 1; f <= FINE_BINS; f++) {
    const r = (f - 1) % FINE_PER_BIN;
    if (r === 0) kind[f] = 1;
    else if (r === FINE_PER_BIN - 1) kind[f] = 2;
  }
  kind[0] = 3;
  kind[FINE_BINS + 1] = 3;
  kind[FINE_LENGTH] = 3;
  return kind;
})();

const HALF = FINE_BINS / 2;

export interface ScanOptions {
  /** float64 error bound of the Gram entries */
  margin: number;
  /** accumulate sums and sums of squares (not needed where moments.ts gives them exactly) */
  sums: boolean;
}

/** Scalars of an accumulator while a segment is scanned: count, sum, sumSq, sumAbs, min, max. */
const COUNT = 0;
const SUM = 1;
const SUM_SQ = 2;
const SUM_ABS = 3;
const MIN = 4;
const MAX = 5;

export function scanGram(g: Float32Array | Float64Array, cols: Columns, options: ScanOptions): ScanResult {
  const m = cols.cols;
  const d = m / 3;
  const acc = [Array.from({ length: 6 }, newAccumulator), Array.from({ length: 6 }, newAccumulator)];
  const flags: FlagList[] = [
    { data: new Int32Array(1024), length: 0 },
    { data: new Int32Array(1024), length: 0 },
  ];
  const { a, b, cosBad, corrBad } = cols;
  // In fine-bin units: t = (v + 1)·FINE_BINS/2 + 1 has integer part = fine bin.
  const mt = options.margin * HALF + 1e-9;
  const statsC = new Float64Array(6);
  const statsR = new Float64Array(6);
  const anyBad = cols.corrBadPerBlock.some((c) => c > 0);

  for (let pair = 0; pair < 6; pair++) {
    const [blockRow, blockCol] = BLOCKS_OF_PAIR[pair];
    const accC = acc[METRIC_COS][pair];
    const accR = acc[METRIC_CORR][pair];
    statsC.set([0, 0, 0, 0, Infinity, -Infinity]);
    statsR.set([0, 0, 0, 0, Infinity, -Infinity]);
    for (let i = blockRow * d; i < (blockRow + 1) * d; i++) {
      if (cosBad[i]) continue; // cosine undefined implies correlation undefined
      const j0 = blockRow === blockCol ? i + 1 : blockCol * d;
      const j1 = (blockCol + 1) * d;
      if (!anyBad && !options.sums) {
        scanFast(g, i * m, j0, j1, a[i], b[i], a, b, accC.fine, accR.fine, statsC, statsR, flags, mt);
      } else {
        scanGeneral(g, i * m, j0, j1, a[i], b[i], corrBad[i] === 1, a, b, cosBad, corrBad, accC.fine, accR.fine, statsC, statsR, flags, mt);
      }
    }
    for (const [target, stats] of [[accC, statsC], [accR, statsR]] as const) {
      target.count = stats[COUNT];
      target.sum = stats[SUM];
      target.sumSq = stats[SUM_SQ];
      target.sumAbs = stats[SUM_ABS];
      target.min = stats[MIN];
      target.max = stats[MAX];
    }
  }
  return { acc, flags };
}

/**
 * The common case: every neuron defined, sums from moments.ts. Per entry and
 * metric: one fine-bin increment, |x|, min, max. Small enough for the JIT to
 * optimise whole.
 */
function scanFast(
  g: Float32Array | Float64Array, base: number, j0: number, j1: number, ai: number, bi: number,
  a: Float64Array, b: Float64Array, fineC: Uint32Array, fineR: Uint32Array,
  statsC: Float64Array, statsR: Float64Array, flags: FlagList[], mt: number,
): void {
  const kind = EDGE_KIND;
  let aC = 0, minC = statsC[MIN], maxC = statsC[MAX];
  let aR = 0, minR = statsR[MIN], maxR = statsR[MAX];
  for (let j = j0; j < j1; j++) {
    const r = g[base + j];
    const t = r * HALF + (HALF + 1);
    const f = t | 0;
    const k = kind[f];
    if (k !== 0 && (k === 3 || (k === 1 ? t - f < mt : f + 1 - t < mt))) pushFlag(flags[METRIC_CORR], base + j);
    else fineR[f]++;
    aR += r < 0 ? -r : r;
    if (r < minR) minR = r;
    if (r > maxR) maxR = r;
    const v = ai * a[j] * r + bi * b[j];
    const tc = v * HALF + (HALF + 1);
    const fc = tc | 0;
    const kc = kind[fc];
    if (kc !== 0 && (kc === 3 || (kc === 1 ? tc - fc < mt : fc + 1 - tc < mt))) pushFlag(flags[METRIC_COS], base + j);
    else fineC[fc]++;
    aC += v < 0 ? -v : v;
    if (v < minC) minC = v;
    if (v > maxC) maxC = v;
  }
  const n = j1 - j0;
  statsC[COUNT] += n;
  statsC[SUM_ABS] += aC;
  statsC[MIN] = minC;
  statsC[MAX] = maxC;
  statsR[COUNT] += n;
  statsR[SUM_ABS] += aR;
  statsR[MIN] = minR;
  statsR[MAX] = maxR;
}

/** Any case: undefined neurons skipped, sums kept. */
function scanGeneral(
  g: Float32Array | Float64Array, base: number, j0: number, j1: number,
  ai: number, bi: number, rowCorrBad: boolean,
  a: Float64Array, b: Float64Array, cosBad: Uint8Array, corrBad: Uint8Array,
  fineC: Uint32Array, fineR: Uint32Array, statsC: Float64Array, statsR: Float64Array,
  flags: FlagList[], mt: number,
): void {
  const kind = EDGE_KIND;
  let nC = 0, sC = 0, qC = 0, aC = 0, minC = statsC[MIN], maxC = statsC[MAX];
  let nR = 0, sR = 0, qR = 0, aR = 0, minR = statsR[MIN], maxR = statsR[MAX];
  for (let j = j0; j < j1; j++) {
    if (cosBad[j] === 1) continue;
    const r = g[base + j];
    if (!rowCorrBad && corrBad[j] === 0) {
      const t = r * HALF + (HALF + 1);
      const f = t | 0;
      const k = kind[f];
      if (k !== 0 && (k === 3 || (k === 1 ? t - f < mt : f + 1 - t < mt))) pushFlag(flags[METRIC_CORR], base + j);
      else fineR[f]++;
      sR += r;
      aR += r < 0 ? -r : r;
      qR += r * r;
      nR++;
      if (r < minR) minR = r;
      if (r > maxR) maxR = r;
    }
    // A neuron that does not vary has a_i = 0: its cosine is b_i·b_j.
    const v = ai * a[j] * r + bi * b[j];
    const tc = v * HALF + (HALF + 1);
    const fc = tc | 0;
    const kc = kind[fc];
    if (kc !== 0 && (kc === 3 || (kc === 1 ? tc - fc < mt : fc + 1 - tc < mt))) pushFlag(flags[METRIC_COS], base + j);
    else fineC[fc]++;
    sC += v;
    aC += v < 0 ? -v : v;
    qC += v * v;
    nC++;
    if (v < minC) minC = v;
    if (v > maxC) maxC = v;
  }
  statsC[COUNT] += nC;
  statsC[SUM] += sC;
  statsC[SUM_SQ] += qC;
  statsC[SUM_ABS] += aC;
  statsC[MIN] = minC;
  statsC[MAX] = maxC;
  statsR[COUNT] += nR;
  statsR[SUM] += sR;
  statsR[SUM_SQ] += qR;
  statsR[SUM_ABS] += aR;
  statsR[MIN] = minR;
  statsR[MAX] = maxR;
}
