import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { AtlasError } from '../errors.ts';
import { PAIR_TYPES } from '../output-schema.ts';
import { pairSlug } from './labels.ts';

/**
 * The pieces of prose the pages read from content/prose/ (docs/site.md, "Editing the text"),
 * by key: "pairs/qq" is content/prose/pairs/qq.md. The build checks the folder against this
 * list before it renders a page, so that a missing or misnamed file stops it at once, with
 * its path, instead of halfway through rendering (or, for a misnamed optional piece, never).
 */
export const PROSE_PIECES = [
  'home',
  'overview',
  'trends',
  'layer',
  'compare',
  ...PAIR_TYPES.map((pair) => `pairs/${pairSlug(pair)}`),
  'figures/examples',
  'figures/similarity-matrix',
  'figures/histograms',
  'figures/qq-sequence',
  'methods/intro',
  'methods/differences',
] as const;

/** Optional pieces: the words for one layer, `layers/{L}` (L a layer number, no leading zeros). */
const OPTIONAL_PIECE = /^layers\/(0|[1-9][0-9]*)$/;

/** The key of a piece, from its path relative to the prose folder ("pairs/qq.md" → "pairs/qq"). */
export function proseKey(file: string): string {
  return file.split(sep).join('/').replace(/\.md$/, '');
}

/**
 * What is wrong with a prose folder that holds these files (paths relative to it, any
 * extension): the required pieces that are missing and the files that are no piece the pages
 * read (a misspelt name, a wrong extension, a folder the pages do not know). Empty when the
 * folder is right.
 */
export function proseProblems(files: readonly string[]): { missing: string[]; unknown: string[] } {
  const keys = new Set(files.filter((f) => f.endsWith('.md')).map(proseKey));
  const required = new Set<string>(PROSE_PIECES);
  return {
    missing: PROSE_PIECES.filter((piece) => !keys.has(piece)).map((piece) => `${piece}.md`),
    unknown: files
      .map((f) => f.split(sep).join('/'))
      .filter((f) => !(f.endsWith('.md') && (required.has(proseKey(f)) || OPTIONAL_PIECE.test(proseKey(f)))))
      .sort(),
  };
}

/** Every file under `dir`, relative to it; dot files (an editor's or the OS's) are left out. */
function filesUnder(dir: string, under = dir): string[] {
  return readdirSync(under, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(dir, join(under, entry.name)) : [relative(dir, join(under, entry.name))]))
    .sort();
}

/**
 * Throws one error naming every missing and every misnamed file of the prose folder `dir`
 * (shown as `shownAs`, the path a writer knows, e.g. "content/prose").
 */
export function checkProseFolder(dir: string, shownAs = dir): void {
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    files = filesUnder(dir);
  } catch (cause) {
    throw new AtlasError(
      `the prose folder ${shownAs} cannot be read`,
      shownAs,
      'restore content/prose/ from the repository (docs/site.md, "Editing the text")',
      { cause },
    );
  }
  const { missing, unknown } = proseProblems(files);
  if (missing.length === 0 && unknown.length === 0) return;
  const lines = [...missing.map((file) => `missing: ${shownAs}/${file}`), ...unknown.map((file) => `not a piece the pages read: ${shownAs}/${file}`)];
  throw new AtlasError(
    `the prose folder does not match the pieces the pages read:\n  ${lines.join('\n  ')}`,
    shownAs,
    `name each file as docs/site.md lists them ("Editing the text"): ${PROSE_PIECES.map((p) => `${p}.md`).join(', ')}, and optionally layers/{L}.md`,
  );
}
