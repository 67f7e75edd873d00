import { lazy, Suspense } from 'react';
import { useSession } from '../session';

// GraphiQL is large and only explorers need it: it loads in a chunk of its own, from
// this server (bundled at build time, no CDN), so the explorer works offline.
const GraphiQLExplorer = lazy(() => import('./ExplorerGraphiQL'));

/** Explorer is GraphiQL on /api/graphql, as the signed-in user (or anonymous). */
export function Explorer() {
  const { session } = useSession();
  return (
    <div className="explorer">
      <h1 className="sr-only">GraphQL explorer</h1>
      <Suspense fallback={<p className="muted">Loading the GraphQL explorer…</p>}>
        <GraphiQLExplorer csrfToken={session?.csrfToken} />
      </Suspense>
    </div>
  );
}
