import { useEffect, useRef } from 'react';
import { Link, navigate, parseRoute, useLocation } from './router';
import { signOut, useSession } from './session';
import { SignIn } from './pages/SignIn';
import { Home } from './pages/Home';
import { NotFound } from './pages/NotFound';
import { Namespace } from './pages/Namespace';
import { PackageList } from './pages/PackageList';
import { PackageDetails } from './pages/PackageDetails';
import { Settings } from './pages/Settings';
import { NamespaceTokens } from './pages/NamespaceTokens';
import { PersonalTokens } from './pages/PersonalTokens';
import { Admin } from './pages/Admin';
import { NewGroup, NewProject } from './pages/New';
import { Explorer } from './pages/Explorer';
import { Members } from './pages/Members';
import { Pipeline } from './pages/Pipeline';
import { useQuery } from 'urql';
import { graphql } from './gql';

function Header() {
  const { session, setSession } = useSession();
  const loc = useLocation();
  const out = async () => {
    try {
      await signOut(session?.csrfToken ?? '');
    } catch (e) {
      window.alert((e as Error).message);
      return;
    }
    setSession(null);
    navigate('/-/sign_in');
  };
  return (
    <header className="topbar">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Link href="/" className="brand" aria-label="pkgreg: package registry home">
        <span className="brand-mark" aria-hidden="true">
          ▣
        </span>
        <span>pkgreg</span>
      </Link>
      <nav aria-label="Main" className="topnav">
        {session ? (
          <>
            <Link href="/" aria-current={loc.pathname === '/' ? 'page' : undefined}>
              Projects
            </Link>
            {session.admin && (
              <Link href="/-/admin/users" aria-current={loc.pathname.startsWith('/-/admin/') ? 'page' : undefined}>
                Admin
              </Link>
            )}
            <Link href="/-/graphql-explorer" aria-current={loc.pathname === '/-/graphql-explorer' ? 'page' : undefined}>
              GraphQL
            </Link>
            <Link href="/-/user_settings/personal_access_tokens" aria-current={loc.pathname.startsWith('/-/user_settings/') ? 'page' : undefined}>
              Access tokens
            </Link>
            <span className="whoami" title={`Signed in as ${session.user.username}`}>
              @{session.user.username}
            </span>
            <button type="button" className="btn btn-small btn-ghost" onClick={out}>
              Sign out
            </button>
          </>
        ) : (
          <Link href={`/-/sign_in?return_to=${encodeURIComponent(loc.pathname + (loc.search.toString() ? '?' + loc.search : ''))}`}>Sign in</Link>
        )}
      </nav>
    </header>
  );
}

const metadataQuery = graphql(`
  query InstanceMetadata {
    metadata {
      version
      revision
    }
  }
`);

/** Footer says which release runs here (GraphQL metadata: signed-in users only, as GitLab). */
function Footer() {
  const [{ data }] = useQuery({ query: metadataQuery });
  const m = data?.metadata;
  return (
    <footer className="footer">
      <Link href="/-/graphql-explorer">GraphQL explorer</Link>
      {m && (
        <span className="muted" data-testid="version">
          pkgreg {m.version}
          {m.revision ? ` (${m.revision})` : ''}
        </span>
      )}
    </footer>
  );
}

export function App() {
  const loc = useLocation();
  const { session } = useSession();
  const route = parseRoute(loc.pathname);
  const main = useRef<HTMLElement>(null);
  // Move focus to the new page for screen readers and keyboard users.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [loc.pathname]);

  const needsSignIn = !session && ['home', 'tokens', 'admin', 'newProject', 'newGroup'].includes(route.page);
  useEffect(() => {
    if (needsSignIn) navigate(route.page === 'home' ? '/-/sign_in' : `/-/sign_in?return_to=${encodeURIComponent(loc.pathname)}`, { replace: true });
  }, [needsSignIn, route.page, loc.pathname]);

  let page;
  if (needsSignIn) page = null;
  else
    switch (route.page) {
      case 'signIn':
        page = <SignIn />;
        break;
      case 'home':
        page = <Home />;
        break;
      case 'tokens':
        page = <PersonalTokens />;
        break;
      case 'admin':
        page = session?.admin ? <Admin tab={route.tab} /> : <NotFound />;
        break;
      case 'newProject':
        page = <NewProject />;
        break;
      case 'newGroup':
        page = <NewGroup />;
        break;
      case 'explorer':
        page = <Explorer />;
        break;
      case 'namespace':
        page = <Namespace path={route.path} />;
        break;
      case 'packages':
        page = <PackageList path={route.path} />;
        break;
      case 'package':
        page = <PackageDetails path={route.path} id={route.id} />;
        break;
      case 'settings':
        page = <Settings path={route.path} />;
        break;
      case 'accessTokens':
        page = <NamespaceTokens path={route.path} />;
        break;
      case 'members':
        page = <Members path={route.path} />;
        break;
      case 'pipeline':
        page = <Pipeline path={route.path} id={route.id} />;
        break;
      default:
        page = <NotFound />;
    }
  return (
    <>
      <Header />
      <main id="main" ref={main} tabIndex={-1} className={route.page === 'explorer' ? 'page page-wide' : 'page'}>
        {page}
      </main>
      {session && <Footer />}
    </>
  );
}
