import { describe, expect, it } from 'vitest';

import { AtlasError } from '../../src/analysis/errors.ts';
import { printable, printableLines, quote } from '../../src/analysis/printable.ts';
import { parseSetFile } from '../../src/analysis/sentences/set-file.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('set text shown on a terminal', () => {
  it('shows every C0 and C1 control, DEL and direction override as a \\u escape', () => {
    for (let code = 0; code < 0x10000; code++) {
      const c = String.fromCharCode(code);
      const shown = printable(`a${c}b`);
      // an independent list: Unicode's Cc category, the bidi formatting characters, and the line/paragraph separators
      const unsafe = /\p{Cc}/u.test(c) || /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(c);
      expect(shown, code.toString(16)).toBe(unsafe ? `a\\u${code.toString(16).padStart(4, '0')}b` : `a${c}b`);
    }
    expect(printableLines('one\ntwo\u001b[2J')).toBe('one\ntwo\\u001b[2J');
  });

  it('quotes at most 80 characters of a sentence, and says how long it is', () => {
    expect(quote('I saw her.')).toBe('"I saw her."');
    const long = `${'é'.repeat(100)}\u001b`;
    expect(quote(long)).toBe(`"${'é'.repeat(80)}…" (101 characters)`);
    expect(quote('\u202eevil\u0085')).toBe('"\\u202eevil\\u0085"');
  });

  it('an error quoting a set file never carries a raw control character', () => {
    const error = new AtlasError('bad \u001b]0;title\u0007', 'file\u009b', 'fix \u202e it');
    expect(error.message).not.toMatch(RAW);
    expect(error.message).toContain('\\u001b]0;title\\u0007');
    try {
      parseSetFile('title: x\nmodel: m\ntarget: " her"\nseed: 1\n"\u009b2J\u202ekey": 1\nsentences: [I saw her.]\n', 'content/sets/x.yaml');
      expect.unreachable();
    } catch (caught) {
      expect((caught as Error).message).toMatch(/unknown key "\\u009b2J\\u202ekey"/);
      expect((caught as Error).message).not.toMatch(RAW);
    }
  });
});
