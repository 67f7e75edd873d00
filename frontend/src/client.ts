import { Client, cacheExchange, fetchExchange, mapExchange, type CombinedError } from 'urql';

/**
 * newClient talks to /api/graphql with the session cookie and its CSRF token.
 * onSessionEnded runs when the server says the session is gone (signed-in clients only).
 */
export function newClient(csrfToken: string | undefined, onSessionEnded?: () => void): Client {
  return new Client({
    url: '/api/graphql',
    exchanges: [
      cacheExchange,
      mapExchange({
        onError(error) {
          if (onSessionEnded && sessionEnded(error)) onSessionEnded();
        },
      }),
      fetchExchange,
    ],
    requestPolicy: 'cache-and-network',
    preferGetMethod: false,
    fetchOptions: (): RequestInit => ({
      credentials: 'same-origin',
      headers: csrfToken ? { 'X-CSRF-Token': csrfToken } : {},
    }),
  });
}

type ErrorLike = {
  response?: unknown;
  graphQLErrors?: readonly { extensions?: Record<string, unknown> }[];
};

/**
 * sessionEnded reports whether a GraphQL error says the caller is not signed in: the
 * server answers a session cookie that no longer authenticates with 401 and the code
 * UNAUTHENTICATED (server/session.go), never a Basic challenge.
 */
export function sessionEnded(e: ErrorLike | null | undefined): boolean {
  if (!e) return false;
  if ((e.response as { status?: number } | undefined)?.status === 401) return true;
  return (e.graphQLErrors ?? []).some((g) => g.extensions?.code === 'UNAUTHENTICATED');
}

/** errorText says what went wrong in words, without urql's prefixes. */
export function errorText(e: CombinedError | Error | string | null | undefined): string {
  if (!e) return '';
  if (typeof e === 'string') return e;
  if ('graphQLErrors' in e && e.graphQLErrors?.length) return e.graphQLErrors.map((g) => g.message).join(' ');
  if ('networkError' in e && e.networkError) {
    const status = (e.response as Response | undefined)?.status;
    if (status === 401) return 'Your session has ended. Sign in again.';
    return `The registry could not be reached (${e.networkError.message}).`;
  }
  return e.message.replace(/^\[(GraphQL|Network)\]\s*/, '');
}
