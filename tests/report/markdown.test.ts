import fc from 'fast-check';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/analysis/report/markdown.ts';

/** The rendered HTML as a browser-like DOM (linkedom's HTML parser, not ours). */
function dom(html: string) {
  return parseHTML(`<!doctype html><html><body>${html}</body></html>`).document.body;
}

const ALLOWED_TAGS = new Set(['P', 'EM', 'STRONG', 'CODE', 'A', 'BR', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'PRE', 'HR']);

/** Links of the rendered description, as a browser reads the attribute. */
function hrefs(html: string): string[] {
  return [...dom(html).querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '');
}

describe('set descriptions', () => {
  it('shows raw HTML as text, so a description cannot inject markup', () => {
    const source = 'Hello <script>alert(1)</script> <img src=x onerror=alert(1)>';
    const html = renderMarkdown(source);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    const body = dom(html);
    expect(body.querySelectorAll('script, img').length).toBe(0);
    expect(body.textContent).toBe(source);
  });

  it('shows a block of raw HTML as a paragraph of text', () => {
    const body = dom(renderMarkdown('<script>alert(1)</script>\n\n<div onclick="x()">hi</div>\n\nnext'));
    expect([...body.children].map((p) => [p.tagName, p.textContent])).toEqual([
      ['P', '<script>alert(1)</script>'],
      ['P', '<div onclick="x()">hi</div>'],
      ['P', 'next'],
    ]);
  });

  it('renders emphasis, strong, code, links and paragraphs', () => {
    const html = renderMarkdown('The *lecture* by **Cohen**, see `np.std` and [the course](https://example.org/a?b=1&c=2).\n\nSecond\nparagraph.');
    expect(html).toBe(
      '<p>The <em>lecture</em> by <strong>Cohen</strong>, see <code>np.std</code> and <a href="https://example.org/a?b=1&amp;c=2">the course</a>.</p>\n<p>Second paragraph.</p>',
    );
  });

  it('renders the descriptions of the shipped sets as before: emphasis, strong, one paragraph', () => {
    const html = renderMarkdown(
      'The 54 sentences of the lecture *Token-related similarities within and across Q, K, V\nmatrices* (Mike X Cohen). In each one **her** is the\nobject of a verb ("I saw her at the market.").\n',
    );
    expect(html).toBe(
      '<p>The 54 sentences of the lecture <em>Token-related similarities within and across Q, K, V matrices</em> (Mike X Cohen). In each one <strong>her</strong> is the object of a verb ("I saw her at the market.").</p>',
    );
  });

  it('keeps dangerous link targets as text', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).toBe('<p>[x](javascript:alert(1))</p>');
    expect(renderMarkdown('[x](//evil.example)')).not.toContain('href');
    expect(renderMarkdown('[x](/\\evil.example)')).not.toContain('href');
    expect(renderMarkdown('[x](../methods/)')).toContain('href="../methods/"');
  });

  it('keeps http, https, mailto and relative links', () => {
    expect(
      hrefs(
        renderMarkdown(
          '[a](http://example.org/) [b](HTTPS://example.org/x) [c](mailto:a@example.org) [d](../her/) [e](#top) [f](?q=1) <https://example.org/auto>',
        ),
      ),
    ).toEqual(['http://example.org/', 'https://example.org/x', 'mailto:a@example.org', '../her/', '#top', '?q=1', 'https://example.org/auto']);
  });

  // Each of these is a link a browser would run as script (or load as data) if it reached an href.
  const hostile: [string, string][] = [
    ['a leading control character', '[x](<\u0001javascript:alert(1)>)'],
    ['a leading NUL', '[x](<\u0000javascript:alert(1)>)'],
    ['a leading escape character', '[x](<\u001bjavascript:alert(1)>)'],
    ['a tab inside the scheme, as an entity', '[x](java&#9;script:alert(1))'],
    ['a line feed before the scheme, as an entity', '[x](&#10;javascript:alert(1))'],
    ['a carriage return inside the scheme, as an entity', '[x](java&#13;script:alert(1))'],
    ['leading spaces, as entities', '[x](&#32;&#32;javascript:alert(1))'],
    ['a hex entity for a letter', '[x](jav&#x61;script:alert(1))'],
    ['a named entity for the colon', '[x](javascript&colon;alert(1))'],
    ['mixed case', '[x](JaVaScRiPt:alert(1))'],
    ['percent-encoded', '[x](%6Aavascript:alert(1))'],
    ['data:', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['vbscript:', '[x](vbscript:msgbox(1))'],
    ['an autolink', '<javascript:alert(1)>'],
    ['a reference definition', '[x][evil]\n\n[evil]: javascript:alert(1)'],
    ['an image', '![x](javascript:alert(1))'],
    ['an image with data:', '![x](data:image/svg+xml,<svg onload=alert(1)>)'],
  ];
  it.each(hostile)('a javascript:, data: or vbscript: link with %s is text, not a link', (_, source) => {
    const html = renderMarkdown(source);
    expect(html).not.toMatch(/href|src=/);
    expect(dom(html).querySelectorAll('a, img').length).toBe(0);
    expect(dom(html).textContent).toMatch(/x|javascript|vbscript|data/i);
  });

  it('renders a safe image as a link to it, so the page loads nothing from elsewhere', () => {
    const html = renderMarkdown('![a cat](https://example.org/cat.png)');
    expect(html).toBe('<p><a href="https://example.org/cat.png">a cat</a></p>');
  });

  it('never lets NUL or another control character reach the HTML raw', () => {
    const html = renderMarkdown('a\u0000b \u001b[31mred\u001b[0m \u0007 \u007f \u0085 \u009b end');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(dom(html).textContent).toBe('a\ufffdb \u241b[31mred\u241b[0m \u2407 \u2421 \ufffd \ufffd end');
  });

  it('leaves asterisks inside words and code alone', () => {
    expect(renderMarkdown('2*3*4 and `*a*`')).toBe('<p>2*3*4 and <code>*a*</code></p>');
  });

  it('writes a quote in an address as an entity, so it cannot end the attribute', () => {
    const html = renderMarkdown('[x](https://example.org/"onmouseover="alert(1))');
    expect(dom(html).querySelector('a')?.getAttributeNames()).toEqual(['href']);
  });

  it('shows headings as bold paragraphs, keeping the page outline', () => {
    expect(renderMarkdown('# Big\n\ntext')).toBe('<p><strong>Big</strong></p>\n<p>text</p>');
  });

  it('whatever the text, only allowed elements, only href attributes, only safe addresses', () => {
    const pieces = [
      '[',
      ']',
      '(',
      ')',
      '<',
      '>',
      '!',
      '*',
      '_',
      '`',
      '&',
      '#',
      ';',
      ':',
      '"',
      "'",
      '\n',
      '\t',
      ' ',
      '\\',
      '/',
      'javascript',
      'JAVA',
      'script',
      'data',
      'vbscript',
      'http',
      'mailto',
      'alert(1)',
      '&#x3a;',
      '&#9;',
      '&#10;',
      '&colon;',
      '\u0000',
      '\u0001',
      '\u001b',
      '\u0085',
      'onerror=',
      '<img src=x ',
      '<a href=',
      '<svg',
      'x',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const html = renderMarkdown(parts.join(''));
        // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
        expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
        for (const element of dom(html).querySelectorAll('*')) {
          expect(ALLOWED_TAGS.has(element.tagName)).toBe(true);
          for (const name of element.getAttributeNames()) expect(['href', 'start']).toContain(name);
        }
        for (const href of hrefs(html)) {
          // an independent reading of "safe": an explicit allowed scheme, or no scheme and no host at all
          expect(href).toMatch(/^(?:(?:https?|mailto):|(?![a-z0-9+.-]*:)(?![/\\]{2}))/i);
          // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
          expect(href).not.toMatch(/[\s\u0000-\u001f]/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
