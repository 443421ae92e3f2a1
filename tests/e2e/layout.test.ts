import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chooseChromium } from './browser.ts';
import { BASE, ROOT, serveSite } from './site-server.ts';

/**
 * Every page type at a desktop width (1280 px) and a phone's (390 px): nothing scrolls
 * sideways, every table caption stays on screen, the small multiples stay legible, and the
 * navigation a reader needs is there (the same pair at every layer, a pager at the end of long
 * pages, labelled rows of links, a layer's data files, the set and address on paper).
 * Full-page screenshots of each go to test-results/screenshots/{page}-{width}.png.
 */

let browser: Browser;
let server: Awaited<ReturnType<typeof serveSite>>;
const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

const PAGE_TYPES = [
  { name: 'home', path: '' },
  { name: 'methods', path: 'methods/' },
  { name: 'set-overview', path: 'her/' },
  { name: 'layer', path: 'her/layer-2/' },
  { name: 'pair', path: 'her/layer-2/qk/' },
  { name: 'data', path: 'her/data/' },
  { name: 'compare', path: 'compare/her/him/' },
  { name: 'chosen-layers', path: 'after/layer-2/kv/' },
  { name: 'not-found', path: '404.html' },
];

beforeAll(async () => {
  server = await serveSite();
  browser = await chromium.launch((await chooseChromium()).launch);
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function url(path: string): string {
  return `${server.origin}${BASE}${path}`;
}

async function open(path: string, width: number, options: { media?: 'print' } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
  if (options.media) await page.emulateMedia({ media: options.media });
  const response = await page.goto(url(path), { waitUntil: 'load' });
  expect(response?.status() === 200 || path === '404.html', path).toBe(true);
  return page;
}

/** Where the text of each table caption lies on screen: the union of its line boxes, not the caption box (as wide as its table). */
function captionExtents(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('caption')].map((caption) => {
      const range = document.createRange();
      range.selectNodeContents(caption);
      const box = range.getBoundingClientRect();
      // scrolled into view first would move the page; the caption's own left edge in its scroll box is what counts
      const scroller = caption.closest('.table-wrap');
      const offset = scroller ? scroller.scrollLeft : 0;
      return { text: caption.textContent ?? '', left: box.left + offset, right: box.right + offset, visible: box.width > 0 };
    }),
  );
}

describe('every page type at 1280 and 390 px', () => {
  for (const { name, path } of PAGE_TYPES) {
    it(`${name}: no sideways scrolling, captions on screen, a screenshot at each width`, async () => {
      for (const width of [1280, 390]) {
        const page = await open(path, width);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, `${path} at ${width} px is ${scrollWidth} px wide`).toBeLessThanOrEqual(width);
        // details hold tables too: open them all so that their captions are laid out
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${path} at ${width} px, details open`).toBeLessThanOrEqual(width);
        for (const caption of await captionExtents(page)) {
          if (!caption.visible) continue;
          expect(caption.left, `${path} at ${width}: "${caption.text}"`).toBeGreaterThanOrEqual(0);
          expect(caption.right, `${path} at ${width}: "${caption.text}"`).toBeLessThanOrEqual(width);
        }
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.removeAttribute('open')));
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
        await page.close();
      }
    });
  }

  it('keeps the text of the small multiples legible on a phone: no chart scaled below 80 %', async () => {
    for (const [path, figures] of [
      ['her/', ['trends-cosine', 'trends-correlation']],
      ['her/layer-2/', ['qq-sequence']],
      ['her/layer-2/qk/', ['across-layers-cosine']],
    ] as const) {
      const page = await open(path, 390);
      for (const id of figures) {
        const scales = await page.locator(`#${id} svg.plot`).evaluateAll((svgs) =>
          svgs.map((svg) => {
            const viewBox = (svg as SVGSVGElement).viewBox.baseVal;
            return svg.getBoundingClientRect().width / viewBox.width;
          }),
        );
        expect(scales.length, `${path}#${id}`).toBeGreaterThan(0);
        for (const scale of scales) expect(scale, `${path}#${id} drawn at ${(scale * 100).toFixed(0)} %`).toBeGreaterThanOrEqual(0.8);
      }
      await page.close();
    }
  });
});

describe('navigation', () => {
  it('links a pair page to the same pair at every layer the set analyses, at the top and the bottom', async () => {
    // the layers each set analyses, as its manifest lists them
    const layersOf = async (set: string) => ((await (await fetch(url(`${set}/data/manifest.json`))).json()) as { layers: number[] }).layers;
    const page = await open('her/layer-2/qk/', 1280);
    const rows = page.locator('nav[aria-label="QK at every layer"]');
    expect(await rows.count()).toBe(2);
    const others = (await layersOf('her')).filter((l) => l !== 2);
    expect(others.length).toBeGreaterThanOrEqual(3);
    for (const row of await rows.all()) {
      expect(await row.locator('a:not([rel])').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual(
        others.map((l) => `${BASE}her/layer-${l}/qk/`),
      );
      expect(await row.locator('[aria-current="page"]').textContent()).toBe('2');
    }
    // a set that leaves layers out links to the layers it has (0, 2, 3 here), and to no other
    expect(await layersOf('after')).toEqual([0, 2, 3]);
    await page.goto(url('after/layer-3/kv/'));
    expect(
      await page
        .locator('nav[aria-label="KV at every layer"]')
        .first()
        .locator('a:not([rel])')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
    ).toEqual([`${BASE}after/layer-0/kv/`, `${BASE}after/layer-2/kv/`]);
    await page.close();
  });

  it('ends the long pages with a pager after the last figure', async () => {
    for (const path of ['her/layer-2/', 'her/layer-2/qk/']) {
      const page = await open(path, 1280);
      const last = await page.evaluate(() => {
        const main = document.querySelector('main')!;
        const figures = [...main.querySelectorAll('figure, table')];
        const pagers = [...main.querySelectorAll('nav.chips')];
        const end = pagers[pagers.length - 1];
        return {
          afterEverything: figures.every((f) => f.compareDocumentPosition(end) & Node.DOCUMENT_POSITION_FOLLOWING),
          prevNext: [...end.closest('.page-end')!.querySelectorAll('a[rel="prev"], a[rel="next"]')].length,
        };
      });
      expect(last.afterEverything, path).toBe(true);
      expect(last.prevNext, path).toBe(2);
      await page.close();
    }
  });

  it('labels every row of links, on screen and for assistive technology alike', async () => {
    for (const path of ['her/layer-2/', 'her/layer-2/qk/']) {
      const page = await open(path, 390);
      const rows = await page.locator('nav.chips').evaluateAll((navs) =>
        navs.map((nav) => ({
          aria: nav.getAttribute('aria-label'),
          shown: (nav.querySelector('.chips-label') as HTMLElement | null)?.innerText ?? '',
          visible: ((nav.querySelector('.chips-label') as HTMLElement | null)?.getBoundingClientRect().width ?? 0) > 0,
        })),
      );
      expect(rows.length, path).toBeGreaterThanOrEqual(4);
      for (const row of rows) {
        expect(row.aria, path).toBeTruthy();
        expect(row.visible, `${path}: ${row.aria}`).toBe(true);
        expect(row.shown.replace(/:$/, ''), path).toBe(row.aria);
      }
      await page.close();
    }
  });

  it("links a layer page to that layer's data files, which download", async () => {
    const page = await open('her/layer-2/', 1280);
    const links = await page.locator('nav[aria-label="Data files of layer 2"] a[download]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    const names = links.map((link) => link.slice(link.lastIndexOf('/') + 1));
    expect(names).toEqual(expect.arrayContaining(['layer-2.json', 'layer-2.csv', 'layer-2-target.npy', 'layer-2-nontarget.npy']));
    expect(names.every((n) => n.startsWith('layer-2'))).toBe(true);
    for (const link of links) expect((await fetch(link)).status, link).toBe(200);
    await page.close();
  });

  it("prints the set's title and the page's address on paper, and hides them on screen", async () => {
    for (const path of ['her/layer-2/qk/', 'her/', 'her/data/']) {
      const screen = await open(path, 1280);
      expect(await screen.locator('.print-header').isVisible(), path).toBe(false);
      await screen.close();
      const paper = await open(path, 1280, { media: 'print' });
      const header = paper.locator('.print-header');
      expect(await header.isVisible(), path).toBe(true);
      const text = await header.innerText();
      expect(text, path).toContain('The object pronoun "her"');
      expect(text, path).toContain(`https://example.org${BASE}${path}`);
      // the rows of links mean nothing on paper
      expect(await paper.locator('nav.chips').first().isVisible(), path).toBe(false);
      await paper.close();
    }
  });
});
