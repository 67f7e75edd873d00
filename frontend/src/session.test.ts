import { describe, expect, it } from 'vitest';
import { sessionEnded } from './client';
import { signInAgain } from './session';

describe('sessionEnded', () => {
  it.each([
    ['a 401 answer', { response: { status: 401 }, graphQLErrors: [] }, true],
    ['the UNAUTHENTICATED code', { graphQLErrors: [{ extensions: { code: 'UNAUTHENTICATED' } }] }, true],
    ['a refusal that is not about signing in', { response: { status: 200 }, graphQLErrors: [{ extensions: { code: 'FORBIDDEN' } }] }, false],
    ['a network failure', { response: undefined, graphQLErrors: [] }, false],
    ['no error', null, false],
  ])('%s', (_, e, want) => {
    expect(sessionEnded(e)).toBe(want);
  });
});

describe('signInAgain', () => {
  it.each([
    ['/acme/app/-/packages?type=NPM', '/-/sign_in?session=ended&return_to=%2Facme%2Fapp%2F-%2Fpackages%3Ftype%3DNPM'],
    ['/-/sign_in?return_to=%2Fx', '/-/sign_in?session=ended&return_to=%2F'],
  ])('%s', (path, want) => {
    expect(signInAgain(path)).toBe(want);
  });
});
