import { FINE_BINS, FINE_PER_BIN } from './histogram.ts';
import { STATE, type KernelLayout } from './kernel-layout.ts';
import { HALF, ROW_PARAMS, f64s, snippets, v128s } from './kernel-snippets.ts';
import type { WasmFunction } from './wasm-asm.ts';

/**
 * The 'f64' row kernel: float64 panels (chunks of sentences summed) two lanes at a
 * time, with the same operations and roundings as scalar float64 code, with or
 * without Σx and Σx², and an integer candidate test (f mod FINE_PER_BIN ∈ {0, 1})
 * that sends ~1 % of values to `careful`. Also `accumulate`, which adds a chunk's
 * float32 Gram into the float64 panel.
 */

/**
 * ⌊f / FINE_PER_BIN⌋ without a division in the lanes: (f · DIV_MUL) >>> DIV_SHIFT with
 * DIV_MUL = ⌈2^DIV_SHIFT / FINE_PER_BIN⌉, for every fine bin 0 ≤ f ≤ FINE_BINS + 1.
 * Such a multiply-and-shift is exact only over a bounded range of f, so the shift is
 * the smallest one for which every f in range gives the quotient (checked here, all
 * of them), with f · DIV_MUL below 2³² (the lanes multiply modulo 2³² and shift
 * unsigned). For 200 fine
 * bins per bin: 5243 and 20.
 */
const { DIV_MUL, DIV_SHIFT } = (() => {
  for (let shift = 0; shift < 32; shift++) {
    const mul = Math.ceil(2 ** shift / FINE_PER_BIN);
    if ((FINE_BINS + 1) * mul >= 2 ** 32) break;
    let exact = true;
    for (let f = 0; f <= FINE_BINS + 1 && exact; f++) exact = Math.floor((f * mul) / 2 ** shift) === Math.floor(f / FINE_PER_BIN);
    if (exact) return { DIV_MUL: mul, DIV_SHIFT: shift };
  }
  throw new Error(`No 32-bit multiply-and-shift divides the fine bins 0 … ${FINE_BINS + 1} by FINE_PER_BIN = ${FINE_PER_BIN}: use fewer fine bins.`);
})();
/** A fine bin f is next to a report edge when f mod FINE_PER_BIN is below this: 0 (the
 * top fine bin of a report bin, as (f − 1) mod FINE_PER_BIN = FINE_PER_BIN − 1) or 1 (the bottom one). */
const NEAR_EDGE = 2;

const LOW_LANES = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23'; // [a, b, 0, 0] and [c, d, 0, 0] → [a, b, c, d]

/** Arguments of `careful`, in order (locals of the row function of the same names). */
const CAREFUL_ARGS = [
  '$rlo',
  '$rhi',
  '$vlo',
  '$vhi',
  '$binsR',
  '$binsC',
  '$candR',
  '$candC',
  '$addrR',
  '$addrC',
  '$id',
  '$j',
  '$nf',
  '$fineR',
  '$fineC',
  '$mt',
];

/** The eight values of a quad with a candidate among them: each candidate decided, the rest counted. */
export function carefulFunction(layout: KernelLayout): WasmFunction {
  const { count, decide, lane, lanes } = snippets(layout);
  const v128 = (name: string): [string, 'v128'] => [name, 'v128'];
  return {
    name: 'careful',
    params: [
      ...['$rlo', '$rhi', '$vlo', '$vhi', '$binsR', '$binsC', '$candR', '$candC', '$addrR', '$addrC'].map(v128),
      ['$id', 'i32'],
      ['$j', 'i32'],
      ['$nf', 'i32'],
      ['$fineR', 'i32'],
      ['$fineC', 'i32'],
      ['$mt', 'f64'],
    ],
    result: 'i32',
    locals: [
      ['$t', 'f64'],
      ['$ff', 'f64'],
      ['$f', 'i32'],
      ['$rem', 'i32'],
    ],
    body: `
      ${lanes(
        (k) => `local.get $candR i32x4.extract_lane ${k}
        if ${decide(lane(k < 2 ? '$rlo' : '$rhi', k % 2), 'R', k, `local.get $binsR i32x4.extract_lane ${k}`)} else ${count('R', k)} end`,
      )}
      ${lanes(
        (k) => `local.get $candC i32x4.extract_lane ${k}
        if ${decide(lane(k < 2 ? '$vlo' : '$vhi', k % 2), 'C', k, `local.get $binsC i32x4.extract_lane ${k}`)} else ${count('C', k)} end`,
      )}
      local.get $nf`,
  };
}

export function rowFunction(layout: KernelLayout, sums: boolean, dh: number, heads: number): WasmFunction {
  const { count, lane, lanes, loadExtremes, storeExtremes, headLoop } = snippets(layout);
  const size = 8;
  const headC = heads * heads * 8;
  // Two entries (lanes lo/hi of one f64x2) from the panel at $p + offset.
  const pairAt = (offset: number) => `local.get $p v128.load offset=${offset}`;
  // Four entries' fine bins (clamped to the histogram) and addresses, and which are
  // candidates for a flag: in a fine bin next to a report edge, f mod FINE_PER_BIN < NEAR_EDGE
  // (⌊f / FINE_PER_BIN⌋ by DIV_MUL and DIV_SHIFT), or outside (f = 0, f = FINE_BINS + 1).
  const binsAndCandidates = (lo: string, hi: string, m: 'R' | 'C') => `
    local.get ${lo} local.get $scale f64x2.mul local.get $shift f64x2.add i32x4.trunc_sat_f64x2_s_zero
    local.get ${hi} local.get $scale f64x2.mul local.get $shift f64x2.add i32x4.trunc_sat_f64x2_s_zero
    i8x16.shuffle ${LOW_LANES} local.get $last4 i32x4.min_u local.tee $bins${m}
    local.get $bins${m} local.get $divMul i32x4.mul i32.const ${DIV_SHIFT} i32x4.shr_u local.get $perBin i32x4.mul i32x4.sub
    local.get $nearEdge i32x4.lt_s local.set $cand${m}
    local.get $bins${m} i32.const 2 i32x4.shl local.get $fine${m}4 i32x4.add local.set $addr${m}`;
  const vectorTotals = (x: string, m: 'R' | 'C') => `
    local.get $abs${m} local.get ${x} f64x2.abs f64x2.add local.set $abs${m}
    local.get $min${m} local.get ${x} f64x2.pmin local.set $min${m}
    local.get $max${m} local.get ${x} f64x2.pmax local.set $max${m}
    ${
      sums
        ? `local.get $sum${m} local.get ${x} f64x2.add local.set $sum${m}
    local.get $sq${m} local.get ${x} local.get ${x} f64x2.mul f64x2.add local.set $sq${m}`
        : ''
    }`;
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
    i32.const ${DIV_MUL} i32x4.splat local.set $divMul
    i32.const ${FINE_PER_BIN} i32x4.splat local.set $perBin
    i32.const ${NEAR_EDGE} i32x4.splat local.set $nearEdge
    ${headLoop({
      dh,
      headC,
      step: 4 * size,
      load: 'local.get $p f64.load',
      size,
      sums,
      reduce: (v) => `${lane(v, 0)} ${lane(v, 1)} f64.add`,
      quad: `
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
            end `,
    })}
    ${storeExtremes(minmax)}
    ${sums ? [addSum('$sumR', '$ssumR', 8 * STATE.sumR), addSum('$sqR', '$ssqR', 8 * STATE.sumSqR), addSum('$sumC', '$ssumC', 8 * STATE.sumC), addSum('$sqC', '$ssqC', 8 * STATE.sumSqC)].join('\n') : ''}
    local.get $nf`;
  return {
    name: `row_f64${sums ? '_sums' : ''}`,
    params: ROW_PARAMS,
    result: 'i32',
    locals: [
      ['$j', 'i32'],
      ['$end', 'i32'],
      ['$cell', 'i32'],
      ['$f', 'i32'],
      ['$rem', 'i32'],
      ...f64s(['$r', '$v', '$t', '$ff', '$sminR', '$smaxR', '$sminC', '$smaxC', '$sabsR', '$sabsC', '$ssumR', '$ssqR', '$ssumC', '$ssqC']),
      ...v128s([
        '$rlo',
        '$rhi',
        '$vlo',
        '$vhi',
        '$binsR',
        '$binsC',
        '$ai2',
        '$bi2',
        '$scale',
        '$shift',
        '$last4',
        '$divMul',
        '$perBin',
        '$nearEdge',
        '$fineR4',
        '$fineC4',
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
        '$sumR',
        '$sqR',
        '$sumC',
        '$sqC',
      ]),
    ],
    body,
  };
}

/** dst[k] += src[k] (float64 += float32), k < count: a chunk's Gram added to the panel. */
export function accumulateFunction(): WasmFunction {
  return {
    name: 'accumulate',
    params: [
      ['$dst', 'i32'],
      ['$src', 'i32'],
      ['$count', 'i32'],
    ],
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
