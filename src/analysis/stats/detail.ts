import type { Columns } from './columns.ts';
import { BLOCK_COUNT, BLOCKS_OF_PAIR } from '../shapes.ts';
import { previewIndices } from './preview.ts';
import type { QQVariance } from '../output-schema.ts';
import { qqSequence, qqVariance } from './qq-variance.ts';
import { definedNeurons, neuronRange, similarities } from './units.ts';
import { METRIC_COS, type ScanResult } from './scan.ts';

/**
 * Per-head tables, previews and the QQ block's float64 facts (target and nontarget).
 *
 * Per-head mean |similarity|: from the scan's Σ|x| per head pair over the upper
 * triangle. Off the diagonal of a block a head pair's entries are all on one side
 * of the diagonal (the other side mirrors them); a head's own block is symmetric,
 * so its upper triangle has the mean of the whole block without the diagonal.
 *
 * Previews: the matrix sampled with a stride (preview.ts), every entry the exact
 * similarity of its two neurons: a float64 product of the sampled unit columns
 * (units.ts), exact to ~1e-15. Undefined entries are NaN.
 *
 * QQ block: the d × d QQ similarities in float64 (a product of the Q unit columns),
 * from which the QQ sequence of both metrics and the variance shares of |x| by row and
 * by head (qq-variance.ts) are taken.
 */
export interface Detail {
  /** [metric][pair]: n_head × n_head mean |similarity| */
  heads: number[][][][];
  /** [metric]: side × side sampled entries (float32, row-major) */
  previews: Float32Array[];
  side: number;
  stride: number;
  /** [metric]: the first QQ_SEQUENCE_LENGTH defined QQ similarities in the lecture's order */
  qqSequences: number[][];
  /** [metric]: how much of the variance of |x| over QQ rows and heads explain */
  qqVariances: QQVariance[];
}

export async function similarityDetail(cols: Columns, scan: ScanResult, nHead: number, stride: number, qqLimit: number): Promise<Detail> {
  const m = cols.cols;
  const d = m / BLOCK_COUNT;
  const dh = d / nHead;
  const heads = scan.heads;
  const sampled = previewIndices(m, stride);
  const side = sampled.length;
  const qNeurons = neuronRange(0, d);
  const byMetric: number[][][][] = [];
  const previews: Float32Array[] = [];
  const qqSequences: number[][] = [];
  const qqVariances: QQVariance[] = [];
  for (let metric = 0; metric < 2; metric++) {
    const bad = metric === METRIC_COS ? cols.cosBad : cols.corrBad;
    // defined neurons per head (over all BLOCK_COUNT·n_head heads)
    const perHead = new Float64Array(heads);
    for (let c = 0; c < m; c++) if (!bad[c]) perHead[Math.floor(c / dh)]++;

    previews.push(Float32Array.from(await similarities(cols, metric, sampled, sampled)));

    const qq = await similarities(cols, metric, qNeurons, qNeurons);
    const qDefined = definedNeurons(cols, metric, qNeurons);
    qqSequences.push(qqSequence(qq, qDefined, d, qqLimit));
    qqVariances.push(qqVariance(qq, qDefined, d, nHead));

    const h = scan.headSums[metric];
    const byPair: number[][][] = [];
    for (const [ba, bb] of BLOCKS_OF_PAIR) {
      const table: number[][] = [];
      for (let h1 = 0; h1 < nHead; h1++) {
        const row: number[] = [];
        for (let h2 = 0; h2 < nHead; h2++) {
          let hr = ba * nHead + h1;
          let hc = bb * nHead + h2;
          if (hr > hc) [hr, hc] = [hc, hr]; // the lower side of a diagonal block mirrors the upper
          const count = hr === hc ? (perHead[hr] * (perHead[hr] - 1)) / 2 : perHead[hr] * perHead[hc];
          row.push(count > 0 ? h[hr * heads + hc] / count : 0);
        }
        table.push(row);
      }
      byPair.push(table);
    }
    byMetric.push(byPair);
  }
  return { heads: byMetric, previews, side, stride, qqSequences, qqVariances };
}
