import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnalysis, type Analysis } from '../../src/analysis/report/load.ts';
import { binCentres, layerHistogram, pairHistogram, pooledDensity, trends, headCells, neuronLabel, extent } from '../../src/analysis/report/figures.ts';
import { comparisonRows, layerPairTable, neighbours, sentencePieces, setCard, statisticsRows } from '../../src/analysis/report/page-data.ts';
import { downloads, publishedManifest } from '../../src/analysis/report/downloads.ts';
import { layerImageNames, renderLayerImage, qqSequenceView, tokenAverageView } from '../../src/analysis/report/images.ts';
import { paths } from '../../src/analysis/report/paths.ts';
import { showToken, formatNumber } from '../../src/analysis/report/labels.ts';
import { layerStats, summary, writeSyntheticAnalysis } from './synthetic.ts';

let dir: string;
let analysis: Analysis;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qkv-report-'));
  writeSyntheticAnalysis(dir, {
    layers: [0, 2, 5],
    statsFor: (layer) => layerStats(layer, { cosine: { target: { QQ: 0.1 * (layer + 1) }, shuffled: 0.1 } }),
  });
  analysis = loadAnalysis(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loading an analysis folder', () => {
  it('reads the manifest, and each layer once', () => {
    expect(analysis.name).toBe('synthetic');
    expect(analysis.layers).toEqual([0, 2, 5]);
    expect(analysis.stats(2)).toBe(analysis.stats(2));
    expect(loadAnalysis(dir)).toBe(analysis);
    expect(() => analysis.stats(1)).toThrow(/layer 1 was not analysed/);
  });

  it('reads the similarity previews as square matrices', () => {
    const { shape, data } = analysis.similarity(0, 'cosine', 'target');
    expect(shape).toEqual([24, 24]);
    expect(data.length).toBe(24 * 24);
    expect(data[0]).toBe(1);
  });
});

describe('figure data', () => {
  it('bins are centred between the edges', () => {
    const centres = binCentres(analysis.stats(0).edges);
    expect(centres).toHaveLength(100);
    expect(centres[0]).toBeCloseTo(-0.99);
    expect(centres[99]).toBeCloseTo(0.99);
  });

  it('pools baseline densities weighted by counts', () => {
    const a = { ...summary(0.1), n: 1, density: [2, 0] };
    const b = { ...summary(0.1), n: 3, density: [0, 2] };
    expect(pooledDensity([a, b])).toEqual([0.5, 1.5]);
  });

  it('gives the lecture panels three pair curves plus a pooled baseline', () => {
    const within = layerHistogram(analysis.stats(0), 'cosine', 'target', 'within');
    expect(within.styles.map((s) => s.key)).toEqual(['QQ', 'KK', 'VV', 'shuffled']);
    expect(within.points).toHaveLength(400);
    const across = layerHistogram(analysis.stats(0), 'correlation', 'nontarget', 'across');
    expect(across.styles.map((s) => s.key)).toEqual(['QK', 'QV', 'KV', 'shuffled']);
    expect(across.summaries[0].summary).toBe(analysis.stats(0).correlation.nontarget.QK);
  });

  it('gives a pair page all four conditions', () => {
    const data = pairHistogram(analysis.stats(2), 'correlation', 'KV');
    expect(data.styles.map((s) => s.key)).toEqual(['target', 'nontarget', 'shuffled', 'shuffledPerNeuron']);
    expect(data.styles.map((s) => s.dash)).toEqual(['solid', 'solid', 'dashed', 'dotted']);
  });

  it('collects trends over every layer, pair, condition and statistic', () => {
    const points = trends(analysis, 'cosine');
    expect(points).toHaveLength(3 * 6 * 3 * 2);
    const qq = points.filter((p) => p.pair === 'QQ' && p.condition === 'target' && p.statistic === 'sd').map((p) => [p.layer, p.value]);
    expect(qq).toEqual([
      [0, 0.1],
      [2, 0.30000000000000004],
      [5, 0.6000000000000001],
    ]);
    expect(trends(analysis, 'cosine')).toBe(points);
  });

  it('names neurons by block and flattens head matrices', () => {
    expect(neuronLabel(0, 768)).toBe('Q0');
    expect(neuronLabel(768 + 5, 768)).toBe('K5');
    expect(neuronLabel(2 * 768 + 700, 768)).toBe('V700');
    expect(headCells(analysis.stats(0), 'cosine', 'target', 'QQ')).toEqual([
      { row: 0, column: 0, value: 0.3 },
      { row: 0, column: 1, value: 0.15 },
      { row: 1, column: 0, value: 0.15 },
      { row: 1, column: 1, value: 0.3 },
    ]);
  });

  it('pads extents and survives constant or empty data', () => {
    expect(extent([0, 10])).toEqual([-0.5, 10.5]);
    expect(extent([3, 3])).toEqual([2, 4]);
    expect(extent([NaN])).toEqual([-1, 1]);
  });
});

describe('page data', () => {
  it('describes a set for the front page, its description escaped', () => {
    const card = setCard(analysis);
    expect(card).toMatchObject({ name: 'synthetic', model: 'test/synthetic', sentences: 3, layers: [0, 2, 5], href: 'synthetic/' });
    expect(card.descriptionHtml).toContain('<em>test</em>');
    expect(card.descriptionHtml).not.toContain('<script>');
  });

  it('marks target and comparison tokens in each sentence, keeping the text whole', () => {
    const pieces = sentencePieces(analysis.manifest);
    expect(pieces[0]).toEqual([
      { text: 'I', role: null },
      { text: ' saw', role: 'compare' },
      { text: ' her', role: 'target' },
      { text: '.', role: null },
    ]);
    expect(pieces[2].map((p) => p.text).join('')).toBe('=cmd <b>her</b>');
  });

  it('tables statistics and comparisons', () => {
    expect(statisticsRows(analysis.stats(0), 'cosine')).toHaveLength(24);
    const rows = statisticsRows(analysis.stats(0), 'cosine', ['QQ'], ['target']);
    expect(rows).toEqual([expect.objectContaining({ pair: 'QQ', condition: 'target', sd: 0.1, label: 'target token' })]);
    const comparisons = comparisonRows(analysis.stats(0), 'cosine', 'QQ');
    expect(comparisons.map((c) => c.key)).toEqual([
      'targetVsNontarget',
      'targetVsShuffled',
      'targetVsShuffledPerNeuron',
      'nontargetVsShuffled',
      'nontargetVsShuffledPerNeuron',
    ]);
  });

  it('builds the layer × pair table with links and headline numbers', () => {
    const table = layerPairTable(analysis, 'cosine');
    expect(table.map((row) => row.layer)).toEqual([0, 2, 5]);
    const cell = table[2].cells[0];
    expect(cell).toMatchObject({ pair: 'QQ', href: 'synthetic/layer-5/qq/', versusNontarget: 'wider' });
    expect(cell.sd).toBeCloseTo(0.6);
    expect(cell.ratioToShuffled).toBeCloseTo(6);
    // layer 0's target vectors differ only by position: never ranked against the comparison token
    expect(table[0].cells[0].versusNontarget).toBeNull();
    expect(table[1].cells.every((c) => c.versusNontarget !== null)).toBe(true);
  });

  it('links neighbouring layers even when layers skip', () => {
    expect(neighbours([0, 2, 5], 0)).toEqual({ previous: null, next: 2 });
    expect(neighbours([0, 2, 5], 2)).toEqual({ previous: 0, next: 5 });
    expect(neighbours([0, 2, 5], 5)).toEqual({ previous: 2, next: null });
  });

  it('keeps the stable URLs of docs/site.md', () => {
    expect(paths.set('her')).toBe('her/');
    expect(paths.layer('her', 6)).toBe('her/layer-6/');
    expect(paths.pair('her', 6, 'QK')).toBe('her/layer-6/qk/');
    expect(paths.methods()).toBe('methods/');
    expect(paths.data('her')).toBe('her/data/');
  });

  it('formats numbers for reading', () => {
    expect(formatNumber(-0.12345)).toBe('\u22120.123');
    // a value that rounds to zero has no sign
    expect(formatNumber(-0.0004)).toBe('0.000');
    expect(formatNumber(-0)).toBe('0.000');
    expect(formatNumber(-0.04, 1)).toBe('0.0');
    expect(formatNumber(NaN)).toBe('—');
    expect(showToken(' her')).toBe('\u2423her');
  });
});

describe('downloads and images', () => {
  it('lists the set files and, per layer, JSON, CSV, activations and previews', () => {
    const files = downloads(analysis);
    expect(files.filter((f) => f.layer === null).map((f) => f.file)).toEqual(['manifest.json', 'summary.csv']);
    expect(files.filter((f) => f.layer === 2).map((f) => f.file)).toEqual([
      'layer-2.json',
      'layer-2.csv',
      'layer-2-target.npy',
      'layer-2-nontarget.npy',
      'layer-2-similarity-cosine-target.npy',
      'layer-2-similarity-cosine-nontarget.npy',
      'layer-2-similarity-correlation-target.npy',
      'layer-2-similarity-correlation-nontarget.npy',
    ]);
    const json = files.find((f) => f.file === 'layer-2.json')!;
    expect(JSON.parse(new TextDecoder().decode(json.bytes())).layer).toBe(2);
    const summaryCsv = new TextDecoder().decode(files.find((f) => f.file === 'summary.csv')!.bytes());
    expect(summaryCsv.split('\r\n')[0]).toBe('layer,metric,condition,pair,statistic,bin_lower,bin_upper,head_a,head_b,value');
    expect(summaryCsv).not.toContain('density');
  });

  it("publishes a local model by its folder name, not the building machine's path", () => {
    const local = (id: string) => {
      const manifest = { ...analysis.manifest, model: { ...analysis.manifest.model, id, revision: null } };
      const published = publishedManifest(manifest);
      return { id: (JSON.parse(published) as { model: { id: string } }).model.id, published, card: setCard({ ...analysis, manifest }).model };
    };
    const absolute = local('/home/someone/private/models/gpt2-small/');
    expect(absolute.id).toBe('gpt2-small');
    expect(absolute.card).toBe('gpt2-small');
    expect(absolute.published).not.toContain('/home/someone');
    expect(local('./.cache/models/random-tiny-seed-0').id).toBe('random-tiny-seed-0');
    expect(local('C:\\Users\\someone\\gpt2').id).toBe('gpt2');
    // a hub model keeps its id, and the rest of the manifest is as analyze wrote it
    const hub = JSON.parse(publishedManifest(analysis.manifest)) as Record<string, unknown>;
    expect(hub.model).toEqual(analysis.manifest.model);
    const { seconds: _timings, ...rest } = analysis.manifest;
    expect(hub).toEqual(rest);
  });

  it('renders every image of a layer as a PNG', async () => {
    for (const name of layerImageNames(analysis, 0)) {
      const png = await renderLayerImage(analysis, 0, name);
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    }
    await expect(renderLayerImage(analysis, 0, 'nope')).rejects.toThrow(/no image/);
  });

  it('shares the y domain of the two token-average panels', () => {
    expect(tokenAverageView(analysis, 0, 'target').yDomain).toEqual(tokenAverageView(analysis, 0, 'nontarget').yDomain);
    expect(qqSequenceView(analysis, 0).xDomain).toEqual([-0.5, 27.5]);
  });
});
