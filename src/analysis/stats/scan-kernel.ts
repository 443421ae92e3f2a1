import { BIN_COUNT, FINE_BINS, FINE_LENGTH, FINE_PER_BIN } from './histogram.ts';
import { assembleModule, type WasmFunction } from './wasm-asm.ts';

/**
 * The innermost loop of the statistics, in WebAssembly: one row segment of the
 * correlation Gram (columns j0 … j1 of row i, all of one pair type), both metrics.
 * Per entry r and its cosine v = (a_i·a_j)·r + b_i·b_j (see columns.ts):
 * - its fine bin f = ⌊x·10⁴ + 10001⌋ (histogram.ts) is counted, unless the value
 *   lies within the Gram's error margin of a report edge (or outside the fine
 *   bins): then its id goes to the flag list instead, and scan.ts recomputes it in
 *   float64 (~2,000 of 5.3 million values per matrix at 54 sentences);
 * - |x| is summed per head pair (the per-head tables, and the pair's mean |x|);
 * - min and max; and, in the `sums` variant, Σx and Σx².
 *
 * Two kernels. The 'f32' one scans the Gram of up to 256 sentences (one float32
 * GEMM; the statistics then take the sums from moments.ts): four entries per
 * float32 vector, the fine bin by rounding against a magic number, and a
 * candidate test in float32 (x·50 + 50 within the margin, plus the lanes' own
 * error, of an integer: a report edge; or |x| > 1) that sends ~0.04 % of values to
 * `careful4`, which decides each of them in float64 exactly as before. So report
 * bins, flags and over-0.5 counts are those of float64 arithmetic; fine bins, |x|,
 * min and max carry the lanes' float32 rounding (≤ 5·2⁻²⁴ ≈ 3e-7 on a cosine).
 * The 'f64' one scans float64 panels (chunks of sentences summed) two lanes at a
 * time with the same operations and roundings as scalar float64 code, and an
 * integer candidate test (f mod 200 ∈ {0, 1}) that sends ~1 % of values to
 * `careful`. Left scalar in both: the histogram increments, now about half the
 * time. (The JavaScript loop they replace ran at ~20 ns per entry; the f64 kernel
 * at ~5 ns, the f32 one at ~3 ns on a 2-core EPYC; `npm run bench -- stats`.)
 *
 * Memory (one WebAssembly.Memory per Kernel, addresses fixed when it is built):
 * state (per pair: minR maxR minC maxC ΣR ΣR² ΣC ΣC²), a and b (float64, and
 * float32 copies), per-head |x| sums, 12 fine histograms (metric × pair), the
 * flag list, and the Gram panel that gram.ts fills, plus a float32 scratch panel
 * for chunked Grams.
 */

export type Elem = 'f32' | 'f64';

export interface KernelLayout {
  /** per pair 8 float64: minR, maxR, minC, maxC, ΣR, ΣR², ΣC, ΣC² */
  state: number;
  a: number;
  b: number;
  /** a and b rounded to float32, for the float32 lanes of the f32 row kernel */
  a32: number;
  b32: number;
  /** float64 [2][heads][heads]: Σ|x| per head pair, correlation then cosine */
  heads: number;
  /** int32 [2][6][FINE_LENGTH]: correlation then cosine, by pair */
  fine: number;
  flags: number;
  flagCapacity: number;
  /** the Gram panel (float32, or float64 when chunks are summed) */
  panel: number;
  /** float32 panel that a chunk's GEMM writes before it is added to `panel` */
  scratch: number;
  bytes: number;
}

const STATE_BYTES = 6 * 8 * 8;
const HALF = FINE_BINS / 2;
/** 1.5·2²³: a float32 in [2²³, 2²⁴) has integer steps, so adding it rounds t to an
 * integer held in the low mantissa bits; subtracting its bits as an integer reads it */
const MAGIC = 12582912;
/** Bound on the float32 lanes' error in a value's report-bin position (x·50 + 50), in
 * report bins: the cosine within 5·2⁻²⁴ of float64 (×50), the position's own
 * rounding (≤ 2⁻¹⁷ below 128) — 2e-5 in all; four times that, to be safe. */
const F32_SLACK = 1e-4;

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
  const headSums = take(2 * heads * heads * 8);
  const fine = take(2 * 6 * FINE_LENGTH * 4);
  // A row segment appends at most 2 flags per entry; scan.ts empties the list before it could overflow.
  const flagCapacity = Math.max(1 << 16, 4 * m);
  const flags = take(4 * flagCapacity);
  const panel = take((elem === 'f32' ? 4 : 8) * panelEntries + 16);
  const scratch = take(elem === 'f32' ? 0 : 4 * panelEntries + 16);
  return { state, a, b, a32, b32, heads: headSums, fine, flags, flagCapacity, panel, scratch, bytes: at };
}

const LOW_LANES = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23'; // [a, b, 0, 0] and [c, d, 0, 0] → [a, b, c, d]

/** Arguments of `careful`, in order (locals of the row function of the same names). */
const CAREFUL_ARGS = ['$rlo', '$rhi', '$vlo', '$vhi', '$binsR', '$binsC', '$candR', '$candC', '$addrR', '$addrC', '$id', '$j', '$nf', '$fineR', '$fineC', '$mt'];

/** The float64 fine bin of the value on the stack, clamped as the row kernels clamp it. */
const f64Bin = (x: string) => `${x} f64.const ${HALF} f64.mul f64.const ${HALF + 1} f64.add i32.trunc_sat_f64_s local.tee $f
  i32.const ${FINE_BINS + 1} local.get $f i32.const ${FINE_BINS + 1} i32.lt_u select`;

const f64s = (names: string[]) => names.map((n) => [n, 'f64'] as [string, 'f64']);
const v128s = (names: string[]) => names.map((n) => [n, 'v128'] as [string, 'v128']);

/** Parameters of every row function (RowKernel). */
const ROW_PARAMS: [string, 'i32' | 'f64'][] = [
  ['$p', 'i32'], ['$j0', 'i32'], ['$j1', 'i32'], ['$ai', 'f64'], ['$bi', 'f64'], ['$id', 'i32'], ['$nf', 'i32'],
  ['$state', 'i32'], ['$fineR', 'i32'], ['$fineC', 'i32'], ['$head', 'i32'], ['$mt', 'f64'],
];

/** WebAssembly text shared by the row functions and the `careful` functions. */
function snippets(layout: KernelLayout) {
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
  // lies at the bottom of a bin with (f − 1) mod 200 = 0 and at the top of one with 199)
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
  const loadExtremes = extremes.map((v, k) => `local.get $state f64.load offset=${8 * k} local.set ${v}`).join('\n');
  /** The vector extremes ($minR … $maxC) merged into the scalar ones by `merge`, then stored. */
  const storeExtremes = (merge: (vector: string, scalar: string, cmp: 'f64.lt' | 'f64.gt') => string) => [
    merge('$minR', '$sminR', 'f64.lt'),
    merge('$maxR', '$smaxR', 'f64.gt'),
    merge('$minC', '$sminC', 'f64.lt'),
    merge('$maxC', '$smaxC', 'f64.gt'),
    ...extremes.map((v, k) => `local.get $state local.get ${v} f64.store offset=${8 * k}`),
  ].join('\n');
  const scalarTotals = (x: string, m: 'R' | 'C', sums: boolean) => `
    local.get $sabs${m} local.get ${x} f64.abs f64.add local.set $sabs${m}
    local.get ${x} local.get $smin${m} local.get ${x} local.get $smin${m} f64.lt select local.set $smin${m}
    local.get ${x} local.get $smax${m} local.get ${x} local.get $smax${m} f64.gt select local.set $smax${m}
    ${sums ? `local.get $ssum${m} local.get ${x} f64.add local.set $ssum${m}
    local.get $ssq${m} local.get ${x} local.get ${x} f64.mul f64.add local.set $ssq${m}` : ''}`;
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

/** The eight values of a quad with a candidate among them: each candidate decided, the rest counted. */
function carefulFunction(layout: KernelLayout): WasmFunction {
  const { count, decide, lane, lanes } = snippets(layout);
  const v128 = (name: string): [string, 'v128'] => [name, 'v128'];
  return {
    name: 'careful',
    params: [
      ...['$rlo', '$rhi', '$vlo', '$vhi', '$binsR', '$binsC', '$candR', '$candC', '$addrR', '$addrC'].map(v128),
      ['$id', 'i32'], ['$j', 'i32'], ['$nf', 'i32'], ['$fineR', 'i32'], ['$fineC', 'i32'], ['$mt', 'f64'],
    ],
    result: 'i32',
    locals: [['$t', 'f64'], ['$ff', 'f64'], ['$f', 'i32'], ['$rem', 'i32']],
    body: `
      ${lanes((k) => `local.get $candR i32x4.extract_lane ${k}
        if ${decide(lane(k < 2 ? '$rlo' : '$rhi', k % 2), 'R', k, `local.get $binsR i32x4.extract_lane ${k}`)} else ${count('R', k)} end`)}
      ${lanes((k) => `local.get $candC i32x4.extract_lane ${k}
        if ${decide(lane(k < 2 ? '$vlo' : '$vhi', k % 2), 'C', k, `local.get $binsC i32x4.extract_lane ${k}`)} else ${count('C', k)} end`)}
      local.get $nf`,
  };
}

function rowFunction(layout: KernelLayout, sums: boolean, dh: number, heads: number): WasmFunction {
  const { count, lane, lanes, loadExtremes, storeExtremes, headLoop } = snippets(layout);
  const size = 8;
  const headC = heads * heads * 8;
  // Two entries (lanes lo/hi of one f64x2) from the panel at $p + offset.
  const pairAt = (offset: number) => `local.get $p v128.load offset=${offset}`;
  // Four entries' fine bins (clamped to the histogram) and addresses, and which are
  // candidates for a flag: in a fine bin next to a report edge, f mod 200 ∈ {0, 1}
  // (f·10486 >> 21 = ⌊f/200⌋ for 0 ≤ f ≤ 20001), or outside (f = 0, f = FINE_BINS + 1).
  const binsAndCandidates = (lo: string, hi: string, m: 'R' | 'C') => `
    local.get ${lo} local.get $scale f64x2.mul local.get $shift f64x2.add i32x4.trunc_sat_f64x2_s_zero
    local.get ${hi} local.get $scale f64x2.mul local.get $shift f64x2.add i32x4.trunc_sat_f64x2_s_zero
    i8x16.shuffle ${LOW_LANES} local.get $last4 i32x4.min_u local.tee $bins${m}
    local.get $bins${m} local.get $k10486 i32x4.mul i32.const 21 i32x4.shr_u local.get $k200 i32x4.mul i32x4.sub
    local.get $two4 i32x4.lt_s local.set $cand${m}
    local.get $bins${m} i32.const 2 i32x4.shl local.get $fine${m}4 i32x4.add local.set $addr${m}`;
  const vectorTotals = (x: string, m: 'R' | 'C') => `
    local.get $abs${m} local.get ${x} f64x2.abs f64x2.add local.set $abs${m}
    local.get $min${m} local.get ${x} f64x2.pmin local.set $min${m}
    local.get $max${m} local.get ${x} f64x2.pmax local.set $max${m}
    ${sums ? `local.get $sum${m} local.get ${x} f64x2.add local.set $sum${m}
    local.get $sq${m} local.get ${x} local.get ${x} f64x2.mul f64x2.add local.set $sq${m}` : ''}`;
  const cosine = (r: string, offset: number) => `
    local.get $ai2 local.get $j i32.const 3 i32.shl v128.load offset=${layout.a + offset} f64x2.mul local.get ${r} f64x2.mul
    local.get $bi2 local.get $j i32.const 3 i32.shl v128.load offset=${layout.b + offset} f64x2.mul f64x2.add`;
  // min/max of the two lanes, then with the scalar's
  const minmax = (v: string, s: string, cmp: 'f64.lt' | 'f64.gt') => `
    ${lane(v, 0)} ${lane(v, 1)} ${lane(v, 0)} ${lane(v, 1)} ${cmp} select local.set $t
    local.get $t local.get ${s} local.get $t local.get ${s} ${cmp} select local.set ${s}`;
  const addSum = (v: string, s: string, offset: number) =>
    `local.get $state ${lane(v, 0)} ${lane(v, 1)} f64.add local.get ${s} f64.add local.get $state f64.load offset=${offset} f64.add f64.store offset=${offset}`;
  const body = `
    ;; the pair's min/max so far, and constants
    ${loadExtremes}
    local.get $sminR f64x2.splat local.set $minR
    local.get $smaxR f64x2.splat local.set $maxR
    local.get $sminC f64x2.splat local.set $minC
    local.get $smaxC f64x2.splat local.set $maxC
    local.get $ai f64x2.splat local.set $ai2
    local.get $bi f64x2.splat local.set $bi2
    local.get $fineR i32x4.splat local.set $fineR4
    local.get $fineC i32x4.splat local.set $fineC4
    f64.const ${HALF} f64x2.splat local.set $scale
    f64.const ${HALF + 1} f64x2.splat local.set $shift
    i32.const ${FINE_BINS + 1} i32x4.splat local.set $last4
    i32.const 10486 i32x4.splat local.set $k10486
    i32.const ${FINE_PER_BIN} i32x4.splat local.set $k200
    i32.const 2 i32x4.splat local.set $two4
    ${headLoop({ dh, headC, step: 4 * size, load: 'local.get $p f64.load', size, sums, reduce: (v) => `${lane(v, 0)} ${lane(v, 1)} f64.add`, quad: `
            ${pairAt(0)} local.set $rlo
            ${pairAt(2 * size)} local.set $rhi
            ${binsAndCandidates('$rlo', '$rhi', 'R')}
            ${vectorTotals('$rlo', 'R')}
            ${vectorTotals('$rhi', 'R')}
            ${cosine('$rlo', 0)} local.set $vlo
            ${cosine('$rhi', 16)} local.set $vhi
            ${binsAndCandidates('$vlo', '$vhi', 'C')}
            ${vectorTotals('$vlo', 'C')}
            ${vectorTotals('$vhi', 'C')}
            local.get $candR local.get $candC v128.or v128.any_true
            if
              ;; rare (a few % of quads): a candidate among the eight values, decided apart
              ${CAREFUL_ARGS.map((a) => `local.get ${a}`).join(' ')} call $careful local.set $nf
            else
              ${lanes((k) => count('R', k))}
              ${lanes((k) => count('C', k))}
            end ` })}
    ${storeExtremes(minmax)}
    ${sums ? [addSum('$sumR', '$ssumR', 32), addSum('$sqR', '$ssqR', 40), addSum('$sumC', '$ssumC', 48), addSum('$sqC', '$ssqC', 56)].join('\n') : ''}
    local.get $nf`;
  return {
    name: `row_f64${sums ? '_sums' : ''}`,
    params: ROW_PARAMS,
    result: 'i32',
    locals: [
      ['$j', 'i32'], ['$end', 'i32'], ['$cell', 'i32'], ['$f', 'i32'], ['$rem', 'i32'],
      ...f64s(['$r', '$v', '$t', '$ff', '$sminR', '$smaxR', '$sminC', '$smaxC', '$sabsR', '$sabsC', '$ssumR', '$ssqR', '$ssumC', '$ssqC']),
      ...v128s([
        '$rlo', '$rhi', '$vlo', '$vhi', '$binsR', '$binsC', '$ai2', '$bi2', '$scale', '$shift', '$last4', '$k10486', '$k200', '$two4',
        '$fineR4', '$fineC4', '$addrR', '$addrC', '$candR', '$candC',
        '$minR', '$maxR', '$minC', '$maxC', '$absR', '$absC', '$sumR', '$sqR', '$sumC', '$sqC',
      ]),
    ],
    body,
  };
}

/** Arguments of `careful4`, in order (locals of the f32x4 row function of the same names). */
const CAREFUL4_ARGS = ['$r4', '$candR', '$candC', '$addrR', '$addrC', '$ai', '$bi', '$id', '$j', '$nf', '$fineR', '$fineC', '$mt'];

/**
 * A quad of the f32x4 row kernel with a candidate among its eight values: each
 * candidate recomputed in float64 exactly as the f64x2 kernel computes it
 * (r promoted; the cosine (a_i·a_j)·r + b_i·b_j) and decided with the margin; the
 * other values counted in the bins the float32 lanes gave them.
 */
function careful4Function(layout: KernelLayout): WasmFunction {
  const { decide, lanes } = snippets(layout);
  // addresses come relative to the pair's histogram ($fineR, $fineC)
  const count = (m: 'R' | 'C', lane: number) =>
    `local.get $addr${m} i32x4.extract_lane ${lane} local.get $fine${m} i32.add local.tee $f local.get $f i32.load i32.const 1 i32.add i32.store`;
  const r = (k: number) => `local.get $r4 f32x4.extract_lane ${k} f64.promote_f32`;
  const cosine = (k: number) => `
    local.get $ai local.get $j i32.const ${k} i32.add i32.const 3 i32.shl f64.load offset=${layout.a} f64.mul ${r(k)} f64.mul
    local.get $bi local.get $j i32.const ${k} i32.add i32.const 3 i32.shl f64.load offset=${layout.b} f64.mul f64.add`;
  return {
    name: 'careful4',
    params: [
      ['$r4', 'v128'], ['$candR', 'v128'], ['$candC', 'v128'], ['$addrR', 'v128'], ['$addrC', 'v128'],
      ['$ai', 'f64'], ['$bi', 'f64'], ['$id', 'i32'], ['$j', 'i32'], ['$nf', 'i32'], ['$fineR', 'i32'], ['$fineC', 'i32'], ['$mt', 'f64'],
    ],
    result: 'i32',
    locals: [['$x', 'f64'], ['$t', 'f64'], ['$ff', 'f64'], ['$f', 'i32'], ['$rem', 'i32']],
    body: `
      ${lanes((k) => `local.get $candR i32x4.extract_lane ${k}
        if ${r(k)} local.set $x ${decide('local.get $x', 'R', k, f64Bin('local.get $x'))} else ${count('R', k)} end`)}
      ${lanes((k) => `local.get $candC i32x4.extract_lane ${k}
        if ${cosine(k)} local.set $x ${decide('local.get $x', 'C', k, f64Bin('local.get $x'))} else ${count('C', k)} end`)}
      local.get $nf`,
  };
}

/**
 * The row kernel for a float32 panel without sums (the Gram of up to CHUNK
 * sentences): four entries per float32 vector. The bins, |x|, min and max come from
 * float32 lanes (the cosine as (a_i·a_j)·r + b_i·b_j with a, b rounded to float32,
 * within 5·2⁻²⁴ of the float64 value). A value is a candidate when, in float32, it
 * lies within the margin plus F32_SLACK of a report edge, or outside [-1, 1]: a
 * superset of the values float64 arithmetic would flag, and careful4 decides each
 * candidate in float64 exactly as the f64 kernel does; every other value is far
 * enough from an edge that its float32 fine bin lies in the right report bin. Row
 * tails (fewer than four entries at a head's end) take the float64 scalar path.
 */
function row4Function(layout: KernelLayout, dh: number, heads: number, pair: number): WasmFunction {
  const { lanes, loadExtremes, storeExtremes, headLoop } = snippets(layout);
  // this pair's fine histograms, correlation (R) and cosine (C), as immediate offsets
  const fineOffset = { R: layout.fine + 4 * pair * FINE_LENGTH, C: layout.fine + 4 * (6 + pair) * FINE_LENGTH };
  const countAt = (m: 'R' | 'C', lane: number) =>
    `local.get $addr${m} i32x4.extract_lane ${lane} local.tee $f local.get $f i32.load offset=${fineOffset[m]} i32.const 1 i32.add i32.store offset=${fineOffset[m]}`;
  const headC = heads * heads * 8;
  // Fine bin by rounding (magic number); |x|; candidate: within $delta of a report
  // edge (x·50 + 50 near an integer) or outside [-1, 1]; min and max.
  const binsAndCandidates = (x: string, m: 'R' | 'C') => `
    local.get ${x} local.get $scale f32x4.mul local.get $shift f32x4.add local.get $magic f32x4.add local.get $magic i32x4.sub
    i32.const 2 i32x4.shl local.set $addr${m}
    local.get ${x} f32x4.abs local.tee $ax local.get $abs${m} f32x4.add local.set $abs${m}
    local.get ${x} local.get $c50 f32x4.mul local.get $c50 f32x4.add local.tee $c
    local.get $c f32x4.nearest f32x4.sub f32x4.abs local.get $delta f32x4.lt
    local.get $ax local.get $one f32x4.gt v128.or local.set $cand${m}
    local.get $min${m} local.get ${x} f32x4.pmin local.set $min${m}
    local.get $max${m} local.get ${x} f32x4.pmax local.set $max${m}`;
  const laneSum = (v: string) => [0, 1, 2, 3].map((k) => `local.get ${v} f32x4.extract_lane ${k} f64.promote_f32${k > 0 ? ' f64.add' : ''}`).join(' ');
  // the scalar min (max) so far against the four float32 lanes
  const merge = (v: string, s: string, cmp: 'f64.lt' | 'f64.gt') =>
    [0, 1, 2, 3].map((k) => `local.get ${v} f32x4.extract_lane ${k} f64.promote_f32 local.set $t
      local.get $t local.get ${s} local.get $t local.get ${s} ${cmp} select local.set ${s}`).join('\n');
  const body = `
    ${loadExtremes}
    f64.const Infinity f32.demote_f64 f32x4.splat local.tee $minR local.set $minC
    f64.const -Infinity f32.demote_f64 f32x4.splat local.tee $maxR local.set $maxC
    local.get $ai f32.demote_f64 f32x4.splat local.set $ai4
    local.get $bi f32.demote_f64 f32x4.splat local.set $bi4
    f64.const ${HALF} f32.demote_f64 f32x4.splat local.set $scale
    f64.const ${HALF + 0.5} f32.demote_f64 f32x4.splat local.set $shift
    f64.const ${MAGIC} f32.demote_f64 f32x4.splat local.set $magic
    f64.const ${BIN_COUNT / 2} f32.demote_f64 f32x4.splat local.set $c50
    f64.const 1 f32.demote_f64 f32x4.splat local.set $one
    ;; the margin ($mt, fine bins) in report bins, plus the float32 lanes' error
    local.get $mt f64.const ${1 / FINE_PER_BIN} f64.mul f64.const ${F32_SLACK} f64.add f32.demote_f64 f32x4.splat local.set $delta
    ${headLoop({ dh, headC, step: 16, load: 'local.get $p f32.load f64.promote_f32', size: 4, sums: false, reduce: laneSum, quad: `
            local.get $p v128.load local.set $r4
            ${binsAndCandidates('$r4', 'R')}
            local.get $ai4 local.get $j i32.const 2 i32.shl v128.load offset=${layout.a32} f32x4.mul local.get $r4 f32x4.mul
            local.get $bi4 local.get $j i32.const 2 i32.shl v128.load offset=${layout.b32} f32x4.mul f32x4.add local.set $v4
            ${binsAndCandidates('$v4', 'C')}
            local.get $candR local.get $candC v128.or v128.any_true
            if
              ${CAREFUL4_ARGS.map((a) => `local.get ${a}`).join(' ')} call $careful4 local.set $nf
            else
              ${lanes((k) => countAt('R', k))}
              ${lanes((k) => countAt('C', k))}
            end ` })}
    ${storeExtremes(merge)}
    local.get $nf`;
  return {
    name: `row4_f32_${pair}`,
    params: ROW_PARAMS,
    result: 'i32',
    locals: [
      ['$j', 'i32'], ['$end', 'i32'], ['$cell', 'i32'], ['$f', 'i32'], ['$rem', 'i32'],
      ...f64s(['$r', '$v', '$t', '$ff', '$sminR', '$smaxR', '$sminC', '$smaxC', '$sabsR', '$sabsC']),
      ...v128s([
        '$r4', '$v4', '$ax', '$c', '$ai4', '$bi4', '$scale', '$shift', '$c50', '$one', '$delta',
        '$magic', '$addrR', '$addrC', '$candR', '$candC', '$minR', '$maxR', '$minC', '$maxC', '$absR', '$absC',
      ]),
    ],
    body,
  };
}

/** dst[k] += src[k] (float64 += float32), k < count: a chunk's Gram added to the panel. */
function accumulateFunction(): WasmFunction {
  return {
    name: 'accumulate',
    params: [['$dst', 'i32'], ['$src', 'i32'], ['$count', 'i32']],
    locals: [['$end', 'i32']],
    body: `
      local.get $src local.get $count i32.const 2 i32.shl i32.add local.set $end
      block $done
        loop $next
          local.get $src i32.const 8 i32.add local.get $end i32.gt_u br_if $done
          local.get $dst local.get $dst v128.load local.get $src v128.load64_zero f64x2.promote_low_f32x4 f64x2.add v128.store
          local.get $dst i32.const 16 i32.add local.set $dst
          local.get $src i32.const 8 i32.add local.set $src
          br $next
        end
      end
      block $tailDone
        loop $tail
          local.get $src local.get $end i32.ge_u br_if $tailDone
          local.get $dst local.get $dst f64.load local.get $src f32.load f64.promote_f32 f64.add f64.store
          local.get $dst i32.const 8 i32.add local.set $dst
          local.get $src i32.const 4 i32.add local.set $src
          br $tail
        end
      end`,
  };
}

export type RowKernel = (
  p: number, j0: number, j1: number, ai: number, bi: number, id: number, nf: number,
  state: number, fineR: number, fineC: number, head: number, marginFine: number,
) => number;

export interface Kernel {
  memory: WebAssembly.Memory;
  layout: KernelLayout;
  elem: Elem;
  /** the row kernel for each pair type (f32: float32 lanes, no sums; f64: float64 lanes) */
  rows: RowKernel[];
  /** f64 kernels: the same, also accumulating Σx and Σx² */
  rowsSums: RowKernel[] | null;
  /** f64 kernels: add a chunk's float32 Gram into the float64 panel */
  accumulate: ((dst: number, src: number, count: number) => void) | null;
}

const PAGE = 65536;
const PAIRS = [0, 1, 2, 3, 4, 5];

/**
 * A kernel for one shape. 'f32' scans a float32 panel (the Gram of one chunk of
 * sentences) with float32 lanes and no sums; 'f64' scans a float64 panel (chunks
 * summed), with or without sums.
 */
export function buildKernel(m: number, dh: number, heads: number, panelEntries: number, elem: Elem): Kernel {
  const layout = kernelLayout(m, heads, panelEntries, elem);
  const pages = Math.ceil(layout.bytes / PAGE);
  const functions =
    elem === 'f32'
      ? [...PAIRS.map((pair) => row4Function(layout, dh, heads, pair)), careful4Function(layout)]
      : [rowFunction(layout, false, dh, heads), rowFunction(layout, true, dh, heads), carefulFunction(layout), accumulateFunction()];
  const bytes = assembleModule(functions, pages);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const e = instance.exports as Record<string, unknown>;
  if (elem === 'f32') {
    return { memory, layout, elem, rows: PAIRS.map((pair) => e[`row4_f32_${pair}`] as RowKernel), rowsSums: null, accumulate: null };
  }
  return {
    memory,
    layout,
    elem,
    rows: PAIRS.map(() => e.row_f64 as RowKernel),
    rowsSums: PAIRS.map(() => e.row_f64_sums as RowKernel),
    accumulate: e.accumulate as Kernel['accumulate'],
  };
}
