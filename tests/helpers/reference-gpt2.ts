import { readFileSync } from 'node:fs';

/**
 * GPT-2 in float64, written as plainly as possible for tests: its own safetensors reading
 * (F32 only), loops instead of matrix libraries, one sequence at a time. It shares no code
 * with src/analysis/model, so agreement between the two is evidence for both.
 */
export interface ReferenceGpt2 {
  /** c_attn output [layer][position][3d] for one sequence */
  qkv(ids: number[]): Float64Array[][];
}

export function loadReferenceGpt2(dir: string): ReferenceGpt2 {
  const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8'));
  const bytes = readFileSync(`${dir}/model.safetensors`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const base = 8 + headerLength;
  const tensor = (name: string): Float32Array => {
    const entry = header[name] ?? header[`transformer.${name}`];
    if (entry.dtype !== 'F32') throw new Error('the reference reads F32 checkpoints only');
    const [start, end] = entry.data_offsets;
    const copy = new Uint8Array(bytes.subarray(base + start, base + end));
    return new Float32Array(copy.buffer);
  };
  const d: number = config.n_embd;
  const nHead: number = config.n_head;
  const dh = d / nHead;
  const eps: number = config.layer_norm_epsilon;
  const wte = tensor('wte.weight');
  const wpe = tensor('wpe.weight');

  const layerNorm = (x: Float64Array, w: Float32Array, b: Float32Array): Float64Array => {
    let mean = 0;
    for (const v of x) mean += v;
    mean /= d;
    let variance = 0;
    for (const v of x) variance += (v - mean) ** 2;
    variance /= d;
    const scale = 1 / Math.sqrt(variance + eps);
    return x.map((v, i) => (v - mean) * scale * w[i] + b[i]);
  };
  // Conv1D: W stored [in, out]
  const linear = (x: Float64Array, w: Float32Array, b: Float32Array, out: number): Float64Array => {
    const y = Float64Array.from(b);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      const row = i * out;
      for (let o = 0; o < out; o++) y[o] += xi * w[row + o];
    }
    return y;
  };
  const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

  const layers = Array.from({ length: config.n_layer as number }, (_, l) => ({
    ln1w: tensor(`h.${l}.ln_1.weight`), ln1b: tensor(`h.${l}.ln_1.bias`),
    attnW: tensor(`h.${l}.attn.c_attn.weight`), attnB: tensor(`h.${l}.attn.c_attn.bias`),
    projW: tensor(`h.${l}.attn.c_proj.weight`), projB: tensor(`h.${l}.attn.c_proj.bias`),
    ln2w: tensor(`h.${l}.ln_2.weight`), ln2b: tensor(`h.${l}.ln_2.bias`),
    fcW: tensor(`h.${l}.mlp.c_fc.weight`), fcB: tensor(`h.${l}.mlp.c_fc.bias`),
    mlpW: tensor(`h.${l}.mlp.c_proj.weight`), mlpB: tensor(`h.${l}.mlp.c_proj.bias`),
  }));

  return {
    qkv(ids) {
      let x = ids.map((id, p) => Float64Array.from({ length: d }, (_, i) => wte[id * d + i] + wpe[p * d + i]));
      const out: Float64Array[][] = [];
      for (const w of layers) {
        const qkv = x.map((row) => linear(layerNorm(row, w.ln1w, w.ln1b), w.attnW, w.attnB, 3 * d));
        out.push(qkv);
        const z = x.map(() => new Float64Array(d));
        for (let h = 0; h < nHead; h++) {
          for (let q = 0; q < ids.length; q++) {
            const scores = [];
            for (let k = 0; k <= q; k++) {
              let s = 0;
              for (let i = 0; i < dh; i++) s += qkv[q][h * dh + i] * qkv[k][d + h * dh + i];
              scores.push(s / Math.sqrt(dh));
            }
            const max = Math.max(...scores);
            const e = scores.map((s) => Math.exp(s - max));
            const total = e.reduce((a, b) => a + b, 0);
            for (let k = 0; k <= q; k++) for (let i = 0; i < dh; i++) z[q][h * dh + i] += (e[k] / total) * qkv[k][2 * d + h * dh + i];
          }
        }
        x = x.map((row, p) => {
          const attn = linear(z[p], w.projW, w.projB, d);
          const mid = row.map((v, i) => v + attn[i]);
          const hidden = linear(layerNorm(mid, w.ln2w, w.ln2b), w.fcW, w.fcB, 4 * d).map(gelu);
          const mlp = linear(hidden, w.mlpW, w.mlpB, d);
          return mid.map((v, i) => v + mlp[i]);
        });
      }
      return out;
    },
  };
}
