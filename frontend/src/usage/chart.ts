// Small inline charts: pure geometry and text alternatives, rendered by BarChart.

export type Point = { label: string; value: number };

export type Bar = { x: number; y: number; width: number; height: number; point: Point };

/** bars lays points out as bars in a width×height box, the tallest filling it (all-zero: flat). */
export function bars(points: Point[], width: number, height: number, gap = 1): Bar[] {
  const top = Math.max(0, ...points.map((p) => p.value));
  const w = points.length ? width / points.length : 0;
  return points.map((p, i) => {
    const h = top > 0 ? Math.max(p.value > 0 ? 1 : 0, (p.value / top) * height) : 0;
    return { x: i * w + gap / 2, y: height - h, width: Math.max(0, w - gap), height: h, point: p };
  });
}

/** chartSummary is a chart's text alternative: total, peak, first and last value. */
export function chartSummary(points: Point[], unit: (n: number) => string, kind: 'sum' | 'level'): string {
  if (points.length === 0) return 'No data.';
  const first = points[0];
  const last = points[points.length - 1];
  const peak = points.reduce((a, b) => (b.value > a.value ? b : a), first);
  const span = `${first.label} to ${last.label}`;
  if (kind === 'sum') {
    const total = points.reduce((n, p) => n + p.value, 0);
    if (total === 0) return `None from ${span}.`;
    return `${unit(total)} from ${span}; most on ${peak.label} (${unit(peak.value)}).`;
  }
  return `${unit(first.value)} on ${first.label}, ${unit(last.value)} on ${last.label}; highest ${unit(peak.value)} on ${peak.label}.`;
}
