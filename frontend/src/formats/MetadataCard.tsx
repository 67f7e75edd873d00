import type { ReactNode } from 'react';

/** MetadataCard renders key/value rows (empty ones left out; a value may be a link) and extra content. */
export function MetadataCard({ rows, children }: { rows: [string, ReactNode][]; children?: ReactNode }) {
  const shown = rows.filter(([, v]) => v);
  if (shown.length === 0 && !children) return null;
  return (
    <section className="card" aria-labelledby="meta-h">
      <h2 id="meta-h">Metadata</h2>
      <dl className="kv">
        {shown.map(([k, v], i) => (
          <div key={`${i}:${k}`}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {children}
    </section>
  );
}

/** safeLink is a link for http(s) URLs and plain text for anything else (javascript:, data:, …). */
export function safeLink(url: string | null | undefined): ReactNode {
  if (!url) return '';
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  return ok ? (
    <a href={url} rel="noopener noreferrer nofollow" target="_blank">
      {url}
    </a>
  ) : (
    <span className="mono">{url}</span>
  );
}
