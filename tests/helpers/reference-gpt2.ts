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

/** The two variants of config.json that change the arithmetic, as Hugging Face's GPT2 reads them. */
export interface ReferenceVariant {
  /** 'gelu_new' and 'gelu_pytorch_tanh': the tanh approximation; 'gelu': the exact x·Φ(x) */
  activation_function?: string;
  /** false: attention scores are not divided by √d_head */
  scale_attn_weights?: boolean;
}

/** `variant` overrides what config.json says (to show that a test can tell the variants apart). */
export function loadReferenceGpt2(dir: string, variant: ReferenceVariant = {}): ReferenceGpt2 {
  const config = { ...JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')), ...variant };
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
  const activation: string = config.activation_function ?? 'gelu_new';
  if (!['gelu_new', 'gelu_pytorch_tanh', 'gelu'].includes(activation)) throw new Error(`the reference has no activation ${activation}`);
  const gelu =
    activation === 'gelu'
      ? (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2))
      : (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  // Hugging Face: `if self.scale_attn_weights: attn_weights = attn_weights / sqrt(head_dim)` (absent means true)
  const scoreScale = config.scale_attn_weights === false ? 1 : 1 / Math.sqrt(dh);

  const layers = Array.from({ length: config.n_layer as number }, (_, l) => ({
    ln1w: tensor(`h.${l}.ln_1.weight`),
    ln1b: tensor(`h.${l}.ln_1.bias`),
    attnW: tensor(`h.${l}.attn.c_attn.weight`),
    attnB: tensor(`h.${l}.attn.c_attn.bias`),
    projW: tensor(`h.${l}.attn.c_proj.weight`),
    projB: tensor(`h.${l}.attn.c_proj.bias`),
    ln2w: tensor(`h.${l}.ln_2.weight`),
    ln2b: tensor(`h.${l}.ln_2.bias`),
    fcW: tensor(`h.${l}.mlp.c_fc.weight`),
    fcB: tensor(`h.${l}.mlp.c_fc.bias`),
    mlpW: tensor(`h.${l}.mlp.c_proj.weight`),
    mlpB: tensor(`h.${l}.mlp.c_proj.bias`),
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
              scores.push(s * scoreScale);
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

/**
 * erf in float64 to ~1e-14: its Maclaurin series up to |x| = 2.5 (terms shrink past n ≈ x²;
 * the alternating sum loses at most e^{x²} ≈ 500 ulp), and beyond, 1 − erfc(x) from erfc's
 * continued fraction (Abramowitz & Stegun 7.1.14), evaluated from the tail.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  let result: number;
  if (a <= 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    result = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
    let fraction = a;
    for (let k = 120; k >= 1; k--) fraction = a + k / 2 / fraction;
    result = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / fraction;
  }
  return x < 0 ? -result : result;
}
