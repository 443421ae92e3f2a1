import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedManifest } from '../../../src/analysis/report/downloads.ts';
import { loadAnalysis, type Analysis } from '../../../src/analysis/report/load.ts';
import { dataView, fileSize, layerDataLinks } from '../../../src/analysis/report/views/data-view.ts';
import { writeSyntheticAnalysis } from '../synthetic.ts';

/** The data page's and the layer page's download links, checked against the files of the output folder. */

const link = (path: string) => `/base/${path}`;
let dir: string;
let analysis: Analysis;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qkv-data-view-'));
  writeSyntheticAnalysis(dir, { name: 'her', layers: [0, 2] });
  analysis = loadAnalysis(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileSize', () => {
  it('shows kB (at least 1) below a megabyte and MB above', () => {
    expect([fileSize(10), fileSize(1499), fileSize(1500), fileSize(999_499), fileSize(1_000_000), fileSize(12_345_678)]).toEqual([
      '1 kB',
      '1 kB',
      '2 kB',
      '999 kB',
      '1.0 MB',
      '12.3 MB',
    ]);
  });
});

describe('dataView', () => {
  it('gives one row per analysed layer, each file named by what differs', () => {
    const view = dataView(analysis, link);
    expect(view.layerFiles.map((row) => [row.layer, row.href])).toEqual([
      [0, '/base/her/layer-0/'],
      [2, '/base/her/layer-2/'],
    ]);
    const labels = view.layerFiles[1].files.map((f) => f.label);
    expect(labels).toContain('json');
    expect(labels).toContain('target.npy');
    for (const f of view.layerFiles[1].files) expect(f.href).toBe(`/base/her/data/${f.file}`);
    expect([view.nSentences, view.width, view.firstLayer]).toEqual([3, 24, 0]);
  });

  it('sizes the set’s files from the bytes published', () => {
    const manifest = dataView(analysis, link).setFiles.find((f) => f.file === 'manifest.json')!;
    expect(manifest.size).toBe(fileSize(Buffer.byteLength(publishedManifest(analysis.manifest))));
    expect(manifest.href).toBe('/base/her/data/manifest.json');
  });
});

describe('layerDataLinks', () => {
  it('links the layer’s files, named after the layer prefix, and how to load them', () => {
    const { files, howTo } = layerDataLinks(analysis, 2, link);
    expect(files.map((f) => f.label)).toContain('.json');
    expect(files.every((f) => f.file.startsWith('layer-2'))).toBe(true);
    expect(howTo).toBe('/base/her/data/#loading-in-python');
  });
});
