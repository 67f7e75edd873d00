import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../client';
import { Alert, Badge, Breadcrumbs, ConfirmDialog, EmptyState, Loading, SecretOnce } from '../components/ui';
import { TokenForm, tokenState } from '../components/TokenForm';
import { formatDate, relative } from '../format';
import { ClientSetup } from '../components/ClientSetup';
import { useSession } from '../session';

const TokensQuery = graphql(`
  query PersonalTokens {
    currentUser {
      id
      username
      personalAccessTokens(first: 100) {
        nodes {
          id
          name
          scopes
          revoked
          active
          createdAt
          expiresAt
          lastUsedAt
        }
      }
    }
  }
`);

const CreateToken = graphql(`
  mutation CreatePersonalToken($input: PersonalAccessTokenCreateInput!) {
    personalAccessTokenCreate(input: $input) {
      token
      personalAccessToken {
        id
      }
      errors
    }
  }
`);

const RevokeToken = graphql(`
  mutation RevokePersonalToken($id: ID!) {
    personalAccessTokenRevoke(input: { id: $id }) {
      errors
    }
  }
`);

const RotateToken = graphql(`
  mutation RotatePersonalToken($id: ID!) {
    personalAccessTokenRotate(input: { id: $id }) {
      token
      errors
    }
  }
`);

const scopes = [
  { value: 'api', label: 'api', help: 'Read and write: publish, install and delete packages; use the GraphQL API.' },
  { value: 'read_api', label: 'read_api', help: 'Read only: install packages and read the API.' },
];

export function PersonalTokens() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: TokensQuery });
  const [created, create] = useMutation(CreateToken);
  const [revoking, revoke] = useMutation(RevokeToken);
  const [rotating, rotate] = useMutation(RotateToken);
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const { session } = useSession();
  const [formError, setFormError] = useState('');
  const [pending, setPending] = useState<{ kind: 'revoke' | 'rotate'; id: string; name: string } | null>(null);
  const [actionError, setActionError] = useState('');
  const tokens = (data?.currentUser?.personalAccessTokens?.nodes ?? [])
    .filter((t): t is NonNullable<typeof t> => !!t)
    .sort((a, b) => Number(b.active && !b.revoked) - Number(a.active && !a.revoked) || b.createdAt.localeCompare(a.createdAt));
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const confirm = async () => {
    if (!pending) return;
    setActionError('');
    if (pending.kind === 'revoke') {
      const res = await revoke({ id: pending.id });
      const errs = res.data?.personalAccessTokenRevoke?.errors ?? [];
      if (res.error || errs.length) return setActionError(res.error ? errorText(res.error) : errs.join(' '));
    } else {
      const res = await rotate({ id: pending.id });
      const errs = res.data?.personalAccessTokenRotate?.errors ?? [];
      if (res.error || errs.length) return setActionError(res.error ? errorText(res.error) : errs.join(' '));
      setSecret({ label: `Your rotated token “${pending.name}”.`, value: res.data?.personalAccessTokenRotate?.token ?? '' });
    }
    setPending(null);
    reload();
  };

  return (
    <>
      <Breadcrumbs items={[{ label: 'User settings' }, { label: 'Personal access tokens' }]} />
      <h1>Personal access tokens</h1>
      <p className="muted">Tokens let package clients (npm, pip, twine, Maven, NuGet, curl) and scripts act as you. Use them as the password or in the PRIVATE-TOKEN header.</p>
      {secret && <SecretOnce label={secret.label} secret={secret.value} onDone={() => setSecret(null)} />}
      {secret && (
        <ClientSetup
          title="Use it in your clients (put your project’s id in place of <project_id>)"
          credential={{ kind: 'token', token: secret.value, username: session?.user.username ?? '' }}
          target={{ baseUrl: window.location.origin, level: 'project', projectId: '<project_id>' }}
        />
      )}
      <TokenForm
        title="Add a personal access token"
        scopes={scopes}
        busy={created.fetching}
        error={formError}
        submitLabel="Create token"
        onSubmit={async (t) => {
          setFormError('');
          const res = await create({ input: { name: t.name, scopes: t.scopes, expiresAt: t.expiresAt } });
          const errs = res.data?.personalAccessTokenCreate?.errors ?? [];
          if (res.error || errs.length) {
            setFormError(res.error ? errorText(res.error) : errs.join(' '));
            return false;
          }
          setSecret({ label: `Your new personal access token “${t.name}”.`, value: res.data?.personalAccessTokenCreate?.token ?? '' });
          reload();
          return true;
        }}
      />
      <section className="card" aria-labelledby="pat-list-h">
        <h2 id="pat-list-h">
          Tokens <span className="count">{tokens.length}</span>
        </h2>
        <Alert>{errorText(error)}</Alert>
        {fetching && !data ? (
          <Loading />
        ) : tokens.length === 0 ? (
          <EmptyState title="No tokens yet" />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => {
                  const st = tokenState(t);
                  return (
                    <tr key={t.id}>
                      <td>{t.name}</td>
                      <td>{t.scopes.join(', ')}</td>
                      <td className="nowrap" title={formatDate(t.createdAt)}>
                        {relative(t.createdAt)}
                      </td>
                      <td className="nowrap">{relative(t.lastUsedAt)}</td>
                      <td className="nowrap">{t.expiresAt ? formatDate(t.expiresAt).split(',')[0] : 'Never'}</td>
                      <td>
                        <Badge kind={st.kind}>{st.label}</Badge>
                      </td>
                      <td className="row-actions">
                        {t.active && !t.revoked && (
                          <>
                            <button type="button" className="btn btn-small" onClick={() => (setActionError(''), setPending({ kind: 'rotate', id: t.id, name: t.name }))} aria-label={`Rotate token ${t.name}`}>
                              Rotate
                            </button>
                            <button
                              type="button"
                              className="btn btn-small btn-danger-outline"
                              onClick={() => (setActionError(''), setPending({ kind: 'revoke', id: t.id, name: t.name }))}
                              aria-label={`Revoke token ${t.name}`}
                            >
                              Revoke
                            </button>
                          </>
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
        title={pending?.kind === 'rotate' ? 'Rotate token?' : 'Revoke token?'}
        confirmLabel={pending?.kind === 'rotate' ? 'Rotate' : 'Revoke'}
        busy={revoking.fetching || rotating.fetching}
        error={actionError}
        onConfirm={confirm}
        onClose={() => setPending(null)}
      >
        <p>
          {pending?.kind === 'rotate'
            ? `“${pending?.name}” stops working now and a new token with the same scopes replaces it.`
            : `“${pending?.name}” stops working now. Clients that use it will fail to authenticate.`}
        </p>
      </ConfirmDialog>
    </>
  );
}
