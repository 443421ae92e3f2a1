import { beforeAll, describe, expect, it } from 'vitest';

import { loadTokenizer, type Tokenizer } from '../../src/analysis/model/tokenizer.ts';
import { locateInSet } from '../../src/analysis/sentences/locate.ts';
import { loadSetFile, type ParsedSet } from '../../src/analysis/sentences/set-file.ts';
import { FIXTURE_TOKENIZER_DIR, HER_SET_FILE, expectedTokenization } from './fixtures.ts';

// The lecture's sentences and their ids, as OpenAI's original encoder produces them.
const lecture = expectedTokenization().lecture;
const EOS = 50256;

/**
 * The lecture's computation, restated on the reference ids: pad every sentence on the right
 * with EOS to the longest, `target_token = tokenizer.encode(' her')[0]`,
 * `targidx = tokens['input_ids'][senti].tolist().index(target_token)`, and the position
 * before it, `targidx - 1`.
 */
function lecturePositions(targetToken: number): { target: number; nontarget: number }[] {
  const longest = Math.max(...lecture.map((e) => e.ids.length));
  return lecture.map((entry) => {
    const padded = [...entry.ids, ...Array<number>(longest - entry.ids.length).fill(EOS)];
    const targidx = padded.indexOf(targetToken);
    return { target: targidx, nontarget: targidx - 1 };
  });
}

describe('content/sets/her.yaml', () => {
  let parsed: ParsedSet;
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    parsed = loadSetFile(HER_SET_FILE);
    tokenizer = await loadTokenizer(FIXTURE_TOKENIZER_DIR);
  });

  it('loads without warnings, with the lecture settings', () => {
    const { set, warnings } = parsed;
    expect(warnings).toEqual([]);
    expect(set.name).toBe('her');
    expect(set.model).toBe('openai-community/gpt2');
    expect(set.target).toBe(' her');
    expect(set.compare).toEqual({ label: 'previous', offset: -1 });
    expect(set.seed).toBe(1);
    expect(set.layers).toBeNull();
    expect(set.title.length).toBeGreaterThan(0);
    expect(set.description.length).toBeGreaterThan(0);
    expect(set.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("holds the lecture's 54 sentences, exactly and in order", () => {
    expect(parsed.set.sentences.map((s) => s.text)).toEqual(lecture.map((e) => e.text));
    expect(parsed.set.sentences).toHaveLength(54);
  });

  it('every sentence has the target where the lecture finds it, and the token before it', () => {
    const targetToken = lecture[0].ids[lecture[0].pieces.indexOf('Ġher')];
    expect(targetToken).toBe(607);
    const expected = lecturePositions(targetToken);
    expect(expected.every((p) => p.target > 0)).toBe(true);

    const located = locateInSet(parsed.set, tokenizer, 1024);
    expect(located.targetId).toBe(targetToken);
    expect(located.sentences).toHaveLength(54);
    expect(located.sentences.map((s) => ({ target: s.target, nontarget: s.nontarget }))).toEqual(expected);
    expect(located.sentences.map((s) => s.ids)).toEqual(lecture.map((e) => e.ids));
    // Lines point into the file: each line holds its sentence.
    expect(located.sentences.map((s) => s.line)).toEqual(parsed.set.sentences.map((s) => s.line));
  });

  it('the comparison tokens are the words before " her"', () => {
    const located = locateInSet(parsed.set, tokenizer, 1024);
    const before = located.sentences.map((s) => tokenizer.tokens([s.ids[s.nontarget]])[0]);
    expect(before.slice(0, 5)).toEqual([' saw', ' gave', ' asked', ' invited', ' followed']);
    expect(before[53]).toBe(' on');
  });
});
