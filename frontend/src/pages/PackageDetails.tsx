import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../client';
import { Alert, Badge, Breadcrumbs, CodeBlock, ConfirmDialog, CopyButton, Loading, pathCrumbs } from '../components/ui';
import { downloadsLabel, formatDate, formatSize, pkgPath, relative, statusLabel, typeLabel } from '../format';
import { Link, navigate } from '../router';
import { formats } from '../formats';
import { Dependencies } from '../formats/Dependencies';
import { BarChart } from '../usage/BarChart';
import { baseUrlOf, numericId, snippets } from '../snippets';
import { NotFound } from './NotFound';
import { useSession } from '../session';
import { PipelineCommit, PipelineStatus } from '../components/PipelineParts';

const PackageQuery = graphql(`
  query PackageDetails($id: PackagesPackageID!) {
    package(id: $id) {
      id
      name
      version
      packageType
      status
      statusMessage
      createdAt
      updatedAt
      downloadsCount
      lastDownloadedAt
      downloadsPerDay(days: 30) {
        day
        count
      }
      publicPackage
      npmUrl
      pypiUrl
      mavenUrl
      nugetUrl
      genericUrl
      userPermissions {
        destroyPackage
      }
      project {
        id
        name
        fullPath
        group {
          id
          fullPath
        }
      }
      tags(first: 50) {
        nodes {
          id
          name
        }
      }
      versions(first: 20) {
        count
        nodes {
          id
          version
          status
          createdAt
        }
      }
      packageFiles(first: 100) {
        count
        nodes {
          id
          fileName
          size
          fileMd5
          fileSha1
          fileSha256
          downloadPath
          createdAt
          downloadsCount
        }
      }
      pipelines(first: 5) {
        count
        nodes {
          id
          iid
          ref
          sha
          status
          source
          createdAt
          path
          user {
            username
            name
          }
        }
      }
    }
  }
`);

const DestroyPackage = graphql(`
  mutation DestroyPackage($id: PackagesPackageID!) {
    destroyPackage(input: { id: $id }) {
      errors
    }
  }
`);

const DestroyFile = graphql(`
  mutation DestroyPackageFile($id: PackagesPackageFileID!) {
    destroyPackageFile(input: { id: $id }) {
      errors
    }
  }
`);

type Confirm = { kind: 'package' } | { kind: 'file'; id: string; name: string } | null;

export function PackageDetails({ path, id }: { path: string; id: string }) {
  const gid = `gid://gitlab/Packages::Package/${id}`;
  const [{ data, fetching, error }, refetch] = useQuery({ query: PackageQuery, variables: { id: gid } });
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [notice, setNotice] = useState('');
  const { session } = useSession();
  const [actionError, setActionError] = useState('');
  const [pkgDel, destroyPackage] = useMutation(DestroyPackage);
  const [fileDel, destroyFile] = useMutation(DestroyFile);
  const [tab, setTab] = useState<string>('install');

  if (fetching && !data) return <Loading rows={10} label="Loading package" />;
  const p = data?.package;
  if (!p || p.project.fullPath !== path) {
    if (error && !/not found|invalid/i.test(errorText(error))) return <Alert>{errorText(error)}</Alert>;
    return <NotFound what="package" />;
  }
  const hidden = formats[p.packageType]?.hiddenFile;
  const files = (p.packageFiles?.nodes ?? []).filter((f): f is NonNullable<typeof f> => !!f && !hidden?.(f.fileName));
  const pipelines = (p.pipelines?.nodes ?? []).filter((x): x is NonNullable<typeof x> => !!x);
  // A version-less entry (a Maven artifact's maven-metadata.xml holder) is no version to open.
  const versions = (p.versions?.nodes ?? []).filter((x): x is NonNullable<typeof x> & { version: string } => !!x?.version);
  const sections = snippets({
    type: p.packageType,
    name: p.name,
    version: p.version,
    baseUrl: baseUrlOf(p.npmUrl ?? p.pypiUrl ?? p.mavenUrl ?? p.nugetUrl ?? p.genericUrl, window.location.origin),
    projectId: numericId(p.project.id) ?? 0,
    projectPath: p.project.fullPath,
    groupId: numericId(p.project.group?.id),
    groupPath: p.project.group?.fullPath,
    files: files.map((f) => f.fileName),
    anonymous: !session, // a package an anonymous visitor sees is public: reads need no token
  });
  const canDelete = p.userPermissions.destroyPackage;
  const MetadataPanel = formats[p.packageType]?.Metadata;

  const run = async () => {
    if (!confirm) return;
    setActionError('');
    const res = confirm.kind === 'package' ? await destroyPackage({ id: p.id }) : await destroyFile({ id: confirm.id });
    const payload = res.data && ('destroyPackage' in res.data ? res.data.destroyPackage : res.data.destroyPackageFile);
    const errs = payload?.errors ?? [];
    if (res.error || errs.length) {
      setActionError(res.error ? errorText(res.error) : errs.join(' '));
      return;
    }
    if (confirm.kind === 'package') {
      setConfirm(null);
      navigate(`/${p.project.fullPath}/-/packages`);
      return;
    }
    setNotice(`Deleted ${confirm.name}.`);
    setConfirm(null);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <>
      <Breadcrumbs items={pathCrumbs(p.project.fullPath, [{ label: 'Package registry', href: `/${p.project.fullPath}/-/packages` }, { label: `${p.name}${p.version ? '@' + p.version : ''}` }])} />
      <div className="page-head pkg-head">
        <div>
          <h1 className="pkg-title">
            {p.name} <span className="pkg-version mono">{p.version}</span>
          </h1>
          <p className="pkg-badges">
            <Badge>{typeLabel(p.packageType)}</Badge>
            <Badge kind={p.status === 'DEFAULT' ? 'success' : p.status === 'ERROR' ? 'danger' : 'warning'}>{statusLabel(p.status)}</Badge>
            {p.publicPackage && <Badge kind="info">Public</Badge>}
            {(p.tags?.nodes ?? []).map((t) => t && <Badge key={t.id} kind="info">{t.name}</Badge>)}
          </p>
          <p className="muted small">
            In <Link href={`/${p.project.fullPath}/-/packages`}>{p.project.fullPath}</Link> · published{' '}
            <time dateTime={p.createdAt} title={formatDate(p.createdAt)}>
              {relative(p.createdAt)}
            </time>{' '}
            · updated{' '}
            <time dateTime={p.updatedAt} title={formatDate(p.updatedAt)}>
              {relative(p.updatedAt)}
            </time>{' '}
            · <span data-testid="downloads">{downloadsLabel(p.downloadsCount)}</span>
            {p.lastDownloadedAt && (
              <>
                , last{' '}
                <time dateTime={p.lastDownloadedAt} title={formatDate(p.lastDownloadedAt)}>
                  {relative(p.lastDownloadedAt)}
                </time>
              </>
            )}
          </p>
        </div>
        {canDelete && (
          <div className="actions">
            <button type="button" className="btn btn-danger-outline" onClick={() => (setActionError(''), setConfirm({ kind: 'package' }))}>
              Delete package
            </button>
          </div>
        )}
      </div>
      {p.statusMessage && <Alert kind="warning">{p.statusMessage}</Alert>}
      <Alert kind="success">{notice}</Alert>
      <div className="detail-grid">
        <div className="detail-main">
          {sections.length > 0 && (
            <section className="card" aria-labelledby="install-h">
              <h2 id="install-h">Installation</h2>
              <div className="tabs tabs-small" role="tablist" aria-label="Installation and registry setup">
                {sections.map((s) => (
                  <button
                    key={s.id}
                    type="button"
                    role="tab"
                    id={`tab-${s.id}`}
                    aria-selected={tab === s.id}
                    aria-controls={`panel-${s.id}`}
                    tabIndex={tab === s.id ? 0 : -1}
                    onClick={() => setTab(s.id)}
                    onKeyDown={(e) => {
                      const i = sections.findIndex((x) => x.id === tab);
                      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                        const next = sections[(i + (e.key === 'ArrowRight' ? 1 : sections.length - 1)) % sections.length];
                        setTab(next.id);
                        document.getElementById(`tab-${next.id}`)?.focus();
                      }
                    }}
                  >
                    {s.id === 'install' ? (s.title === 'Installation' ? 'Install' : s.title) : s.id === 'project' ? 'Project level' : s.id === 'group' ? 'Group level' : s.id === 'publish' ? 'Publish' : 'Instance level'}
                  </button>
                ))}
              </div>
              {sections.map(
                (s) =>
                  s.id === (sections.some((x) => x.id === tab) ? tab : 'install') && (
                    <div key={s.id} role="tabpanel" id={`panel-${s.id}`} aria-labelledby={`tab-${s.id}`} data-testid={`snippets-${s.id}`}>
                      {s.id !== 'install' && <h3 className="panel-title">{s.title}</h3>}
                      {s.description && <p className="muted small">{s.description}</p>}
                      {s.snippets.map((c) => (
                        <CodeBlock key={c.label} label={c.label} code={c.code} language={c.language} />
                      ))}
                    </div>
                  ),
              )}
            </section>
          )}
          {MetadataPanel && <MetadataPanel packageId={p.id} />}
          <Dependencies packageId={p.id} where={{ type: p.packageType, projectPath: p.project.fullPath, groupPath: p.project.group?.fullPath }} />
          <section className="card" aria-labelledby="files-h">
            <h2 id="files-h">
              Files <span className="count">{files.length}</span>
            </h2>
            {files.length === 0 ? (
              <p className="muted">This package has no files.</p>
            ) : (
              <div className="table-wrap">
                <table className="table files" data-testid="files">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Size</th>
                      <th scope="col">Created</th>
                      <th scope="col">Downloads</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {files.map((f) => (
                      <tr key={f.id}>
                        <td>
                          <a href={f.downloadPath} download={f.fileName} className="file-name">
                            {f.fileName}
                          </a>
                          <details className="checksums">
                            <summary>Checksums</summary>
                            <dl>
                              {(
                                [
                                  ['SHA-256', f.fileSha256],
                                  ['SHA-1', f.fileSha1],
                                  ['MD5', f.fileMd5],
                                ] as const
                              ).map(
                                ([k, v]) =>
                                  v && (
                                    <div key={k} className="checksum">
                                      <dt>{k}</dt>
                                      <dd className="mono">
                                        {v} <CopyButton text={v} label={`Copy ${k} of ${f.fileName}`} />
                                      </dd>
                                    </div>
                                  ),
                              )}
                            </dl>
                          </details>
                        </td>
                        <td className="nowrap">{formatSize(f.size)}</td>
                        <td className="nowrap">
                          <time dateTime={f.createdAt} title={formatDate(f.createdAt)}>
                            {relative(f.createdAt)}
                          </time>
                        </td>
                        <td className="nowrap">{f.downloadsCount.toLocaleString('en-US')}</td>
                        <td className="row-actions">
                          <a className="btn btn-small" href={f.downloadPath} download={f.fileName} aria-label={`Download ${f.fileName}`}>
                            Download
                          </a>
                          {canDelete && (
                            <button
                              type="button"
                              className="btn btn-small btn-danger-outline"
                              aria-label={`Delete file ${f.fileName}`}
                              onClick={() => (setActionError(''), setConfirm({ kind: 'file', id: f.id, name: f.fileName }))}
                            >
                              Delete
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </div>
        <aside className="detail-side">
          <section className="card" aria-labelledby="dl-h">
            <h2 id="dl-h">Downloads</h2>
            <BarChart
              title="Downloads, last 30 days"
              points={p.downloadsPerDay.map((d) => ({ label: d.day, value: d.count }))}
              unit={downloadsLabel}
              kind="sum"
              testId="downloads-chart"
            />
          </section>
          <section className="card" aria-labelledby="ci-h" data-testid="pipelines">
            <h2 id="ci-h">CI activity</h2>
            {pipelines.length === 0 ? (
              <p className="muted small">Not published from a CI pipeline. Packages published with a CI job token record their pipeline here.</p>
            ) : (
              <ol className="timeline">
                {pipelines.map((pl, i) => (
                  <li key={pl.id}>
                    <p>
                      <strong>{i === 0 && pipelines.length > 1 ? 'Last updated' : i === pipelines.length - 1 ? 'Published' : 'Updated'}</strong> by pipeline{' '}
                      {pl.path ? <Link href={pl.path} className="mono">#{pl.iid}</Link> : <span className="mono">#{pl.iid}</span>} <PipelineStatus status={pl.status} />
                    </p>
                    <p className="muted small">
                      <PipelineCommit pipeline={pl} />
                    </p>
                    <p className="muted small">
                      <time dateTime={pl.createdAt} title={formatDate(pl.createdAt)}>
                        {relative(pl.createdAt)}
                      </time>
                    </p>
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section className="card" aria-labelledby="versions-h">
            <h2 id="versions-h">Other versions</h2>
            {versions.length === 0 ? (
              <p className="muted small">This is the only version.</p>
            ) : (
              <ul className="plain versions">
                {versions.map((v) => (
                  <li key={v.id}>
                    <Link href={pkgPath(p.project.fullPath, v.id)} className="mono">
                      {v.version}
                    </Link>{' '}
                    {v.status !== 'DEFAULT' && <Badge kind="warning">{statusLabel(v.status)}</Badge>}
                    <span className="muted small"> {relative(v.createdAt)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </aside>
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm?.kind === 'file' ? 'Delete file?' : 'Delete package?'}
        confirmLabel={confirm?.kind === 'file' ? 'Delete file' : 'Delete package'}
        busy={pkgDel.fetching || fileDel.fetching}
        error={actionError}
        onConfirm={run}
        onClose={() => setConfirm(null)}
      >
        {confirm?.kind === 'file' ? (
          <p>
            <strong className="mono">{confirm.name}</strong> will be deleted from {p.name} {p.version}. Clients that need this file will fail to install it.
          </p>
        ) : (
          <p>
            <strong>
              {p.name} {p.version}
            </strong>{' '}
            and its {files.length === 1 ? 'file' : `${files.length} files`} will be deleted. This cannot be undone.
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

