import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../client';
import { Alert, Badge, Breadcrumbs, Loading, Size, Skeleton, StorageLine } from '../components/ui';
import { relative } from '../format';
import { Link, navigate, useLocation, withParams } from '../router';

const UsersQuery = graphql(`
  query AdminUsers {
    users(first: 100) {
      count
      nodes {
        id
        username
        name
        email
        state
        admin
        bot
        createdAt
      }
    }
  }
`);

const GroupsQuery = graphql(`
  query AdminGroups {
    groups(first: 100) {
      count
      nodes {
        id
        fullPath
        name
        visibility
        createdAt
      }
    }
  }
`);

const ProjectsQuery = graphql(`
  query AdminProjects {
    projects(first: 100) {
      count
      nodes {
        id
        fullPath
        name
        visibility
        packageRegistryAccessLevel
        createdAt
      }
    }
  }
`);

const StorageQuery = graphql(`
  query AdminStorage {
    instanceStorageStatistics {
      packagesSize
      storedSize
    }
  }
`);

const AuditQuery = graphql(`
  query AdminAuditEvents($first: Int, $after: String, $last: Int, $before: String) {
    auditEvents(first: $first, after: $after, last: $last, before: $before) {
      count
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      nodes {
        id
        createdAt
        action
        authorKind
        authorUsername
        targetType
        targetPath
      }
    }
  }
`);

const CreateUser = graphql(`
  mutation AdminCreateUser($input: UserCreateInput!) {
    userCreate(input: $input) {
      user {
        id
        username
      }
      errors
    }
  }
`);

const UpdateUser = graphql(`
  mutation AdminUpdateUser($input: UserUpdateInput!) {
    userUpdate(input: $input) {
      user {
        id
        state
      }
      errors
    }
  }
`);

const tabs = [
  ['users', 'Users'],
  ['groups', 'Groups'],
  ['projects', 'Projects'],
  ['audit', 'Audit events'],
] as const;

const AUDIT_PAGE = 25;

export function Admin({ tab }: { tab: string }) {
  return (
    <>
      <Breadcrumbs items={[{ label: 'Admin' }, { label: tabs.find(([t]) => t === tab)?.[1] ?? tab }]} />
      <h1>Admin area</h1>
      <InstanceStorage />
      <nav className="tabs" aria-label="Admin pages">
        {tabs.map(([t, label]) => (
          <Link key={t} href={`/-/admin/${t}`} aria-current={t === tab ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {tab === 'users' ? <Users /> : tab === 'groups' ? <Groups /> : tab === 'audit' ? <AuditEvents /> : <Projects />}
    </>
  );
}

/** InstanceStorage is what packages take across the instance: summed per project
 * (bytes two projects share count for each) and as stored (each content once). */
function InstanceStorage() {
  const [{ data, fetching, error }] = useQuery({ query: StorageQuery });
  const st = data?.instanceStorageStatistics;
  if (fetching && !data) {
    return (
      <p className="storage small" aria-hidden="true">
        <Skeleton width="18em" />
      </p>
    );
  }
  if (!st) return error ? <Alert>{errorText(error)}</Alert> : null;
  return (
    <StorageLine testId="instance-storage">
      Packages: <Size bytes={st.packagesSize} /> (stored once: <Size bytes={st.storedSize} />)
    </StorageLine>
  );
}

function Users() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: UsersQuery });
  const [created, create] = useMutation(CreateUser);
  const [, update] = useMutation(UpdateUser);
  const [form, setForm] = useState({ username: '', name: '', email: '', password: '', admin: false });
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await create({ input: { username: form.username.trim(), name: form.name || null, email: form.email || null, password: form.password || null, admin: form.admin } });
    const errs = res.data?.userCreate?.errors ?? [];
    if (res.error || errs.length) return setMsg({ ok: false, text: res.error ? errorText(res.error) : errs.join(' ') });
    setMsg({ ok: true, text: `Created @${res.data?.userCreate?.user?.username}.` });
    setForm({ username: '', name: '', email: '', password: '', admin: false });
    refetch({ requestPolicy: 'network-only' });
  };
  const block = async (username: string, blocked: boolean) => {
    const res = await update({ input: { username, blocked } });
    const errs = res.data?.userUpdate?.errors ?? [];
    if (res.error || errs.length) return setMsg({ ok: false, text: res.error ? errorText(res.error) : errs.join(' ') });
    setMsg({ ok: true, text: `${blocked ? 'Blocked' : 'Unblocked'} @${username}.` });
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <>
      <form className="card form" onSubmit={submit} aria-labelledby="new-user-h">
        <h2 id="new-user-h">New user</h2>
        <div className="field-row">
          <div className="field">
            <label htmlFor="nu-username">Username</label>
            <input id="nu-username" required value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="nu-name">Name</label>
            <input id="nu-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="nu-email">Email</label>
            <input id="nu-email" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="nu-password">Password</label>
            <input id="nu-password" type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={form.admin} onChange={(e) => setForm({ ...form, admin: e.target.checked })} />
          <span>Administrator</span>
        </label>
        {msg && <Alert kind={msg.ok ? 'success' : 'error'}>{msg.text}</Alert>}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={created.fetching}>
            Create user
          </button>
        </div>
      </form>
      <section className="card" aria-labelledby="users-h">
        <h2 id="users-h">
          Users <span className="count">{data?.users.count ?? ''}</span>
        </h2>
        <Alert>{errorText(error)}</Alert>
        {fetching && !data ? (
          <Loading />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Email</th>
                  <th scope="col">State</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {(data?.users.nodes ?? []).map(
                  (u) =>
                    u && (
                      <tr key={u.id}>
                        <td>
                          <strong>{u.name || u.username}</strong> <span className="mono muted">@{u.username}</span> {u.admin && <Badge kind="info">admin</Badge>} {u.bot && <Badge>bot</Badge>}
                        </td>
                        <td>{u.email}</td>
                        <td>
                          <Badge kind={u.state === 'active' ? 'success' : 'danger'}>{u.state}</Badge>
                        </td>
                        <td className="nowrap">{relative(u.createdAt)}</td>
                        <td className="row-actions">
                          {!u.bot && (
                            <button type="button" className={`btn btn-small${u.state === 'active' ? ' btn-danger-outline' : ''}`} onClick={() => block(u.username, u.state === 'active')} aria-label={`${u.state === 'active' ? 'Block' : 'Unblock'} ${u.username}`}>
                              {u.state === 'active' ? 'Block' : 'Unblock'}
                            </button>
                          )}
                        </td>
                      </tr>
                    ),
                )}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function Groups() {
  const [{ data, fetching, error }] = useQuery({ query: GroupsQuery });
  return (
    <section className="card" aria-labelledby="groups-h">
      <div className="page-head">
        <h2 id="groups-h">
          Groups <span className="count">{data?.groups.count ?? ''}</span>
        </h2>
        <Link className="btn btn-primary" href="/-/new/group">
          New group
        </Link>
      </div>
      <Alert>{errorText(error)}</Alert>
      {fetching && !data ? (
        <Loading />
      ) : (
        <ul className="list">
          {(data?.groups.nodes ?? []).map(
            (g) =>
              g && (
                <li key={g.id} className="list-row">
                  <Link className="row-title" href={`/${g.fullPath}`}>
                    {g.fullPath}
                  </Link>
                  <span>
                    <Badge>{g.visibility}</Badge> <span className="muted small">{relative(g.createdAt)}</span>
                  </span>
                </li>
              ),
          )}
        </ul>
      )}
    </section>
  );
}

function Projects() {
  const [{ data, fetching, error }] = useQuery({ query: ProjectsQuery });
  return (
    <section className="card" aria-labelledby="projects-h">
      <div className="page-head">
        <h2 id="projects-h">
          Projects <span className="count">{data?.projects.count ?? ''}</span>
        </h2>
        <Link className="btn btn-primary" href="/-/new/project">
          New project
        </Link>
      </div>
      <Alert>{errorText(error)}</Alert>
      {fetching && !data ? (
        <Loading />
      ) : (
        <ul className="list">
          {(data?.projects.nodes ?? []).map(
            (p) =>
              p && (
                <li key={p.id} className="list-row">
                  <Link className="row-title" href={`/${p.fullPath}/-/packages`}>
                    {p.fullPath}
                  </Link>
                  <span>
                    <Badge>{p.visibility}</Badge> {p.packageRegistryAccessLevel === 'PUBLIC' && <Badge kind="info">anyone can pull</Badge>}{' '}
                    <span className="muted small">{relative(p.createdAt)}</span>
                  </span>
                </li>
              ),
          )}
        </ul>
      )}
    </section>
  );
}

/** AuditEvents lists who changed what, newest first; the page is in the URL. */
function AuditEvents() {
  const loc = useLocation();
  const after = loc.search.get('after');
  const before = loc.search.get('before');
  const [{ data, fetching, error }] = useQuery({
    query: AuditQuery,
    variables: before ? { last: AUDIT_PAGE, before } : { first: AUDIT_PAGE, after: after || null },
  });
  const conn = data?.auditEvents;
  return (
    <section className="card" aria-labelledby="audit-h">
      <h2 id="audit-h">
        Audit events{' '}
        <span className="count" data-testid="audit-count">
          {conn?.count ?? ''}
        </span>
      </h2>
      <Alert>{errorText(error)}</Alert>
      {fetching && !data ? (
        <Loading />
      ) : (
        <div className="table-wrap" data-testid="audit-events">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Author</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
              </tr>
            </thead>
            <tbody>
              {(conn?.nodes ?? []).map(
                (ev) =>
                  ev && (
                    <tr key={ev.id}>
                      <td className="nowrap" title={ev.createdAt}>
                        {relative(ev.createdAt)}
                      </td>
                      <td>
                        {ev.authorUsername ? <span className="mono">@{ev.authorUsername}</span> : <span className="muted">system</span>} {ev.authorKind === 'deploy_token' || ev.authorKind === 'access_token' ? <Badge>{ev.authorKind.replace('_', ' ')}</Badge> : null}
                      </td>
                      <td>
                        <Badge kind="info">{ev.action}</Badge>
                      </td>
                      <td>
                        <span className="muted small">{ev.targetType.replaceAll('_', ' ')}</span> <span className="mono">{ev.targetPath}</span>
                      </td>
                    </tr>
                  ),
              )}
            </tbody>
          </table>
        </div>
      )}
      {conn && (conn.pageInfo.hasNextPage || conn.pageInfo.hasPreviousPage) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn" disabled={!conn.pageInfo.hasPreviousPage} onClick={() => navigate(withParams(loc, { after: null, before: conn.pageInfo.startCursor }))}>
            ← Newer
          </button>
          <button type="button" className="btn" disabled={!conn.pageInfo.hasNextPage} onClick={() => navigate(withParams(loc, { before: null, after: conn.pageInfo.endCursor }))}>
            Older →
          </button>
        </nav>
      )}
    </section>
  );
}
