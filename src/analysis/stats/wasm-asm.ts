/**
 * A small WebAssembly assembler, so that the scan kernel (scan-kernel.ts) can be
 * written as readable WebAssembly text and turned into bytes when the module loads,
 * without a toolchain or a checked-in binary.
 *
 * It covers the flat (non-folded) instruction syntax of the text format for the
 * subset the kernel uses: named params, locals and block labels (`$name`),
 * `block`/`loop`/`if`/`else`/`end`, `br`/`br_if`, `call $function`, memory access
 * with an `offset=N` immediate, numeric constants, `i8x16.shuffle` with its 16
 * lane indices, lane extraction, and the scalar and SIMD opcodes listed in OPCODES. One module = one imported memory (`env.memory`) and exported functions.
 * `;;` starts a comment. Anything else is an error that names the token.
 */

type ValType = 'i32' | 'f64' | 'f32' | 'v128';
const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export interface WasmFunction {
  name: string;
  params: [string, ValType][];
  result?: ValType;
  locals: [string, ValType][];
  /** instructions, flat text syntax */
  body: string;
}

/** Opcodes without immediates; prefixed ones (0xfc, 0xfd) as [prefix, code], the code LEB128-encoded. */
const OPCODES: Record<string, number[]> = {
  unreachable: [0x00],
  nop: [0x01],
  return: [0x0f],
  drop: [0x1a],
  select: [0x1b],
  'i32.eqz': [0x45],
  'i32.eq': [0x46],
  'i32.ne': [0x47],
  'i32.lt_s': [0x48],
  'i32.lt_u': [0x49],
  'i32.gt_s': [0x4a],
  'i32.gt_u': [0x4b],
  'i32.le_s': [0x4c],
  'i32.le_u': [0x4d],
  'i32.ge_s': [0x4e],
  'i32.ge_u': [0x4f],
  'f64.eq': [0x61],
  'f64.lt': [0x63],
  'f64.gt': [0x64],
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.div_u': [0x6e],
  'i32.rem_u': [0x70],
  'i32.and': [0x71],
  'i32.or': [0x72],
  'i32.xor': [0x73],
  'i32.shl': [0x74],
  'i32.shr_u': [0x76],
  'f64.abs': [0x99],
  'f64.neg': [0x9a],
  'f64.add': [0xa0],
  'f64.sub': [0xa1],
  'f64.mul': [0xa2],
  'f64.div': [0xa3],
  'f64.min': [0xa4],
  'f64.max': [0xa5],
  'f64.nearest': [0x9e],
  'f64.convert_i32_s': [0xb7],
  'f32.demote_f64': [0xb6],
  'f64.promote_f32': [0xbb],
  'i32.trunc_sat_f64_s': [0xfc, 0x02],
  'i32x4.splat': [0xfd, 0x11],
  'f32x4.splat': [0xfd, 0x13],
  'i32x4.lt_s': [0xfd, 0x39],
  'i32x4.gt_u': [0xfd, 0x3c],
  'f64x2.lt': [0xfd, 0x49],
  'v128.or': [0xfd, 0x50],
  'f64x2.splat': [0xfd, 0x14],
  'v128.any_true': [0xfd, 0x53],
  'f64x2.promote_low_f32x4': [0xfd, 0x5f],
  'f64x2.nearest': [0xfd, 0x94],
  'i32x4.shl': [0xfd, 0xab],
  'i32x4.add': [0xfd, 0xae],
  'i32x4.shr_u': [0xfd, 0xad],
  'i32x4.sub': [0xfd, 0xb1],
  'i32x4.mul': [0xfd, 0xb5],
  'i32x4.min_u': [0xfd, 0xb7],
  'f32x4.abs': [0xfd, 0xe0],
  'f32x4.lt': [0xfd, 0x43],
  'f32x4.gt': [0xfd, 0x44],
  'f32x4.nearest': [0xfd, 0x6a],
  'f32x4.add': [0xfd, 0xe4],
  'f32x4.sub': [0xfd, 0xe5],
  'f32x4.mul': [0xfd, 0xe6],
  'f32x4.min': [0xfd, 0xe8],
  'f32x4.max': [0xfd, 0xe9],
  'f32x4.pmin': [0xfd, 0xea],
  'f32x4.pmax': [0xfd, 0xeb],
  'i32x4.trunc_sat_f32x4_s': [0xfd, 0xf8],
  'f64x2.abs': [0xfd, 0xec],
  'f64x2.add': [0xfd, 0xf0],
  'f64x2.sub': [0xfd, 0xf1],
  'f64x2.mul': [0xfd, 0xf2],
  'f64x2.min': [0xfd, 0xf4],
  'f64x2.max': [0xfd, 0xf5],
  'f64x2.pmin': [0xfd, 0xf6],
  'f64x2.pmax': [0xfd, 0xf7],
  'i32x4.trunc_sat_f64x2_s_zero': [0xfd, 0xfc],
};

/** Memory instructions: opcode and natural alignment (log2 bytes). */
const MEMORY_OPS: Record<string, [number[], number]> = {
  'i32.load': [[0x28], 2],
  'f32.load': [[0x2a], 2],
  'f64.load': [[0x2b], 3],
  'i32.load8_u': [[0x2d], 0],
  'i32.store': [[0x36], 2],
  'f64.store': [[0x39], 3],
  'v128.load': [[0xfd, 0x00], 4],
  'v128.load64_zero': [[0xfd, 0x5d], 3],
  'v128.store': [[0xfd, 0x0b], 4],
};

/** Lane instructions: opcode, followed by one lane-index byte. */
const LANE_OPS: Record<string, number[]> = {
  'i32x4.extract_lane': [0xfd, 0x1b],
  'f32x4.extract_lane': [0xfd, 0x1f],
  'f64x2.extract_lane': [0xfd, 0x21],
};

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  const out: number[] = [];
  uleb(bytes.length, out);
  return out.concat(bytes);
}

function vector(items: number[][]): number[] {
  const out: number[] = [];
  uleb(items.length, out);
  for (const item of items) for (const b of item) out.push(b);
  return out;
}

function section(id: number, body: number[]): number[] {
  const out = [id];
  uleb(body.length, out);
  return out.concat(body);
}

function assembleBody(fn: WasmFunction, functions: Map<string, number>): number[] {
  const locals = new Map<string, number>();
  for (const [n] of [...fn.params, ...fn.locals]) {
    if (locals.has(n)) throw new Error(`wasm ${fn.name}: ${n} declared twice`);
    locals.set(n, locals.size);
  }
  const tokens = fn.body
    .split('\n')
    .map((line) => line.replace(/;;.*$/, ''))
    .join(' ')
    .split(/\s+/)
    .filter((t) => t.length > 0);
  const out: number[] = [];
  const labels: (string | null)[] = []; // innermost last
  const fail = (why: string): never => {
    throw new Error(`wasm ${fn.name}: ${why}`);
  };
  const localIndex = (t: string | undefined) => {
    const i = t === undefined ? undefined : locals.get(t);
    return i ?? fail(`unknown local ${t}`);
  };
  for (let k = 0; k < tokens.length; k++) {
    const op = tokens[k];
    const next = () => tokens[++k] ?? fail(`${op} needs an operand`);
    if (op === 'local.get' || op === 'local.set' || op === 'local.tee') {
      out.push(op === 'local.get' ? 0x20 : op === 'local.set' ? 0x21 : 0x22);
      uleb(localIndex(next()), out);
    } else if (op === 'block' || op === 'loop' || op === 'if') {
      out.push(op === 'block' ? 0x02 : op === 'loop' ? 0x03 : 0x04, 0x40);
      const label = tokens[k + 1]?.startsWith('$') && !locals.has(tokens[k + 1]) ? tokens[++k] : null;
      labels.push(label);
    } else if (op === 'else') {
      out.push(0x05);
    } else if (op === 'end') {
      if (labels.length === 0) fail('end without block');
      labels.pop();
      out.push(0x0b);
    } else if (op === 'br' || op === 'br_if') {
      const label = next();
      const depth = labels.length - 1 - labels.lastIndexOf(label);
      if (depth >= labels.length) fail(`unknown label ${label}`);
      out.push(op === 'br' ? 0x0c : 0x0d);
      uleb(depth, out);
    } else if (op === 'call') {
      const target = next();
      const index = functions.get(target) ?? fail(`unknown function ${target}`);
      out.push(0x10);
      uleb(index, out);
    } else if (op === 'i32.const') {
      out.push(0x41);
      sleb(Number(next()), out);
    } else if (op === 'f64.const') {
      out.push(0x44, ...new Uint8Array(new Float64Array([Number(next())]).buffer));
    } else if (op in MEMORY_OPS) {
      const [code, align] = MEMORY_OPS[op];
      let offset = 0;
      if (tokens[k + 1]?.startsWith('offset=')) offset = Number(tokens[++k].slice(7));
      if (!Number.isInteger(offset) || offset < 0) fail(`bad offset for ${op}`);
      out.push(...code.slice(0, 1));
      if (code.length > 1) uleb(code[1], out);
      uleb(align, out);
      uleb(offset, out);
    } else if (op === 'i8x16.shuffle') {
      out.push(0xfd, 0x0d);
      for (let lane = 0; lane < 16; lane++) {
        const byte = Number(next());
        if (!Number.isInteger(byte) || byte < 0 || byte > 31) fail(`bad shuffle lane ${byte}`);
        out.push(byte);
      }
    } else if (op in LANE_OPS) {
      const code = LANE_OPS[op];
      out.push(code[0]);
      uleb(code[1], out);
      out.push(Number(next()));
    } else if (op in OPCODES) {
      const code = OPCODES[op];
      out.push(code[0]);
      if (code.length === 2) uleb(code[1], out);
    } else {
      fail(`unknown instruction ${op}`);
    }
  }
  if (labels.length !== 0) fail('unclosed block');
  out.push(0x0b);
  // locals, one entry per declared local (the format groups runs; singles are fine)
  const decl = vector(fn.locals.map(([, t]) => [1, VALTYPE[t]]));
  const body = decl.concat(out);
  const sized: number[] = [];
  uleb(body.length, sized);
  return sized.concat(body);
}

/** A module importing `env.memory` (at least `pages` 64 KiB pages) and exporting `functions`. */
export function assembleModule(functions: WasmFunction[], pages: number): Uint8Array<ArrayBuffer> {
  const indices = new Map(functions.map((fn, i) => [`$${fn.name}`, i]));
  const types = functions.map((fn) => [0x60, ...vector(fn.params.map(([, t]) => [VALTYPE[t]])), ...vector(fn.result ? [[VALTYPE[fn.result]]] : [])]);
  const memoryLimits: number[] = [0x00];
  uleb(pages, memoryLimits);
  const importEntry = [...name('env'), ...name('memory'), 0x02, ...memoryLimits];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, vector([importEntry])),
    ...section(
      3,
      vector(
        functions.map((_, i) => {
          const o: number[] = [];
          uleb(i, o);
          return o;
        }),
      ),
    ),
    ...section(
      7,
      vector(
        functions.map((fn, i) => {
          const o = [...name(fn.name), 0x00];
          uleb(i, o);
          return o;
        }),
      ),
    ),
    ...section(10, vector(functions.map((fn) => assembleBody(fn, indices)))),
  ];
  return Uint8Array.from(bytes);
}
