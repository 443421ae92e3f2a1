import { PAIR_COUNT } from '../shapes.ts';
import { FINE_LENGTH } from './histogram.ts';

/**
 * The scan kernel's memory (one WebAssembly.Memory per kernel, addresses fixed when
 * it is built): state (per pair: minR maxR minC maxC ΣR ΣR² ΣC ΣC²), a and b
 * (float64, and float32 copies), per-head |x| sums, the fine histograms (metric ×
 * pair), the flag list, and the Gram panel that gram.ts fills, plus a float32
 * scratch panel for chunked Grams. scan.ts reads and writes it through these
 * names; the kernels (kernel-f64.ts, kernel-f32.ts) take the same addresses as
 * immediate offsets.
 */

export type Elem = 'f32' | 'f64';

/** Kernel memory order of the metrics: correlation, cosine. */
export const SLOT_R = 0;
export const SLOT_C = 1;
export const SLOTS = 2;

/** The float64 fields of one pair's state, in memory order. */
export const STATE_FIELDS = ['minR', 'maxR', 'minC', 'maxC', 'sumR', 'sumSqR', 'sumC', 'sumSqC'] as const;
export type StateField = (typeof STATE_FIELDS)[number];
/** float64 index of a field within one pair's state */
export const STATE = Object.fromEntries(STATE_FIELDS.map((f, k) => [f, k])) as Record<StateField, number>;
/** float64 values per pair */
export const STATE_STRIDE = STATE_FIELDS.length;
/** bytes per pair */
export const STATE_PAIR_BYTES = 8 * STATE_STRIDE;
const STATE_BYTES = PAIR_COUNT * STATE_PAIR_BYTES;

/** Index (in int32 counts from `fine`) of a metric slot's fine histogram for a pair. */
export function fineIndex(slot: number, pair: number): number {
  return (slot * PAIR_COUNT + pair) * FINE_LENGTH;
}

export interface KernelLayout {
  /** per pair STATE_STRIDE float64: STATE_FIELDS */
  state: number;
  a: number;
  b: number;
  /** a and b rounded to float32, for the float32 lanes of the f32 row kernel */
  a32: number;
  b32: number;
  /** float64 [SLOTS][heads][heads]: Σ|x| per head pair, correlation then cosine */
  heads: number;
  /** int32 [SLOTS][PAIR_COUNT][FINE_LENGTH]: correlation then cosine, by pair (fineIndex) */
  fine: number;
  flags: number;
  flagCapacity: number;
  /** the Gram panel (float32, or float64 when chunks are summed) */
  panel: number;
  /** float32 panel that a chunk's GEMM writes before it is added to `panel` */
  scratch: number;
  bytes: number;
}

function align(x: number, to = 64): number {
  return Math.ceil(x / to) * to;
}

export function kernelLayout(m: number, heads: number, panelEntries: number, elem: Elem): KernelLayout {
  let at = 0;
  const take = (bytes: number) => {
    const start = at;
    at = align(at + bytes);
    return start;
  };
  const state = take(STATE_BYTES);
  const a = take(8 * m + 16);
  const b = take(8 * m + 16);
  // float32 copies of a and b: read by the float32 lanes only
  const a32 = take(elem === 'f32' ? 4 * m + 16 : 0);
  const b32 = take(elem === 'f32' ? 4 * m + 16 : 0);
  const headSums = take(SLOTS * heads * heads * 8);
  const fine = take(SLOTS * PAIR_COUNT * FINE_LENGTH * 4);
  // A row segment appends at most 2 flags per entry; scan.ts empties the list before it could overflow.
  const flagCapacity = Math.max(1 << 16, 4 * m);
  const flags = take(4 * flagCapacity);
  const panel = take((elem === 'f32' ? 4 : 8) * panelEntries + 16);
  const scratch = take(elem === 'f32' ? 0 : 4 * panelEntries + 16);
  return { state, a, b, a32, b32, heads: headSums, fine, flags, flagCapacity, panel, scratch, bytes: at };
}
