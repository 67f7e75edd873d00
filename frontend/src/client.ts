import { Client, cacheExchange, fetchExchange, type CombinedError } from 'urql';

/** newClient talks to /api/graphql with the session cookie and its CSRF token. */
export function newClient(csrfToken: string | undefined): Client {
  return new Client({
    url: '/api/graphql',
    exchanges: [cacheExchange, fetchExchange],
    requestPolicy: 'cache-and-network',
    preferGetMethod: false,
    fetchOptions: (): RequestInit => ({
      credentials: 'same-origin',
      headers: csrfToken ? { 'X-CSRF-Token': csrfToken } : {},
    }),
  });
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
