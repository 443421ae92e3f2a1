/**
 * Text from a set file, made safe to show on a terminal or in a one-line message. A set's title
 * or sentence may hold escape sequences (ESC [ … changes colours, moves the cursor, rewrites the
 * window title, and some terminals answer them), other C0 and C1 controls, or bidirectional
 * overrides that make a line read differently from what it holds. Each is shown as a visible
 * `\uXXXX` escape instead, the way JSON writes a control character.
 */

/**
 * C0 controls, DEL, C1 controls, the bidirectional marks, embeddings, overrides and isolates,
 * and the Unicode line and paragraph separators.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const UNPRINTABLE_BUT_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const asEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The text on one line, every control and direction mark as a visible `\uXXXX`. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, asEscape);
}

/** A message of several lines: line breaks stay, every other control is shown as `\uXXXX`. */
export function printableLines(text: string): string {
  return text.replace(UNPRINTABLE_BUT_LINES, asEscape);
}

/** The most characters of a sentence a message quotes. */
const QUOTE_CHARS = 80;

/**
 * A sentence as a message quotes it: in double quotes, as JSON writes a string, controls
 * visible, and at most QUOTE_CHARS characters of it, with its length when it is cut.
 */
export function quote(text: string, max = QUOTE_CHARS): string {
  const chars = [...text];
  if (chars.length <= max) return printable(JSON.stringify(text));
  return `${printable(JSON.stringify(chars.slice(0, max).join('')).slice(0, -1))}…" (${chars.length.toLocaleString('en-US')} characters)`;
}
