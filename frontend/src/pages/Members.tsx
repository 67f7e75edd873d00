import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { AccessLevelEnum } from '../gql/graphql';
import { errorText } from '../client';
import { Alert, Badge, ConfirmDialog, EmptyState, Loading } from '../components/ui';
import { NamespaceNav } from '../components/NamespaceNav';
import { Link } from '../router';
import { formatDate, relative } from '../format';
import { grantable, manages, memberSource, roleLabel } from '../members';
import { NotFound } from './NotFound';

const Query = graphql(`
  query NamespaceMembers($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      userPermissions {
        adminProject
        adminPackage
      }
      manageableAccessLevel
      projectMembers(relations: [DIRECT, INHERITED], first: 100) {
        count
        nodes {
          ...MemberRow
        }
      }
    }
    group(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      userPermissions {
        adminGroup
      }
      manageableAccessLevel
      groupMembers(relations: [DIRECT, INHERITED], first: 100) {
        count
        nodes {
          ...MemberRow
        }
      }
    }
  }
  fragment MemberRow on Member {
    id
    accessLevel
    createdAt
    expiresAt
    user {
      id
      username
      name
      bot
    }
    project {
      fullPath
    }
    group {
      fullPath
    }
  }
`);

const Add = graphql(`
  mutation AddMember($input: MembershipInput!) {
    membershipCreate(input: $input) {
      errors
    }
  }
`);

const Update = graphql(`
  mutation UpdateMember($input: MembershipInput!) {
    membershipUpdate(input: $input) {
      errors
    }
  }
`);

const Remove = graphql(`
  mutation RemoveMember($input: MembershipDeleteInput!) {
    membershipDelete(input: $input) {
      errors
    }
  }
`);

/** Members lists a project's or group's members with role and source; Maintainers (projects) and Owners (groups) manage them. */
export function Members({ path }: { path: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: Query, variables: { fullPath: path } });
  const [addState, add] = useMutation(Add);
  const [, update] = useMutation(Update);
  const [removeState, remove] = useMutation(Remove);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<AccessLevelEnum>('DEVELOPER');
  const [expires, setExpires] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState('');

  if (fetching && !data) return <Loading rows={6} />;
  if (error && !data) return <Alert>{errorText(error)}</Alert>;
  const p = data?.project;
  const g = data?.group;
  if (!p && !g) return <NotFound />;
  const canAdmin = p ? p.userPermissions.adminProject || p.userPermissions.adminPackage : !!g?.userPermissions.adminGroup;
  const ns = p
    ? { kind: 'project' as const, fullPath: p.fullPath, name: p.name, visibility: p.visibility, canAdmin }
    : { kind: 'group' as const, fullPath: g!.fullPath, name: g!.name, visibility: g!.visibility, canAdmin };
  const limit = (p ? p.manageableAccessLevel : g!.manageableAccessLevel) ?? null;
  const roles = grantable(limit);
  const where = p ? { projectPath: p.fullPath } : { groupPath: g!.fullPath };
  const rows = [...((p ? p.projectMembers.nodes : g!.groupMembers.nodes) ?? [])]
    .filter((m): m is NonNullable<typeof m> => !!m)
    .map((m) => ({ ...m, source: memberSource(ns.fullPath, m) }))
    .sort((a, b) => a.user.username.localeCompare(b.user.username) || Number(b.source.direct) - Number(a.source.direct));
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const say = (errs: string[] | undefined, e: unknown, ok: string) => {
    const text = e ? errorText(e as Error) : (errs ?? []).join(' ');
    setMessage(text ? { kind: 'error', text } : { kind: 'success', text: ok });
    if (!text) reload();
    return !text;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const name = username.trim().replace(/^@/, '');
    const expiresAt = expires ? new Date(`${expires}T00:00:00Z`).toISOString() : null;
    const res = await add({ input: { ...where, username: name, accessLevel: role, expiresAt } });
    if (say(res.data?.membershipCreate?.errors, res.error, `@${name} is now a ${roleLabel(role)} of ${ns.fullPath}${expires ? ` until ${expires}` : ''}.`)) {
      setUsername('');
      setExpires('');
    }
  };

  return (
    <>
      <NamespaceNav ns={ns} active="members" />
      {roles.length > 0 && (
        <form className="card form" onSubmit={submit} aria-labelledby="add-member-h" data-testid="add-member">
          <h2 id="add-member-h">Add a member</h2>
          <div className="field-row">
            <div className="field">
              <label htmlFor="member-username">Username</label>
              <input id="member-username" autoCapitalize="none" autoComplete="off" required value={username} onChange={(e) => setUsername(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="member-role">Role</label>
              <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as AccessLevelEnum)}>
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {roleLabel(r)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="member-expires">Expires (optional)</label>
              <input id="member-expires" type="date" min={new Date(Date.now() + 86400000).toISOString().slice(0, 10)} value={expires} onChange={(e) => setExpires(e.target.value)} />
            </div>
          </div>
          <p className="muted small">
            {p ? 'Maintainers and Owners' : 'Owners'} manage members, up to their own role ({roleLabel(limit ?? '')}). Members of a group are members of everything below it.
          </p>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={addState.fetching || !username.trim()}>
              {addState.fetching ? 'Adding…' : 'Add member'}
            </button>
          </div>
        </form>
      )}
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      <section className="card" aria-labelledby="members-h">
        <h2 id="members-h">
          Members <span className="count">{rows.length}</span>
        </h2>
        {rows.length === 0 ? (
          <EmptyState title="No members" />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="members">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Source</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => {
                  const editable = m.source.direct && manages(limit, m.accessLevel);
                  return (
                    <tr key={m.id} data-username={m.user.username}>
                      <td>
                        <strong>{m.user.name || m.user.username}</strong>
                        <div className="muted small mono">@{m.user.username}</div>
                      </td>
                      <td>
                        {m.source.direct ? (
                          <Badge>Direct member</Badge>
                        ) : (
                          <span className="small">
                            Inherited from <Link href={`/${m.source.group}/-/group_members`}>{m.source.group}</Link>
                          </span>
                        )}
                      </td>
                      <td>
                        {editable ? (
                          <select
                            aria-label={`Role of @${m.user.username}`}
                            value={m.accessLevel}
                            onChange={async (e) => {
                              const next = e.target.value as AccessLevelEnum;
                              const res = await update({ input: { ...where, username: m.user.username, accessLevel: next } });
                              say(res.data?.membershipUpdate?.errors, res.error, `@${m.user.username} is now a ${roleLabel(next)}.`);
                            }}
                          >
                            {roles.map((r) => (
                              <option key={r} value={r}>
                                {roleLabel(r)}
                              </option>
                            ))}
                          </select>
                        ) : (
                          roleLabel(m.accessLevel)
                        )}
                      </td>
                      <td className="nowrap" title={formatDate(m.createdAt)}>
                        {relative(m.createdAt)}
                      </td>
                      <td className="nowrap" data-testid="member-expires">{m.expiresAt ? formatDate(m.expiresAt).split(',')[0] : 'Never'}</td>
                      <td className="row-actions">
                        {editable && (
                          <button type="button" className="btn btn-small btn-danger-outline" aria-label={`Remove @${m.user.username}`} onClick={() => (setRemoveError(''), setPending(m.user.username))}>
                            Remove
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ConfirmDialog
        open={!!pending}
        title="Remove member?"
        confirmLabel="Remove"
        busy={removeState.fetching}
        error={removeError}
        onConfirm={async () => {
          if (!pending) return;
          const res = await remove({ input: { ...where, username: pending } });
          const errs = res.data?.membershipDelete?.errors ?? [];
          if (res.error || errs.length) return setRemoveError(res.error ? errorText(res.error) : errs.join(' '));
          setMessage({ kind: 'success', text: `@${pending} was removed from ${ns.fullPath}.` });
          setPending(null);
          reload();
        }}
        onClose={() => setPending(null)}
      >
        <p>@{pending} loses the access this membership gives, here and below it.</p>
      </ConfirmDialog>
    </>
  );
}
