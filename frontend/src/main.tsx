import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './App';
import { newClient } from './client';
import { RouterProvider } from './router';
import { loadSession, SessionContext, type Session } from './session';
import './styles.css';

function Root({ initial }: { initial: Session }) {
  const [session, setSession] = useState<Session>(initial);
  // A new client per session: no cached data outlives a sign-in or sign-out.
  const client = useMemo(() => newClient(session?.csrfToken), [session]);
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
  (s) =>
    root.render(
      <StrictMode>
        <Root initial={s} />
      </StrictMode>,
    ),
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
