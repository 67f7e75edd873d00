import { useMemo } from 'react';
import { renderMarkdown, type ReadmeKind } from '../readme';

/** Readme shows a package's readme or description: Markdown as sanitised HTML, anything else as text. */
export function Readme({ source, kind, title = 'Readme' }: { source: string | null | undefined; kind: ReadmeKind; title?: string }) {
  const html = useMemo(() => (source && kind === 'markdown' ? renderMarkdown(source) : ''), [source, kind]);
  if (!source) return null;
  return (
    <section className="card" aria-labelledby="readme-h" data-testid="readme">
      <h2 id="readme-h">{title}</h2>
      {kind === 'markdown' ? <div className="readme" dangerouslySetInnerHTML={{ __html: html }} /> : <pre className="readme-text">{source}</pre>}
    </section>
  );
}
