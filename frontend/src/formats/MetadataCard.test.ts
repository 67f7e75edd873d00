import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ALL_FRAMEWORKS, groupByFramework, safeLink } from './nuget';

const link = (name: string, versionPattern: string, targetFramework?: string) => ({
  dependency: { name, versionPattern },
  metadata: targetFramework ? { __typename: 'NugetDependencyLinkMetadata', targetFramework } : null,
});

describe('NuGet metadata card', () => {
  it('groups dependencies by target framework, those without one first as "All frameworks"', () => {
    const groups = groupByFramework([
      link('Newtonsoft.Json', '[13.0.1, )', 'net8.0'),
      link('Serilog', '3.1.1'),
      link('System.Text.Json', '8.0.0', '.NETStandard2.0'),
      null,
      { dependency: null, metadata: null },
      link('Polly', '8.2.0', 'net8.0'),
      link('Humanizer', '2.14.1'),
    ]);
    expect(groups).toEqual([
      { framework: ALL_FRAMEWORKS, dependencies: [{ name: 'Serilog', versionPattern: '3.1.1' }, { name: 'Humanizer', versionPattern: '2.14.1' }] },
      { framework: 'net8.0', dependencies: [{ name: 'Newtonsoft.Json', versionPattern: '[13.0.1, )' }, { name: 'Polly', versionPattern: '8.2.0' }] },
      { framework: '.NETStandard2.0', dependencies: [{ name: 'System.Text.Json', versionPattern: '8.0.0' }] },
    ]);
    expect(ALL_FRAMEWORKS).toBe('All frameworks');
  });
  it('has no groups without dependencies', () => {
    expect(groupByFramework([])).toEqual([]);
  });
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
