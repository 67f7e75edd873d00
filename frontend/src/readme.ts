// Readmes and descriptions as the package page shows them: Markdown rendered by
// marked, then sanitised by DOMPurify (no script, no event handlers, no javascript:
// or data: links); every link opens in a new tab without the opener or a referrer.
// reStructuredText and plain text are shown as preformatted text, never as HTML.
import DOMPurify from 'dompurify';
import { marked } from 'marked';

export type ReadmeKind = 'markdown' | 'text';

/** readmeKind says how to show a description from its content type (PyPI's Description-Content-Type). */
export function readmeKind(contentType: string | null | undefined, fallback: ReadmeKind = 'markdown'): ReadmeKind {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === 'text/markdown') return 'markdown';
  if (t === 'text/x-rst' || t === 'text/plain') return 'text';
  return fallback;
}

/** safeUrl is true for http(s) and mailto links and for relative ones. */
export function safeUrl(url: string): boolean {
  const u = url.trim();
  if (/^(https?:|mailto:)/i.test(u)) return true;
  // Anything else with a scheme (javascript:, data:, vbscript:, ...) is refused.
  return !/^[a-z][a-z0-9+.-]*:/i.test(u.replace(/[\u0000-\u0020]/g, ''));
}

let purifier: ReturnType<typeof DOMPurify> | null = null;

function sanitizer(win: Window & typeof globalThis): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  const p = DOMPurify(win);
  p.addHook('uponSanitizeAttribute', (_node, data) => {
    if ((data.attrName === 'href' || data.attrName === 'src') && !safeUrl(data.attrValue)) data.keepAttr = false;
  });
  p.addHook('afterSanitizeAttributes', (node) => {
    // An image the author gave no text is decorative to a screen reader.
    if (node.tagName === 'IMG' && !node.hasAttribute('alt')) node.setAttribute('alt', '');
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('rel', 'noopener noreferrer nofollow');
      node.setAttribute('target', '_blank');
    }
  });
  purifier = p;
  return p;
}

const handlerAttr = /(<[^>]*?)\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi;

/**
 * dropHandlers removes event handler attributes from markup before any DOM parses it:
 * DOMPurify removes them anyway, but Chromium reports a blocked handler (a CSP
 * violation) as soon as it parses one, even in an inert document.
 */
export function dropHandlers(html: string): string {
  let prev;
  do {
    prev = html;
    html = html.replace(handlerAttr, '$1');
  } while (html !== prev);
  return html;
}

/** renderMarkdown turns Markdown into sanitised HTML (win: the window whose DOM parses it). */
export function renderMarkdown(source: string, win: Window & typeof globalThis = window): string {
  const html = dropHandlers(marked.parse(source, { async: false, gfm: true }) as string);
  return sanitizer(win).sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'textarea', 'select'],
    FORBID_ATTR: ['style'],
  });
}
