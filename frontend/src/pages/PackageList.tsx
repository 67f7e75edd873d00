import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { PackageRowFragment, PackageSort, PackageStatus, PackageTypeEnum } from '../gql/graphql';
import { errorText } from '../client';
import { Alert, Badge, CodeBlock, ConfirmDialog, EmptyState, Loading, Size, StorageLine } from '../components/ui';
import { NamespaceNav } from '../components/NamespaceNav';
import { downloadsLabel, packageTypes, pkgPath, relative, formatDate, statusLabel, statuses, typeLabel } from '../format';
import { Link, navigate, useLocation, withParams } from '../router';
import { numericId } from '../snippets';
import { groupVersions, pageOf, pageRange } from '../listing';
import { Usage } from '../usage/Usage';
import { NotFound } from './NotFound';

const PAGE = 20;

const PackagesQuery = graphql(`
  query Packages(
    $fullPath: ID!
    $sort: PackageSort
    $groupSort: PackageGroupSort
    $packageName: String
    $packageType: PackageTypeEnum
    $status: PackageStatus
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    project(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      packageRegistryAccessLevel
      userPermissions {
        adminPackage
        adminProject
        createPackage
      }
      statistics {
        packagesSize
      }
      packages(sort: $sort, packageName: $packageName, packageType: $packageType, status: $status, first: $first, after: $after, last: $last, before: $before) {
        count
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
        nodes {
          ...PackageRow
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
      packages(sort: $groupSort, packageName: $packageName, packageType: $packageType, status: $status, first: $first, after: $after, last: $last, before: $before) {
        count
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
        nodes {
          ...PackageRow
        }
      }
    }
  }
  fragment PackageRow on Package {
    id
    name
    version
    packageType
    status
    createdAt
    downloadsCount
    lastDownloadedAt
    userPermissions {
      destroyPackage
    }
    packageFiles(first: 100) {
      nodes {
        id
        size
      }
    }
    project {
      id
      fullPath
      name
    }
    tags(first: 5) {
      nodes {
        id
        name
      }
    }
    pipelines(first: 1) {
      nodes {
        id
        iid
        ref
        user {
          username
        }
      }
    }
  }
`);

const FormatsQuery = graphql(`
  query PackageFormats {
    packageFormats {
      packageType
    }
  }
`);

const DestroyPackages = graphql(`
  mutation DestroyPackages($ids: [PackagesPackageID!]!) {
    destroyPackages(input: { ids: $ids }) {
      errors
    }
  }
`);

const sortFields = [
  ['CREATED', 'Published'],
  ['NAME', 'Name'],
  ['VERSION', 'Version'],
  ['TYPE', 'Type'],
] as const;

type Row = PackageRowFragment;

/** rowSize is what a version's files take (as listed: at most 100 files). */
function rowSize(n: Row): number {
  return (n.packageFiles?.nodes ?? []).reduce((sum, f) => sum + (f ? Number(f.size) : 0), 0);
}

/** PackageList is a project's or a group's package registry. Search, sort, filters and the page are in the URL. */
export function PackageList({ path }: { path: string }) {
  const loc = useLocation();
  const search = loc.search.get('search') ?? '';
  const sortParam = (loc.search.get('sort') ?? 'CREATED_DESC').toUpperCase();
  const sort = (/^(CREATED|NAME|VERSION|TYPE)_(ASC|DESC)$/.test(sortParam) ? sortParam : 'CREATED_DESC') as PackageSort;
  const [field, dir] = sort.split('_') as [string, 'ASC' | 'DESC'];
  const type = (loc.search.get('type') ?? '').toUpperCase();
  const status = (loc.search.get('status') ?? '').toUpperCase();
  const after = loc.search.get('after');
  const before = loc.search.get('before');
  const page = pageOf(loc.search.get('page'));
  const [text, setText] = useState(search);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState(false);
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState('');
  useEffect(() => setText(search), [search]);
  useEffect(() => setSelected(new Set()), [loc.pathname, loc.search.toString()]);

  const [{ data: fmts, fetching: fmtsLoading }] = useQuery({ query: FormatsQuery });
  const served = (fmts?.packageFormats ?? []).map((f) => f.packageType as string);
  const types = packageTypes.filter((t) => served.includes(t.value));
  const [{ data, fetching, error }, refetch] = useQuery({
    query: PackagesQuery,
    variables: {
      fullPath: path,
      sort,
      groupSort: sort,
      packageName: search || null,
      packageType: packageTypes.some((t) => t.value === type) ? (type as PackageTypeEnum) : null,
      status: statuses.includes(status) ? (status as PackageStatus) : null,
      ...(before ? { last: PAGE, before } : { first: PAGE, after: after || null }),
    },
  });
  const [del, destroy] = useMutation(DestroyPackages);
  const go = (changes: Record<string, string | null>) => navigate(withParams(loc, { after: null, before: null, page: null, ...changes }), { replace: false });

  // The filters wait for the served formats too, so that nothing moves once shown.
  if ((fetching && !data) || (fmtsLoading && !fmts)) return <Loading rows={8} label="Loading packages" />;
  if (error && !data) return <Alert>{errorText(error)}</Alert>;
  const p = data?.project;
  const g = data?.group;
  if (!p && !g) return <NotFound />;
  const conn = p ? p.packages : g!.packages;
  const ns = p
    ? { kind: 'project' as const, fullPath: p.fullPath, name: p.name, visibility: p.visibility, canAdmin: p.userPermissions.adminPackage || p.userPermissions.adminProject }
    : { kind: 'group' as const, fullPath: g!.fullPath, name: g!.name, visibility: g!.visibility, canAdmin: g!.userPermissions.adminGroup };
  const filtered = !!(search || type || status);
  const nodes = (conn.nodes ?? []).filter((n): n is NonNullable<typeof n> => !!n);
  const groups = groupVersions(nodes);
  const deletable = nodes.filter((n) => n.userPermissions.destroyPackage);
  const anyDeletable = deletable.length > 0;
  const allSelected = anyDeletable && deletable.every((n) => selected.has(n.id));
  const toggle = (ids: string[], on: boolean) => {
    const next = new Set(selected);
    for (const id of ids) if (on) next.add(id); else next.delete(id);
    setSelected(next);
  };
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    go({ search: text.trim() });
  };
  const chosen = nodes.filter((n) => selected.has(n.id));
  const runDelete = async () => {
    setActionError('');
    const res = await destroy({ ids: chosen.map((n) => n.id) });
    const errs = res.data?.destroyPackages?.errors ?? [];
    if (res.error || errs.length) {
      setActionError(res.error ? errorText(res.error) : errs.join(' '));
      return;
    }
    setConfirm(false);
    setNotice(`Deleted ${chosen.length === 1 ? '1 package' : `${chosen.length} packages`}.`);
    setSelected(new Set());
    refetch({ requestPolicy: 'network-only' });
  };
  const versionRow = (n: Row, lead: boolean, group: { versions: Row[]; key: string }) => (
    <tr key={n.id} className={lead ? 'pkg-row' : 'pkg-subrow'} data-testid={lead ? undefined : 'version-row'}>
      {anyDeletable && (
        <td className="select">
          {n.userPermissions.destroyPackage && (
            <input type="checkbox" aria-label={`Select ${n.name} ${n.version ?? ''}`.trim()} checked={selected.has(n.id)} onChange={(e) => toggle([n.id], e.target.checked)} />
          )}
        </td>
      )}
      <th scope="row" className="pkg-name">
        {lead ? (
          <Link className="row-title" href={pkgPath(n.project.fullPath, n.id)}>
            {n.name}
          </Link>
        ) : (
          <span className="sr-only">{n.name}</span>
        )}
        {lead && group.versions.length > 1 && (
          <button
            type="button"
            className="btn btn-small btn-link versions-toggle"
            aria-expanded={expanded.has(group.key)}
            onClick={() => {
              const next = new Set(expanded);
              if (next.has(group.key)) next.delete(group.key); else next.add(group.key);
              setExpanded(next);
            }}
          >
            {group.versions.length} versions<span className="sr-only"> of {n.name}</span>
          </button>
        )}
        {n.status !== 'DEFAULT' && <Badge kind={n.status === 'ERROR' ? 'danger' : 'warning'}>{statusLabel(n.status)}</Badge>}
        {(n.tags?.nodes ?? []).map((t) => t && <Badge key={t.id} kind="info">{t.name}</Badge>)}
      </th>
      <td className="mono">
        {lead ? (
          <span className="pkg-version">{n.version}</span>
        ) : (
          <Link className="pkg-version" href={pkgPath(n.project.fullPath, n.id)}>
            {n.version}
          </Link>
        )}
      </td>
      <td className="col-type">{typeLabel(n.packageType)}</td>
      {!p && (
        <td className="col-project">
          <Link href={`/${n.project.fullPath}/-/packages`}>{n.project.fullPath}</Link>
        </td>
      )}
      <td className="col-by small">
        {n.pipelines?.nodes?.[0] ? (
          <span>
            pipeline #{n.pipelines.nodes[0].iid}
            {n.pipelines.nodes[0].ref ? ` on ${n.pipelines.nodes[0].ref}` : ''}
            {n.pipelines.nodes[0].user ? ` by @${n.pipelines.nodes[0].user.username}` : ''}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
        <br />
        <time className="muted" dateTime={n.createdAt} title={formatDate(n.createdAt)}>
          published {relative(n.createdAt)}
        </time>
      </td>
      <td className="nowrap col-size">
        <Size bytes={rowSize(n)} />
      </td>
      <td className="nowrap" data-testid="downloads">
        {downloadsLabel(n.downloadsCount)}
      </td>
      <td className="nowrap col-last small">
        {n.lastDownloadedAt ? (
          <time dateTime={n.lastDownloadedAt} title={formatDate(n.lastDownloadedAt)}>
            {relative(n.lastDownloadedAt)}
          </time>
        ) : (
          <span className="muted">never</span>
        )}
      </td>
    </tr>
  );
  return (
    <>
      <NamespaceNav ns={ns} active="packages" crumb="Package registry" />
      <div className="page-head">
        <h2>
          Package registry <span className="count" data-testid="package-count">{conn.count}</span>
        </h2>
        {p && p.packageRegistryAccessLevel === 'PUBLIC' && <Badge kind="info">Anyone can pull</Badge>}
        {p && p.packageRegistryAccessLevel === 'DISABLED' && <Badge kind="warning">Registry disabled</Badge>}
      </div>
      {p?.statistics && (
        <StorageLine testId="project-storage">
          Packages: <Size bytes={p.statistics.packagesSize} />
        </StorageLine>
      )}
      <div className="filters" role="group" aria-label="Search, filter and sort packages">
        <form role="search" onSubmit={onSearch} className="filter-search">
          <label htmlFor="pkg-search" className="sr-only">
            Search packages by name
          </label>
          <input id="pkg-search" type="search" placeholder="Search by name" value={text} onChange={(e) => setText(e.target.value)} />
          <button type="submit" className="btn">
            Search
          </button>
        </form>
        <div className="filter-selects">
          <label>
            <span className="sr-only">Type</span>
            <select aria-label="Type" value={type} onChange={(e) => go({ type: e.target.value.toLowerCase() || null })}>
              <option value="">All types</option>
              {types.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="sr-only">Status</span>
            <select aria-label="Status" value={status} onChange={(e) => go({ status: e.target.value.toLowerCase() || null })}>
              <option value="">All statuses</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="sr-only">Sort by</span>
            <select aria-label="Sort by" value={field} onChange={(e) => go({ sort: `${e.target.value}_${dir}`.toLowerCase() })}>
              {sortFields.map(([v, l]) => (
                <option key={v} value={v}>
                  Sort: {l}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="btn"
            // The name starts with the visible text (WCAG 2.5.3), then says what a click does.
            aria-label={dir === 'ASC' ? 'Ascending; sort descending' : 'Descending; sort ascending'}
            title={dir === 'ASC' ? 'Sort descending' : 'Sort ascending'}
            onClick={() => go({ sort: `${field}_${dir === 'ASC' ? 'DESC' : 'ASC'}`.toLowerCase() })}
          >
            <span aria-hidden="true">{dir === 'ASC' ? '↑' : '↓'}</span> {dir === 'ASC' ? 'Ascending' : 'Descending'}
          </button>
        </div>
      </div>
      <Alert>{errorText(error)}</Alert>
      <Alert kind="success">{notice}</Alert>
      {nodes.length === 0 ? (
        filtered ? (
          <EmptyState title="No package matches">
            <p>
              Nothing matches these filters. <Link href={loc.pathname}>Clear the search and filters</Link>.
            </p>
          </EmptyState>
        ) : (
          <FirstPackage project={p ? { id: p.id, fullPath: p.fullPath } : null} groupPath={g?.fullPath} />
        )
      ) : (
        <>
          {anyDeletable && (
            <div className="bulk-bar" role="group" aria-label="Selected packages">
              <span className="muted small" data-testid="selected-count">
                {selected.size === 0 ? 'Select versions to delete several at once.' : `${selected.size} selected`}
              </span>
              <button type="button" className="btn btn-small btn-danger-outline" disabled={selected.size === 0} onClick={() => (setActionError(''), setConfirm(true))}>
                Delete selected
              </button>
            </div>
          )}
          <div className="table-wrap">
            <table className={`table pkg-table${fetching ? ' stale' : ''}`} aria-busy={fetching} data-testid="package-list">
              <caption className="sr-only">Packages, {pageRange(page, PAGE, nodes.length, conn.count)}; versions of one package are grouped</caption>
              <thead>
                <tr>
                  {anyDeletable && (
                    <th scope="col" className="select">
                      <input type="checkbox" aria-label="Select every version on this page" checked={allSelected} onChange={(e) => toggle(deletable.map((n) => n.id), e.target.checked)} />
                    </th>
                  )}
                  <th scope="col">Name</th>
                  <th scope="col">Version</th>
                  <th scope="col" className="col-type">Type</th>
                  {!p && <th scope="col" className="col-project">Project</th>}
                  <th scope="col" className="col-by">Published by</th>
                  <th scope="col" className="col-size">Size</th>
                  <th scope="col">Downloads</th>
                  <th scope="col" className="col-last">Last downloaded</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((grp) => [versionRow(grp.latest, true, grp), ...(expanded.has(grp.key) ? grp.versions.slice(1).map((v) => versionRow(v, false, grp)) : [])])}
              </tbody>
            </table>
          </div>
        </>
      )}
      {nodes.length > 0 && (
        <nav className="pager" aria-label="Pages">
          <span className="muted small" data-testid="page-range">
            {pageRange(page, PAGE, nodes.length, conn.count)}
          </span>
          {(conn.pageInfo.hasNextPage || conn.pageInfo.hasPreviousPage) && (
            <>
              <button
                type="button"
                className="btn"
                disabled={!conn.pageInfo.hasPreviousPage}
                onClick={() => navigate(withParams(loc, { after: null, before: conn.pageInfo.startCursor, page: page > 2 ? String(page - 1) : null }))}
              >
                ← Previous
              </button>
              <button
                type="button"
                className="btn"
                disabled={!conn.pageInfo.hasNextPage}
                onClick={() => navigate(withParams(loc, { before: null, after: conn.pageInfo.endCursor, page: String(page + 1) }))}
              >
                Next →
              </button>
            </>
          )}
        </nav>
      )}
      <Usage fullPath={path} kind={p ? 'project' : 'group'} />
      <ConfirmDialog
        open={confirm}
        title="Delete selected packages?"
        confirmLabel={`Delete ${chosen.length === 1 ? '1 package' : `${chosen.length} packages`}`}
        busy={del.fetching}
        error={actionError}
        onConfirm={runDelete}
        onClose={() => setConfirm(false)}
      >
        <p>These versions and their files will be deleted. This cannot be undone.</p>
        <ul className="plain">
          {chosen.map((n) => (
            <li key={n.id} className="mono">
              {n.name} {n.version}
            </li>
          ))}
        </ul>
      </ConfirmDialog>
    </>
  );
}

/** FirstPackage is the empty state: how to publish a first package here. */
function FirstPackage({ project, groupPath }: { project: { id: string; fullPath: string } | null; groupPath?: string }) {
  const origin = window.location.origin;
  if (!project) {
    return (
      <EmptyState title="There are no packages yet">
        <p>Packages published to any project of {groupPath} that you can read show up here. Open one of its projects to see how to publish.</p>
      </EmptyState>
    );
  }
  const id = numericId(project.id);
  return (
    <EmptyState title="There are no packages yet">
      <p>Publish a package with your usual client and a personal access token with the api scope (create one under Access tokens). For example:</p>
      <CodeBlock
        label="Generic package with curl"
        language="shell"
        code={`curl --header "PRIVATE-TOKEN: <your_personal_access_token>" \\\n     --upload-file ./tool.tar.gz \\\n     "${origin}/api/v4/projects/${id}/packages/generic/tool/1.0.0/tool.tar.gz"`}
      />
      <CodeBlock
        label="npm package (.npmrc, then npm publish)"
        language="ini"
        code={`@scope:registry=${origin}/api/v4/projects/${id}/packages/npm/\n${origin.replace(/^https?:/, '')}/api/v4/projects/${id}/packages/npm/:_authToken=\${NPM_TOKEN}`}
      />
      <CodeBlock
        label="Python package with twine"
        language="shell"
        code={`TWINE_USERNAME=__token__ TWINE_PASSWORD=<your_personal_access_token> \\\n  python3 -m twine upload --repository-url ${origin}/api/v4/projects/${id}/packages/pypi dist/*`}
      />
    </EmptyState>
  );
}
