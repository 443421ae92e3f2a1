/**
 * Build measurements of the site:
 *   1. a full site build of the lecture's set with the analysis cached (model not run),
 *   2. a rebuild after a prose-only change (content/prose/trends.md gets one line, then is restored),
 *   3. the weight of every page: HTML plus the stylesheets and images it loads (downloads excluded).
 *
 *   node scripts/bench-build.ts                # the sets' own model (GPT-2 from the Hugging Face cache)
 *   node scripts/bench-build.ts --demo gpt2    # a random model of GPT-2 small's shape (offline, same page count and sizes)
 *   node scripts/bench-build.ts --demo tiny    # the CI demo
 *
 * A first build computes the analysis if it is not cached yet; it is reported but not counted.
 * Targets (2-core machine): full build ≤ 30 s beyond the analysis, prose-only rebuild ≤ 15 s,
 * every page ≤ 400 kB before downloads.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ASTRO = join(ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');
const OUT = join(ROOT, '.cache', 'bench-site');
const PROSE = join(ROOT, 'content', 'prose', 'trends.md');
/** the lecture's set alone (other sets in content/sets would add their own pages) */
const SETS = join(ROOT, '.cache', 'bench-sets');
const PAGE_LIMIT = 400_000;

const { values } = parseArgs({ options: { demo: { type: 'string' }, json: { type: 'string' } } });

function build(label: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [ASTRO, 'build', '--outDir', OUT], {
    cwd: ROOT,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', SITE_BASE: '/', QKV_ATLAS_SETS: SETS, ...(values.demo ? { QKV_ATLAS_DEMO: values.demo } : {}) },
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}\n${result.stderr}\n`);
    throw new Error(`${label}: the build failed (exit ${result.status})`);
  }
  const pages = /(\d+) page\(s\) built/.exec(result.stdout)?.[1] ?? '?';
  const analysed = /analysis done in ([\d.]+) s/.exec(result.stdout)?.[1];
  process.stdout.write(
    `${label.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s  (${pages} pages${analysed ? `, analysis ${analysed} s` : ', analysis cached'})\n`,
  );
  return seconds;
}

interface PageWeight {
  page: string;
  html: number;
  css: number;
  images: number;
  total: number;
  transfer: number;
}

/** HTML + its stylesheets + the images it shows (PNG files and inlined data); transfer = the same gzipped, as a server sends text. */
function pageWeights(): PageWeight[] {
  const files = (readdirSync(OUT, { recursive: true }) as string[]).filter((file) => file.endsWith('index.html'));
  return files.map((file) => {
    const html = readFileSync(join(OUT, file));
    const text = html.toString('utf8');
    const dir = join(OUT, file, '..');
    const local = (href: string) => {
      if (/^(https?:|data:|#)/.test(href)) return null;
      const path = href.startsWith('/') ? join(OUT, href) : join(dir, href);
      return existsSync(path) && statSync(path).isFile() ? path : null;
    };
    const stylesheets = [...text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => local(m[1])).filter((p): p is string => p !== null);
    const images = [
      ...new Set(
        [...text.matchAll(/<image\b[^>]*?\shref="([^"]+)"|<img\b[^>]*?\ssrc="([^"]+)"/g)]
          .map((m) => local(m[1] ?? m[2]))
          .filter((p): p is string => p !== null),
      ),
    ];
    const css = stylesheets.reduce((n, p) => n + statSync(p).size, 0);
    const cssGzip = stylesheets.reduce((n, p) => n + gzipSync(readFileSync(p)).length, 0);
    const imageBytes = images.reduce((n, p) => n + statSync(p).size, 0);
    return {
      page: `/${relative(OUT, join(OUT, file, '..'))
        .split('\\')
        .join('/')}/`.replace(/\/+/g, '/'),
      html: html.length,
      css,
      images: imageBytes,
      total: html.length + css + imageBytes,
      transfer: gzipSync(html).length + cssGzip + imageBytes,
    };
  });
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} kB`;

process.stdout.write(`qkv-atlas site build benchmark (${values.demo ? `demo model: ${values.demo}` : "the sets' own models"}; Node ${process.version})\n`);
rmSync(OUT, { recursive: true, force: true });
rmSync(SETS, { recursive: true, force: true });
rmSync(SETS, { recursive: true, force: true });
mkdirSync(SETS, { recursive: true });
copyFileSync(join(ROOT, 'content', 'sets', 'her.yaml'), join(SETS, 'her.yaml'));
const first = build('first build (analysis if needed)');
const full = build('full build, analysis cached');
const original = readFileSync(PROSE, 'utf8');
let prose: number;
try {
  appendFileSync(PROSE, '\nA sentence added by the build benchmark.\n');
  prose = build('rebuild after a prose-only change');
  if (!readFileSync(join(OUT, 'her', 'index.html'), 'utf8').includes('A sentence added by the build benchmark.')) {
    throw new Error('the prose change did not reach the page');
  }
} finally {
  writeFileSync(PROSE, original);
}

const weights = pageWeights().sort((a, b) => b.total - a.total);
const kinds: [string, RegExp][] = [
  ['home', /^\/$/],
  ['set overview', /^\/[a-z0-9-]+\/$/],
  ['layer', /\/layer-\d+\/$/],
  ['pair', /\/layer-\d+\/[a-z]{2}\/$/],
  ['methods', /^\/methods\/$/],
  ['data', /\/data\/$/],
];
process.stdout.write('\npage weight (HTML + CSS + images; transfer: text gzipped)\n');
for (const [kind, pattern] of kinds) {
  const group = weights.filter((w) => pattern.test(w.page) && !(kind === 'set overview' && /^\/(methods|404)\/$/.test(w.page)));
  if (group.length === 0) continue;
  const heaviest = group[0];
  process.stdout.write(
    `  ${kind.padEnd(13)} ${String(group.length).padStart(3)} pages, heaviest ${heaviest.page}: ${kb(heaviest.total)} ` +
      `(HTML ${kb(heaviest.html)}, CSS ${kb(heaviest.css)}, images ${kb(heaviest.images)}; transfer ${kb(heaviest.transfer)})\n`,
  );
}
const over = weights.filter((w) => w.total > PAGE_LIMIT);
process.stdout.write(
  `\nfull build ${full.toFixed(1)} s (target ≤ 30 s beyond the analysis), prose-only rebuild ${prose.toFixed(1)} s (target ≤ 15 s), ` +
    `${over.length === 0 ? 'every page' : `${over.length} pages NOT`} under ${kb(PAGE_LIMIT)}\n`,
);
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ demo: values.demo ?? null, seconds: { first, full, proseOnly: prose }, pages: weights }, null, 1));
}
rmSync(OUT, { recursive: true, force: true });
rmSync(SETS, { recursive: true, force: true });
