import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { safeLink } from './MetadataCard';

describe('metadata links', () => {
  it('links http and https URLs only, and shows anything else as text', () => {
    const html = (u: string) => renderToStaticMarkup(safeLink(u) as ReactElement);
    expect(html('https://example.com/lib')).toBe('<a href="https://example.com/lib" rel="noopener noreferrer nofollow" target="_blank">https://example.com/lib</a>');
    expect(html('http://example.com/')).toContain('<a href="http://example.com/"');
    expect(html('javascript:alert(1)')).toBe('<span class="mono">javascript:alert(1)</span>');
    expect(html('not a url')).toBe('<span class="mono">not a url</span>');
    expect(safeLink(null)).toBe('');
    expect(safeLink('')).toBe('');
  });
});
