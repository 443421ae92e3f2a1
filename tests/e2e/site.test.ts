import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chooseChromium } from './browser.ts';
import { BASE, ROOT, serveSite } from './site-server.ts';

/**
 * The demo site in headless Chromium: every page loads without errors, every internal link and
 * anchor resolves, every figure draws, hostile text stays text, and the three main kinds of
 * page pass axe-core without serious or critical violations.
 */

let browser: Browser;
let server: Awaited<ReturnType<typeof serveSite>>;
const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

interface Crawled {
  status: number;
  ids: Set<string>;
  links: string[];
  consoleErrors: string[];
  banner: string;
  figures: { id: string; svgs: number; drawn: number; images: number }[];
}
const pages = new Map<string, Crawled>();
const resources = new Map<string, number>();

beforeAll(async () => {
  server = await serveSite();
  browser = await chromium.launch((await chooseChromium()).launch);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await crawl();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function url(path: string): string {
  return `${server.origin}${BASE}${path}`;
}

async function visit(page: Page, address: string): Promise<Crawled> {
  const consoleErrors: string[] = [];
  const onConsole = (message: { type(): string; text(): string }) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text());
  };
  const onError = (error: Error) => consoleErrors.push(`page error: ${error.message}`);
  page.on('console', onConsole);
  page.on('pageerror', onError);
  const response = await page.goto(address, { waitUntil: 'load' });
  const found = await page.evaluate(() => ({
    ids: [...document.querySelectorAll('[id]')].map((element) => element.id),
    banner: document.querySelector('.demo-banner')?.textContent ?? '',
    links: [...document.querySelectorAll('a[href], link[href]')]
      .map((element) => (element as HTMLAnchorElement).href)
      .concat([...document.querySelectorAll('svg image')].map((image) => new URL(image.getAttribute('href') ?? '', document.baseURI).href)),
    figures: [...document.querySelectorAll('figure.figure')].map((figure) => ({
      id: figure.id,
      svgs: figure.querySelectorAll('svg.plot').length,
      drawn: [...figure.querySelectorAll('svg.plot')].filter(
        (svg) => svg.querySelectorAll('path, line, rect, image, circle').length > 0 && svg.getBoundingClientRect().width > 0,
      ).length,
      images: figure.querySelectorAll('svg.plot image').length,
    })),
  }));
  page.off('console', onConsole);
  page.off('pageerror', onError);
  return { status: response?.status() ?? 0, ids: new Set(found.ids), links: found.links, consoleErrors, banner: found.banner, figures: found.figures };
}

async function crawl(): Promise<void> {
  const page = await browser.newPage();
  page.on('dialog', async (dialog) => {
    await dialog.dismiss();
    throw new Error(`a script ran: dialog "${dialog.message()}"`);
  });
  const queue = [url('')];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const address = queue.shift()!;
    const crawled = await visit(page, address);
    pages.set(address, crawled);
    for (const link of crawled.links) {
      const target = new URL(link);
      if (target.origin !== server.origin) continue;
      target.hash = '';
      const bare = target.href;
      if (seen.has(bare)) continue;
      seen.add(bare);
      if (bare.endsWith('/')) queue.push(bare);
      else resources.set(bare, (await fetch(bare)).status);
    }
  }
  await page.close();
}

describe('the demo site', () => {
  it('has every page that docs/site.md lists', () => {
    const paths = [...pages.keys()].map((address) => new URL(address).pathname.slice(BASE.length));
    for (const path of [
      '',
      'methods/',
      'her/',
      'her/data/',
      'her/layer-0/',
      'her/layer-3/',
      'her/layer-0/qq/',
      'her/layer-3/kv/',
      'escape/',
      'escape/layer-1/qk/',
    ]) {
      expect(paths).toContain(path);
    }
    // tiny demo model: 4 layers × (1 + 6) pages for the lecture's set, 2 × 7 for the escape set
    expect(paths.filter((p) => /^her\/layer-\d+\/$/.test(p))).toHaveLength(4);
    expect(paths.filter((p) => /^her\/layer-\d+\/[a-z]{2}\/$/.test(p))).toHaveLength(24);
    // a set that lists its layers (0, 2, 3) has pages for those alone
    expect(paths.filter((p) => /^after\/layer-\d+\/$/.test(p)).sort()).toEqual(['after/layer-0/', 'after/layer-2/', 'after/layer-3/']);
    expect(paths.filter((p) => /^after\/layer-\d+\/[a-z]{2}\/$/.test(p))).toHaveLength(18);
    // every set shares the demo model: each unordered pair once, names in alphabetical order
    expect(paths.filter((p) => p.startsWith('compare/')).sort()).toEqual([
      'compare/after/escape/',
      'compare/after/her/',
      'compare/after/him/',
      'compare/escape/her/',
      'compare/escape/him/',
      'compare/her/him/',
    ]);
  });

  it('skips the layers a set leaves out, and names its comparison token', async () => {
    const page = await browser.newPage();
    await page.goto(url('after/layer-2/'));
    expect(await page.locator('a[rel="prev"]').first().getAttribute('href')).toBe(`${BASE}after/layer-0/`);
    expect(await page.locator('a[rel="next"]').first().getAttribute('href')).toBe(`${BASE}after/layer-3/`);
    await page.goto(url('after/layer-0/qq/'));
    expect(await page.locator('a[rel="next"]').first().getAttribute('href')).toBe(`${BASE}after/layer-2/qq/`);
    expect(await page.locator('a[rel="prev"]').count()).toBe(0);
    await page.goto(url('after/'));
    const main = await page.locator('main').textContent();
    expect(main).toContain('compared with the token after it');
    expect(main).not.toContain('before it');
    expect(await page.locator('#layer-pair-table tbody tr th').allTextContents()).toEqual(['Layer 0', 'Layer 2', 'Layer 3']);
    expect(await page.locator('#layer-pair-table a[href*="layer-1/"]').count()).toBe(0);
    // the overview's trends run over the analysed layers only: their x ticks are 0, 2, 3
    const ticks = await page.locator('#trends-cosine svg text').allTextContents();
    expect(ticks).toEqual(expect.arrayContaining(['0', '2', '3']));
    expect(ticks).not.toContain('1');
    await page.goto(url('her/'));
    expect(await page.locator('main').textContent()).toContain('compared with the token before it');
    await page.goto(url(''));
    expect(await page.locator('main').textContent()).toContain('the token after it');
    await page.close();
  });

  it('compares two sets: links from / and both overviews, both sets in every figure', async () => {
    for (const from of ['', 'her/', 'him/']) expect(pages.get(url(from))!.links, from).toContain(url('compare/her/him/'));
    const compare = pages.get(url('compare/her/him/'))!;
    const ids = compare.figures.map((f) => f.id);
    for (const metric of ['cosine', 'correlation']) {
      for (const pair of ['qq', 'kk', 'vv', 'qk', 'qv', 'kv']) expect(ids).toContain(`distributions-${pair}-${metric}`);
      expect(compare.ids.has(`distances-${metric}`)).toBe(true);
    }
    // one chart per figure, the two sets' boxes at every common layer
    expect(compare.figures.find((f) => f.id === 'distributions-qq-cosine')!.svgs).toBe(1);
    const page = await browser.newPage();
    await page.goto(url('compare/her/him/'));
    expect(await page.locator('#distributions-qq-cosine svg text').allTextContents()).toEqual(expect.arrayContaining(['0', '1', '2', '3', 'Layer']));
    // two boxes (one per set) at each of the 4 common layers
    expect(await page.locator('#distributions-qq-cosine svg rect').count()).toBe(8);
    expect(await page.locator('#distances-cosine tbody tr').count()).toBe(4);
    expect(await page.locator('#distances-cosine tbody td').count()).toBe(24);
    expect(await page.locator('#distributions-qq-cosine figcaption').textContent()).toContain('100-bin histograms');
    expect(await page.locator('#distributions-qq-cosine .legend').textContent()).toMatch(/her: target token[\s\S]*him: target token/);
    await page.close();
  });

  it('serves every page with 200 and no console errors', () => {
    for (const [address, crawled] of pages) {
      expect(crawled.status, address).toBe(200);
      expect(crawled.consoleErrors, address).toEqual([]);
    }
  });

  it('resolves every internal link, download and image', () => {
    expect(resources.size).toBeGreaterThan(10);
    for (const [address, status] of resources) expect(status, address).toBe(200);
  });

  it('resolves every anchor, on the same page or another', () => {
    let checked = 0;
    for (const [address, crawled] of pages) {
      for (const link of crawled.links) {
        const target = new URL(link);
        if (target.origin !== server.origin || target.hash === '') continue;
        const id = decodeURIComponent(target.hash.slice(1));
        target.hash = '';
        const destination = pages.get(target.href);
        expect(destination, `${address} → ${link}`).toBeDefined();
        expect(destination!.ids.has(id), `${address} links to #${id}, missing on ${target.href}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('draws every figure, each with a link to its own anchor', async () => {
    let figures = 0;
    for (const [address, crawled] of pages) {
      for (const figure of crawled.figures) {
        figures++;
        expect(figure.id, address).not.toBe('');
        expect(figure.svgs, `${address}#${figure.id}`).toBeGreaterThan(0);
        expect(figure.drawn, `${address}#${figure.id}`).toBe(figure.svgs);
        expect(crawled.links, `${address}#${figure.id}`).toContain(`${address}#${figure.id}`);
      }
    }
    expect(figures).toBeGreaterThan(200);
    const layer = [...pages.entries()].find(([address]) => address.endsWith('/her/layer-2/'))![1];
    expect(layer.figures.map((f) => f.id)).toEqual(
      expect.arrayContaining(['similarity-matrix-cosine', 'histogram-within-target-cosine', 'qq-sequence', 'token-average', 'example-neurons']),
    );
    // the raster figures reference PNGs that exist
    expect(layer.figures.find((f) => f.id === 'similarity-matrix-cosine')!.images).toBe(2);
  });

  it('shows hostile sentence text as text and runs none of it', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.goto(url('escape/'));
    const sentences = await page.locator('ol.sentences li').allTextContents();
    expect(sentences).toContain('<script>alert(1)</script> I saw her today.');
    expect(sentences).toContain('They & we met her <b>there</b>.');
    expect(sentences).toContain('<img src=x onerror=alert(3)> We called her.');
    expect(await page.locator('h1').textContent()).toBe('Escaping <b>test</b> & "quotes"');
    expect(await page.locator('.lead').textContent()).toContain('<script>alert("description")</script>');
    expect(await page.locator('main script, main img, ol.sentences b').count()).toBe(0);
    // the description's links: only the safe one is a link, as the browser resolves it
    expect(await page.locator('.lead a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href))).toEqual(['https://example.org/']);
    const lead = (await page.locator('.lead').textContent()) ?? '';
    expect(lead).toContain('[three](JaVaScRiPt:alert(6))');
    expect(lead).toContain('\u241b[31m');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
    expect(lead).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    await page.goto(url('escape/layer-0/'));
    expect(await page.locator('body').textContent()).toContain('<script>alert(1)</script> I saw her today.');
    const title = 'Escaping <b>test</b> & "quotes"';
    for (const path of ['escape/', 'escape/layer-0/', 'escape/layer-1/qk/', 'escape/data/', 'compare/escape/her/', 'compare/after/escape/']) {
      await page.goto(url(path));
      // the title and the og tags carry the set's title as text
      expect(await page.title(), path).toContain(title);
      expect(await page.locator('meta[property="og:title"]').getAttribute('content'), path).toContain(title);
      expect(await page.locator('head title').count(), path).toBe(1);
      // the only images are the pair page's matrix blocks, PNG files of the site itself
      expect(await page.locator('main script, main img:not(.similarity-block), main b, main iframe, svg script, svg foreignObject').count(), path).toBe(0);
      for (const src of await page.locator('main img.similarity-block').evaluateAll((imgs) => imgs.map((img) => img.getAttribute('src') ?? ''))) {
        expect(src.startsWith(`${BASE}escape/layer-`), path).toBe(true);
        expect(src, path).toMatch(/\/layer-\d+\/similarity-(cosine|correlation)-(target|nontarget)-(qq|kk|vv|qk|qv|kv)\.png$/);
      }
    }
    // on the comparison page: the heading, the facts and every figure's text alternative (SVG)
    await page.goto(url('compare/escape/her/'));
    expect(await page.locator('h1').textContent()).toContain(title);
    expect(await page.locator('#the-sets').textContent()).toContain(title);
    const labels = await page.locator('svg.plot').evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-label') ?? ''));
    expect(labels.length).toBeGreaterThan(10);
    for (const label of labels) expect(label).toContain(`(${title})`);
    const svgText = await page.locator('svg.plot').evaluateAll((svgs) => svgs.map((svg) => svg.textContent ?? '').join(' '));
    expect(svgText).not.toMatch(/<|>/);
    // in the markup, outside quoted attribute values (where "<" is plain text), no tag of the set's text
    const raw = (await (await fetch(url('compare/escape/her/'))).text()).replace(/="[^"]*"/g, '=""');
    expect(raw).not.toContain('<b>test</b>');
    expect(raw).toContain('&lt;b&gt;test&lt;/b&gt;');
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('marks every page as a random-weights demo', () => {
    for (const [address, crawled] of pages) expect(crawled.banner, address).toContain('random weights');
  });

  it('shows the demo banner on its face', async () => {
    const page = await browser.newPage();
    for (const path of ['', 'her/', 'her/layer-1/', 'her/layer-1/vv/', 'methods/', 'her/data/']) {
      await page.goto(url(path));
      await expect.poll(() => page.locator('.demo-banner').isVisible()).toBe(true);
      expect(await page.locator('.demo-banner').textContent()).toContain('random weights');
    }
    await page.close();
  });

  it('reads fully without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(url('her/layer-1/'));
    expect(await page.locator('figure.figure svg.plot').count()).toBeGreaterThan(15);
    await context.close();
  });

  it('escapes every text cell of every CSV that a spreadsheet would read as a formula', async () => {
    const csvs = [...resources.keys()].filter((address) => address.endsWith('.csv'));
    expect(csvs.length).toBeGreaterThan(10);
    for (const address of csvs) {
      const text = await (await fetch(address)).text();
      for (const line of text.split('\r\n').filter(Boolean)) {
        for (const cell of line.match(/("(?:[^"]|"")*"|[^,]*)(?=,|$)/g) ?? []) {
          const bare = cell.replace(/^"|"$/g, '');
          if (bare === '' || Number.isFinite(Number(bare))) continue;
          expect(bare, `${address}: ${line}`).not.toMatch(/^[=+\-@\t\r]/);
        }
      }
    }
  });

  it('publishes the manifest without the run timings', async () => {
    const manifest = (await (await fetch(url('escape/data/manifest.json'))).json()) as Record<string, unknown>;
    expect(manifest.schema).toBe(1);
    expect(manifest).not.toHaveProperty('seconds');
    expect((manifest.set as { title: string }).title).toBe('Escaping <b>test</b> & "quotes"');
    // the demo's local model by its folder name, not the path on the machine that built the site
    expect((manifest.model as { id: string }).id).toBe('random-tiny-seed-0');
  });

  it('serves tidy CSV with formula cells escaped', async () => {
    const csv = await (await fetch(url('her/data/layer-0.csv'))).text();
    const [header, first] = csv.split('\r\n');
    expect(header).toBe('layer,metric,condition,pair,statistic,bin_lower,bin_upper,head_a,head_b,value');
    expect(first.split(',')).toHaveLength(10);
    const npy = new Uint8Array(await (await fetch(url('her/data/layer-0-target.npy'))).arrayBuffer());
    expect(new TextDecoder('latin1').decode(npy.subarray(1, 6))).toBe('NUMPY');
  });
});

describe('screenshots and accessibility', () => {
  const require = createRequire(import.meta.url);
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const cases = [
    { name: 'set-overview', path: 'her/' },
    { name: 'layer', path: 'her/layer-2/' },
    { name: 'pair', path: 'her/layer-2/qk/' },
    { name: 'compare', path: 'compare/her/him/' },
  ];

  for (const { name, path } of cases) {
    it(`${name}: screenshot, and no serious or critical axe violations`, async () => {
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, colorScheme });
        await page.goto(url(path));
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${colorScheme}.png`), fullPage: true });
        await page.addScriptTag({ content: axeSource });
        const violations = await page.evaluate(async () => {
          const result = await (
            window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }> } }
          ).axe.run();
          return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
        });
        const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious, `${path} (${colorScheme})`).toEqual([]);
        await page.close();
      }
      const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
      await phone.goto(url(path));
      await phone.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`) });
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
      await phone.close();
    });
  }
});
