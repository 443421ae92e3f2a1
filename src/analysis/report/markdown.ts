/**
 * The small Markdown of a set's `description`: paragraphs, **strong**, *emphasis*,
 * `code` and [links](https://…). Everything is HTML-escaped first, so a description can
 * never inject markup; links keep only http(s), mailto and relative addresses.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function inlineMarkdown(text: string): string {
  const codes: string[] = [];
  let html = escapeHtml(text).replace(/`([^`]+)`/g, (_, code: string) => {
    codes.push(`<code>${code}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  html = html
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, href: string) =>
      safeHref(href) ? `<a href="${href}">${label}</a>` : whole)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*\w])\*([^*\s][^*]*?)\*(?![*\w])/g, '$1<em>$2</em>')
    .replace(/(^|[^_\w])_([^_\s][^_]*?)_(?![_\w])/g, '$1<em>$2</em>');
  return html.replace(/\u0000(\d+)\u0000/g, (_, i: string) => codes[Number(i)]);
}

/** Paragraphs separated by blank lines; single line breaks are spaces. */
export function renderMarkdown(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((block) => block.trim().replace(/\s*\n\s*/g, ' '))
    .filter((block) => block.length > 0)
    .map((block) => `<p>${inlineMarkdown(block)}</p>`)
    .join('\n');
}

function safeHref(escapedHref: string): boolean {
  const href = escapedHref.replaceAll('&amp;', '&');
  return /^(https?:|mailto:)/i.test(href) || (!/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('//'));
}
