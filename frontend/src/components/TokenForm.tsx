import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { Alert } from './ui';

export type Scope = { value: string; label: string; help: string };
export type TokenInput = { name: string; scopes: string[]; expiresAt: string | null; accessLevel: string };

/** TokenForm creates a token: a name, scopes, an optional expiry date, and for access tokens a role. */
export function TokenForm({
  title,
  scopes,
  roles,
  busy,
  error,
  submitLabel,
  onSubmit,
  children,
}: {
  title: string;
  scopes: Scope[];
  roles?: string[];
  busy: boolean;
  error: string;
  submitLabel: string;
  onSubmit: (t: TokenInput) => Promise<boolean>;
  children?: ReactNode;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const [role, setRole] = useState(roles?.[roles.length > 3 ? 3 : 0] ?? '');
  const [localError, setLocalError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setLocalError('Give the token a name.');
    if (chosen.length === 0) return setLocalError('Choose at least one scope.');
    setLocalError('');
    const ok = await onSubmit({ name: name.trim(), scopes: chosen, expiresAt: expires ? new Date(`${expires}T00:00:00Z`).toISOString() : null, accessLevel: role });
    if (ok) {
      setName('');
      setChosen([]);
      setExpires('');
    }
  };
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  return (
    <form className="card form" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Token name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-exp`}>Expiration date (optional)</label>
          <input id={`${id}-exp`} type="date" min={tomorrow} value={expires} onChange={(e) => setExpires(e.target.value)} />
        </div>
        {roles && (
          <div className="field">
            <label htmlFor={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r.charAt(0) + r.slice(1).toLowerCase()}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <fieldset className="field">
        <legend>Scopes</legend>
        {scopes.map((s) => (
          <label key={s.value} className="check">
            <input
              type="checkbox"
              name="scopes"
              value={s.value}
              checked={chosen.includes(s.value)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, s.value] : chosen.filter((x) => x !== s.value))}
            />
            <span>
              <code>{s.value}</code> <span className="muted small">{s.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <Alert>{localError || error}</Alert>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : submitLabel}
        </button>
      </div>
    </form>
  );
}

export function tokenState(t: { revoked: boolean; active: boolean; expiresAt?: string | null }): { label: string; kind: 'success' | 'danger' | 'warning' } {
  if (t.revoked) return { label: 'Revoked', kind: 'danger' };
  if (!t.active) return { label: 'Expired', kind: 'warning' };
  return { label: 'Active', kind: 'success' };
}
