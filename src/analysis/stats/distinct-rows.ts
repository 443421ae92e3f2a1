/**
 * How many distinct activation vectors (rows) a condition holds: rows whose float32 values
 * are bit for bit equal count once. At layer 0 the attention input is LN(wte[token] +
 * wpe[position]), so with one target token the target rows differ only by position: a set
 * whose target sits at 4 positions has 4 distinct target rows however many sentences it
 * has, and every similarity of that layer describes positions, not sentences.
 * `xT` holds the rows transposed, [width, rows] (the statistics' layout).
 */
export function distinctRows(xT: Float32Array, rows: number, width: number): number {
  const seen = new Set<string>();
  // `xT` is neuron-major ([width, rows]): rows are gathered TILE at a time, so that each
  // neuron's run of TILE values is read at once
  const tile = new Float32Array(TILE * width);
  const bits = new Uint16Array(tile.buffer);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const count = Math.min(TILE, rows - r0);
    for (let c = 0; c < width; c++) {
      const src = c * rows + r0;
      for (let r = 0; r < count; r++) tile[r * width + c] = xT[src + r];
    }
    // the row's bits as a string key: exact, no hash collisions to reason about
    for (let r = 0; r < count; r++) seen.add(String.fromCharCode(...bits.subarray(r * width * 2, (r + 1) * width * 2)));
  }
  return seen.size;
}

const TILE = 64;
