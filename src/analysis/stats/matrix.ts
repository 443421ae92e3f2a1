import { shuffleAllTransposed, shufflePerNeuronTransposed } from './baselines.ts';
import { columnStats } from './columns.ts';
import { similarityDetail, type Detail } from './detail.ts';
import { completeScan, type Distribution } from './exact.ts';
import { gramMargin } from './gram.ts';
import { MOMENTS_MAX_ROWS, exactMoments, type Moments } from './moments.ts';
import { previewStride } from './preview.ts';
import { scanSimilarities } from './scan.ts';
import { transpose } from './transpose.ts';
import { BLOCK_COUNT } from '../shapes.ts';

/**
 * Everything the statistics need from one activation matrix (a condition): its
 * similarity distributions for both metrics and all pair types, exact moments,
 * and, for the measured conditions, the per-head tables, previews and QQ
 * sequence. Self-contained and plain data in and out, so that it can run in a
 * worker thread (pool.ts).
 */
export const QQ_SEQUENCE_LENGTH = 20000;

export interface MatrixJob {
  /** the activations neuron-major, [m, rows] (for a baseline: the target's, before
   * shuffling); read, never written */
  xT: Float32Array;
  rows: number;
  m: number;
  nHead: number;
  /** per-head tables, previews and the QQ sequence (target and nontarget only) */
  withDetail: boolean;
  /** analyse a shuffled copy of x instead (baselines.ts), drawn from seed and layer */
  baseline?: 'shuffled' | 'shuffledPerNeuron';
  seed?: number;
  layer?: number;
}

export interface MatrixResult {
  /** mean activation per neuron */
  mean: Float64Array;
  /** 1 where the cosine (correlation) is undefined for the neuron */
  cosBad: Uint8Array;
  corrBad: Uint8Array;
  /** [metric][pair] */
  dists: Distribution[][];
  moments: Moments | null;
  detail: Detail | null;
}

export async function analyseMatrix(job: MatrixJob): Promise<MatrixResult> {
  const { rows, m, nHead, withDetail } = job;
  const seed = job.seed ?? 0;
  const layer = job.layer ?? 0;
  // a baseline shuffles a copy; a measured condition is read where it is (no copy)
  const transposed =
    job.baseline === 'shuffledPerNeuron'
      ? shufflePerNeuronTransposed(job.xT, rows, m, seed, layer)
      : job.baseline === 'shuffled'
        ? shuffleAllTransposed(job.xT, rows, m, seed, layer)
        : job.xT;
  const cols = columnStats(rows, m, transposed);
  const exactSums = rows <= MOMENTS_MAX_ROWS;
  const scan = await scanSimilarities(cols, {
    margin: gramMargin(rows),
    sums: !exactSums,
    nHead,
    // the QQ sequence comes from detail.ts's float64 QQ block, for both metrics
    qqLimit: 0,
  });
  const detail = withDetail ? await similarityDetail(cols, scan, nHead, previewStride(m), QQ_SEQUENCE_LENGTH) : null;
  const dists = completeScan(scan);
  // the exact moments read rows: made only for the few sentences where they are used
  const moments = exactSums ? await exactMoments(transpose(transposed, m, rows), cols) : null;
  return { mean: cols.mean, cosBad: cols.cosBad, corrBad: cols.corrBad, dists, moments, detail };
}

/**
 * Warms this thread up for GPT-2-small-sized layers at the lecture's 54 sentences
 * (the commonest shape; another shape only compiles its own kernel on first use):
 * onnxruntime's sessions created, the scan kernel compiled and run over whole
 * (BLOCK_COUNT·d)² Grams, every step's JavaScript run once. layer-stats.ts warmUpStats then
 * runs whole layers through the pool, which finishes the JIT's work. Results are
 * discarded.
 */
export async function warmUpMatrix(nEmbd = 768, nHead = 12, rows = 54): Promise<void> {
  const m = BLOCK_COUNT * nEmbd;
  const xT = new Float32Array(rows * m);
  for (let k = 0; k < xT.length; k++) xT[k] = (Math.sin(k * 12.9898) * 43758.5453) % 1;
  const base = { xT, rows, m, nHead, seed: 0, layer: 0 };
  await analyseMatrix({ ...base, withDetail: true });
  await analyseMatrix({ ...base, withDetail: false, baseline: 'shuffled' });
  await analyseMatrix({ ...base, withDetail: false, baseline: 'shuffledPerNeuron' });
}
