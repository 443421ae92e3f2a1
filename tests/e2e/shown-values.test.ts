import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chooseChromium } from './browser.ts';
import { BASE, serveSite } from './site-server.ts';
import type { Summary } from '../../src/analysis/output-schema.ts';
import { MASK_OF_PAIR, REF_EDGES, refHistogram, refMaskValues, refMean, refQuantile, refSd, refSimilarity } from '../stats/reference.ts';

/**
 * What the pages show, read back from the rendered page and checked against two things: the
 * statistics JSON the site publishes, and the same statistics recomputed here, in plain float64
 * the way the lecture's numpy cells compute them, from the activations the data page offers for
 * download. Table cells (each column found by its header, each row by its pair and condition),
 * numbers in the sentences, and the curves of the density figures (their path geometry read
 * back through the axis ticks into data coordinates) are all covered, so a table that prints the
 * mean as the SD, a sentence that quotes the wrong baseline, or a figure that draws the
 * comparison token as the target fails here.
 */

const PAIRS = ['QQ', 'KK', 'VV', 'QK', 'QV', 'KV'] as const;
type Pair = (typeof PAIRS)[number];
const METRICS = ['cosine', 'correlation'] as const;
type Metric = (typeof METRICS)[number];
const CONDITIONS = ['target', 'nontarget', 'shuffled', 'shuffledPerNeuron'] as const;
type Condition = (typeof CONDITIONS)[number];
const CONDITION_LABEL: Record<Condition, string> = {
  target: 'target token',
  nontarget: 'comparison token',
  shuffled: 'shuffled baseline',
  shuffledPerNeuron: 'per-neuron baseline',
};
const METRIC_TITLE: Record<Metric, string> = { cosine: 'Cosine similarity', correlation: 'Correlation' };

type Stats = Record<
  Metric,
  Record<Condition, Record<Pair, Summary>> & { comparisons: Record<string, Record<Pair, { ks: number; wasserstein: number; sdRatio: number }>> }
>;

/** The statistics recomputed here from the downloaded activations (target and comparison token). */
interface Reference {
  n: number;
  mean: number;
  sd: number;
  median: number;
  quantiles: number[];
  meanAbs: number;
  shareAbsOver05: number;
  density: number[];
}

const SET = 'her';
const LAYER = 2;
/** the Gram's error bound at 54 sentences (docs/stats-format.md): the accuracy of meanAbs, min, max */
const MARGIN = 4e-6;
/** a shown number has 3 decimals: it may differ from the value by half its last digit */
const SHOWN = 0.0005 + 1e-9;

let browser: Browser;
let server: Awaited<ReturnType<typeof serveSite>>;
let page: Page;
let stats: Stats;
const reference = {} as Record<'target' | 'nontarget', Record<Metric, Record<Pair, Reference>>>;

function url(path: string): string {
  return `${server.origin}${BASE}${path}`;
}

/** A .npy file of float32, C order, as numpy writes it (format 1.0). */
function readNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const headerLength = bytes[8] | (bytes[9] << 8);
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLength));
  expect(header).toContain("'descr': '<f4'");
  expect(header).toContain("'fortran_order': False");
  const shape = header
    .match(/'shape': \(([^)]*)\)/)![1]
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
  const body = bytes.slice(10 + headerLength);
  return {
    shape,
    data: new Float32Array(
      body.buffer,
      body.byteOffset,
      shape.reduce((a, b) => a * b, 1),
    ),
  };
}

/**
 * The statistics of one pair type's values, as numpy gives them: mean and np.std (ddof 0),
 * np.quantile (linear) and np.histogram(density=True) via one sort and searchsorted (left for
 * every edge but the last, right for the last, as numpy bins). The tests' plain helpers
 * (refQuantile, refHistogram: a sort per quantile, a scan per edge) say the same on small
 * inputs, and are checked against them below; this form is fast enough for GPT-2 small's
 * 2.65 million values per pair type (E2E_DEMO=gpt2).
 */
function summariseReference(values: number[]): Reference {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const quantile = (p: number) => {
    const h = p * (n - 1);
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  };
  const search = (edge: number, right: boolean) => {
    let [lo, hi] = [0, n];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < edge || (right && sorted[mid] === edge)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const cumulative = REF_EDGES.map((edge, i) => search(edge, i === REF_EDGES.length - 1));
  const counts = cumulative.slice(1).map((c, i) => c - cumulative[i]);
  const total = counts.reduce((a, b) => a + b, 0);
  let sum = 0;
  let sumAbs = 0;
  let over = 0;
  for (const v of values) {
    sum += v;
    sumAbs += Math.abs(v);
    if (Math.abs(v) > 0.5) over++;
  }
  const mean = sum / n;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return {
    n,
    mean,
    sd: Math.sqrt(squares / n),
    median: quantile(0.5),
    quantiles: [0.01, 0.05, 0.25, 0.75, 0.95, 0.99].map(quantile),
    meanAbs: sumAbs / n,
    shareAbsOver05: over / n,
    density: counts.map((c, i) => c / (REF_EDGES[i + 1] - REF_EDGES[i]) / total),
  };
}

/** "−0.123" (the site's minus sign), "2,016", "1.85×" → numbers. */
function parseShown(text: string): number {
  const cleaned = text
    .replace(/\u2212/g, '-')
    .replace(/,/g, '')
    .replace(/×$/, '')
    .trim();
  const value = Number(cleaned);
  if (!Number.isFinite(value)) throw new Error(`not a number: "${text}"`);
  return value;
}

/** One table as { row key → { column header → cell text } }; the row key is the row's header cells and text cells joined by " / ". */
async function readTable(captionStart: string): Promise<Map<string, Record<string, string>>> {
  // the statistics table, not the comparisons table that may share its caption
  const tables = page
    .locator('table')
    .filter({ has: page.locator('caption', { hasText: captionStart }) })
    .filter({ has: page.locator('thead th', { hasText: /^SD$/ }) });
  expect(await tables.count(), `a table captioned "${captionStart}…"`).toBe(1);
  const { headers, rows } = await tables.first().evaluate((table) => ({
    headers: [...table.querySelectorAll('thead th')].map((th) => th.textContent!.trim()),
    rows: [...table.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.children].map((cell) => ({ text: cell.textContent!.trim(), key: cell.tagName === 'TH' || cell.classList.contains('text') })),
    ),
  }));
  const out = new Map<string, Record<string, string>>();
  for (const cells of rows) {
    const key = cells
      .filter((c) => c.key)
      .map((c) => c.text)
      .join(' / ');
    out.set(key, Object.fromEntries(cells.map((c, i) => [headers[i], c.text])));
  }
  return out;
}

beforeAll(async () => {
  server = await serveSite();
  browser = await chromium.launch((await chooseChromium()).launch);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // everything below reads the files the data page links to, as a reader would download them
  await page.goto(url(`${SET}/data/`));
  const links = await page.locator('a[download]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  const link = (name: string) => {
    const found = links.find((l) => l.endsWith(`/${name}`));
    expect(found, `the data page links to ${name}`).toBeDefined();
    return found!;
  };
  stats = (await (await fetch(link(`layer-${LAYER}.json`))).json()) as Stats;
  // both downloads before the (blocking) computation: a kept-alive connection left idle through it is closed under the next request
  const downloads = {
    target: new Uint8Array(await (await fetch(link(`layer-${LAYER}-target.npy`))).arrayBuffer()),
    nontarget: new Uint8Array(await (await fetch(link(`layer-${LAYER}-nontarget.npy`))).arrayBuffer()),
  };
  for (const side of ['target', 'nontarget'] as const) {
    const npy = readNpy(downloads[side]);
    const [rows, cols] = npy.shape;
    const d = cols / 3;
    reference[side] = {} as Record<Metric, Record<Pair, Reference>>;
    for (const metric of METRICS) {
      const g = refSimilarity(npy.data, rows, cols, metric === 'correlation');
      reference[side][metric] = Object.fromEntries(PAIRS.map((pair, k) => [pair, summariseReference(refMaskValues(g, d, MASK_OF_PAIR[k]))])) as Record<
        Pair,
        Reference
      >;
    }
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the published statistics against a float64 recomputation from the downloaded activations', () => {
  it("the recomputation's fast form agrees with the plain numpy-style helpers", () => {
    let state = 1;
    const values = Array.from({ length: 3001 }, (_, i) => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return i % 7 === 0 ? REF_EDGES[i % 101] : (state / 2 ** 32) * 2.2 - 1.1; // some values on the edges, some outside [-1, 1]
    });
    for (const sample of [values, values.slice(0, 2016)]) {
      const fast = summariseReference(sample);
      expect(fast.median).toBe(refQuantile(sample, 0.5));
      [0.01, 0.05, 0.25, 0.75, 0.95, 0.99].forEach((p, i) => expect(fast.quantiles[i]).toBe(refQuantile(sample, p)));
      expect(fast.density).toEqual(refHistogram(sample, REF_EDGES));
      expect(Math.abs(fast.mean - refMean(sample))).toBeLessThan(1e-12);
      expect(Math.abs(fast.sd - refSd(sample))).toBeLessThan(1e-12);
    }
  });

  for (const side of ['target', 'nontarget'] as const) {
    it(`${side}: n, mean, SD, median and quantiles (np.quantile, linear), mean |x|, share |x| > 0.5, density`, () => {
      for (const metric of METRICS) {
        for (const pair of PAIRS) {
          const got = stats[metric][side][pair];
          const want = reference[side][metric][pair];
          const where = `${metric} ${side} ${pair}`;
          expect(got.n, where).toBe(want.n);
          // every pair type of the demo has an even count (d = 64: 2,016 and 4,096 values), where np.median averages the two middle values
          expect(want.n % 2, where).toBe(0);
          expect(Math.abs(got.mean - want.mean), where).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(got.sd - want.sd), where).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(got.median - want.median), `${where} median`).toBeLessThanOrEqual(1e-4 + MARGIN);
          const quantiles = [got.quantiles.p01, got.quantiles.p05, got.quantiles.p25, got.quantiles.p75, got.quantiles.p95, got.quantiles.p99];
          quantiles.forEach((q, i) => expect(Math.abs(q - want.quantiles[i]), `${where} quantile ${i}`).toBeLessThanOrEqual(1e-4 + MARGIN));
          expect(Math.abs(got.meanAbs - want.meanAbs), where).toBeLessThanOrEqual(MARGIN);
          expect(got.shareAbsOver05, where).toBe(want.shareAbsOver05);
          got.density.forEach((v, k) => expect(Math.abs(v - want.density[k]), `${where} bin ${k}`).toBeLessThanOrEqual(1e-9));
        }
      }
    });
  }
});

describe('the statistics tables show each number in its own column and row', () => {
  const COLUMNS = [
    ['n', 'n'],
    ['mean', 'mean'],
    ['SD', 'sd'],
    ['median', 'median'],
    ['mean |x|', 'meanAbs'],
    ['share |x| > 0.5', 'shareAbsOver05'],
  ] as const;

  function checkRow(cells: Record<string, string>, summary: Summary, where: string, independent?: Reference): void {
    for (const [header, key] of COLUMNS) {
      expect(cells[header], `${where}: a "${header}" column`).toBeDefined();
      const shown = parseShown(cells[header]);
      const tolerance = key === 'n' ? 0 : SHOWN;
      expect(Math.abs(shown - summary[key]), `${where} ${header}: shown ${cells[header]}, statistics ${summary[key]}`).toBeLessThanOrEqual(tolerance);
      if (independent) {
        const slack = key === 'median' ? 1e-4 + MARGIN : key === 'meanAbs' ? MARGIN : 0;
        expect(Math.abs(shown - independent[key]), `${where} ${header}: shown ${cells[header]}, recomputed ${independent[key]}`).toBeLessThanOrEqual(
          tolerance + slack,
        );
      }
    }
  }

  it('on the layer page: every pair type and condition, both metrics', async () => {
    await page.goto(url(`${SET}/layer-${LAYER}/`));
    for (const metric of METRICS) {
      const table = await readTable(`${METRIC_TITLE[metric]}: every pair type and condition at layer ${LAYER}`);
      expect(table.size).toBe(PAIRS.length * CONDITIONS.length);
      for (const pair of PAIRS) {
        for (const condition of CONDITIONS) {
          const cells = table.get(`${pair} / ${CONDITION_LABEL[condition]}`);
          expect(cells, `${metric}: row ${pair} / ${CONDITION_LABEL[condition]}`).toBeDefined();
          const independent = condition === 'target' || condition === 'nontarget' ? reference[condition][metric][pair] : undefined;
          checkRow(cells!, stats[metric][condition][pair], `layer ${metric} ${pair} ${condition}`, independent);
        }
      }
    }
  });

  it('on the pair page: the statistics and the comparisons', async () => {
    const pair: Pair = 'QK';
    await page.goto(url(`${SET}/layer-${LAYER}/${pair.toLowerCase()}/`));
    for (const metric of METRICS) {
      const table = await readTable(`${METRIC_TITLE[metric]}, ${pair}, layer ${LAYER}`);
      for (const condition of CONDITIONS) {
        const cells = table.get(CONDITION_LABEL[condition]);
        expect(cells, `${metric}: row ${CONDITION_LABEL[condition]}`).toBeDefined();
        const independent = condition === 'target' || condition === 'nontarget' ? reference[condition][metric][pair] : undefined;
        checkRow(cells!, stats[metric][condition][pair], `pair ${metric} ${condition}`, independent);
      }
    }
    // the comparison table: each row's KS, Wasserstein and SD ratio, and the SD ratio recomputed from the two SDs it names
    const comparisons = await page
      .locator('table')
      .filter({ has: page.locator('thead th', { hasText: /KS distance|Kolmogorov/ }) })
      .evaluateAll((tables) =>
        tables.map((table) => ({
          headers: [...table.querySelectorAll('thead th')].map((th) => th.textContent!.trim()),
          rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent!.trim())),
        })),
      );
    expect(comparisons).toHaveLength(2);
    const keys: Record<string, [string, Condition, Condition]> = {
      'target vs comparison token': ['targetVsNontarget', 'target', 'nontarget'],
      'target vs shuffled baseline': ['targetVsShuffled', 'target', 'shuffled'],
      'target vs per-neuron baseline': ['targetVsShuffledPerNeuron', 'target', 'shuffledPerNeuron'],
      'comparison token vs shuffled baseline': ['nontargetVsShuffled', 'nontarget', 'shuffled'],
      'comparison token vs per-neuron baseline': ['nontargetVsShuffledPerNeuron', 'nontarget', 'shuffledPerNeuron'],
    };
    comparisons.forEach((table, t) => {
      const metric = METRICS[t];
      const column = (pattern: RegExp) => table.headers.findIndex((h) => pattern.test(h));
      const [ks, w, ratio] = [column(/Kolmogorov|KS/), column(/Wasserstein/), column(/ratio/i)];
      expect(
        [ks, w, ratio].every((i) => i > 0),
        table.headers.join(' | '),
      ).toBe(true);
      expect(table.rows).toHaveLength(5);
      for (const row of table.rows) {
        const [key, a, b] = keys[row[0]];
        const c = stats[metric].comparisons[key][pair];
        expect(Math.abs(parseShown(row[ks]) - c.ks), `${metric} ${row[0]} KS`).toBeLessThanOrEqual(SHOWN);
        expect(Math.abs(parseShown(row[w]) - c.wasserstein), `${metric} ${row[0]} Wasserstein`).toBeLessThanOrEqual(SHOWN);
        const sdRatio = stats[metric][a][pair].sd / stats[metric][b][pair].sd;
        expect(Math.abs(parseShown(row[ratio]) - sdRatio), `${metric} ${row[0]} SD ratio ${row[ratio]} vs ${sdRatio}`).toBeLessThanOrEqual(0.005 + 1e-9);
      }
    });
  });

  it("on the set's overview: each cell's target SD and its ratio to the shuffled baseline", async () => {
    await page.goto(url(`${SET}/`));
    const cells = await page.locator('#layer-pair-table tbody td.cell').evaluateAll((tds) =>
      tds.map((td) => ({
        label: td.querySelector('.visually-hidden')!.textContent!.trim(),
        sd: td.querySelector('.headline')!.textContent!.trim(),
        ratio: td
          .querySelector('.sub')!
          .textContent!.trim()
          .replace(/ baseline$/, ''),
      })),
    );
    expect(cells.length).toBeGreaterThanOrEqual(4 * 6);
    const layerStats = new Map<number, Stats>();
    for (const cell of cells) {
      const [, layer, pair] = cell.label.match(/^Layer (\d+), (\w\w): SD$/)!;
      if (!layerStats.has(Number(layer))) layerStats.set(Number(layer), (await (await fetch(url(`${SET}/data/layer-${layer}.json`))).json()) as Stats);
      const s = layerStats.get(Number(layer))!.cosine;
      expect(Math.abs(parseShown(cell.sd) - s.target[pair as Pair].sd), cell.label).toBeLessThanOrEqual(SHOWN);
      expect(Math.abs(parseShown(cell.ratio) - s.target[pair as Pair].sd / s.shuffled[pair as Pair].sd), cell.label).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });
});

describe('the sentences quote the statistics they name', () => {
  /** the first number after a phrase, in the page's notation */
  function numberAfter(text: string, phrase: RegExp): number {
    const match = text.match(new RegExp(`${phrase.source}\\s*\\(?(?:SD\\s*)?([\\u2212-]?[\\d,]+(?:\\.\\d+)?)`));
    expect(match, `"${phrase.source}" in: ${text}`).not.toBeNull();
    return parseShown(match![1]);
  }

  it('on the pair page: the target, both baselines, the comparison token and the KS distance', async () => {
    const pair: Pair = 'QK';
    await page.goto(url(`${SET}/layer-${LAYER}/${pair.toLowerCase()}/`));
    for (const metric of METRICS) {
      const label = metric === 'cosine' ? 'cosine similarity' : 'correlation';
      const text = (
        await page
          .locator('.narrative')
          .filter({ hasText: `What the numbers say (${label})` })
          .innerText()
      ).replace(/\s+/g, ' ');
      const m = stats[metric];
      const close = (shown: number, value: number, what: string) =>
        expect(Math.abs(shown - value), `${metric} ${what}: ${shown} vs ${value}`).toBeLessThanOrEqual(SHOWN);
      expect(numberAfter(text, /At layer \d+, the/), `${metric} count`).toBe(m.target[pair].n);
      close(numberAfter(text, /standard deviation \(SD\) of/), m.target[pair].sd, 'target SD');
      close(numberAfter(text, /mean absolute value of/), m.target[pair].meanAbs, 'target mean |x|');
      close(numberAfter(text, /the SD of the shuffled baseline/), m.shuffled[pair].sd, 'shuffled SD');
      close(numberAfter(text, /per-neuron baseline[^(]*/), m.shuffledPerNeuron[pair].sd, 'per-neuron SD');
      close(numberAfter(text, /At the comparison token the SD is/), m.nontarget[pair].sd, 'comparison SD');
      close(numberAfter(text, /Kolmogorov–Smirnov distance\) is/), m.comparisons.targetVsNontarget[pair].ks, 'KS');
    }
  });

  it('on the layer page: every "PAIR (SD x)" is that pair\'s target SD, every "SD a to b" the range of the group it names', async () => {
    await page.goto(url(`${SET}/layer-${LAYER}/`));
    for (const metric of METRICS) {
      const label = metric === 'cosine' ? 'cosine similarity' : 'correlation';
      const text = (
        await page
          .locator('.narrative')
          .filter({ hasText: `What the numbers say (${label})` })
          .innerText()
      ).replace(/\s+/g, ' ');
      const target = stats[metric].target;
      let checked = 0;
      for (const [, pair, shown] of text.matchAll(/\b(QQ|KK|VV|QK|QV|KV) \(SD ([\u2212\d.]+)\)/g)) {
        expect(Math.abs(parseShown(shown) - target[pair as Pair].sd), `${metric} ${pair}`).toBeLessThanOrEqual(SHOWN);
        checked++;
      }
      for (const [, pairs, low, high] of text.matchAll(
        /\(((?:QQ|KK|VV|QK|QV|KV)(?:, (?:QQ|KK|VV|QK|QV|KV))*)\) are about equally wide \(SD ([\d.]+) to ([\d.]+)\)/g,
      )) {
        const sds = pairs.split(', ').map((p) => target[p as Pair].sd);
        expect(Math.abs(parseShown(low) - Math.min(...sds)), `${metric} ${pairs} low`).toBeLessThanOrEqual(SHOWN);
        expect(Math.abs(parseShown(high) - Math.max(...sds)), `${metric} ${pairs} high`).toBeLessThanOrEqual(SHOWN);
        checked++;
      }
      expect(checked, `${metric}: sentences with numbers`).toBeGreaterThanOrEqual(2);
    }
  });
});

/** Each line of a density figure in data coordinates: the path's points mapped back through the axes' tick positions. */
async function readCurves(figureId: string) {
  return page
    .locator(`#${figureId} svg.plot`)
    .first()
    .evaluate((svg) => {
      const position = (element: Element) => {
        const m = (element as SVGGraphicsElement).getCTM()!;
        return { x: m.e, y: m.f };
      };
      const ticks = [...svg.querySelectorAll('text')]
        .map((text) => ({
          value: Number(text.textContent!.replace(/\u2212/g, '-')),
          ...position(text),
          anchor: text.closest('[text-anchor]')?.getAttribute('text-anchor'),
        }))
        .filter((t) => Number.isFinite(t.value) && t.value !== null);
      const xTicks = ticks.filter((t) => t.anchor !== 'end');
      const yTicks = ticks.filter((t) => t.anchor === 'end');
      const fit = (pairs: { pixel: number; value: number }[]) => {
        const [a, b] = [pairs[0], pairs[pairs.length - 1]];
        const slope = (b.value - a.value) / (b.pixel - a.pixel);
        return { toValue: (pixel: number) => a.value + (pixel - a.pixel) * slope, perPixel: Math.abs(slope) };
      };
      // the tick labels sit a fixed offset from their ticks along the other axis only, so x from the x ticks' x, y from the y ticks' y
      const x = fit(xTicks.map((t) => ({ pixel: t.x, value: t.value })));
      const yGroup = yTicks.map((t) => ({ pixel: t.y, value: t.value }));
      const y = fit(yGroup);
      return {
        xPerPixel: x.perPixel,
        yPerPixel: y.perPixel,
        lines: [...svg.querySelectorAll('path')]
          .filter((path) => (path.getAttribute('d') ?? '').split('L').length > 50)
          .map((path) => {
            const group = path.closest('g[stroke]')!;
            const offset = position(path);
            const points = path
              .getAttribute('d')!
              .replace(/^M/, '')
              .split('L')
              .map((pair) => pair.split(',').map(Number));
            return {
              stroke: group.getAttribute('stroke'),
              dash: group.getAttribute('stroke-dasharray'),
              points: points.map(([px, py]) => ({ x: x.toValue(px + offset.x), y: y.toValue(py + offset.y) })),
            };
          }),
      };
    });
}

describe('the density figures draw the densities of the statistics, each in its own colour', () => {
  const centres = REF_EDGES.slice(0, -1).map((e, i) => (e + REF_EDGES[i + 1]) / 2);

  function expectCurve(curve: { x: number; y: number }[], density: number[], perPixel: { x: number; y: number }, where: string): void {
    expect(curve, where).toHaveLength(100);
    curve.forEach((point, k) => {
      // 0.1 px rounding of the path and the ticks, and the density's 3 decimals in the figure's data
      expect(Math.abs(point.x - centres[k]), `${where} x of bin ${k}`).toBeLessThanOrEqual(0.25 * perPixel.x);
      expect(Math.abs(point.y - density[k]), `${where} bin ${k}: drawn ${point.y}, density ${density[k]}`).toBeLessThanOrEqual(0.25 * perPixel.y + 0.0005);
    });
  }

  /** The largest gap between two densities, in the figure's pixels: a swap of two curves shows as at least this. */
  function separation(a: number[], b: number[], perPixel: number): number {
    return Math.max(...a.map((v, k) => Math.abs(v - b[k]))) / perPixel;
  }

  it('on the pair page: target, comparison token and both baselines, as the legend says', async () => {
    const pair: Pair = 'QK';
    await page.goto(url(`${SET}/layer-${LAYER}/${pair.toLowerCase()}/`));
    for (const metric of METRICS) {
      const id = `histogram-${metric}`;
      const { lines, xPerPixel, yPerPixel } = await readCurves(id);
      const legend = await page.locator(`#${id} .legend li`).evaluateAll((items) =>
        items.map((li) => ({
          label: li.textContent!.trim(),
          stroke: li.querySelector('line')!.getAttribute('stroke'),
          dash: li.querySelector('line')!.getAttribute('stroke-dasharray'),
        })),
      );
      expect(lines).toHaveLength(4);
      for (const condition of CONDITIONS) {
        const entry = legend.find((l) => l.label === CONDITION_LABEL[condition]);
        expect(entry, `${metric}: the legend names ${CONDITION_LABEL[condition]}`).toBeDefined();
        const drawn = lines.filter((line) => line.stroke === entry!.stroke && (line.dash ?? null) === (entry!.dash === '6,4' ? '6,4' : (entry!.dash ?? null)));
        expect(drawn, `${metric} ${condition}: one line in the legend's style`).toHaveLength(1);
        const density = stats[metric][condition][pair].density;
        expectCurve(drawn[0].points, density, { x: xPerPixel, y: yPerPixel }, `${metric} ${condition}`);
        if (condition === 'target' || condition === 'nontarget') {
          // and the density is the one recomputed from the activations of that token, not the other's
          expectCurve(drawn[0].points, reference[condition][metric][pair].density, { x: xPerPixel, y: yPerPixel }, `${metric} ${condition} (recomputed)`);
        }
      }
      // the check would see a swap: somewhere the target's and the comparison token's curves lie apart by more than
      // four times the 0.25 px the points may be off (tiny demo: tens of pixels; GPT-2 small's shape: 3.5 px)
      expect(separation(stats[metric].target[pair].density, stats[metric].nontarget[pair].density, yPerPixel)).toBeGreaterThan(1);
    }
  });

  it("on the layer page: each panel draws its own token's pair types", async () => {
    await page.goto(url(`${SET}/layer-${LAYER}/`));
    const colours: Record<Pair, string> = { QQ: 'var(--c-q)', KK: 'var(--c-k)', VV: 'var(--c-v)', QK: 'var(--c-qk)', QV: 'var(--c-qv)', KV: 'var(--c-kv)' };
    for (const metric of METRICS) {
      for (const side of ['target', 'nontarget'] as const) {
        for (const [group, pairs] of [
          ['within', ['QQ', 'KK', 'VV']],
          ['across', ['QK', 'QV', 'KV']],
        ] as const) {
          const id = `histogram-${group}-${side}-${metric}`;
          const { lines, xPerPixel, yPerPixel } = await readCurves(id);
          for (const pair of pairs) {
            const drawn = lines.filter((line) => line.stroke === colours[pair] && line.dash === null);
            expect(drawn, `${id} ${pair}`).toHaveLength(1);
            expectCurve(drawn[0].points, reference[side][metric][pair].density, { x: xPerPixel, y: yPerPixel }, `${id} ${pair}`);
          }
        }
      }
    }
  });
});
