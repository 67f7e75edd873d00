import { describe, expect, it } from 'vitest';
import { groupVersions, pageOf, pageRange } from './listing';

const v = (id: string, name: string, version: string, project = 'g/p', packageType = 'NPM') => ({ id, name, version, project: { fullPath: project }, packageType });

describe('package list', () => {
  it('groups versions of one package under its first listed version', () => {
    const g = groupVersions([v('1', 'a', '2.0.0'), v('2', 'b', '1.0.0'), v('3', 'a', '1.0.0'), v('4', 'a', '1.0.0', 'g/other'), v('5', 'a', '1.0.0', 'g/p', 'PYPI')]);
    expect(g.map((x) => [x.latest.id, x.versions.map((y) => y.id)])).toEqual([
      ['1', ['1', '3']],
      ['2', ['2']],
      ['4', ['4']],
      ['5', ['5']],
    ]);
    expect(groupVersions([])).toEqual([]);
  });
  it('says which items a page shows', () => {
    expect(pageRange(2, 20, 20, 60)).toBe('21–40 of 60');
    expect(pageRange(1, 20, 20, 60)).toBe('1–20 of 60');
    expect(pageRange(3, 20, 5, 45)).toBe('41–45 of 45');
    expect(pageRange(1, 20, 0, 0)).toBe('0 of 0');
  });
  it('reads the page from the URL', () => {
    expect(pageOf(null)).toBe(1);
    expect(pageOf('3')).toBe(3);
    expect(pageOf('0')).toBe(1);
    expect(pageOf('x')).toBe(1);
    expect(pageOf('2.5')).toBe(1);
  });
});
