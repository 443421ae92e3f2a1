import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnalysis, type Analysis } from '../../../src/analysis/report/load.ts';
import { setView } from '../../../src/analysis/report/views/set-view.ts';
import { layerStats, writeSyntheticAnalysis } from '../synthetic.ts';

/** The set overview's data, checked against the synthetic output it was made from. */

const link = (path: string) => `/base/${path}`;
const root = mkdtempSync(join(tmpdir(), 'qkv-set-view-'));
let her: Analysis;
let him: Analysis;
let other: Analysis;

beforeAll(() => {
  // "her": the target's QQ spread rises from layer to layer (0.1, 0.2, 0.3); the comparison token stays at 0.15
  writeSyntheticAnalysis(join(root, 'her'), {
    name: 'her',
    layers: [0, 1, 2],
    statsFor: (layer) => layerStats(layer, { cosine: { target: { QQ: 0.1 * (layer + 1) } } }),
  });
  writeSyntheticAnalysis(join(root, 'him'), { name: 'him', layers: [2] });
  writeSyntheticAnalysis(join(root, 'other'), { name: 'other', layers: [5] }); // no layer in common with "her"
  [her, him, other] = ['her', 'him', 'other'].map((name) => loadAnalysis(join(root, name)));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('setView', () => {
  it('lists the sets it can be compared with: same model, a layer in common', () => {
    expect(setView(her, [her, him, other], link).others).toEqual([{ href: '/base/compare/her/him/', title: 'Synthetic <set>', name: 'him', layers: [2] }]);
    expect(setView(other, [her, him, other], link).others).toEqual([]);
  });

  it('draws two trend charts per metric and words the trend of each pair type', () => {
    const view = setView(her, [her], link);
    expect(view.trendFigures.map((f) => [f.metric, f.svg.length])).toEqual([
      ['cosine', 2],
      ['correlation', 2],
    ]);
    const qq = view.trendFigures[0].sentences.find((s) => s.startsWith('QQ'));
    expect(qq).toBeDefined();
    expect(view.trendStyles.map((s) => s.key)).toEqual(['target', 'nontarget', 'shuffled']);
  });

  it('shows the target, the comparison token and the links of the page', () => {
    const view = setView(her, [her], link);
    expect(view.target).toBe('\u2423her');
    expect(view.compare).toMatch(/before/);
    expect(view.links).toEqual({ home: '/base/', methods: '/base/methods/', data: '/base/her/data/' });
    // layer 0 is always worded: its vectors differ only by position; the synthetic sets keep all 3 distinct
    expect(view.distinctNote).toMatch(/^At layer 0 the 3 sentences give 3 dis/);
    expect(view.card.sentences).toBe(3);
  });
});
