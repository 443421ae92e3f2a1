import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS, type Manifest, type Metric } from '../../src/analysis/output-schema.ts';
import { decodeNpy, encodeNpyFloat32 } from '../../src/analysis/io/npy.ts';
import { similarityColour } from '../../src/analysis/report/colormap.ts';
import { pairBlockImageName, renderLayerImage, similarityImageName } from '../../src/analysis/report/images.ts';
import { loadAnalysis, type Analysis } from '../../src/analysis/report/load.ts';
import { computeLayerStats } from '../../src/analysis/stats/layer-stats.ts';
import { decode } from '../helpers/png-decode.ts';

/**
 * The matrix images show the entries themselves: every pixel's colour is the colour of the
 * exact similarity of the neurons it samples, computed here independently in float64 from
 * the published activations (numpy's actsAllNorm.T @ actsAllNorm), and the share of pixels
 * drawn at the ends of the scale (|x| ≥ 0.4) is the share of such entries on the grid.
 * Data: layer 6 of GPT-2 on the lecture's 54 sentences.
 */

const fixtures = fileURLToPath(new URL('../fixtures/stats/', import.meta.url));
const d = 768;
const m = 3 * d;
const rows = 54;
let dir: string;
let analysis: Analysis;
const activations: Record<'target' | 'nontarget', Float32Array> = { target: new Float32Array(), nontarget: new Float32Array() };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qkv-matrix-image-'));
  mkdirSync(join(dir, 'stats'));
  mkdirSync(join(dir, 'activations'));
  for (const side of ['target', 'nontarget'] as const) {
    const bytes = readFileSync(join(fixtures, `layer6-${side}.npy`));
    activations[side] = decodeNpy(new Uint8Array(bytes)).data as Float32Array;
    writeFileSync(join(dir, 'activations', `layer-6-${side}.npy`), bytes);
  }
  // the previews as `analyze` writes them
  const { stats, previews } = await computeLayerStats({ layer: 6, ...activations, nSentences: rows, nEmbd: d, nHead: 12, seed: 1 });
  writeFileSync(join(dir, 'stats', 'layer-6.json'), JSON.stringify(stats));
  for (const metric of METRICS) {
    for (const side of ['target', 'nontarget'] as const) {
      const p = previews[metric];
      writeFileSync(join(dir, 'stats', `layer-6-similarity-${metric}-${side}.npy`), encodeNpyFloat32(p[side], [p.size, p.size]));
    }
  }
  const manifest = {
    schema: 1,
    model: { id: 'gpt2', revision: null, n_layer: 12, n_head: 12, n_embd: d },
    set: { name: 'matrix-image', title: 'her', description: '', target: ' her', compare: 'previous', seed: 1, hash: '0'.repeat(64) },
    // the report reads the activations as [sentences, 3d]
    sentences: Array.from({ length: rows }, (_, k) => ({ text: `sentence ${k}`, ids: [0, 1], tokens: ['a', ' her'], target: 1, nontarget: 0 })),
    layers: [6],
    seconds: { load: 0, forward: 0, stats: 0 },
    versions: {},
  } satisfies Manifest;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  analysis = loadAnalysis(dir);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Unit columns as numpy makes them, float64, neuron-major. */
function units(x: Float32Array, centre: boolean): Float64Array {
  const out = new Float64Array(m * rows);
  for (let c = 0; c < m; c++) {
    let mean = 0;
    if (centre) {
      for (let s = 0; s < rows; s++) mean += x[s * m + c];
      mean /= rows;
    }
    let norm = 0;
    for (let s = 0; s < rows; s++) norm += (x[s * m + c] - mean) ** 2;
    norm = Math.sqrt(norm);
    for (let s = 0; s < rows; s++) out[c * rows + s] = (x[s * m + c] - mean) / norm;
  }
  return out;
}

function entry(u: Float64Array, i: number, j: number): number {
  let acc = 0;
  for (let s = 0; s < rows; s++) acc += u[i * rows + s] * u[j * rows + s];
  return acc;
}

/**
 * Checks every pixel against the colour of its exact entry, and the share of |x| ≥ 0.4.
 * An entry within 1e-9 of a colour-level edge may fall on either side (float64 sums in
 * another order): such pixels are accepted in either colour.
 */
function expectPixels(png: Uint8Array, u: Float64Array, rowNeurons: number[], columnNeurons: number[]): { pixels: number; strong: number } {
  const image = decode(png);
  expect(image.width).toBe(columnNeurons.length);
  expect(image.height).toBe(rowNeurons.length);
  const palette = image.palette!;
  const rgb = (index: number) => [...palette.subarray(index * 3, index * 3 + 3)];
  const pixels = rowNeurons.length * columnNeurons.length;
  let strongPixels = 0;
  let strongEntries = 0;
  let mismatches = 0;
  let endEntries = 0;
  // an edge between two of the 32 levels (beyond ±0.4 every value takes the end colour)
  const levelEdge = (v: number) => Math.abs(v) < 0.4 - 1e-9 && Math.abs((v + 0.4) / 0.025 - Math.round((v + 0.4) / 0.025)) < 1e-7;
  for (let a = 0; a < rowNeurons.length; a++) {
    for (let b = 0; b < columnNeurons.length; b++) {
      const value = entry(u, rowNeurons[a], columnNeurons[b]);
      const pixel = rgb(image.pixels[a * image.width + b]);
      // the scale's colour at the centre of the entry's level (the image's 32 steps)
      const level = Math.min(31, Math.max(0, Math.floor((value + 0.4) / 0.025)));
      const want = similarityColour(-0.4 + (level + 0.5) * 0.025);
      if (pixel.join() !== want.join() && !levelEdge(value)) mismatches++;
      if (Math.abs(value) >= 0.4) strongEntries++;
      const ends = [similarityColour(-0.4 + 0.5 * 0.025), similarityColour(0.4 - 0.5 * 0.025)].map((c) => c.join());
      if (ends.includes(pixel.join())) strongPixels++;
      if (Math.abs(value) >= 0.375 && !levelEdge(value)) endEntries++;
    }
  }
  expect(mismatches).toBe(0);
  // the end colours also hold values in [0.375, 0.4): the share of |x| ≥ 0.4 is a lower bound
  // of the end-colour pixels, and the gap is the (small) share of entries just inside the ends
  expect(strongPixels).toBeGreaterThanOrEqual(strongEntries);
  expect(Math.abs(strongPixels - endEntries)).toBeLessThanOrEqual(pixels * 1e-6);
  return { pixels, strong: strongEntries / pixels };
}

const every = (from: number, to: number, step = 1) => Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => from + k * step);

describe('the layer page matrix image', () => {
  for (const metric of METRICS) {
    it(`${metric}: every 4th neuron, each pixel the colour of its exact entry`, async () => {
      const u = units(activations.target, metric === 'correlation');
      const sampled = every(0, m, 4);
      expect(sampled).toHaveLength(576);
      const { strong } = expectPixels(await renderLayerImage(analysis, 6, similarityImageName(metric as Metric, 'target')), u, sampled, sampled);
      // GPT-2 layer 6: 18 % of the sampled cosines are beyond ±0.4 (a block average drew almost none)
      expect(strong).toBeGreaterThan(metric === 'cosine' ? 0.15 : 0.01);
    }, 120_000);
  }
});

describe('a pair page block image', () => {
  it('QK, correlation, comparison token: 768 × 768, each pixel the colour of its exact entry', async () => {
    const u = units(activations.nontarget, true);
    expectPixels(await renderLayerImage(analysis, 6, pairBlockImageName('correlation', 'nontarget', 'QK')), u, every(0, d), every(d, 2 * d));
  }, 120_000);

  it('VV, cosine, target: the whole block, diagonal included', async () => {
    const u = units(activations.target, false);
    expectPixels(await renderLayerImage(analysis, 6, pairBlockImageName('cosine', 'target', 'VV')), u, every(2 * d, m), every(2 * d, m));
  }, 120_000);
});
