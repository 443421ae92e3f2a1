import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMarkdown } from '../../src/analysis/report/markdown.ts';

describe('set descriptions', () => {
  it('escapes every tag, so a description cannot inject markup', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('renders emphasis, strong, code, links and paragraphs', () => {
    const html = renderMarkdown('The *lecture* by **Cohen**, see `np.std` and [the course](https://example.org/a?b=1&c=2).\n\nSecond\nparagraph.');
    expect(html).toBe('<p>The <em>lecture</em> by <strong>Cohen</strong>, see <code>np.std</code> and <a href="https://example.org/a?b=1&amp;c=2">the course</a>.</p>\n<p>Second paragraph.</p>');
  });

  it('keeps dangerous link targets as text', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('href');
    expect(renderMarkdown('[x](//evil.example)')).not.toContain('href');
    expect(renderMarkdown('[x](../methods/)')).toContain('href="../methods/"');
  });

  it('leaves asterisks inside words and code alone', () => {
    expect(renderMarkdown('2*3*4 and `*a*`')).toBe('<p>2*3*4 and <code>*a*</code></p>');
  });

  it('escapes quotes for attributes', () => {
    expect(escapeHtml(`"'&<>`)).toBe('&quot;&#39;&amp;&lt;&gt;');
  });
});
