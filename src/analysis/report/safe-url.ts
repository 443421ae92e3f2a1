/**
 * Whether a link address from a set's text may become a link: it is decided the way a browser
 * decides it, not by looking at how the text starts. A browser removes leading and trailing C0
 * controls and spaces and every tab and line break before it parses an `href` by the WHATWG URL
 * rules, so "\u0001javascript:…" or "java\tscript:…" run script; here they are parsed the same
 * way, by Node's WHATWG URL parser, against a base of our own.
 */

const BASE = 'https://base.invalid/';
const ALLOWED = new Set(['http:', 'https:', 'mailto:']);

/** http(s), mailto, or an address relative to the page (on the same site); nothing else. */
export function isSafeHref(href: string): boolean {
  // An address the page percent-encoded still names a scheme to a reader who decodes it
  // ("%01javascript:"): it must pass as written and as decoded.
  return isSafeParsed(href) && isSafeParsed(percentDecoded(href));
}

function isSafeParsed(href: string): boolean {
  // A control character, or the replacement character the Markdown parser puts for a NUL, is
  // never part of an address a person meant.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
  if (/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(href.trim())) return false;
  const cleaned = browserCleaned(href);
  let url: URL;
  try {
    url = new URL(cleaned, BASE);
  } catch {
    return false; // a browser would not follow it either; as text it loses nothing
  }
  if (!ALLOWED.has(url.protocol)) return false;
  // A relative address stays on the base's host; "//evil.example" or "/\evil.example" leave it.
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(cleaned);
  return absolute || url.host === new URL(BASE).host;
}

/** What the WHATWG URL parser does to its input first (https://url.spec.whatwg.org/#concept-basic-url-parser). */
function browserCleaned(href: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the controls a browser strips
  return href.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

function percentDecoded(href: string): string {
  try {
    return decodeURIComponent(href);
  } catch {
    // a stray "%": decode what can be decoded
    return href.replace(/%[0-9a-f]{2}/gi, (hex) => String.fromCharCode(Number.parseInt(hex.slice(1), 16)));
  }
}
