import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnalysis, type Analysis } from '../../../src/analysis/report/load.ts';
import { pairView } from '../../../src/analysis/report/views/pair-view.ts';
import { layerStats, writeSyntheticAnalysis } from '../synthetic.ts';

/** The pair page's data, checked against the synthetic output it was made from. */

const link = (path: string) => `/base/${path}`;
let dir: string;
let analysis: Analysis;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qkv-pair-view-'));
  // the target's KV spread grows with the layer: 0.1, 0.2, 0.3
  writeSyntheticAnalysis(dir, {
    name: 'her',
    layers: [0, 1, 2],
    nEmbd: 8,
    nHead: 2,
    statsFor: (layer) => layerStats(layer, { nEmbd: 8, nHead: 2, cosine: { target: { KV: 0.1 * (layer + 1) } } }),
  });
  analysis = loadAnalysis(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pairView', () => {
  it('shows the pair’s rows of the statistics and comparisons, as the stats file has them', () => {
    const view = pairView(analysis, 1, 'KV', link);
    const [cosine] = view.metrics;
    expect(cosine.statistics.rows.map((r) => [r.pair, r.condition, r.sd])).toEqual([
      ['KV', 'target', 0.2],
      ['KV', 'nontarget', 0.15],
      ['KV', 'shuffled', 0.1],
      ['KV', 'shuffledPerNeuron', 0.11],
    ]);
    expect(cosine.statistics.caption).toBe('Cosine similarity, KV, layer 1');
    // synthetic comparisons: KS = |SD a − SD b|, W = KS / 2, ratio = SD a / SD b
    const shuffled = cosine.comparisons.rows.find((r) => r.key === 'targetVsShuffled')!;
    expect(shuffled.ks).toBeCloseTo(0.1, 12);
    expect(shuffled.wasserstein).toBeCloseTo(0.05, 12);
    expect(shuffled.sdRatio).toBeCloseTo(2, 12);
    expect(cosine.comparisons.rows.map((r) => r.key)).toEqual([
      'targetVsNontarget',
      'targetVsShuffled',
      'targetVsShuffledPerNeuron',
      'nontargetVsShuffled',
      'nontargetVsShuffledPerNeuron',
    ]);
  });

  it('draws the head tables from the stats file, on one range for both tokens', () => {
    const [cosine] = pairView(analysis, 1, 'KV', link).metrics;
    expect(cosine.headTables).toEqual([
      {
        matrix: [
          [0.3, 0.15],
          [0.15, 0.3],
        ],
        caption: 'KV, target token',
      },
      {
        matrix: [
          [0.2, 0.1],
          [0.1, 0.2],
        ],
        caption: 'KV, comparison token',
      },
    ]);
    expect(cosine.headRange).toEqual([0.1, 0.3]);
    expect([cosine.headLow, cosine.headHigh]).toEqual(['0.100', '0.300']);
    expect(cosine.heads).toHaveLength(2);
  });

  it('links the block images and says when a block is a whole within-matrix square', () => {
    const kv = pairView(analysis, 2, 'KV', link);
    expect(kv.metrics[1].blocks.map((b) => [b.title, b.src])).toEqual([
      ['Target token', '/base/her/layer-2/similarity-correlation-target-kv.png'],
      ['Comparison token', '/base/her/layer-2/similarity-correlation-nontarget-kv.png'],
    ]);
    expect(kv.blockNote).toBe('');
    expect(pairView(analysis, 2, 'VV', link).blockNote).toMatch(/^, the whole square with its diagonal of ones/);
    expect([kv.d, kv.nHead, kv.dHead, kv.blockSize]).toEqual([8, 2, 4, 304]); // 38 pixels per entry: the first multiple of 8 at 300 or more
  });

  it('links the same pair at every layer and every pair at this layer', () => {
    const view = pairView(analysis, 0, 'QK', link);
    expect(view.slug).toBe('qk');
    expect(view.layerItems.map((i) => i.href)).toEqual([
      null,
      '/base/her/layer-0/qk/',
      '/base/her/layer-1/qk/',
      '/base/her/layer-2/qk/',
      '/base/her/layer-1/qk/',
    ]);
    expect(view.pairItems.filter((i) => i.current).map((i) => i.label)).toEqual(['QK']);
    expect(view.pairItems.at(-1)).toEqual({ label: 'all figures of layer 0', href: '/base/her/layer-0/' });
    expect(view.links).toEqual({ home: '/base/', set: '/base/her/', layer: '/base/her/layer-0/', methodsComparisons: '/base/methods/#comparisons' });
  });

  it('tells how the target’s spread runs across layers in the narrative', () => {
    const [cosine] = pairView(analysis, 2, 'KV', link).metrics;
    expect(cosine.narrative.join(' ')).toMatch(/KV/);
    expect(cosine.narrative.join(' ')).toContain('0.300'); // the target's SD at layer 2
  });
});
