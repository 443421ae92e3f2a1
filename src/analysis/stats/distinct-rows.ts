/**
 * How many distinct activation vectors (rows) a condition holds: rows whose float32 values
 * are bit for bit equal count once. At layer 0 the attention input is LN(wte[token] +
 * wpe[position]), so with one target token the target rows differ only by position: a set
 * whose target sits at 4 positions has 4 distinct target rows however many sentences it
 * has, and every similarity of that layer describes positions, not sentences.
 */
export function distinctRows(x: Float32Array, rows: number, width: number): number {
  const seen = new Set<string>();
  for (let r = 0; r < rows; r++) {
    // the row's bits as a string key: exact, no hash collisions to reason about
    seen.add(String.fromCharCode(...new Uint16Array(x.buffer, x.byteOffset + r * width * 4, width * 2)));
  }
  return seen.size;
}
