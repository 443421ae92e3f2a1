import type { Columns } from './columns.ts';
import { poolSimilarities } from './onnx.ts';
import { METRIC_COS } from './scan.ts';

/**
 * Per-head tables and previews (target and nontarget), from block averages that
 * onnxruntime pools over the whole symmetric matrix. Undefined similarities are
 * exactly 0 in the Gram (their neuron's column is zeroed before the GEMM), so a
 * block's sum over defined entries is its average × its area, and the count of
 * defined entries follows from the defined neurons of its rows and columns.
 */
export interface Detail {
  /** [metric][pair]: n_head × n_head mean |similarity| */
  heads: number[][][][];
  /** [metric]: side × side block means (float32, row-major) */
  previews: Float32Array[];
  side: number;
  block: number;
}

export async function similarityDetail(g: Float32Array | Float64Array, cols: Columns, nHead: number, block: number): Promise<Detail> {
  const m = cols.cols;
  const d = m / 3;
  const dh = d / nHead;
  const r = g instanceof Float32Array ? g : Float32Array.from(g);
  const pooled = await poolSimilarities(r, m, cols.a, cols.b, block, dh);
  const side = Math.ceil(m / block);
  const heads: number[][][][] = [];
  const previews: Float32Array[] = [];
  for (let metric = 0; metric < 2; metric++) {
    const bad = metric === METRIC_COS ? cols.cosBad : cols.corrBad;
    const previewAvg = metric === METRIC_COS ? pooled.previewC : pooled.previewR;
    const headAvg = metric === METRIC_COS ? pooled.headC : pooled.headR;
    // defined neurons per preview block and per head (over all 3·n_head heads)
    const perBlock = new Float64Array(side);
    const perHead = new Float64Array(3 * nHead);
    for (let c = 0; c < m; c++) {
      if (bad[c]) continue;
      perBlock[Math.floor(c / block)]++;
      perHead[Math.floor(c / dh)]++;
    }
    const preview = new Float32Array(side * side);
    for (let i = 0; i < side; i++) {
      const rowsI = Math.min(block, m - i * block);
      for (let j = 0; j < side; j++) {
        const colsJ = Math.min(block, m - j * block);
        const defined = perBlock[i] * perBlock[j];
        preview[i * side + j] = defined > 0 ? (previewAvg[i * side + j] * rowsI * colsJ) / defined : 0;
      }
    }
    previews.push(preview);
    const hs = 3 * nHead;
    const byPair: number[][][] = [];
    for (const [ba, bb] of [[0, 0], [1, 1], [2, 2], [0, 1], [0, 2], [1, 2]]) {
      const table: number[][] = [];
      for (let h1 = 0; h1 < nHead; h1++) {
        const row: number[] = [];
        for (let h2 = 0; h2 < nHead; h2++) {
          const hr = ba * nHead + h1;
          const hc = bb * nHead + h2;
          let sum = headAvg[hr * hs + hc] * dh * dh;
          let count = perHead[hr] * perHead[hc];
          if (hr === hc) {
            // the diagonal (|x_ii| = 1 for each defined neuron) is not a pair
            sum -= perHead[hr];
            count -= perHead[hr];
          }
          row.push(count > 0 ? Math.max(0, sum / count) : 0);
        }
        table.push(row);
      }
      byPair.push(table);
    }
    heads.push(byPair);
  }
  return { heads, previews, side, block };
}
