import { useId } from 'react';
import { bars, chartSummary, type Point } from './chart';

const W = 300;
const H = 64;

/**
 * BarChart is a small inline SVG bar chart with a text alternative: the SVG is an
 * image labelled by a one-line summary, and the values are in a table under a
 * disclosure for who wants the numbers.
 */
export function BarChart({ title, points, unit, kind, testId }: { title: string; points: Point[]; unit: (n: number) => string; kind: 'sum' | 'level'; testId?: string }) {
  const id = useId();
  const summary = chartSummary(points, unit, kind);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption id={`${id}-cap`} className="chart-caption">
        <strong>{title}</strong> <span className="muted small" data-testid={testId && `${testId}-summary`}>{summary}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} preserveAspectRatio="none" role="img" aria-labelledby={`${id}-cap`} focusable="false">
        <line x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} className="chart-axis" />
        {bars(points, W, H - 1).map((b) => (
          <rect key={b.point.label} x={b.x} y={b.y} width={b.width} height={b.height} className="chart-bar">
            <title>{`${b.point.label}: ${unit(b.point.value)}`}</title>
          </rect>
        ))}
      </svg>
      <details className="chart-data">
        <summary>Data table</summary>
        <table className="table table-compact">
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.label}>
                <td className="mono">{p.label}</td>
                <td>{unit(p.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
