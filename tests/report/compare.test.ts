import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnalysis, type Analysis } from '../../src/analysis/report/load.ts';
import {
  comparablePairs,
  commonLayers,
  compareQuantiles,
  distanceTable,
  histogramDistance,
  pairsOf,
  setDistance,
  sharesModel,
} from '../../src/analysis/report/compare.ts';
import { pairComparisonNarrative, setComparisonNarrative } from '../../src/analysis/report/narrative.ts';
import { comparisonWords } from '../../src/analysis/report/labels.ts';
import { publishedManifest } from '../../src/analysis/report/downloads.ts';
import { EDGES, layerStats, summary, writeSyntheticAnalysis } from './synthetic.ts';

/** A density on EDGES with all its mass in the bins listed (equal shares). */
function massIn(...bins: number[]): number[] {
  const density = new Array(100).fill(0);
  for (const bin of bins) density[bin] = 1 / (bins.length * 0.02);
  return density;
}

describe('histogramDistance', () => {
  it('is 0 between a density and itself', () => {
    const d = summary(0.2).density;
    expect(histogramDistance(EDGES, d, d)).toEqual({ ks: 0, wasserstein: 0 });
  });

  it('moves all the mass by the shift: Wasserstein = shift, KS = 1 for disjoint bins', () => {
    const { ks, wasserstein } = histogramDistance(EDGES, massIn(10), massIn(60));
    expect(ks).toBeCloseTo(1, 12);
    expect(wasserstein).toBeCloseTo(50 * 0.02, 12);
  });

  it('is symmetric, and matches a shifted normal curve', () => {
    const a = summary(0.1, { mean: 0 }).density;
    const b = summary(0.1, { mean: 0.2 }).density;
    const ab = histogramDistance(EDGES, a, b);
    const ba = histogramDistance(EDGES, b, a);
    expect(ab.ks).toBeCloseTo(ba.ks, 12);
    expect(ab.wasserstein).toBeCloseTo(ba.wasserstein, 12);
    expect(ab.wasserstein).toBeCloseTo(0.2, 3);
    // Φ(1) − Φ(−1) for a shift of two SDs
    expect(ab.ks).toBeCloseTo(0.6827, 2);
  });

  it('integrates exactly where the cumulative distributions cross inside a bin', () => {
    // half the mass at bin 0 vs bin 2 against all of it in bin 1: the gaps cancel out at the end
    const { ks, wasserstein } = histogramDistance(EDGES, massIn(0, 2), massIn(1));
    expect(ks).toBeCloseTo(0.5, 12);
    // gap rises 0→0.5 over bin 0, falls 0.5→−0.5 over bin 1 (crossing at its middle), −0.5→0 over bin 2
    expect(wasserstein).toBeCloseTo(0.02 * (0.25 + 0.25 + 0.25), 12);
  });

  it('is undefined for an empty or undefined density', () => {
    expect(histogramDistance(EDGES, new Array(100).fill(0), massIn(3)).ks).toBeNaN();
    expect(histogramDistance(EDGES, new Array(100).fill(NaN), massIn(3)).wasserstein).toBeNaN();
    expect(histogramDistance(EDGES, [1, 2], massIn(3)).ks).toBeNaN();
  });
});

describe('setDistance', () => {
  it('marks the set with the larger SD only beyond "about the same"', () => {
    const a = layerStats(1, { cosine: { target: { QQ: 0.3, KK: 0.104 } } });
    const b = layerStats(1, { cosine: { target: { QQ: 0.15, KK: 0.1 } } });
    const qq = setDistance(a, b, 'cosine', 'QQ');
    expect(qq.wider).toBe('a');
    expect(qq.spread?.ratio).toBeCloseTo(2);
    expect(qq.ks).toBeGreaterThan(0.1);
    expect(setDistance(b, a, 'cosine', 'QQ').wider).toBe('b');
    const kk = setDistance(a, b, 'cosine', 'KK');
    expect(kk.wider).toBeNull();
    expect(kk.spread?.word).toBe('about the same');
  });
});

describe('which sets are compared', () => {
  let root: string;
  const analyses: Record<string, Analysis> = {};
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'qkv-compare-'));
    const write = (name: string, layers: number[], model?: { id: string; revision: string | null }) => {
      const dir = join(root, name);
      writeSyntheticAnalysis(dir, {
        name,
        layers,
        statsFor: (layer) => layerStats(layer, { cosine: { target: { QQ: name === 'zeta' ? 0.4 : 0.2 } } }),
      });
      if (model) {
        const analysis = loadAnalysis(dir);
        analysis.manifest.model.id = model.id;
        analysis.manifest.model.revision = model.revision;
      }
      analyses[name] = loadAnalysis(dir);
    };
    write('zeta', [0, 1, 2]);
    write('alpha', [1, 2, 5]);
    write('other-model', [0, 1, 2], { id: 'test/synthetic', revision: 'f00' });
    write('no-common', [7]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('needs the same model id and revision', () => {
    expect(sharesModel(analyses.zeta.manifest, analyses.alpha.manifest)).toBe(true);
    expect(sharesModel(analyses.zeta.manifest, analyses['other-model'].manifest)).toBe(false);
  });

  it('compares each unordered pair once, names in alphabetical order, at the common layers', () => {
    const pairs = comparablePairs(Object.values(analyses));
    expect(pairs.map((p) => `${p.a.name}/${p.b.name}`)).toEqual(['alpha/zeta']);
    expect(pairs[0].layers).toEqual([1, 2]);
    expect(pairs[0].href).toBe('compare/alpha/zeta/');
    expect(pairsOf('zeta', pairs).map((p) => p.other.name)).toEqual(['alpha']);
    expect(pairsOf('no-common', pairs)).toEqual([]);
    expect(commonLayers([5, 0, 3], [3, 5, 9])).toEqual([3, 5]);
  });

  it('builds the layer × pair table over the common layers only', () => {
    const rows = distanceTable(analyses.alpha, analyses.zeta, [1, 2], 'cosine');
    expect(rows.map((r) => r.layer)).toEqual([1, 2]);
    expect(rows[0].cells).toHaveLength(6);
    expect(rows[0].cells[0]).toMatchObject({ pair: 'QQ', wider: 'b' });
    expect(rows[0].cells[1]).toMatchObject({ pair: 'KK', wider: null, ks: 0 });
  });

  it("gives each set's quartiles, median and 5/95 % whiskers at each common layer, a before b", () => {
    const boxes = compareQuantiles(analyses.alpha, analyses.zeta, [1], 'cosine', 'QQ');
    expect(boxes.map((box) => box.set)).toEqual(['a', 'b']);
    for (const [box, analysis] of [
      [boxes[0], analyses.alpha],
      [boxes[1], analyses.zeta],
    ] as const) {
      const summary = analysis.stats(1).cosine.target.QQ;
      expect(box).toEqual({
        layer: 1,
        set: box.set,
        p05: summary.quantiles.p05,
        p25: summary.quantiles.p25,
        median: summary.median,
        p75: summary.quantiles.p75,
        p95: summary.quantiles.p95,
      });
      expect(box.p05).toBeLessThanOrEqual(box.p25);
      expect(box.p25).toBeLessThanOrEqual(box.median);
      expect(box.median).toBeLessThanOrEqual(box.p75);
      expect(box.p75).toBeLessThanOrEqual(box.p95);
    }
  });
});

describe('comparison narrative', () => {
  const labels = { a: 'her', b: 'him' };
  const a = layerStats(0, { cosine: { target: { QQ: 0.3, KK: 0.1, VV: 0.2, QK: 0.2, QV: 0.2, KV: 0.2 } } });
  const b = layerStats(0, { cosine: { target: { QQ: 0.15, KK: 0.2, VV: 0.205, QK: 0.2, QV: 0.2, KV: 0.2 } } });
  const a3 = layerStats(3, { cosine: { target: { QQ: 0.2 } } });
  const b3 = layerStats(3, { cosine: { target: { QQ: 0.1 } } });
  const cells = [0, 3].flatMap((layer) =>
    ['QQ', 'KK', 'VV', 'QK', 'QV', 'KV'].map((pair) => setDistance(layer === 0 ? a : a3, layer === 0 ? b : b3, 'cosine', pair as 'QQ')),
  );

  it('counts wider, narrower and about-the-same cases, and names the largest distance', () => {
    const said = setComparisonNarrative('cosine', labels, cells).join(' ');
    expect(said).toContain('Over the 2 common layers and the 6 pair types');
    expect(said).toContain('wider in \u201cher\u201d than in \u201chim\u201d in 2');
    expect(said).toContain('narrower in 1');
    expect(said).toContain('about as wide (SD ratio within ±10%) in 9');
    expect(said).toMatch(/differ most for (QQ at layer 0|KK at layer 0)/);
  });

  it('says "wider" only when it is', () => {
    const same = [setDistance(a, a, 'cosine', 'QQ'), setDistance(a, a, 'cosine', 'KK')];
    const said = setComparisonNarrative('cosine', labels, same).join(' ');
    expect(said).not.toMatch(/wider|narrower/);
    expect(said).toContain('about as wide in \u201cher\u201d as in \u201chim\u201d in all 2 cases');
    const narrowerOnly = setComparisonNarrative('cosine', labels, [setDistance(b3, a3, 'cosine', 'QQ')]).join(' ');
    expect(narrowerOnly).toContain('narrower in \u201cher\u201d than in \u201chim\u201d in all 1 cases');
    expect(narrowerOnly).not.toContain('wider');
  });

  it('lists the layers per word for one pair type', () => {
    const qq = cells.filter((c) => c.pair === 'QQ');
    const said = pairComparisonNarrative('QQ', 'cosine', labels, qq).join(' ');
    // wider at both common layers (0 and 3): said as such, not as a list of all of them
    expect(said).toContain("The target's QQ cosine similarities in \u201cher\u201d are wider than in \u201chim\u201d at every common layer.");
    expect(said).toMatch(/Their distance is largest at layer (0|3)/);
    const kk = pairComparisonNarrative(
      'KK',
      'cosine',
      labels,
      cells.filter((c) => c.pair === 'KK'),
    ).join(' ');
    expect(kk).toContain('are narrower than in \u201chim\u201d at layer 0 and about as wide at layer 3.');
    expect(kk).not.toContain('wider');
  });

  it('says nothing about undefined spreads', () => {
    const empty = layerStats(0, { cosine: { target: { QQ: NaN } } });
    expect(pairComparisonNarrative('QQ', 'cosine', labels, [setDistance(empty, b, 'cosine', 'QQ')])).toEqual([]);
    expect(setComparisonNarrative('cosine', labels, [setDistance(empty, b, 'cosine', 'QQ')])[0]).toMatch(/No cosine similarities/);
  });
});

describe('comparisonWords', () => {
  it("names the comparison token from the set's compare", () => {
    expect(comparisonWords('previous')).toBe('the token before it');
    expect(comparisonWords('next')).toBe('the token after it');
    expect(comparisonWords('-2')).toBe('the token two before it');
    expect(comparisonWords('+1')).toBe('the token after it');
    expect(comparisonWords('-1')).toBe('the token before it');
    expect(comparisonWords('+3')).toBe('the token three after it');
    expect(comparisonWords('-12')).toBe('the token 12 before it');
  });
});

describe('the published manifest', () => {
  it('leaves out the run timings, and keeps the rest in the analysis layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qkv-manifest-'));
    try {
      const manifest = writeSyntheticAnalysis(dir, { name: 'timed' });
      const text = publishedManifest({ ...manifest, seconds: { load: 1.234, forward: 0.5, stats: 9 } });
      expect(text).not.toContain('seconds');
      expect(text.startsWith('{\n "schema": 1,')).toBe(true);
      const { seconds: _, ...rest } = manifest;
      expect(JSON.parse(text)).toEqual(rest);
      expect(publishedManifest({ ...manifest, seconds: { load: 7, forward: 7, stats: 7 } })).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
