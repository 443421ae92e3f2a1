/**
 * Where the target and its comparison token sit in each sentence, as the lecture finds them:
 * the target is the first occurrence of the target's token id (`ids.index(target_token)`), the
 * comparison token is `compare.offset` positions away (-1: the token before it).
 *
 * Every sentence is checked before anything is reported, so one run lists every sentence to fix.
 */
import { AtlasError } from '../errors.ts';
import { quote } from '../printable.ts';
import { MAX_LISTED_PROBLEMS } from './limits.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import type { CompareRule, SentenceSet } from './set-file.ts';

export interface TokenizedSentence {
  text: string;
  ids: readonly number[];
  /** 1-based line in the set file, when known. */
  line?: number | null;
}

export interface LocatedSentence {
  text: string;
  ids: number[];
  line: number | null;
  /** Position of the target's first occurrence. */
  target: number;
  /** Position of the comparison token. */
  nontarget: number;
}

export interface Located {
  targetId: number;
  sentences: LocatedSentence[];
}

interface Problem {
  what: string;
  fix: string;
}

export interface LocateOptions {
  target: string;
  compare: CompareRule;
  /** The model's context length (n_positions): the most tokens a sentence may have. */
  contextLength: number;
  tokenizer: Pick<Tokenizer, 'encode' | 'pieces' | 'tokens'>;
  /** The set file, named in messages. */
  file?: string;
}

/** The target's single token id; throws when the target is not exactly one token. */
export function targetTokenId(target: string, tokenizer: Pick<Tokenizer, 'encode' | 'pieces'>, where = 'target'): number {
  const ids = tokenizer.encode(target);
  if (ids.length === 1) return ids[0];

  const shown = `${JSON.stringify(target)} → [${tokenizer
    .pieces(ids)
    .map((p) => JSON.stringify(p))
    .join(', ')}]`;
  const word = target.trim();
  const candidates = [...new Set([` ${word}`, ` ${word.toLowerCase()}`, word, word.toLowerCase()])].filter(
    (candidate) => candidate !== target && candidate.trim() !== '' && tokenizer.encode(candidate).length === 1,
  );
  const hint =
    candidates.length > 0
      ? `Use ${candidates.map((c) => JSON.stringify(c)).join(' or ')}, which ${candidates.length > 1 ? 'are single tokens' : 'is a single token'}` +
        (candidates[0].startsWith(' ') && !target.startsWith(' ')
          ? ': in running text a word carries its leading space, and GPT-2 stores " word" and "word" as different tokens.'
          : '.')
      : 'Choose a target that GPT-2 stores as one token; most common words are one token with their leading space, e.g. " her".';
  throw new AtlasError(
    ids.length === 0
      ? `The target ${JSON.stringify(target)} is empty: it has no token.`
      : `The target must be exactly one token, but ${shown} is ${ids.length} tokens.`,
    where,
    hint,
  );
}

/** Finds the target and comparison positions of every sentence, or throws one error listing every bad one. */
export function locateTargets(sentences: readonly TokenizedSentence[], options: LocateOptions): Located {
  const { target, compare, contextLength, tokenizer, file } = options;
  const targetId = targetTokenId(target, tokenizer, file ? `${file}: target` : 'target');

  const located: LocatedSentence[] = [];
  const problems: { sentence: number; line: number | null; text: string; what: string; fix: string }[] = [];

  sentences.forEach((sentence, index) => {
    const ids = [...sentence.ids];
    const line = sentence.line ?? null;
    const report = ({ what, fix }: Problem) => problems.push({ sentence: index + 1, line, text: sentence.text, what, fix });

    if (ids.length > contextLength) {
      report({
        what: `${ids.length} tokens, more than the model's context of ${contextLength}`,
        fix: 'shorten or split the sentence',
      });
    }
    const position = ids.indexOf(targetId);
    if (position < 0) {
      report(missingTargetProblem(sentence.text, ids, target, targetId, tokenizer));
      return;
    }
    const other = position + compare.offset;
    if (other < 0 || other >= ids.length) {
      report(
        position === 0 && compare.offset === -1
          ? {
              what: 'the target is the first token, so there is no token before it (compare: previous)',
              fix: 'put a word before the target, or compare with another token',
            }
          : {
              what:
                `the comparison token (compare: ${compare.label}) would be at position ${other}, outside the ` +
                `sentence's ${ids.length} tokens (the target is at ${position})`,
              fix: 'rephrase the sentence or change compare',
            },
      );
      return;
    }
    located.push({ text: sentence.text, ids, line, target: position, nontarget: other });
  });

  if (problems.length > 0) {
    const label = (p: (typeof problems)[number]) =>
      `sentence ${p.sentence}${p.line !== null && file ? ` (${file}:${p.line})` : p.line !== null ? ` (line ${p.line})` : ''}`;
    if (problems.length === 1) {
      const [only] = problems;
      throw new AtlasError(
        `${capitalise(label(only))} ${quote(only.text)}: ${only.what}.`,
        `${file && only.line !== null ? `${file}:${only.line}` : (file ?? 'sentence set')}, sentence ${only.sentence}`,
        `${capitalise(only.fix)}.`,
      );
    }
    throw new AtlasError(
      `${problems.length} of ${sentences.length} sentences cannot be used with the target ${JSON.stringify(target)}:\n` +
        problems
          .slice(0, MAX_LISTED_PROBLEMS)
          .map((p) => `    ${label(p)} ${quote(p.text)}: ${p.what}; ${p.fix}.`)
          .join('\n') +
        (problems.length > MAX_LISTED_PROBLEMS ? `\n    … and ${(problems.length - MAX_LISTED_PROBLEMS).toLocaleString('en-US')} more sentences.` : ''),
      file ?? 'sentence set',
      'Fix or remove each sentence listed above; each line says what is wrong and how to fix it.',
    );
  }
  return { targetId, sentences: located };
}

/** Tokenizes a set's sentences and locates their targets. */
export function locateInSet(set: SentenceSet, tokenizer: Pick<Tokenizer, 'encode' | 'pieces' | 'tokens'>, contextLength: number): Located {
  const tokenized = set.sentences.map((s) => ({ text: s.text, ids: tokenizer.encode(s.text), line: s.line }));
  return locateTargets(tokenized, {
    target: set.target,
    compare: set.compare,
    contextLength,
    tokenizer,
    file: set.file,
  });
}

/**
 * Why a sentence lacks the target token: usually the word is there, but as another token
 * ("Her" at the start of a sentence, "HER", "hers", "her" after a quote or a newline).
 */
function missingTargetProblem(text: string, ids: number[], target: string, targetId: number, tokenizer: Pick<Tokenizer, 'pieces' | 'tokens'>): Problem {
  const missing = `no ${JSON.stringify(target)} token (id ${targetId})`;
  const generic = { what: missing, fix: `rephrase the sentence so that it contains ${JSON.stringify(target)}, or remove it` };
  const word = target.trim();
  if (word === '') return generic;

  // Byte offset of each token: GPT-2 pieces hold one character per byte.
  const pieces = tokenizer.pieces(ids);
  const starts: number[] = [];
  let offset = 0;
  for (const piece of pieces) {
    starts.push(offset);
    offset += [...piece].length;
  }
  const encoder = new TextEncoder();
  // Case-insensitive search, unless lowercasing changes lengths (then offsets would not match).
  const caseless = text.toLowerCase().length === text.length && word.toLowerCase().length === word.length;
  const lowerText = caseless ? text.toLowerCase() : text;
  const lowerWord = caseless ? word.toLowerCase() : word;

  const occurrences: number[] = [];
  for (let at = lowerText.indexOf(lowerWord); at >= 0; at = lowerText.indexOf(lowerWord, at + 1)) {
    occurrences.push(at);
  }
  // Prefer the word standing alone ("Her book") to the word inside another ("There").
  const isLetter = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  const alone = (at: number) => !isLetter(text[at - 1]) && !isLetter(text[at + word.length]);
  const at = occurrences.find(alone) ?? occurrences[0];
  if (at !== undefined) {
    const written = text.slice(at, at + word.length);
    const begin = encoder.encode(text.slice(0, at)).length;
    const end = begin + encoder.encode(written).length;
    const covering: number[] = [];
    starts.forEach((start, k) => {
      const stop = start + [...pieces[k]].length;
      if (start < end && stop > begin) covering.push(k);
    });
    const shown = tokenizer
      .tokens(covering.map((k) => ids[k]))
      .map((t, i) => `${JSON.stringify(t)} (id ${ids[covering[i]]})`)
      .join(', ');

    const tokenWord = covering.length === 1 ? 'the token' : 'the tokens';
    if (!alone(at)) {
      return {
        what: `${missing}: ${JSON.stringify(written)} here is only part of a longer word, ${tokenWord} ${shown}`,
        fix: `rephrase so that ${JSON.stringify(target)} appears as a word of its own, or remove the sentence`,
      };
    }
    const reasons: string[] = [];
    if (target.startsWith(' ') && text[at - 1] !== ' ') {
      reasons.push(at === 0 ? 'at the start of the sentence it has no leading space' : 'no space comes before it');
    }
    if (written !== word) reasons.push(`"${written}" differs in case from "${word}"`);
    const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
    return {
      what: `${missing}: ${JSON.stringify(written)} here is ${tokenWord} ${shown}, a different token${why}`,
      fix: `rephrase so that ${JSON.stringify(target)} appears as written, or remove the sentence`,
    };
  }
  return generic;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
