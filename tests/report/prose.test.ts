import { cpSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkProseFolder, PROSE_PIECES, proseProblems } from '../../src/analysis/report/prose.ts';
import qkvAtlas from '../../src/integration/index.ts';

/** The prose folder is checked against the pieces the pages read, before anything is rendered. */

const PROSE = join(import.meta.dirname, '..', '..', 'content', 'prose');
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project root holding a copy of the repository's prose, changed by `edit`. */
function projectWith(edit: (prose: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'qkv-prose-'));
  made.push(root);
  cpSync(PROSE, join(root, 'content', 'prose'), { recursive: true });
  edit(join(root, 'content', 'prose'));
  return root;
}

/** Every `<Prose piece="…">` the pages and components name literally, and the templated ones expanded. */
function piecesTheSiteReads(): Set<string> {
  const src = join(import.meta.dirname, '..', '..', 'src');
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.astro'));
  const pieces = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(src, file), 'utf8');
    for (const match of text.matchAll(/<Prose piece="([^"]+)"/g)) pieces.add(match[1]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the page's own source text, which holds a template literal
    if (text.includes('<Prose piece={`pairs/${slug}`}')) for (const pair of ['qq', 'kk', 'vv', 'qk', 'qv', 'kv']) pieces.add(`pairs/${pair}`);
  }
  return pieces;
}

describe('the prose pieces', () => {
  it('are exactly the pieces the pages read', () => {
    expect(new Set(PROSE_PIECES)).toEqual(piecesTheSiteReads());
  });

  it('are all in the repository’s prose folder, with nothing else there', () => {
    expect(() => checkProseFolder(PROSE, 'content/prose')).not.toThrow();
  });
});

describe('proseProblems', () => {
  const complete = PROSE_PIECES.map((piece) => `${piece}.md`);

  it('finds nothing wrong with the pieces and optional layer pieces', () => {
    expect(proseProblems([...complete, 'layers/0.md', 'layers/11.md'])).toEqual({ missing: [], unknown: [] });
  });

  it('names a missing piece and a misnamed file, whatever its extension', () => {
    const files = complete.filter((f) => f !== 'pairs/qk.md').concat('pairs/QK.md', 'trends.markdown', 'layers/01.md', 'layers/x.md', 'extra/home.md');
    expect(proseProblems(files)).toEqual({
      missing: ['pairs/qk.md'],
      unknown: ['extra/home.md', 'layers/01.md', 'layers/x.md', 'pairs/QK.md', 'trends.markdown'],
    });
  });
});

describe('checkProseFolder', () => {
  it('throws one error naming the missing and the misnamed file by path', () => {
    const root = projectWith((prose) => renameSync(join(prose, 'pairs', 'qq.md'), join(prose, 'pairs', 'q-q.md')));
    let message = '';
    try {
      checkProseFolder(join(root, 'content', 'prose'), 'content/prose');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('missing: content/prose/pairs/qq.md');
    expect(message).toContain('not a piece the pages read: content/prose/pairs/q-q.md');
    expect(message.match(/content\/prose\/[\w/.-]+\.md/g)!.slice(0, 2)).toEqual(['content/prose/pairs/qq.md', 'content/prose/pairs/q-q.md']);
  });

  it('says so when the folder is not there', () => {
    const root = projectWith((prose) => rmSync(prose, { recursive: true }));
    expect(() => checkProseFolder(join(root, 'content', 'prose'), 'content/prose')).toThrow(/prose folder content\/prose cannot be read/);
  });

  it('ignores dot files an editor or the system leaves', () => {
    const root = projectWith((prose) => writeFileSync(join(prose, '.DS_Store'), ''));
    expect(() => checkProseFolder(join(root, 'content', 'prose'))).not.toThrow();
  });
});

describe('a build with a misnamed prose file', () => {
  it('stops in its first step, before any set is analysed, naming the file', async () => {
    const root = projectWith((prose) => renameSync(join(prose, 'figures', 'histograms.md'), join(prose, 'figures', 'histogram.md')));
    // no set files at all: reaching the analysis would fail with another message
    const hook = qkvAtlas({ sets: ['no-such-folder'] }).hooks['astro:config:setup']!;
    const setup = hook({
      config: { root: pathToFileURL(`${root}/`), outDir: pathToFileURL(join(root, 'dist/')) },
      command: 'build',
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      updateConfig: () => {},
      addWatchFile: () => {},
    } as never);
    await expect(setup).rejects.toThrow(
      /missing: content\/prose\/figures\/histograms\.md\n {2}not a piece the pages read: content\/prose\/figures\/histogram\.md/,
    );
  });
});
