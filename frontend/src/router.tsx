// A small history router: the whole UI state of a page (search, sort, filters, page
// cursor) lives in the URL, so copying the address shares the view.
import { createContext, useContext, useMemo, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

export type Location = { pathname: string; search: URLSearchParams };

const LocationContext = createContext<Location>({ pathname: '/', search: new URLSearchParams() });

function current(): Location {
  return { pathname: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

/** navigate changes the URL and re-renders the app (replace keeps the history entry). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  listeners.forEach((l) => l());
  if (!opts.replace) window.scrollTo(0, 0);
}

function subscribe(update: () => void): () => void {
  listeners.add(update);
  window.addEventListener('popstate', update);
  return () => {
    listeners.delete(update);
    window.removeEventListener('popstate', update);
  };
}

const href = () => window.location.pathname + window.location.search;

export function RouterProvider({ children }: { children: ReactNode }) {
  // useSyncExternalStore subscribes before any effect of the children runs, so a
  // navigate() from a child's first effect is not lost.
  const snapshot = useSyncExternalStore(subscribe, href);
  const loc = useMemo(current, [snapshot]);
  return <LocationContext.Provider value={loc}>{children}</LocationContext.Provider>;
}

export function useLocation(): Location {
  return useContext(LocationContext);
}

/** withParams returns the current path with some query parameters set or removed. */
export function withParams(loc: Location, changes: Record<string, string | null | undefined>): string {
  const s = new URLSearchParams(loc.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') s.delete(k);
    else s.set(k, v);
  }
  const q = s.toString();
  return loc.pathname + (q ? `?${q}` : '');
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || rest.target) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}

/** Route is what a path shows. Namespaces are groups, projects or users, by full path. */
export type Route =
  | { page: 'home' }
  | { page: 'signIn' }
  | { page: 'tokens' }
  | { page: 'admin'; tab: string }
  | { page: 'newProject' }
  | { page: 'newGroup' }
  | { page: 'explorer' }
  | { page: 'namespace'; path: string }
  | { page: 'packages'; path: string }
  | { page: 'package'; path: string; id: string }
  | { page: 'settings'; path: string }
  | { page: 'accessTokens'; path: string }
  | { page: 'members'; path: string }
  | { page: 'pipeline'; path: string; id: string }
  | { page: 'notFound' };

export function parseRoute(pathname: string): Route {
  const p = pathname.replace(/\/+$/, '') || '/';
  if (p === '/') return { page: 'home' };
  if (p === '/-/sign_in') return { page: 'signIn' };
  if (p === '/-/user_settings/personal_access_tokens') return { page: 'tokens' };
  if (p === '/-/new/project') return { page: 'newProject' };
  if (p === '/-/new/group') return { page: 'newGroup' };
  if (p === '/-/graphql-explorer') return { page: 'explorer' };
  const admin = /^\/-\/admin\/(users|groups|projects|audit)$/.exec(p);
  if (admin) return { page: 'admin', tab: admin[1] };
  if (p.startsWith('/-/')) return { page: 'notFound' };
  const i = p.indexOf('/-/');
  const path = decodeURIComponent((i < 0 ? p : p.slice(0, i)).slice(1));
  const rest = i < 0 ? '' : p.slice(i + 3);
  if (!path || !/^[A-Za-z0-9_.][A-Za-z0-9_.\-/]*$/.test(path)) return { page: 'notFound' };
  if (rest === '') return { page: 'namespace', path };
  if (rest === 'packages') return { page: 'packages', path };
  const pkg = /^packages\/(\d+)$/.exec(rest);
  if (pkg) return { page: 'package', path, id: pkg[1] };
  if (rest === 'settings/packages_and_registries') return { page: 'settings', path };
  if (rest === 'settings/access_tokens') return { page: 'accessTokens', path };
  if (rest === 'project_members' || rest === 'group_members') return { page: 'members', path };
  const pipeline = /^pipelines\/(\d+)$/.exec(rest);
  if (pipeline) return { page: 'pipeline', path, id: pipeline[1] };
  return { page: 'notFound' };
}
