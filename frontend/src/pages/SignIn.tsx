import { useState, type FormEvent } from 'react';
import { Alert } from '../components/ui';
import { navigate, useLocation } from '../router';
import { signIn, useSession } from '../session';

export function SignIn() {
  const { session, setSession } = useSession();
  const loc = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const returnTo = loc.search.get('return_to');
  const target = returnTo && returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/';
  const ended = loc.search.get('session') === 'ended';

  if (session) {
    return (
      <div className="narrow">
        <h1>Signed in</h1>
        <p>
          You are signed in as <strong>@{session.user.username}</strong>. <a href={target} onClick={(e) => (e.preventDefault(), navigate(target))}>Continue</a>
        </p>
      </div>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = await signIn(username.trim(), password);
      setSession(s);
      navigate(target, { replace: true });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <h1>Sign in to the package registry</h1>
      {ended && (
        <Alert kind="warning">
          Your session has ended: it expired, you signed out elsewhere, or your password changed. Sign in again to return to{' '}
          <span className="mono">{target}</span>.
        </Alert>
      )}
      <form onSubmit={submit} className="card form" noValidate>
        <div className="field">
          <label htmlFor="username">Username</label>
          <input id="username" name="username" autoComplete="username" autoCapitalize="none" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <Alert>{error}</Alert>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !username || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {ended && target !== '/' && (
        <p className="hint">
          <a href={target} onClick={(e) => (e.preventDefault(), navigate(target))}>
            Continue without signing in
          </a>
        </p>
      )}
      <p className="hint">
        The first administrator is <code>root</code>; set its password with <code>registry admin user set-password --username root --password …</code>.
      </p>
    </div>
  );
}
