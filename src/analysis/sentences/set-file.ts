/**
 * A sentence set file (`content/sets/NAME.yaml`): parsed, validated, and located line by line,
 * so that every complaint can name the file and the line a person has to edit.
 *
 *   title: The object pronoun "her"
 *   description: Markdown shown on the report's front page
 *   model: openai-community/gpt2
 *   target: " her"       # one token; its first occurrence in each sentence
 *   compare: previous    # previous (default), next, or an offset such as -2 or +1
 *   seed: 1              # for the baselines' permutations
 *   layers: [0, 5, 11]   # optional; every layer when absent
 *   sentences:
 *     - I saw her at the market.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';

import { Lexer, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import { z } from 'zod';

import { AtlasError } from '../errors.ts';
import { quote } from '../printable.ts';
import { MAX_LISTED_PROBLEMS, MAX_SENTENCE_CHARS, MAX_SENTENCES, MAX_SET_FILE_BYTES } from './limits.ts';

/** Which token each target is compared with: `offset` tokens away from it (-1 = previous). */
export interface CompareRule {
  /** As the manifest records it: "previous", "next", or a signed offset such as "-2", "+1". */
  label: string;
  offset: number;
}

export interface SetSentence {
  text: string;
  /** 1-based line of the sentence in the set file. */
  line: number;
}

export interface SentenceSet {
  /** The file's basename without extension; it becomes the report's URL (`/{name}/`). */
  name: string;
  /** The set file as given. */
  file: string;
  title: string;
  /** Markdown. */
  description: string;
  model: string;
  target: string;
  compare: CompareRule;
  seed: number;
  /** Layer indices to analyse, ascending; null = every layer of the model. */
  layers: number[] | null;
  sentences: SetSentence[];
  /** sha256 (hex) of the file's bytes: the cache key of everything computed from the set. */
  hash: string;
}

/** A problem that does not stop the analysis, for the command line to print. */
export interface SetWarning {
  message: string;
  /** file:line */
  where: string;
}

export interface ParsedSet {
  set: SentenceSet;
  warnings: SetWarning[];
}

export const SET_KEYS = ['title', 'description', 'model', 'target', 'compare', 'seed', 'layers', 'sentences'] as const;

export const SET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Reads and validates a set file; throws AtlasError on any problem. */
export function loadSetFile(file: string): ParsedSet {
  let bytes: Uint8Array;
  try {
    // the size is known before anything is read: a huge file (or /dev/zero) is refused at once
    const info = statSync(file);
    if (!info.isFile()) {
      throw new AtlasError('The sentence set is not a file.', file, 'Give the path of a set file (content/sets/NAME.yaml), not a folder or a device.');
    }
    if (info.size > MAX_SET_FILE_BYTES) throw tooLarge(file, info.size);
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    throw new AtlasError(
      `Cannot read the sentence set file: ${error instanceof Error ? error.message : String(error)}`,
      file,
      'Check the path given to --set (sets live in content/sets/NAME.yaml).',
      { cause: error },
    );
  }
  return parseSetFile(bytes, file);
}

/** Validates a set file's content; `file` names it in messages and gives the set its name. */
export function parseSetFile(content: Uint8Array | string, file: string, { maxSentences = MAX_SENTENCES }: { maxSentences?: number } = {}): ParsedSet {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  if (bytes.length > MAX_SET_FILE_BYTES) throw tooLarge(file, bytes.length);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const name = setNameOf(file);
  const text = decodeUtf8(bytes, file);
  refuseTooManyItems(text, file, maxSentences);
  const { doc, at } = parseYaml(text, file);
  const root = rootMapping(doc, at, file, name);
  const lines = locator(root, at);

  const { problems, misspelled } = unknownKeyProblems(root, lines);
  const data = toPlainData(doc, file, at);
  if (Array.isArray(data.sentences) && data.sentences.length > maxSentences) {
    throw tooManySentences(data.sentences.length, maxSentences, `${file}:${lines.keyLine('sentences') ?? 1}`);
  }
  const result = SET_SCHEMA.safeParse(data);
  if (!result.success) problems.push(...schemaProblems(result.error.issues, { doc, text, data, lines, misspelled }));
  if (problems.length > 0) throw setFileError(file, problems);
  if (!result.success) throw new Error('unreachable: schema failed without problems');

  const sentences = locatedSentences(result.data.sentences, doc, lines);
  return { set: sentenceSet(result.data, { name, file, hash, sentences }), warnings: repeatedSentences(sentences, file) };
}

// The steps of parseSetFile, in the order it takes them.

type Position = (offset: number) => { line: number; col: number };
type SetValue = z.output<typeof SET_SCHEMA>;

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new AtlasError('The sentence set file is not UTF-8 text.', file, 'Save the file as UTF-8 (the default of most editors).', { cause: error });
  }
}

function tooManySentences(count: number | null, maxSentences: number, where: string): AtlasError {
  const most = maxSentences.toLocaleString('en-US');
  return new AtlasError(
    `The set has ${count === null ? `more than ${most}` : count.toLocaleString('en-US')} sentences; qkv-atlas reads at most ${most} per set.`,
    where,
    'Split the sentences into several sets, or keep a sample of them.',
  );
}

/** Refused before YAML parses the file, so that a huge list costs no parse: counted on the text. */
function refuseTooManyItems(text: string, file: string, maxSentences: number): void {
  const beyond = offsetBeyondItems(text, maxSentences);
  if (beyond !== null) throw tooManySentences(null, maxSentences, `${file}:${text.slice(0, beyond).split('\n').length}`);
}

/** The YAML document with a line:column for any offset; every YAML error at once, at the line to fix. */
function parseYaml(text: string, file: string): { doc: Document; at: Position } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at: Position = (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const { line, col } = at(unterminatedQuoteStart(doc, error.pos[0]) ?? error.pos[0]);
      return { where: `${file}:${line}:${col}`, message: error.message };
    });
    const first = problems[0];
    throw new AtlasError(
      `The sentence set file is not valid YAML: ${first.message}` +
        (problems.length > 1
          ? `\n  also:\n${problems
              .slice(1)
              .map((p) => `    ${p.where}: ${p.message}`)
              .join('\n')}`
          : ''),
      first.where,
      'Fix the YAML at that line: sentences are "- " list items under "sentences:", and a ' +
        'sentence containing ": " or starting with a quote, "#", "-", "[" or "{" must be quoted.',
    );
  }
  return { doc, at };
}

/** The document's top level, which must be a mapping with at least one key. */
function rootMapping(doc: Document, at: Position, file: string, name: string): YAMLMap {
  const root = doc.contents;
  if (root === null || (isMap(root) && root.items.length === 0)) {
    throw new AtlasError('The sentence set file is empty.', `${file}:1`, `Start from a template: qkv-atlas new-set ${name} --target " word"`);
  }
  if (!isMap(root)) {
    throw new AtlasError(
      'The sentence set file must be a mapping of keys (title, target, sentences, ...), not a ' + (isSeq(root) ? 'list.' : 'single value.'),
      `${file}:${at(root.range?.[0] ?? 0).line}`,
      `Put the list of sentences under a "sentences:" key; keys are: ${SET_KEYS.join(', ')}.`,
    );
  }
  return root;
}

interface Lines {
  /** the line a node starts on */
  lineOf(node: YamlNode | null | undefined): number | null;
  /** the line of a top-level key */
  keyLine(key: string): number | null;
}

function locator(root: YAMLMap, at: Position): Lines {
  const lineOf = (node: YamlNode | null | undefined): number | null => (node?.range ? at(node.range[0]).line : null);
  return {
    lineOf,
    // A key written with nothing after it (`sentences:`) has a null value without a position.
    keyLine: (key) => lineOf(root.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key as YamlNode),
  };
}

/**
 * Unknown keys first, with the nearest valid key: "sentence:" for "sentences:" is the typo
 * that would otherwise read as "no sentences". `misspelled` holds the keys so suggested,
 * whose absence is then not reported again.
 */
function unknownKeyProblems(root: YAMLMap, lines: Lines): { problems: Problem[]; misspelled: Set<string> } {
  const problems: Problem[] = [];
  const misspelled = new Set<string>();
  for (const pair of root.items) {
    const key: unknown = isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof key !== 'string' || !(SET_KEYS as readonly string[]).includes(key)) {
      const shown = typeof key === 'string' ? key : JSON.stringify(key);
      const nearest = typeof key === 'string' ? nearestKey(key) : null;
      if (nearest) misspelled.add(nearest);
      problems.push({
        line: lines.lineOf(pair.key as YamlNode),
        message: `unknown key "${shown}"`,
        hint: nearest ? `did you mean "${nearest}"? Rename the key.` : `remove it; the keys are: ${SET_KEYS.join(', ')}.`,
      });
    }
  }
  return { problems, misspelled };
}

interface SchemaContext {
  doc: Document;
  text: string;
  data: Record<string, unknown>;
  lines: Lines;
  misspelled: Set<string>;
}

/** The schema's complaints, each at the line of the value (or key) it is about. */
function schemaProblems(issues: readonly z.core.$ZodIssue[], ctx: SchemaContext): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') continue; // reported by unknownKeyProblems, with lines
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const key = String(path[0] ?? '');
    const present = path.length > 0 && ctx.doc.hasIn(path);
    if (!present && ctx.misspelled.has(key)) continue; // the misspelt key is already reported
    const node = present ? nodeAt(ctx.doc, path) : null;
    const line = present ? (ctx.lines.lineOf(node) ?? ctx.lines.keyLine(key)) : null;
    if (key === 'sentences' && typeof path[1] === 'number') {
      problems.push(sentenceProblem(issue, path[1], node, line, ctx));
      continue;
    }
    problems.push({
      line,
      message: !present ? `missing "${key}"` : issue.message.startsWith('the set') ? issue.message : `${key}: ${issue.message}`,
      hint: FIELD_HINTS[key as SetKey] ?? `the keys are: ${SET_KEYS.join(', ')}.`,
    });
  }
  return problems;
}

/** One sentence (item `index` of `sentences`) that is too long, or that YAML did not read as text. */
function sentenceProblem(issue: z.core.$ZodIssue, index: number, node: YamlNode | null, line: number | null, ctx: SchemaContext): Problem {
  if (issue.code === 'custom' && issue.params?.tooLong) {
    const sentence = String((ctx.data.sentences as unknown[])[index]);
    return {
      line,
      message:
        `sentence ${index + 1} is ${[...sentence].length.toLocaleString('en-US')} characters long, ` +
        `more than the ${MAX_SENTENCE_CHARS.toLocaleString('en-US')} a sentence may have: ${quote(sentence)}`,
      hint: "shorten or split it: GPT-2's context of 1,024 tokens holds about 5,000 characters of English.",
    };
  }
  // Show it quoted, as it should be written.
  const written = node?.range ? ctx.text.slice(node.range[0], node.range[1]).trim() : '';
  return {
    line,
    message: `sentence ${index + 1} ${issue.message}`,
    hint:
      written === ''
        ? 'write the sentence after "- ", or remove the empty item.'
        : `put the sentence in double quotes: - ${[...written].length > 80 ? quote(written) : JSON.stringify(written)}`,
  };
}

/** Each sentence with the line of its list item. */
function locatedSentences(texts: string[], doc: Document, lines: Lines): SetSentence[] {
  const sentencesNode = doc.get('sentences', true);
  return texts.map((text, i) => ({
    text,
    line: (isSeq(sentencesNode) ? lines.lineOf(sentencesNode.items[i] as YamlNode) : null) ?? 1,
  }));
}

function sentenceSet(value: SetValue, { name, file, hash, sentences }: { name: string; file: string; hash: string; sentences: SetSentence[] }): SentenceSet {
  return {
    name,
    file,
    title: value.title,
    description: value.description,
    model: value.model,
    target: value.target,
    compare: value.compare,
    seed: value.seed,
    layers: value.layers ? [...value.layers].sort((a, b) => a - b) : null,
    sentences,
    hash,
  };
}

/**
 * One warning for every repeated sentence together: the first few are named with both lines,
 * the rest are counted (a generated set once repeated one sentence half a million times).
 */
function repeatedSentences(sentences: SetSentence[], file: string): SetWarning[] {
  const firstOf = new Map<string, number>();
  const repeats: { index: number; earlier: number }[] = [];
  sentences.forEach((sentence, index) => {
    const earlier = firstOf.get(sentence.text);
    if (earlier === undefined) firstOf.set(sentence.text, index);
    else repeats.push({ index, earlier });
  });
  if (repeats.length === 0) return [];
  const describe = ({ index, earlier }: { index: number; earlier: number }) =>
    `Sentence ${index + 1} repeats sentence ${earlier + 1} (lines ${sentences[earlier].line} and ` +
    `${sentences[index].line}): ${quote(sentences[index].text)}.`;
  const shown = repeats.slice(0, 5).map(describe);
  const more = repeats.length - shown.length;
  const message =
    repeats.length === 1
      ? shown[0]
      : `${repeats.length.toLocaleString('en-US')} sentences repeat earlier ones:\n    ${shown.join('\n    ')}` +
        (more > 0 ? `\n    … and ${more.toLocaleString('en-US')} more.` : '');
  return [
    {
      message: `${message} A repeated sentence counts twice in every similarity; remove one unless that is intended.`,
      where: `${file}:${sentences[repeats[0].index].line}`,
    },
  ];
}

/**
 * Where the list items of a file go past `limit` (the offset of the first one beyond it), or
 * null. Building the YAML document costs about 40 µs per list item, so a 10 MB file of one-letter
 * items would take over a minute and gigabytes before its sentences could be counted; YAML's
 * lexer counts them (block "-" and flow "," indicators) at a fraction of that and stops early.
 * Small files cannot hold enough items to matter and are not lexed twice.
 */
function offsetBeyondItems(text: string, limit: number): number | null {
  if (text.length < 1024 * 1024) return null;
  let items = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '-' || token === ',') {
      items += 1;
      // a few list items belong to other keys (layers); the exact count is checked after parsing
      if (items > limit + 1000) return offset;
    }
    // the lexer's markers (document start, flow end, scalar) are not characters of the text
    if (token !== '\u0002' && token !== '\u0018' && token !== '\u001f') offset += token.length;
  }
  return null;
}

function tooLarge(file: string, bytes: number): AtlasError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new AtlasError(
    `The sentence set file is ${mb(bytes)}; qkv-atlas reads set files of at most ${mb(MAX_SET_FILE_BYTES)} ` +
      `(${MAX_SENTENCES.toLocaleString('en-US')} sentences of 100 characters).`,
    file,
    'Split the sentences into several sets, or keep a sample of them.',
  );
}

/**
 * The document as plain data. YAML aliases (`*name`) can repeat a node exponentially (a
 * "billion laughs" file); the yaml package stops that, and the file's line of the alias that
 * expands the most is named.
 */
function toPlainData(doc: Document, file: string, at: (offset: number) => { line: number }): Record<string, unknown> {
  try {
    return doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const largest = largestAlias(doc);
    throw new AtlasError(
      `The sentence set file uses YAML aliases (*name) that repeat too much text: ${error.message}.`,
      `${file}:${largest?.range ? at(largest.range[0]).line : 1}`,
      'Write the sentences out instead of repeating them through anchors (&name) and aliases (*name).',
      { cause: error },
    );
  }
}

/** The alias whose expansion holds the most nodes: the one that makes a file an alias bomb. */
function largestAlias(doc: Document): YamlNode | null {
  const sizes = new Map<unknown, number>();
  const size = (node: unknown, depth: number): number => {
    if (depth > 64) return Number.POSITIVE_INFINITY; // an alias that refers to itself
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let total = 1;
    if (isAlias(node)) total = size(node.resolve(doc), depth + 1);
    else if (isMap(node)) for (const pair of node.items) total += size(pair.key, depth + 1) + size(pair.value, depth + 1);
    else if (isSeq(node)) for (const item of node.items) total += size(item, depth + 1);
    sizes.set(node, total);
    return total;
  };
  let best: YamlNode | null = null;
  let bestSize = -1;
  visit(doc, {
    Alias(_key, node) {
      const n = size(node, 0);
      if (n > bestSize) {
        best = node;
        bestSize = n;
      }
    },
  });
  return best;
}

/** The set's name (its URL segment) from its file name; throws when it would make a bad URL. */
export function setNameOf(file: string): string {
  const name = basename(file, extname(file));
  checkSetName(name, file);
  return name;
}

/** Names are URL segments: lowercase letters, digits and hyphens, starting with a letter or digit. */
export function checkSetName(name: string, where: string): void {
  if (SET_NAME_PATTERN.test(name)) return;
  const suggestion = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  throw new AtlasError(
    `The set name "${name}" cannot be used: it becomes the report's URL, so it may contain only ` +
      'lowercase letters, digits and hyphens, and must start with a letter or a digit.',
    where,
    suggestion ? `Rename the set to "${suggestion}" (file ${suggestion}.yaml).` : 'Rename the set, e.g. "her".',
  );
}

/** The layers to analyse for a model with `nLayer` layers; throws naming the file if one is out of range. */
export function resolveLayers(set: SentenceSet, nLayer: number): number[] {
  const all = Array.from({ length: nLayer }, (_, i) => i);
  if (set.layers === null) return all;
  const outside = set.layers.filter((layer) => layer >= nLayer);
  if (outside.length > 0) {
    throw new AtlasError(
      `layers lists ${outside.join(', ')}, but the model has ${nLayer} layers (0 to ${nLayer - 1}).`,
      set.file,
      `Keep layer indices between 0 and ${nLayer - 1}, or remove "layers" to analyse every layer.`,
    );
  }
  return set.layers;
}

// ---------------------------------------------------------------------------------------------

type SetKey = (typeof SET_KEYS)[number];

interface Problem {
  line: number | null;
  message: string;
  hint: string;
}

const FIELD_HINTS: Record<SetKey, string> = {
  title: 'write a one-line title, e.g. title: The object pronoun "her".',
  description: 'write Markdown text (use "description: |" for several lines).',
  model: 'name a Hugging Face model id, e.g. model: openai-community/gpt2.',
  target: 'write the target in double quotes with its leading space, e.g. target: " her".',
  compare: 'use previous, next, or a non-zero whole offset from the target such as -2 or +1.',
  seed: 'use a whole number from 0 up, e.g. seed: 1.',
  layers: 'list distinct layer indices, e.g. layers: [0, 5, 11], or remove "layers" for every layer.',
  sentences:
    'write each sentence as a "- " item under "sentences:"; quote a sentence that contains ": " ' +
    'or " #", or that starts with a quote, "-", "[", "{", "&", "*", "!" or "%".',
};

const textField = () => z.string({ error: (issue) => (issue.input === undefined ? 'missing' : `must be text, not ${describe(issue.input)}`) });

const COMPARE_SCHEMA = z
  .union([z.string(), z.number()], { error: (issue) => `must be previous, next or an offset, not ${describe(issue.input)}` })
  .transform((value, ctx): CompareRule => {
    if (value === 'previous') return { label: 'previous', offset: -1 };
    if (value === 'next') return { label: 'next', offset: 1 };
    const offset = typeof value === 'number' ? value : /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(offset) || offset === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be previous, next or a non-zero whole offset, not ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return { label: offset > 0 ? `+${offset}` : String(offset), offset };
  });

const SET_SCHEMA = z.strictObject({
  title: textField().trim().min(1, 'is empty'),
  description: textField().default(''),
  model: textField().trim().min(1, 'is empty'),
  target: textField().min(1, 'is empty'),
  compare: COMPARE_SCHEMA.default({ label: 'previous', offset: -1 }),
  seed: z
    .number({ error: (issue) => (issue.input === undefined ? 'missing' : `must be a whole number, not ${describe(issue.input)}`) })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(Number.MAX_SAFE_INTEGER, 'is too large'),
  layers: z
    .array(
      z
        .number({ error: (issue) => `must be a layer index, not ${describe(issue.input)}` })
        .int('must be a whole number')
        .min(0, 'must be 0 or more'),
      { error: (issue) => `must be a list of layer indices, not ${describe(issue.input)}` },
    )
    .min(1, 'is an empty list')
    .refine((layers) => new Set(layers).size === layers.length, 'lists a layer twice')
    .nullish()
    .transform((layers) => layers ?? null),
  sentences: z
    .array(
      z
        .string({
          error: (issue) => `is not text: YAML read it as ${describe(issue.input)}`,
        })
        .refine((s) => s.trim().length > 0, 'is empty: YAML read it as empty text')
        .refine((s) => s.length <= MAX_SENTENCE_CHARS || [...s].length <= MAX_SENTENCE_CHARS, { params: { tooLong: true }, abort: true }),
      {
        error: (issue) =>
          issue.input === undefined || issue.input === null ? 'the set has no sentences' : `must be a list of sentences, not ${describe(issue.input)}`,
      },
    )
    .min(1, 'the set has no sentences'),
});

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return `a mapping (${JSON.stringify(value)})`;
  if (typeof value === 'string') return `text ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * YAML reports a missing closing quote where the file ends; the line to fix is the one where
 * the quoted text opens.
 */
function unterminatedQuoteStart(doc: Document, errorOffset: number): number | null {
  let start: number | null = null;
  visit(doc, {
    Scalar(_key, node) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && node.range && node.range[0] < errorOffset && node.range[2] >= errorOffset) {
        start = node.range[0];
      }
    },
  });
  return start;
}

function nodeAt(doc: Document, path: (string | number)[]): YamlNode | null {
  const node = doc.getIn(path, true);
  return node && typeof node === 'object' && 'range' in node ? (node as YamlNode) : null;
}

function setFileError(file: string, problems: Problem[]): AtlasError {
  const whereOf = (p: Problem) => (p.line === null ? file : `${file}:${p.line}`);
  if (problems.length === 1) {
    const [only] = problems;
    return new AtlasError(`Sentence set: ${only.message}.`, whereOf(only), capitalise(only.hint));
  }
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = problems.length - listed.length;
  const lines =
    listed.map((p) => `    ${p.line === null ? file : `line ${p.line}`}: ${p.message}; ${p.hint}`).join('\n') +
    (more > 0 ? `\n    … and ${more.toLocaleString('en-US')} more of the same kinds.` : '');
  const first = problems.find((p) => p.line !== null) ?? problems[0];
  return new AtlasError(`The sentence set has ${problems.length} problems:\n${lines}`, whereOf(first), 'Fix each line listed above.');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The valid key closest to `key` by edit distance, if close enough to be a typo. */
function nearestKey(key: string): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of SET_KEYS) {
    const d = editDistance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
