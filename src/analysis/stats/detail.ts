import type { Columns } from './columns.ts';
import { panelProduct } from './onnx.ts';
import { BLOCKS_OF_PAIR } from './pair-mask.ts';
import { METRIC_COS, type ScanResult } from './scan.ts';

/**
 * Per-head tables and previews (target and nontarget).
 *
 * Per-head mean |similarity|: from the scan's Σ|x| per head pair over the upper
 * triangle. Off the diagonal of a block a head pair's entries are all on one side
 * of the diagonal (the other side mirrors them); a head's own block is symmetric,
 * so its upper triangle has the mean of the whole block without the diagonal.
 *
 * Previews: block means of the whole matrix, diagonal included. A block's sum is
 *   Σ_{i∈I, j∈J} x̂_i·x̂_j = Σ_s S_I(s)·S_J(s),  S_I(s) = Σ_{i∈I} x̂_si
 * for the unit columns x̂ of the metric (0 for an undefined neuron), so all block
 * sums are one small float64 product SᵀS (sentences × blocks), exact to ~1e-15,
 * with no pass over the Gram. Dividing by the defined entries of the block leaves
 * undefined similarities out.
 */
export interface Detail {
  /** [metric][pair]: n_head × n_head mean |similarity| */
  heads: number[][][][];
  /** [metric]: side × side block means (float32, row-major) */
  previews: Float32Array[];
  side: number;
  block: number;
}

/** Sᵀ [side, rows]: per block of columns, per sentence, Σ of the metric's unit columns. */
function blockSums(x: Float32Array, cols: Columns, metric: number, block: number, side: number): Float64Array {
  const { rows, cols: m, mean, norm, centredNorm, cosBad, corrBad } = cols;
  const cosine = metric === METRIC_COS;
  const scale = new Float64Array(m);
  const shift = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    const bad = cosine ? cosBad[c] : corrBad[c];
    scale[c] = bad ? 0 : 1 / (cosine ? norm[c] : centredNorm[c]);
    shift[c] = cosine || bad ? 0 : mean[c];
  }
  // Directly sentence-major transposed ([side, rows]): the layout the product wants.
  const st = new Float64Array(side * rows);
  for (let r = 0; r < rows; r++) {
    const base = r * m;
    for (let k = 0; k < side; k++) {
      let acc = 0;
      const end = Math.min(m, (k + 1) * block);
      for (let c = k * block; c < end; c++) acc += (x[base + c] - shift[c]) * scale[c];
      st[k * rows + r] = acc;
    }
  }
  return st;
}

export async function similarityDetail(x: Float32Array, cols: Columns, scan: ScanResult, nHead: number, block: number): Promise<Detail> {
  const m = cols.cols;
  const d = m / 3;
  const dh = d / nHead;
  const heads = scan.heads;
  const side = Math.ceil(m / block);
  const byMetric: number[][][][] = [];
  const previews: Float32Array[] = [];
  for (let metric = 0; metric < 2; metric++) {
    const bad = metric === METRIC_COS ? cols.cosBad : cols.corrBad;
    // defined neurons per preview block and per head (over all 3·n_head heads)
    const perBlock = new Float64Array(side);
    const perHead = new Float64Array(heads);
    for (let c = 0; c < m; c++) {
      if (bad[c]) continue;
      perBlock[Math.floor(c / block)]++;
      perHead[Math.floor(c / dh)]++;
    }

    const st = blockSums(x, cols, metric, block, side);
    const sums = await panelProduct(st, st, side, side, cols.rows);
    const preview = new Float32Array(side * side);
    for (let i = 0; i < side; i++)
      for (let j = 0; j < side; j++) {
        const defined = perBlock[i] * perBlock[j];
        preview[i * side + j] = defined > 0 ? sums[i * side + j] / defined : 0;
      }
    previews.push(preview);

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
  return { heads: byMetric, previews, side, block };
}
