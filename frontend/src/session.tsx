// The signed-in user, from the registry's session API (/-/session): the cookie is
// HttpOnly, so the app keeps only what the server answers, including the CSRF token
// that every GraphQL POST carries.
import { createContext, useContext } from 'react';

export type SessionUser = { id: number; username: string; name: string; avatar_url?: string; web_url?: string };
export type Session = { user: SessionUser; admin: boolean; csrfToken: string } | null;

/**
 * loadSession asks who is signed in. ended is set when the browser still held a session
 * cookie the server no longer accepts (expired, signed out elsewhere, password
 * changed): the server answers 401 and clears the cookie.
 */
export async function loadSession(): Promise<{ session: Session; ended: boolean }> {
  const res = await fetch('/-/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (res.status === 401) return { session: null, ended: true };
  if (!res.ok) throw new Error(`The server answered ${res.status} when asked who is signed in.`);
  const body = (await res.json()) as Session | { user: null };
  return { session: body && body.user ? (body as Session) : null, ended: false }; // anonymous: 200 with user null
}

/** signInAgain is the sign-in page that returns to path after signing in, saying the session ended. */
export function signInAgain(path: string): string {
  const back = path.startsWith('/-/sign_in') ? '/' : path;
  return `/-/sign_in?session=ended&return_to=${encodeURIComponent(back)}`;
}

export async function signIn(username: string, password: string): Promise<Session> {
  const res = await fetch('/-/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
  if (!res.ok) {
    if (res.status === 429) throw new Error(body.message || 'Too many failed sign-ins. Wait a minute and try again.');
    throw new Error(body.message || body.error || `Sign-in failed (HTTP ${res.status}).`);
  }
  return body as unknown as Session;
}

export async function signOut(csrfToken: string): Promise<void> {
  const res = await fetch('/-/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken } });
  if (!res.ok && res.status !== 401) throw new Error(`Sign-out failed (HTTP ${res.status}).`);
}

export type SessionState = { session: Session; setSession: (s: Session) => void };
export const SessionContext = createContext<SessionState>({ session: null, setSession: () => {} });
export function useSession(): SessionState {
  return useContext(SessionContext);
}
