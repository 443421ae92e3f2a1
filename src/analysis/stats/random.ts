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

  return { nextUint32, nextBelow };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher–Yates over `values[start + k·stride]`, k < count, in place. */
export function shuffleStrided(values: Float32Array, start: number, count: number, stride: number, random: Random): void {
  for (let k = count - 1; k > 0; k--) {
    const r = random.nextBelow(k + 1);
    const p = start + k * stride;
    const q = start + r * stride;
    const tmp = values[p];
    values[p] = values[q];
    values[q] = tmp;
  }
}
