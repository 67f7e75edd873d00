import { Link } from '../router';
import { useSession } from '../session';

/** NotFound is shown for paths that do not exist and for what the viewer may not see. */
export function NotFound({ what = 'page' }: { what?: string }) {
  const { session } = useSession();
  return (
    <div className="notfound" data-testid="not-found">
      <p className="big" aria-hidden="true">
        404
      </p>
      <h1>Page not found</h1>
      <p>
        This {what} does not exist, or you do not have access to it.
        {!session && ' You are not signed in: signing in may show it.'}
      </p>
      <p>
        {session ? <Link href="/">Back to your projects</Link> : <Link href={`/-/sign_in?return_to=${encodeURIComponent(location.pathname)}`}>Sign in</Link>}
      </p>
    </div>
  );
}
