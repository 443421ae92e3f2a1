import { FINE_BINS, FINE_PER_BIN } from './histogram.ts';
import { STATE, type KernelLayout } from './kernel-layout.ts';

/**
 * WebAssembly text that both row kernels (kernel-f64.ts, kernel-f32.ts) share: the
 * float64 fine bin, the decision of a candidate (counted, or flagged for scan.ts to
 * recompute), the row function's parameters, and the loop over one row segment a
 * head at a time with its float64 scalar path and Σ|x| per head pair.
 */

/** Fine bins per unit of x: the fine bin of x is ⌊x·HALF + HALF + 1⌋ (histogram.ts fineBin). */
export const HALF = FINE_BINS / 2;

/** The float64 fine bin of the value `x` pushes, clamped as the row kernels clamp it. */
export const f64Bin = (x: string) => `${x} f64.const ${HALF} f64.mul f64.const ${HALF + 1} f64.add i32.trunc_sat_f64_s local.tee $f
  i32.const ${FINE_BINS + 1} local.get $f i32.const ${FINE_BINS + 1} i32.lt_u select`;

export const f64s = (names: string[]) => names.map((n) => [n, 'f64'] as [string, 'f64']);
export const v128s = (names: string[]) => names.map((n) => [n, 'v128'] as [string, 'v128']);

/** Parameters of every row function (RowKernel). */
export const ROW_PARAMS: [string, 'i32' | 'f64'][] = [
  ['$p', 'i32'],
  ['$j0', 'i32'],
  ['$j1', 'i32'],
  ['$ai', 'f64'],
  ['$bi', 'f64'],
  ['$id', 'i32'],
  ['$nf', 'i32'],
  ['$state', 'i32'],
  ['$fineR', 'i32'],
  ['$fineC', 'i32'],
  ['$head', 'i32'],
  ['$mt', 'f64'],
];

/** WebAssembly text shared by the row functions and the `careful` functions. */
export function snippets(layout: KernelLayout) {
  // Flag ids: correlation i·m + j, cosine ~(i·m + j).
  const flagId = (m: 'R' | 'C', lane: number) =>
    m === 'R'
      ? `local.get $id local.get $j i32.add i32.const ${lane} i32.add`
      : `i32.const -1 local.get $id local.get $j i32.add i32.const ${lane} i32.add i32.xor`;
  const flag = (m: 'R' | 'C', lane: number) => `
    local.get $nf i32.const 2 i32.shl ${flagId(m, lane)} i32.store offset=${layout.flags}
    local.get $nf i32.const 1 i32.add local.set $nf`;
  const count = (m: 'R' | 'C', lane: number) =>
    `local.get $addr${m} i32x4.extract_lane ${lane} local.tee $f local.get $f i32.load i32.const 1 i32.add i32.store`;
  // A candidate: flagged if within the margin of the edge (t in fine-bin units; an edge
  // lies at the bottom of a bin with (f − 1) mod FINE_PER_BIN = 0 and at the top of one with FINE_PER_BIN − 1)
  // or outside the fine bins; otherwise counted.
  const decide = (x: string, m: 'R' | 'C', lane: number, bins: string) => `
    ${x} f64.const ${HALF} f64.mul f64.const ${HALF + 1} f64.add local.set $t
    ${bins} local.tee $f f64.convert_i32_s local.set $ff
    local.get $f i32.const 1 i32.sub i32.const ${FINE_PER_BIN} i32.rem_u local.set $rem
    local.get $t local.get $ff f64.sub
    local.get $ff f64.const 1 f64.add local.get $t f64.sub
    local.get $rem i32.eqz select
    local.get $mt f64.lt
    local.get $rem i32.eqz local.get $rem i32.const ${FINE_PER_BIN - 1} i32.eq i32.or i32.and
    local.get $f i32.const 1 i32.sub i32.const ${FINE_BINS - 1} i32.gt_u i32.or
    if ${flag(m, lane)}
    else local.get $f i32.const 2 i32.shl local.get $fine${m} i32.add local.tee $f local.get $f i32.load i32.const 1 i32.add i32.store
    end`;
  const lane = (v: string, k: number) => `local.get ${v} f64x2.extract_lane ${k}`;
  const lanes = (f: (lane: number) => string) => [0, 1, 2, 3].map(f).join('\n');
  // The skeleton both row kernels share: the pair's extremes in and out of `state`, the
  // loop over the columns of one head at a time, the float64 scalar path for the
  // entries left over at a head's end, and the head pair's Σ|x|.
  const extremes = ['$sminR', '$smaxR', '$sminC', '$smaxC'];
  const extremeOffsets = [STATE.minR, STATE.maxR, STATE.minC, STATE.maxC].map((k) => 8 * k);
  const loadExtremes = extremes.map((v, k) => `local.get $state f64.load offset=${extremeOffsets[k]} local.set ${v}`).join('\n');
  /** The vector extremes ($minR … $maxC) merged into the scalar ones by `merge`, then stored. */
  const storeExtremes = (merge: (vector: string, scalar: string, cmp: 'f64.lt' | 'f64.gt') => string) =>
    [
      merge('$minR', '$sminR', 'f64.lt'),
      merge('$maxR', '$smaxR', 'f64.gt'),
      merge('$minC', '$sminC', 'f64.lt'),
      merge('$maxC', '$smaxC', 'f64.gt'),
      ...extremes.map((v, k) => `local.get $state local.get ${v} f64.store offset=${extremeOffsets[k]}`),
    ].join('\n');
  const scalarTotals = (x: string, m: 'R' | 'C', sums: boolean) => `
    local.get $sabs${m} local.get ${x} f64.abs f64.add local.set $sabs${m}
    local.get ${x} local.get $smin${m} local.get ${x} local.get $smin${m} f64.lt select local.set $smin${m}
    local.get ${x} local.get $smax${m} local.get ${x} local.get $smax${m} f64.gt select local.set $smax${m}
    ${
      sums
        ? `local.get $ssum${m} local.get ${x} f64.add local.set $ssum${m}
    local.get $ssq${m} local.get ${x} local.get ${x} f64.mul f64.add local.set $ssq${m}`
        : ''
    }`;
  /** The entries [j, end) one by one in float64 ($r from `load`, the panel entry at $p). */
  const singles = (load: string, size: number, sums: boolean) => `
        block $singlesDone
          loop $single
            local.get $j local.get $end i32.ge_s br_if $singlesDone
            ${load} local.set $r
            ${decide('local.get $r', 'R', 0, f64Bin('local.get $r'))}
            ${scalarTotals('$r', 'R', sums)}
            local.get $ai local.get $j i32.const 3 i32.shl f64.load offset=${layout.a} f64.mul local.get $r f64.mul
            local.get $bi local.get $j i32.const 3 i32.shl f64.load offset=${layout.b} f64.mul f64.add local.set $v
            ${decide('local.get $v', 'C', 0, f64Bin('local.get $v'))}
            ${scalarTotals('$v', 'C', sums)}
            local.get $p i32.const ${size} i32.add local.set $p
            local.get $j i32.const 1 i32.add local.set $j
            br $single
          end
        end`;
  /** Adds this head pair's Σ|x| (the vector sums reduced by `reduce`, plus the scalar path's) to `heads`. */
  const closeHead = (headC: number, reduce: (v: string) => string) => `
        local.get $head local.get $cell i32.const 3 i32.shl i32.add local.tee $cell
        ${reduce('$absR')} local.get $sabsR f64.add local.set $sabsR
        local.get $cell f64.load offset=0 local.get $sabsR f64.add f64.store offset=0
        local.get $cell
        ${reduce('$absC')} local.get $sabsC f64.add local.set $sabsC
        local.get $cell f64.load offset=${headC} local.get $sabsC f64.add f64.store offset=${headC}`;
  /**
   * The loop over row segment [j0, j1), one head's columns at a time: `quad` on four
   * entries at a time (the panel entry at $p, column $j; it advances $p by `step`
   * bytes), the float64 scalar path on the rest (`load` reads an entry of `size`
   * bytes), then the head pair's Σ|x| (`reduce` sums a vector of |x|).
   */
  const headLoop = (o: { dh: number; headC: number; quad: string; step: number; load: string; size: number; sums: boolean; reduce: (v: string) => string }) => `
    local.get $j0 local.set $j
    block $done
      loop $segment
        local.get $j local.get $j1 i32.ge_s br_if $done
        ;; the columns of one head: [j, end)
        local.get $j i32.const ${o.dh} i32.div_u local.tee $cell
        i32.const 1 i32.add i32.const ${o.dh} i32.mul local.tee $end
        local.get $j1 local.get $end local.get $j1 i32.lt_s select local.set $end
        f64.const 0 f64x2.splat local.set $absR
        f64.const 0 f64x2.splat local.set $absC
        f64.const 0 local.set $sabsR
        f64.const 0 local.set $sabsC
        block $quadsDone
          loop $quad
            local.get $j i32.const 4 i32.add local.get $end i32.gt_s br_if $quadsDone
            ${o.quad}
            local.get $p i32.const ${o.step} i32.add local.set $p
            local.get $j i32.const 4 i32.add local.set $j
            br $quad
          end
        end
        ${singles(o.load, o.size, o.sums)}
        ;; this head pair's Σ|x|
        ${closeHead(o.headC, o.reduce)}
        br $segment
      end
    end`;
  return { flag, count, decide, lane, lanes, loadExtremes, storeExtremes, headLoop };
}
