import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparablePairs, type SetPair } from '../../../src/analysis/report/compare.ts';
import { loadAnalysis } from '../../../src/analysis/report/load.ts';
import { compareView, type CompareView } from '../../../src/analysis/report/views/compare-view.ts';
import { EDGES, layerStats, writeSyntheticAnalysis } from '../synthetic.ts';

/** The comparison page's data, checked against distances computed here from the two densities. */

const link = (path: string) => `/base/${path}`;
const root = mkdtempSync(join(tmpdir(), 'qkv-compare-view-'));
let pair: SetPair;
let view: CompareView;

beforeAll(() => {
  // "her" spreads its QK target by 0.2 at every layer, "him" by 0.25 at layer 1 and 0.3 at layer 2
  writeSyntheticAnalysis(join(root, 'her'), { name: 'her', layers: [0, 1, 2], statsFor: (layer) => layerStats(layer, { cosine: { target: { QK: 0.2 } } }) });
  writeSyntheticAnalysis(join(root, 'him'), {
    name: 'him',
    layers: [1, 2, 3],
    statsFor: (layer) => layerStats(layer, { cosine: { target: { QK: layer === 1 ? 0.25 : 0.3 } } }),
  });
  [pair] = comparablePairs([loadAnalysis(join(root, 'him')), loadAnalysis(join(root, 'her'))]);
  view = compareView(pair, link);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** KS and Wasserstein-1 between two densities on EDGES, by summing the two cumulative distributions bin by bin. */
function distances(a: readonly number[], b: readonly number[]): { ks: number; wasserstein: number } {
  let [fa, fb, ks, wasserstein] = [0, 0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    const width = EDGES[i + 1] - EDGES[i];
    // within a bin the mass is even, so |Fa − Fb| runs linearly from its value at the left edge to the right
    const left = fa - fb;
    fa += a[i] * width;
    fb += b[i] * width;
    const right = fa - fb;
    ks = Math.max(ks, Math.abs(right));
    wasserstein +=
      left * right >= 0 ? (width * (Math.abs(left) + Math.abs(right))) / 2 : (width * (left * left + right * right)) / (2 * (Math.abs(left) + Math.abs(right)));
  }
  return { ks, wasserstein };
}

describe('compareView', () => {
  it('names the sets in alphabetical order and the layers only one of them analyses', () => {
    expect(view.names).toEqual({ a: 'her', b: 'him' });
    expect(view.layers).toEqual([1, 2]);
    expect(view.onlyIn).toEqual({ a: [0], b: [3] });
    expect(view.sets.map((s) => [s.side, s.name, s.href, s.target, s.sentences, s.layers])).toEqual([
      ['a', 'her', '/base/her/', '\u2423her', 3, [0, 1, 2]],
      ['b', 'him', '/base/him/', '\u2423her', 3, [1, 2, 3]],
    ]);
    expect(view.styles.map((s) => s.label.split(':')[0])).toEqual(['her', 'him']);
  });

  it('quotes in each figure’s table the two SDs and their distances, one row per common layer', () => {
    const [cosine] = view.metrics;
    const qk = cosine.figures.find((f) => f.pair === 'QK')!;
    expect(qk.id).toBe('distributions-qk-cosine');
    expect(qk.rows.map((r) => [r.layer, r.sdA, r.sdB, r.ratio])).toEqual([
      [1, '0.200', '0.250', '0.80×'],
      [2, '0.200', '0.300', '0.67×'],
    ]);
    for (const [i, layer] of [1, 2].entries()) {
      const want = distances(pair.a.stats(layer).cosine.target.QK.density, pair.b.stats(layer).cosine.target.QK.density);
      expect(Number(qk.rows[i].ks)).toBeCloseTo(want.ks, 3);
      expect(Number(qk.rows[i].wasserstein)).toBeCloseTo(want.wasserstein, 3);
    }
    // the same two targets elsewhere: no distance, no ratio to speak of
    const qq = cosine.figures.find((f) => f.pair === 'QQ')!;
    expect(qq.rows.map((r) => [r.ks, r.wasserstein])).toEqual([
      ['0.000', '0.000'],
      ['0.000', '0.000'],
    ]);
  });

  it('gives the distance table every common layer and pair type, linked to the figures', () => {
    const [, correlation] = view.metrics;
    expect(correlation.distances.id).toBe('distances-correlation');
    expect(correlation.distances.rows.map((r) => [r.layer, r.cells.length])).toEqual([
      [1, 6],
      [2, 6],
    ]);
    expect(correlation.distances.figureId('KV')).toBe('distributions-kv-correlation');
    expect(correlation.figures.map((f) => f.svg.startsWith('<svg'))).toEqual([true, true, true, true, true, true]);
  });

  it('calls the wider set by name in the sentences', () => {
    const qk = view.metrics[0].figures.find((f) => f.pair === 'QK')!;
    expect(qk.narrative.join(' ')).toMatch(/him/);
  });
});
