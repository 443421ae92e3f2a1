/**
 * A small seeded generator, so that a rebuild with the same set `seed` draws the
 * same baseline permutations on any machine. xoshiro128** (Blackman & Vigna,
 * 2018; public domain) on 32-bit integers, seeded through splitmix32 so that
 * nearby seeds (1, 2, 3…) give unrelated streams. Not for cryptography.
 */
export interface Random {
  /** uniform integer in [0, 2³²) */
  nextUint32(): number;
  /** uniform integer in [0, n) for 0 < n ≤ 2³², without modulo bias */
  nextBelow(n: number): number;
  /** Fisher–Yates over `values[start + k·stride]`, k < count, in place: the draws of
   * nextBelow(count), nextBelow(count − 1), …, nextBelow(2), in a loop of its own */
  shuffle(values: Float32Array, start: number, count: number, stride: number): void;
  /** the same draws and swaps as shuffle(x, 0, rows·cols, 1) on a row-major [rows, cols]
   * matrix x, done on its transpose `values` ([cols, rows]): the result is the transpose of
   * the shuffled x, without a row-major copy */
  shuffleTransposed(values: Float32Array, rows: number, cols: number): void;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** `seed` is any finite number; `stream` separates independent draws from one seed. */
export function createRandom(seed: number, stream = 0): Random {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  const st = { s: (lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1)) | 0 };
  let a = splitmix32(st);
  let b = splitmix32(st);
  let c = splitmix32(st);
  let d = splitmix32(st);
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is a fixed point

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };

  // Rejection of the short top range (Lemire's "nearly divisionless" is not worth it here).
  const nextBelow = (n: number): number => {
    if (n <= 1) return 0;
    if (n > 4294967296) throw new RangeError('nextBelow: n must be at most 2^32');
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = nextUint32();
      if (x < limit) return x % n;
    }
  };

  // The same draws as nextBelow in one loop with the state in locals: calls, and the
  // float64 `%` of numbers above 2³¹ (a libm call), made it ~50 ns per element.
  // x − ⌊x/n⌋·n is exact here: for x < 2³² the quotient's rounding error is below 1/n.
  // The draws do not depend on the data, so they are made BATCH at a time before the
  // swaps: the swaps' random reads then overlap (one cache miss at a time made the
  // lecture's all-entries shuffle take seconds at 10,000 sentences).
  const BATCH = 1024;
  const draws = new Int32Array(BATCH);
  /** Fisher–Yates draws for k = count − 1 down to 1, BATCH at a time: swap(top, last)
   * then swaps positions k and draws[top − k] for top ≥ k > last. */
  const drawBatches = (count: number, swap: (top: number, last: number) => void): void => {
    let s0 = a;
    let s1 = b;
    let s2 = c;
    let s3 = d;
    for (let top = count - 1; top > 0; top -= BATCH) {
      const last = Math.max(0, top - BATCH);
      for (let k = top; k > last; k--) {
        const n = k + 1;
        const limit = 4294967296 - (4294967296 - Math.floor(4294967296 / n) * n);
        let x: number;
        do {
          x = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
          const t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = rotl(s3, 11);
        } while (x >= limit);
        draws[top - k] = x - Math.floor(x / n) * n;
      }
      swap(top, last);
    }
    a = s0;
    b = s1;
    c = s2;
    d = s3;
  };

  const shuffle = (values: Float32Array, start: number, count: number, stride: number): void => {
    drawBatches(count, (top, last) => {
      for (let k = top; k > last; k--) {
        const p = start + k * stride;
        const q = start + draws[top - k] * stride;
        const tmp = values[p];
        values[p] = values[q];
        values[q] = tmp;
      }
    });
  };

  // Row-major index k = r·cols + c sits at c·rows + r in the transpose.
  const shuffleTransposed = (values: Float32Array, rows: number, cols: number): void => {
    drawBatches(rows * cols, (top, last) => {
      for (let k = top; k > last; k--) {
        const kr = Math.floor(k / cols);
        const q = draws[top - k];
        const qr = Math.floor(q / cols);
        const p = (k - kr * cols) * rows + kr;
        const pq = (q - qr * cols) * rows + qr;
        const tmp = values[p];
        values[p] = values[pq];
        values[pq] = tmp;
      }
    });
  };

  return { nextUint32, nextBelow, shuffle, shuffleTransposed };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher–Yates over `values[start + k·stride]`, k < count, in place. */
export function shuffleStrided(values: Float32Array, start: number, count: number, stride: number, random: Random): void {
  random.shuffle(values, start, count, stride);
}
