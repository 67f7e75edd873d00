// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { dropHandlers, readmeKind, renderMarkdown, safeUrl } from './readme';

describe('readme rendering', () => {
  it('renders Markdown', () => {
    const html = renderMarkdown('# Title\n\nSome *text* and `code`.\n\n- a\n- b');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<em>text</em>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<li>a</li>');
  });
  it('drops scripts, event handlers, styles and forms', () => {
    const html = renderMarkdown('hi <script>alert(1)</script><img src="x.png" onerror="alert(2)"><b style="color:red" onclick="x()">b</b><form><input></form><iframe src="https://e.com"></iframe>');
    expect(html).not.toMatch(/script|onerror|onclick|style=|<form|<input|<iframe/i);
    expect(html).toContain('<img src="x.png" alt="">');
  });
  it('gives links rel="noopener noreferrer" and refuses javascript: and data: URLs', () => {
    const html = renderMarkdown('[ok](https://example.com/a) [bad](javascript:alert(1)) <a href="JaVaScRiPt:alert(1)">x</a> <a href="data:text/html,hi">d</a> [rel](docs/x.md)');
    expect(html).toContain('<a href="https://example.com/a" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
    expect(html).not.toMatch(/javascript:|data:/i);
    expect(html).toContain('href="docs/x.md"');
    expect((html.match(/rel="noopener noreferrer nofollow"/g) ?? []).length).toBe((html.match(/<a /g) ?? []).length);
  });
  it('removes event handler attributes before the markup is parsed', () => {
    expect(dropHandlers('<img src="x" onerror="a()" ONLOAD=\'b()\' onclick=c()>')).toBe('<img src="x">');
    expect(dropHandlers('<a href="/on=1" title="x">on click</a>')).toBe('<a href="/on=1" title="x">on click</a>');
  });
  it('says which content types are Markdown and which are text', () => {
    expect(readmeKind('text/markdown; charset=UTF-8')).toBe('markdown');
    expect(readmeKind('text/x-rst')).toBe('text');
    expect(readmeKind('text/plain')).toBe('text');
    expect(readmeKind(null)).toBe('markdown');
    expect(readmeKind('', 'text')).toBe('text');
  });
  it('accepts http(s), mailto and relative URLs only', () => {
    for (const u of ['https://a.b/', 'http://a', 'mailto:x@y.z', '/p', 'docs/a.md', '#h']) expect(safeUrl(u)).toBe(true);
    for (const u of ['javascript:alert(1)', ' javascript:x', 'java\tscript:x', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd']) expect(safeUrl(u)).toBe(false);
  });
});
