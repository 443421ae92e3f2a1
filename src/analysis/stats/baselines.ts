import { createRandom, shuffleStrided } from './random.ts';
import { transpose } from './transpose.ts';

/**
 * The two random baselines. Both keep the target's values and destroy the
 * structure between neurons, so any similarity left is what chance and the
 * number of sentences produce. Each layer draws its own stream from the set's seed
 * (stream 2·layer for `shuffleAll`, 2·layer + 1 for `shufflePerNeuron`).
 */

/** The lecture's baseline: every entry of the [rows, cols] matrix permuted together
 * (as `a.flatten()[np.random.permutation(a.size)].reshape(a.shape)`). */
export function shuffleAll(matrix: Float32Array, seed: number, layer = 0): Float32Array {
  const out = matrix.slice();
  shuffleStrided(out, 0, out.length, 1, createRandom(seed, 2 * layer));
  return out;
}

/** shuffleAll's result transposed, [cols, rows], from `t`, the matrix transposed: the
 * layout columnStats wants, without a row-major copy. The same draws, the same values. */
export function shuffleAllTransposed(t: Float32Array, rows: number, cols: number, seed: number, layer = 0): Float32Array {
  const out = t.slice();
  createRandom(seed, 2 * layer).shuffleTransposed(out, rows, cols);
  return out;
}

/** Each column permuted over the rows independently: it keeps every neuron's own
 * distribution (mean, spread) and breaks only which sentence goes with which. */
export function shufflePerNeuron(matrix: Float32Array, rows: number, cols: number, seed: number, layer = 0): Float32Array {
  return transpose(shufflePerNeuronTransposed(transpose(matrix, rows, cols), rows, cols, seed, layer), cols, rows);
}

/** shufflePerNeuron's result transposed, [cols, rows], from `t`, the matrix transposed (a
 * column is contiguous there: the strided walk of the row-major matrix missed the cache on
 * every element). */
export function shufflePerNeuronTransposed(t: Float32Array, rows: number, cols: number, seed: number, layer = 0): Float32Array {
  const random = createRandom(seed, 2 * layer + 1);
  const out = t.slice();
  for (let c = 0; c < cols; c++) shuffleStrided(out, c * rows, rows, 1, random);
  return out;
}
