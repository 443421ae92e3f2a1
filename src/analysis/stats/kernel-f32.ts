import { BIN_COUNT, FINE_BINS, FINE_PER_BIN } from './histogram.ts';
import { SLOT_C, SLOT_R, fineIndex, type KernelLayout } from './kernel-layout.ts';
import { HALF, ROW_PARAMS, f64Bin, f64s, snippets, v128s } from './kernel-snippets.ts';
import type { WasmFunction } from './wasm-asm.ts';

/**
 * The 'f32' row kernel: the Gram of up to 256 sentences (one float32 GEMM; the
 * statistics then take the sums from moments.ts), four entries per float32
 * vector, the fine bin by rounding against a magic number, and a candidate test
 * in float32 (x·BIN_COUNT/2 + BIN_COUNT/2 within the margin, plus the lanes' own
 * error, of an integer: a report edge; or |x| > 1) that sends ~0.04 % of values to
 * `careful4`, which decides each of them in float64 exactly as the f64 kernel does.
 * One row function per pair type, its fine histograms' addresses as immediates.
 */

/** 1.5·2²³: a float32 in [2²³, 2²⁴) has integer steps, so adding it rounds t to an
 * integer held in the low mantissa bits; subtracting its bits as an integer reads it.
 * That holds for |t| < 2²² (t is the fine position, at most FINE_BINS + 1). */
const MAGIC = 1.5 * 2 ** 23;
if (FINE_BINS + 2 >= 2 ** 22) {
  throw new Error(`FINE_BINS = ${FINE_BINS} is too many for the float32 kernel's rounding by a magic number (below 2²² − 2): use fewer fine bins per bin.`);
}
/**
 * Bound on the float32 lanes' error in a value's report-bin position
 * (x·BIN_COUNT/2 + BIN_COUNT/2, in report bins): the cosine within 5·2⁻²⁴ of float64
 * (times BIN_COUNT/2), plus the position's own rounding in its multiply and add (half
 * an ulp each: one ulp of a float32 below the next power of two above BIN_COUNT).
 * 2.2e-5 for 100 bins; F32_SLACK is at least four times that, to be safe.
 */
const F32_ERROR = 5 * 2 ** -24 * (BIN_COUNT / 2) + 2 ** (Math.ceil(Math.log2(BIN_COUNT + 1)) - 24);
const F32_SLACK = 1e-4;
if (F32_SLACK < 4 * F32_ERROR) {
  throw new Error(`F32_SLACK (${F32_SLACK}) is below four times the float32 lanes' error (${F32_ERROR}) for BIN_COUNT = ${BIN_COUNT}: raise it.`);
}

/** Arguments of `careful4`, in order (locals of the f32x4 row function of the same names). */
const CAREFUL4_ARGS = ['$r4', '$candR', '$candC', '$addrR', '$addrC', '$ai', '$bi', '$id', '$j', '$nf', '$fineR', '$fineC', '$mt'];

/**
 * A quad of the f32x4 row kernel with a candidate among its eight values: each
 * candidate recomputed in float64 exactly as the f64x2 kernel computes it
 * (r promoted; the cosine (a_i·a_j)·r + b_i·b_j) and decided with the margin; the
 * other values counted in the bins the float32 lanes gave them.
 */
export function careful4Function(layout: KernelLayout): WasmFunction {
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
      ['$r4', 'v128'],
      ['$candR', 'v128'],
      ['$candC', 'v128'],
      ['$addrR', 'v128'],
      ['$addrC', 'v128'],
      ['$ai', 'f64'],
      ['$bi', 'f64'],
      ['$id', 'i32'],
      ['$j', 'i32'],
      ['$nf', 'i32'],
      ['$fineR', 'i32'],
      ['$fineC', 'i32'],
      ['$mt', 'f64'],
    ],
    result: 'i32',
    locals: [
      ['$x', 'f64'],
      ['$t', 'f64'],
      ['$ff', 'f64'],
      ['$f', 'i32'],
      ['$rem', 'i32'],
    ],
    body: `
      ${lanes(
        (k) => `local.get $candR i32x4.extract_lane ${k}
        if ${r(k)} local.set $x ${decide('local.get $x', 'R', k, f64Bin('local.get $x'))} else ${count('R', k)} end`,
      )}
      ${lanes(
        (k) => `local.get $candC i32x4.extract_lane ${k}
        if ${cosine(k)} local.set $x ${decide('local.get $x', 'C', k, f64Bin('local.get $x'))} else ${count('C', k)} end`,
      )}
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
export function row4Function(layout: KernelLayout, dh: number, heads: number, pair: number): WasmFunction {
  const { lanes, loadExtremes, storeExtremes, headLoop } = snippets(layout);
  // this pair's fine histograms, correlation (R) and cosine (C), as immediate offsets
  const fineOffset = { R: layout.fine + 4 * fineIndex(SLOT_R, pair), C: layout.fine + 4 * fineIndex(SLOT_C, pair) };
  const countAt = (m: 'R' | 'C', lane: number) =>
    `local.get $addr${m} i32x4.extract_lane ${lane} local.tee $f local.get $f i32.load offset=${fineOffset[m]} i32.const 1 i32.add i32.store offset=${fineOffset[m]}`;
  const headC = heads * heads * 8;
  // Fine bin by rounding (magic number); |x|; candidate: within $delta of a report
  // edge (x·50 + 50 near an integer) or outside [-1, 1]; min and max.
  const binsAndCandidates = (x: string, m: 'R' | 'C') => `
    local.get ${x} local.get $scale f32x4.mul local.get $shift f32x4.add local.get $magic f32x4.add local.get $magic i32x4.sub
    i32.const 2 i32x4.shl local.set $addr${m}
    local.get ${x} f32x4.abs local.tee $ax local.get $abs${m} f32x4.add local.set $abs${m}
    local.get ${x} local.get $halfBins f32x4.mul local.get $halfBins f32x4.add local.tee $c
    local.get $c f32x4.nearest f32x4.sub f32x4.abs local.get $delta f32x4.lt
    local.get $ax local.get $one f32x4.gt v128.or local.set $cand${m}
    local.get $min${m} local.get ${x} f32x4.pmin local.set $min${m}
    local.get $max${m} local.get ${x} f32x4.pmax local.set $max${m}`;
  const laneSum = (v: string) => [0, 1, 2, 3].map((k) => `local.get ${v} f32x4.extract_lane ${k} f64.promote_f32${k > 0 ? ' f64.add' : ''}`).join(' ');
  // the scalar min (max) so far against the four float32 lanes
  const merge = (v: string, s: string, cmp: 'f64.lt' | 'f64.gt') =>
    [0, 1, 2, 3]
      .map(
        (k) => `local.get ${v} f32x4.extract_lane ${k} f64.promote_f32 local.set $t
      local.get $t local.get ${s} local.get $t local.get ${s} ${cmp} select local.set ${s}`,
      )
      .join('\n');
  const body = `
    ${loadExtremes}
    f64.const Infinity f32.demote_f64 f32x4.splat local.tee $minR local.set $minC
    f64.const -Infinity f32.demote_f64 f32x4.splat local.tee $maxR local.set $maxC
    local.get $ai f32.demote_f64 f32x4.splat local.set $ai4
    local.get $bi f32.demote_f64 f32x4.splat local.set $bi4
    f64.const ${HALF} f32.demote_f64 f32x4.splat local.set $scale
    f64.const ${HALF + 0.5} f32.demote_f64 f32x4.splat local.set $shift
    f64.const ${MAGIC} f32.demote_f64 f32x4.splat local.set $magic
    f64.const ${BIN_COUNT / 2} f32.demote_f64 f32x4.splat local.set $halfBins
    f64.const 1 f32.demote_f64 f32x4.splat local.set $one
    ;; the margin ($mt, fine bins) in report bins, plus the float32 lanes' error
    local.get $mt f64.const ${1 / FINE_PER_BIN} f64.mul f64.const ${F32_SLACK} f64.add f32.demote_f64 f32x4.splat local.set $delta
    ${headLoop({
      dh,
      headC,
      step: 16,
      load: 'local.get $p f32.load f64.promote_f32',
      size: 4,
      sums: false,
      reduce: laneSum,
      quad: `
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
            end `,
    })}
    ${storeExtremes(merge)}
    local.get $nf`;
  return {
    name: `row4_f32_${pair}`,
    params: ROW_PARAMS,
    result: 'i32',
    locals: [
      ['$j', 'i32'],
      ['$end', 'i32'],
      ['$cell', 'i32'],
      ['$f', 'i32'],
      ['$rem', 'i32'],
      ...f64s(['$r', '$v', '$t', '$ff', '$sminR', '$smaxR', '$sminC', '$smaxC', '$sabsR', '$sabsC']),
      ...v128s([
        '$r4',
        '$v4',
        '$ax',
        '$c',
        '$ai4',
        '$bi4',
        '$scale',
        '$shift',
        '$halfBins',
        '$one',
        '$delta',
        '$magic',
        '$addrR',
        '$addrC',
        '$candR',
        '$candC',
        '$minR',
        '$maxR',
        '$minC',
        '$maxC',
        '$absR',
        '$absC',
      ]),
    ],
    body,
  };
}
