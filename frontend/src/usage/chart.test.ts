import { describe, expect, it } from 'vitest';
import { bars, chartSummary } from './chart';

const pts = (...v: number[]) => v.map((value, i) => ({ label: `2026-01-0${i + 1}`, value }));

describe('charts', () => {
  it('scales bars to the tallest and keeps a non-zero value visible', () => {
    const b = bars(pts(0, 1000, 500, 1), 40, 100, 0);
    expect(b.map((x) => x.height)).toEqual([0, 100, 50, 1]);
    expect(b.map((x) => x.x)).toEqual([0, 10, 20, 30]);
    expect(b[1].y).toBe(0);
    expect(b[0].y).toBe(100);
  });
  it('draws nothing tall when every value is zero', () => {
    expect(bars(pts(0, 0), 20, 50).every((x) => x.height === 0)).toBe(true);
    expect(bars([], 20, 50)).toEqual([]);
  });
  it('summarises downloads as a total and a peak', () => {
    const n = (x: number) => `${x} downloads`;
    expect(chartSummary(pts(0, 3, 1), n, 'sum')).toBe('4 downloads from 2026-01-01 to 2026-01-03; most on 2026-01-02 (3 downloads).');
    expect(chartSummary(pts(0, 0), n, 'sum')).toBe('None from 2026-01-01 to 2026-01-02.');
    expect(chartSummary([], n, 'sum')).toBe('No data.');
  });
  it('summarises storage as first, last and highest level', () => {
    expect(chartSummary(pts(1, 5, 4), (x) => `${x} B`, 'level')).toBe('1 B on 2026-01-01, 4 B on 2026-01-03; highest 5 B on 2026-01-02.');
  });
});
