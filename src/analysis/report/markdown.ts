/**
 * The Markdown of a set's `description`, rendered for the report's front page. A set file may
 * come from anyone, so its text is treated as hostile: a maintained CommonMark parser (remark)
 * reads it, the tree is turned into HTML elements (remark-rehype), links are kept only when a
 * browser would open them as http(s), mailto or a relative address, and a strict allow-list
 * (rehype-sanitize) is the last word on what reaches the page. Raw HTML in the text is shown as
 * text, never interpreted; control characters are shown as visible symbols.
 */
import rehypeSanitize, { type Options as SanitizeSchema } from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';

import { isSafeHref } from './safe-url.ts';

/** What these plugins read and write of a syntax tree node, Markdown's (mdast) or HTML's (hast). */
interface TreeNode {
  type: string;
  value?: string;
  children?: TreeNode[];
  tagName?: string;
  properties?: Record<string, unknown>;
  position?: { start: { offset?: number }; end: { offset?: number } };
}

/** Renders a description to HTML: paragraphs, emphasis, strong, code, links, lists, quotes. */
export function renderMarkdown(text: string): string {
  return String(PROCESSOR.processSync(text)).trim();
}

/**
 * What a description may produce: no attributes but a link's address (and a list's start),
 * no element that loads anything or runs anything. Unknown elements are replaced by their text.
 */
const SCHEMA: SanitizeSchema = {
  tagNames: ['p', 'em', 'strong', 'code', 'a', 'br', 'ul', 'ol', 'li', 'blockquote', 'pre', 'hr'],
  attributes: { a: ['href'], ol: ['start'] },
  protocols: { href: ['http', 'https', 'mailto'] },
  strip: ['script', 'style'],
  required: {},
  clobber: [],
  ancestors: { li: ['ol', 'ul'] },
};

const PROCESSOR = unified()
  .use(remarkParse)
  .use(rawHtmlAsText)
  .use(remarkRehype)
  .use(keepSafeLinks)
  .use(visibleControls)
  .use(rehypeSanitize, SCHEMA)
  .use(rehypeStringify, { characterReferences: { useNamedReferences: true } })
  .freeze();

/**
 * HTML written in a description stays the text it is: remark-rehype would drop it silently,
 * which hides from the author that it did nothing. A single line break reads as a space (a
 * YAML block keeps the author's line wrapping, which is not meant as structure).
 */
function rawHtmlAsText() {
  return (tree: TreeNode, file: { value: unknown }) => {
    const source = String(file.value);
    const visit = (node: TreeNode, parent: TreeNode | null) => {
      // the node's place among its siblings, to put another node there
      const siblings = parent?.children ?? [];
      const intraword = node.type === 'emphasis' ? intrawordSource(node, source) : null;
      if (intraword !== null && parent) {
        // "2*3*4" is arithmetic, not "2<em>3</em>4": a single asterisk inside a word stays
        siblings[siblings.indexOf(node)] = { type: 'text', value: intraword, position: node.position };
        return;
      }
      if (node.type === 'html' && parent) {
        const text: TreeNode = { type: 'text', value: node.value, position: node.position };
        // a block of HTML sits where a paragraph would: it becomes one
        const flow = parent.type === 'root' || parent.type === 'blockquote' || parent.type === 'listItem';
        siblings[siblings.indexOf(node)] = flow ? { type: 'paragraph', children: [text], position: node.position } : text;
        return;
      }
      if (node.type === 'text' && node.value !== undefined) node.value = node.value.replace(/[ \t]*\n[ \t]*/g, ' ');
      if (node.type === 'heading') {
        // a heading would break the page's outline: its text is shown in bold instead
        const strong: TreeNode = { type: 'strong', children: node.children, position: node.position };
        Object.assign(node, { type: 'paragraph', children: [strong] });
      }
      for (const child of [...(node.children ?? [])]) visit(child, node);
    };
    visit(tree, null);
  };
}

/** The source of an emphasis written with "*" between two letters or digits; else null. */
function intrawordSource(node: TreeNode, source: string): string | null {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined || source[start] !== '*') return null;
  const word = /[\p{L}\p{N}]/u;
  return word.test(source[start - 1] ?? '') && word.test(source[end] ?? '') ? source.slice(start, end) : null;
}

/**
 * A link (or an image: the page loads nothing from elsewhere, so it becomes a link to it)
 * whose address a browser would not open as http(s), mailto or relative is shown as the
 * Markdown that was written, as text.
 */
function keepSafeLinks() {
  return (tree: TreeNode, file: { value: unknown }) => {
    const source = String(file.value);
    const writtenAs = (node: TreeNode): TreeNode => {
      const start = node.position?.start.offset;
      const end = node.position?.end.offset;
      const value = start !== undefined && end !== undefined ? source.slice(start, end) : textOf(node);
      return { type: 'text', value };
    };
    const walk = (parent: TreeNode) => {
      parent.children = parent.children?.map((child): TreeNode => {
        if (child.type !== 'element') return child;
        const properties = child.properties ?? {};
        if (child.tagName === 'a') {
          const href = properties.href;
          if (typeof href !== 'string' || !isSafeHref(href)) return writtenAs(child);
          // the sanitiser compares schemes case-sensitively; a browser does not ("HTTPS:")
          properties.href = lowerScheme(href);
        }
        if (child.tagName === 'img') {
          const { src, alt } = properties;
          if (typeof src !== 'string' || !isSafeHref(src)) return writtenAs(child);
          const label = typeof alt === 'string' && alt !== '' ? alt : src;
          return {
            type: 'element',
            tagName: 'a',
            properties: { href: lowerScheme(src) },
            children: [{ type: 'text', value: label }],
            position: child.position,
          };
        }
        walk(child);
        return child;
      });
    };
    walk(tree);
  };
}

/**
 * NUL, the other C0 controls, DEL and the C1 controls never reach the page as they are: C0 and
 * DEL become their Control Pictures symbol (U+2400 block, e.g. ␛ for ESC), C1 the replacement
 * character. Tabs and line breaks are whitespace, and stay.
 */
function visibleControls() {
  return (tree: TreeNode) => {
    const walk = (node: TreeNode) => {
      if (node.type === 'text' && node.value !== undefined) node.value = showControls(node.value);
      for (const [key, value] of Object.entries(node.properties ?? {})) {
        if (typeof value === 'string' && node.properties) node.properties[key] = showControls(value);
      }
      for (const child of node.children ?? []) walk(child);
    };
    walk(tree);
  };
}

function showControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
  return text.replace(/[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '\u2421' : '\ufffd';
  });
}

function lowerScheme(href: string): string {
  return href.replace(/^[a-z][a-z0-9+.-]*:/i, (scheme) => scheme.toLowerCase());
}

function textOf(node: TreeNode): string {
  return node.type === 'text' ? (node.value ?? '') : (node.children ?? []).map(textOf).join('');
}
