import { renderToStaticMarkup } from 'react-dom/server';
import { Fragment, createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { downloadsLabel, formatSize } from './format';
import { Size, StorageLine } from './components/ui';

const KiB = 1024;
const MiB = KiB * 1024;
const GiB = MiB * 1024;
const TiB = GiB * 1024;

describe('formatSize', () => {
  it('counts bytes below a KiB', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1)).toBe('1 B');
    expect(formatSize(1023)).toBe('1023 B');
  });
  it('uses binary units with one decimal below 10', () => {
    expect(formatSize(KiB)).toBe('1.0 KiB');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(10 * KiB)).toBe('10 KiB');
    expect(formatSize(12.3 * MiB)).toBe('12 MiB');
    expect(formatSize(2.5 * GiB)).toBe('2.5 GiB');
    expect(formatSize(3 * TiB)).toBe('3.0 TiB');
  });
  it('steps up a unit rather than showing 1024 of the smaller one', () => {
    expect(formatSize(MiB - 1)).toBe('1.0 MiB');
    expect(formatSize(GiB - 1)).toBe('1.0 GiB');
    expect(formatSize(9.97 * KiB)).toBe('10 KiB');
  });
  it('stops at TiB', () => {
    expect(formatSize(2048 * TiB)).toBe('2048 TiB');
  });
  it('takes the String sizes of package files and the Float sizes of storage statistics', () => {
    expect(formatSize('2048')).toBe('2.0 KiB');
    expect(formatSize(2048.0)).toBe('2.0 KiB');
  });
  it('shows what is not a number as it is', () => {
    expect(formatSize('n/a')).toBe('n/a');
    expect(formatSize(Infinity)).toBe('Infinity');
  });
});

describe('storage line', () => {
  it('shows the formatted size with the exact byte count in the tooltip', () => {
    const children = createElement(Fragment, null, 'Packages: ', createElement(Size, { bytes: 12_897_485 }));
    const html = renderToStaticMarkup(createElement(StorageLine, { testId: 'project-storage', children }));
    expect(html).toBe('<p class="storage muted small" data-testid="project-storage"><strong>Storage</strong> · Packages: <span title="12,897,485 bytes">12 MiB</span></p>');
  });
});

describe('downloadsLabel', () => {
  it('says none, one, or a grouped count', () => {
    expect(downloadsLabel(0)).toBe('no downloads');
    expect(downloadsLabel(1)).toBe('1 download');
    expect(downloadsLabel(2)).toBe('2 downloads');
    expect(downloadsLabel(1234567)).toBe('1,234,567 downloads');
  });
});
