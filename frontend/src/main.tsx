import { StrictMode, useCallback, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './App';
import { newClient } from './client';
import { navigate, RouterProvider } from './router';
import { loadSession, SessionContext, signInAgain, type Session } from './session';
import './styles.css';

const here = () => window.location.pathname + window.location.search;

function Root({ initial }: { initial: Session }) {
  const [session, setSession] = useState<Session>(initial);
  // When GraphQL says the session is gone, ask the server once who is signed in: a
  // write whose CSRF token is stale after a sign-in in another tab finds that tab's
  // session; otherwise the session ended and the sign-in page brings the user back here.
  const checking = useRef(false);
  const onSessionEnded = useCallback(() => {
    if (checking.current) return;
    checking.current = true;
    loadSession()
      .then(({ session: now }) => {
        setSession(now);
        if (!now) navigate(signInAgain(here()), { replace: true });
      })
      .catch(() => {})
      .finally(() => {
        checking.current = false;
      });
  }, []);
  // A new client per session: no cached data outlives a sign-in or sign-out.
  const client = useMemo(() => newClient(session?.csrfToken, session ? onSessionEnded : undefined), [session, onSessionEnded]);
  return (
    <SessionContext.Provider value={{ session, setSession }}>
      <Provider value={client}>
        <RouterProvider>
          <App />
        </RouterProvider>
      </Provider>
    </SessionContext.Provider>
  );
}

const root = createRoot(document.getElementById('root')!);
loadSession().then(
  ({ session, ended }) => {
    // The browser held a session the server no longer accepts: say so on the sign-in page.
    if (ended && !window.location.pathname.startsWith('/-/sign_in')) window.history.replaceState(null, '', signInAgain(here()));
    root.render(
      <StrictMode>
        <Root initial={session} />
      </StrictMode>,
    );
  },
  (e: Error) => {
    root.render(
      <main className="page narrow">
        <h1>The registry is not answering</h1>
        <p role="alert">{e.message}</p>
        <p>Reload the page to try again.</p>
      </main>,
    );
  },
);
