import type { ReactNode } from 'react';

/** MetadataCard renders key/value rows (empty ones left out; a value may be a link) and extra content. */
export function MetadataCard({ rows, children }: { rows: [string, ReactNode][]; children?: ReactNode }) {
  const shown = rows.filter(([, v]) => v);
  if (shown.length === 0 && !children) return null;
  return (
    <section className="card" aria-labelledby="meta-h">
      <h2 id="meta-h">Metadata</h2>
      <dl className="kv">
        {shown.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {children}
    </section>
  );
}
