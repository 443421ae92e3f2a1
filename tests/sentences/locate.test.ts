import { beforeAll, describe, expect, it } from 'vitest';

import { AtlasError } from '../../src/analysis/errors.ts';
import { loadTokenizer, type Tokenizer } from '../../src/analysis/model/tokenizer.ts';
import { locateTargets, targetTokenId, type TokenizedSentence } from '../../src/analysis/sentences/locate.ts';
import type { CompareRule } from '../../src/analysis/sentences/set-file.ts';
import { FIXTURE_TOKENIZER_DIR } from './fixtures.ts';

const PREVIOUS: CompareRule = { label: 'previous', offset: -1 };
const NEXT: CompareRule = { label: 'next', offset: 1 };
const FILE = 'content/sets/demo.yaml';

let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer(FIXTURE_TOKENIZER_DIR);
});

const tokenized = (texts: string[], firstLine = 8): TokenizedSentence[] => texts.map((text, i) => ({ text, ids: tokenizer.encode(text), line: firstLine + i }));

function failure(run: () => unknown): AtlasError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AtlasError);
    return error as AtlasError;
  }
  throw new Error('expected an AtlasError');
}

describe('locateTargets', () => {
  it('finds the first occurrence and the comparison token', () => {
    const located = locateTargets(tokenized(['I saw her at the market.', 'She gave her her book.']), {
      target: ' her',
      compare: PREVIOUS,
      contextLength: 1024,
      tokenizer,
      file: FILE,
    });
    expect(located.targetId).toBe(607);
    expect(located.sentences.map((s) => [s.target, s.nontarget, s.line])).toEqual([
      [2, 1, 8],
      [2, 1, 9],
    ]);
    expect(located.sentences[0].ids).toEqual([40, 2497, 607, 379, 262, 1910, 13]);
  });

  it('next and signed offsets', () => {
    const sentences = tokenized(['I saw her at the market.']);
    const at = (compare: CompareRule) => locateTargets(sentences, { target: ' her', compare, contextLength: 1024, tokenizer }).sentences[0].nontarget;
    expect(at(NEXT)).toBe(3);
    expect(at({ label: '-2', offset: -2 })).toBe(0);
    expect(at({ label: '+4', offset: 4 })).toBe(6);
  });

  it('a target of several tokens shows its pieces and suggests the leading space', () => {
    const error = failure(() => targetTokenId('herself', tokenizer, `${FILE}: target`));
    expect(error.message).toContain('"herself" → ["her", "self"]');
    expect(error.where).toBe(`${FILE}: target`);
    expect(error.hint).toContain('Use " herself"');
    expect(error.hint).toMatch(/leading space/);

    const long = failure(() => targetTokenId(' mitochondria', tokenizer));
    expect(long.message).toContain('" mitochondria" → ["Ġmitochond", "ria"] is 2 tokens');
    expect(long.hint).toMatch(/one token/);
  });

  it('an empty target', () => {
    expect(() => targetTokenId('', tokenizer)).toThrow(/empty/);
  });

  it('a sentence without the target: "Her" at the start is another token', () => {
    const error = failure(() =>
      locateTargets(tokenized(['I saw her at the market.', 'Her book is here.']), {
        target: ' her',
        compare: PREVIOUS,
        contextLength: 1024,
        tokenizer,
        file: FILE,
      }),
    );
    expect(error.message).toContain('Sentence 2 (content/sets/demo.yaml:9) "Her book is here."');
    expect(error.message).toContain('no " her" token (id 607)');
    expect(error.message).toContain('"Her" (id 9360)');
    expect(error.message).toMatch(/at the start of the sentence it has no leading space/);
    expect(error.message).toMatch(/"Her" differs in case from "her"/);
    expect(error.where).toBe(`${FILE}:9, sentence 2`);
    expect(error.hint).toMatch(/Rephrase so that " her" appears/);
  });

  it('the word inside another word, and a sentence without it at all', () => {
    const error = failure(() =>
      locateTargets(tokenized(['There it is.', 'Nothing here.', 'That is hers.']), {
        target: ' her',
        compare: PREVIOUS,
        contextLength: 1024,
        tokenizer,
        file: FILE,
      }),
    );
    expect(error.message).toMatch(/^3 of 3 sentences cannot be used with the target " her":/);
    // "There", "here" and "hers" hold the letters, but only as part of longer words.
    expect(error.message).toContain(
      'sentence 1 (content/sets/demo.yaml:8) "There it is.": no " her" token (id 607): "her" here is only part of a longer word, the token "There" (id 1858); rephrase so that " her" appears as a word of its own',
    );
    expect(error.message).toContain(
      'sentence 2 (content/sets/demo.yaml:9) "Nothing here.": no " her" token (id 607): "her" here is only part of a longer word, the token " here" (id 994)',
    );
    expect(error.message).toContain(
      'sentence 3 (content/sets/demo.yaml:10) "That is hers.": no " her" token (id 607): "her" here is only part of a longer word, the token " hers" (id 25144)',
    );
    expect(error.where).toBe(FILE);
    expect(error.hint).toMatch(/each line says/);
  });

  it('target first with compare previous, and a comparison past the end', () => {
    const error = failure(() =>
      locateTargets(tokenized([' her book.', 'I saw her.']), {
        target: ' her',
        compare: { label: '+3', offset: 3 },
        contextLength: 1024,
        tokenizer,
        file: FILE,
      }),
    );
    expect(error.message).toMatch(/sentence 2 .*"I saw her.": the comparison token \(compare: \+3\) would be at position 5, outside the sentence's 4 tokens/);
    expect(error.message).toMatch(/sentence 1 .*" her book.": the comparison token \(compare: \+3\) would be at position 3/);

    const first = failure(() => locateTargets(tokenized([' her book.']), { target: ' her', compare: PREVIOUS, contextLength: 1024, tokenizer, file: FILE }));
    expect(first.message).toMatch(/the target is the first token, so there is no token before it/);
    expect(first.where).toBe(`${FILE}:8, sentence 1`);
    expect(first.hint).toMatch(/put a word before the target/i);
  });

  it('a sentence longer than the context', () => {
    const error = failure(() => locateTargets(tokenized(['I saw her at the market.']), { target: ' her', compare: PREVIOUS, contextLength: 5, tokenizer }));
    expect(error.message).toMatch(/7 tokens, more than the model's context of 5/);
    expect(error.where).toBe('sentence set, sentence 1');
    expect(error.hint).toMatch(/shorten or split/i);
  });

  it('every problem is collected into one message', () => {
    const texts = ['I saw her.', 'Her turn.', 'No target.', ' her first.', 'Fine, her.'];
    const error = failure(() => locateTargets(tokenized(texts, 20), { target: ' her', compare: PREVIOUS, contextLength: 1024, tokenizer, file: FILE }));
    expect(error.message).toMatch(/^3 of 5 sentences/);
    for (const n of [2, 3, 4]) expect(error.message).toContain(`sentence ${n} (${FILE}:${19 + n})`);
    for (const n of [1, 5]) expect(error.message).not.toContain(`sentence ${n} (`);
  });
});
