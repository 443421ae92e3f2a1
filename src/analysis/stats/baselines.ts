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

/** Each column permuted over the rows independently: it keeps every neuron's own
 * distribution (mean, spread) and breaks only which sentence goes with which. */
export function shufflePerNeuron(matrix: Float32Array, rows: number, cols: number, seed: number, layer = 0): Float32Array {
  return transpose(shufflePerNeuronTransposed(matrix, rows, cols, seed, layer), cols, rows);
}

/** shufflePerNeuron's result transposed, [cols, rows]: the layout it is made in, and
 * the one columnStats wants (which then need not transpose it again). */
export function shufflePerNeuronTransposed(matrix: Float32Array, rows: number, cols: number, seed: number, layer = 0): Float32Array {
  const random = createRandom(seed, 2 * layer + 1);
  // Column by column, as if in place with stride `cols`; done on a transposed copy,
  // where a column is contiguous (the strided walk missed the cache on every element).
  const t = transpose(matrix, rows, cols);
  for (let c = 0; c < cols; c++) shuffleStrided(t, c * rows, rows, 1, random);
  return t;
}
