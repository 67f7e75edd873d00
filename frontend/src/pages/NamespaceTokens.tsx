import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { AccessLevelEnum } from '../gql/graphql';
import { errorText } from '../client';
import { Alert, Badge, ConfirmDialog, EmptyState, Loading, SecretOnce } from '../components/ui';
import { NamespaceNav } from '../components/NamespaceNav';
import { TokenForm, tokenState } from '../components/TokenForm';
import { formatDate, relative } from '../format';
import { NotFound } from './NotFound';
import { ClientSetup } from '../components/ClientSetup';
import { numericId, type Credential } from '../snippets';

const Query = graphql(`
  query NamespaceTokens($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      userPermissions {
        adminProject
        adminPackage
      }
      deployTokens {
        ...DeployTokenRow
      }
      accessTokens {
        ...AccessTokenRow
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
      deployTokens {
        ...DeployTokenRow
      }
      accessTokens {
        ...AccessTokenRow
      }
    }
  }
  fragment DeployTokenRow on DeployToken {
    id
    name
    username
    scopes
    revoked
    active
    createdAt
    expiresAt
    lastUsedAt
  }
  fragment AccessTokenRow on AccessToken {
    id
    name
    scopes
    accessLevel
    user {
      id
      username
      bot
    }
    revoked
    active
    createdAt
    expiresAt
    lastUsedAt
  }
`);

const CreateDeploy = graphql(`
  mutation CreateDeployToken($input: DeployTokenCreateInput!) {
    deployTokenCreate(input: $input) {
      token
      deployToken {
        id
        username
      }
      errors
    }
  }
`);

const RevokeDeploy = graphql(`
  mutation RevokeDeployToken($id: ID!) {
    deployTokenRevoke(input: { id: $id }) {
      errors
    }
  }
`);

const RevokeAccess = graphql(`
  mutation RevokeAccessToken($id: ID!) {
    accessTokenRevoke(input: { id: $id }) {
      errors
    }
  }
`);

const CreateProjectAccess = graphql(`
  mutation CreateProjectAccessToken($input: AccessTokenCreateInput!) {
    projectAccessTokenCreate(input: $input) {
      token
      user {
        username
      }
      errors
    }
  }
`);

const CreateGroupAccess = graphql(`
  mutation CreateGroupAccessToken($input: AccessTokenCreateInput!) {
    groupAccessTokenCreate(input: $input) {
      token
      user {
        username
      }
      errors
    }
  }
`);

const deployScopes = [
  { value: 'read_package_registry', label: 'read_package_registry', help: 'Install packages.' },
  { value: 'write_package_registry', label: 'write_package_registry', help: 'Publish packages (and install them).' },
];
const accessScopes = [
  { value: 'api', label: 'api', help: 'Read and write through every API.' },
  { value: 'read_api', label: 'read_api', help: 'Read only.' },
];
const roles: AccessLevelEnum[] = ['GUEST', 'REPORTER', 'DEVELOPER', 'MAINTAINER', 'OWNER'];
const roleLabel = (r: string) => r.charAt(0) + r.slice(1).toLowerCase();

/** NamespaceTokens manages a project's or group's deploy tokens and access tokens (Maintainers). */
export function NamespaceTokens({ path }: { path: string }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: Query, variables: { fullPath: path } });
  const [deployState, createDeploy] = useMutation(CreateDeploy);
  const [revokeDeployState, revokeDeploy] = useMutation(RevokeDeploy);
  const [revokeAccessState, revokeAccess] = useMutation(RevokeAccess);
  const [paState, createPA] = useMutation(CreateProjectAccess);
  const [gaState, createGA] = useMutation(CreateGroupAccess);
  const [secret, setSecret] = useState<{ label: string; value: string; credential: Credential } | null>(null);
  const [deployError, setDeployError] = useState('');
  const [accessError, setAccessError] = useState('');
  const [pending, setPending] = useState<{ kind: 'deploy' | 'access'; id: string; name: string } | null>(null);
  const [revokeError, setRevokeError] = useState('');

  if (fetching && !data) return <Loading rows={6} />;
  if (error && !data) return <Alert>{errorText(error)}</Alert>;
  const p = data?.project;
  const g = data?.group;
  const canAdmin = p ? p.userPermissions.adminProject || p.userPermissions.adminPackage : !!g?.userPermissions.adminGroup;
  if ((!p && !g) || !canAdmin) return <NotFound />;
  const kind = p ? 'project' : 'group';
  const ns = p ? { kind: 'project' as const, fullPath: p.fullPath, name: p.name, visibility: p.visibility, canAdmin } : { kind: 'group' as const, fullPath: g!.fullPath, name: g!.name, visibility: g!.visibility, canAdmin };
  const deploys = ((p ? p.deployTokens : g!.deployTokens) ?? []).filter(Boolean);
  // Usable tokens first, newest first within each part.
  const accessTokens = [...((p ? p.accessTokens : g!.accessTokens) ?? [])].sort(
    (a, b) => Number(b.active && !b.revoked) - Number(a.active && !a.revoked) || b.createdAt.localeCompare(a.createdAt),
  );
  const reload = () => refetch({ requestPolicy: 'network-only' });

  return (
    <>
      <NamespaceNav ns={ns} active="tokens" />
      {secret && <SecretOnce label={secret.label} secret={secret.value} onDone={() => setSecret(null)} />}
      {secret && (
        <ClientSetup
          title="Use it in your clients"
          credential={secret.credential}
          target={
            p
              ? { baseUrl: window.location.origin, level: 'project', projectId: numericId(p.id) ?? '<project_id>' }
              : { baseUrl: window.location.origin, level: 'group', projectId: '<project_id>', groupId: numericId(g!.id), groupPath: g!.fullPath }
          }
        />
      )}
      <div className="two-col">
        <TokenForm
          title="Add a deploy token"
          scopes={deployScopes}
          busy={deployState.fetching}
          error={deployError}
          submitLabel="Create deploy token"
          onSubmit={async (t) => {
            setDeployError('');
            const res = await createDeploy({
              input: { ...(p ? { projectPath: p.fullPath } : { groupPath: g!.fullPath }), name: t.name, scopes: t.scopes, expiresAt: t.expiresAt },
            });
            const errs = res.data?.deployTokenCreate?.errors ?? [];
            if (res.error || errs.length) {
              setDeployError(res.error ? errorText(res.error) : errs.join(' '));
              return false;
            }
            const username = res.data?.deployTokenCreate?.deployToken?.username ?? '';
            const token = res.data?.deployTokenCreate?.token ?? '';
            setSecret({ label: `Deploy token “${t.name}” (username ${username}).`, value: token, credential: { kind: 'deploy', token, username } });
            reload();
            return true;
          }}
        >
          <p className="muted small">Deploy tokens install or publish packages of this {kind} without a user: use the username and the token as the password, or the DEPLOY-TOKEN header.</p>
        </TokenForm>
        <TokenForm
          title={`Add a ${kind} access token`}
          scopes={accessScopes}
          roles={roles}
          busy={paState.fetching || gaState.fetching}
          error={accessError}
          submitLabel="Create access token"
          onSubmit={async (t) => {
            setAccessError('');
            const input = { path: ns.fullPath, name: t.name, scopes: t.scopes, expiresAt: t.expiresAt, accessLevel: t.accessLevel as AccessLevelEnum };
            let payload, resError;
            if (p) {
              const res = await createPA({ input });
              payload = res.data?.projectAccessTokenCreate;
              resError = res.error;
            } else {
              const res = await createGA({ input });
              payload = res.data?.groupAccessTokenCreate;
              resError = res.error;
            }
            const errs = payload?.errors ?? [];
            if (resError || errs.length) {
              setAccessError(resError ? errorText(resError) : errs.join(' '));
              return false;
            }
            setSecret({
              label: `Access token “${t.name}” (bot user @${payload?.user?.username}).`,
              value: payload?.token ?? '',
              credential: { kind: 'token', token: payload?.token ?? '', username: payload?.user?.username ?? '' },
            });
            reload();
            return true;
          }}
        >
          <p className="muted small">An access token acts as a bot member of this {kind} with the role you choose.</p>
        </TokenForm>
      </div>
      <section className="card" aria-labelledby="deploy-h">
        <h2 id="deploy-h">
          Deploy tokens <span className="count">{deploys.length}</span>
        </h2>
        {deploys.length === 0 ? (
          <EmptyState title="No deploy tokens" />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="deploy-tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Username</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {deploys.map((t) => {
                  const st = tokenState(t);
                  return (
                    <tr key={t.id}>
                      <td>{t.name}</td>
                      <td className="mono">{t.username}</td>
                      <td>{t.scopes.join(', ')}</td>
                      <td className="nowrap">{relative(t.createdAt)}</td>
                      <td className="nowrap">{t.expiresAt ? formatDate(t.expiresAt).split(',')[0] : 'Never'}</td>
                      <td>
                        <Badge kind={st.kind}>{st.label}</Badge>
                      </td>
                      <td className="row-actions">
                        {!t.revoked && (
                          <button type="button" className="btn btn-small btn-danger-outline" aria-label={`Revoke deploy token ${t.name}`} onClick={() => (setRevokeError(''), setPending({ kind: 'deploy', id: t.id, name: t.name }))}>
                            Revoke
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
      <section className="card" aria-labelledby="access-h">
        <h2 id="access-h">
          {kind === 'project' ? 'Project' : 'Group'} access tokens <span className="count">{accessTokens.length}</span>
        </h2>
        {accessTokens.length === 0 ? (
          <EmptyState title="No access tokens">
            <p className="muted small">Create one above: its secret is shown once, and it is listed here until it expires or you revoke it.</p>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="access-tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
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
                {accessTokens.map((t) => {
                  const st = tokenState(t);
                  return (
                    <tr key={t.id}>
                      <td>
                        {t.name}
                        <div className="muted small mono" title="The bot user the token acts as">
                          @{t.user.username}
                        </div>
                      </td>
                      <td>{roleLabel(t.accessLevel)}</td>
                      <td>{t.scopes.join(', ')}</td>
                      <td className="nowrap" title={formatDate(t.createdAt)}>
                        {relative(t.createdAt)}
                      </td>
                      <td className="nowrap" title={t.lastUsedAt ? formatDate(t.lastUsedAt) : undefined}>
                        {relative(t.lastUsedAt)}
                      </td>
                      <td className="nowrap">{t.expiresAt ? formatDate(t.expiresAt).split(',')[0] : 'Never'}</td>
                      <td>
                        <Badge kind={st.kind}>{st.label}</Badge>
                      </td>
                      <td className="row-actions">
                        {t.active && !t.revoked && (
                          <button
                            type="button"
                            className="btn btn-small btn-danger-outline"
                            aria-label={`Revoke access token ${t.name}`}
                            onClick={() => (setRevokeError(''), setPending({ kind: 'access', id: t.id, name: t.name }))}
                          >
                            Revoke
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
        title={pending?.kind === 'access' ? 'Revoke access token?' : 'Revoke deploy token?'}
        confirmLabel="Revoke"
        busy={revokeDeployState.fetching || revokeAccessState.fetching}
        error={revokeError}
        onConfirm={async () => {
          if (!pending) return;
          let resError, errs: string[];
          if (pending.kind === 'access') {
            const res = await revokeAccess({ id: pending.id });
            resError = res.error;
            errs = res.data?.accessTokenRevoke?.errors ?? [];
          } else {
            const res = await revokeDeploy({ id: pending.id });
            resError = res.error;
            errs = res.data?.deployTokenRevoke?.errors ?? [];
          }
          if (resError || errs.length) return setRevokeError(resError ? errorText(resError) : errs.join(' '));
          setPending(null);
          reload();
        }}
        onClose={() => setPending(null)}
      >
        <p>
          {pending?.kind === 'access'
            ? `“${pending?.name}” stops working now: clients and scripts that use it will fail to authenticate.`
            : `“${pending?.name}” stops working now.`}
        </p>
      </ConfirmDialog>
    </>
  );
}
