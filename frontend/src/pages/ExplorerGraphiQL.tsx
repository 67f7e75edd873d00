import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import { useMemo } from 'react';

const example = `# The API the UI uses: ask for what you need; Ctrl+Space completes, the docs are on the left.
{
  currentUser { username }
  projects(first: 5) { nodes { fullPath packages(first: 3) { nodes { name version packageType } } } }
}
`;

/** The GraphiQL part of the explorer: the session cookie and its CSRF token go along. */
export default function ExplorerGraphiQL({ csrfToken }: { csrfToken?: string }) {
  const fetcher = useMemo(
    () =>
      createGraphiQLFetcher({
        url: '/api/graphql',
        headers: csrfToken ? { 'X-CSRF-Token': csrfToken } : {},
        fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
      }),
    [csrfToken],
  );
  return <GraphiQL fetcher={fetcher} defaultQuery={example} />;
}
