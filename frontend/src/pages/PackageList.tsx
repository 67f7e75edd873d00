import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { PackageSort, PackageStatus, PackageTypeEnum } from '../gql/graphql';
import { errorText } from '../client';
import { Alert, Badge, CodeBlock, EmptyState, Loading, Size, StorageLine } from '../components/ui';
import { NamespaceNav } from '../components/NamespaceNav';
import { downloadsLabel, packageTypes, pkgPath, relative, formatDate, statusLabel, statuses, typeLabel } from '../format';
import { Link, navigate, useLocation, withParams } from '../router';
import { numericId } from '../snippets';
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

const sortFields = [
  ['CREATED', 'Published'],
  ['NAME', 'Name'],
  ['VERSION', 'Version'],
  ['TYPE', 'Type'],
] as const;

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
  const [text, setText] = useState(search);
  useEffect(() => setText(search), [search]);

  const [{ data, fetching, error }] = useQuery({
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
  const go = (changes: Record<string, string | null>) => navigate(withParams(loc, { after: null, before: null, ...changes }), { replace: false });

  if (fetching && !data) return <Loading rows={8} label="Loading packages" />;
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
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    go({ search: text.trim() });
  };
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
              {packageTypes.map((t) => (
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
            aria-label={dir === 'ASC' ? 'Sorted ascending; sort descending' : 'Sorted descending; sort ascending'}
            title={dir === 'ASC' ? 'Ascending' : 'Descending'}
            onClick={() => go({ sort: `${field}_${dir === 'ASC' ? 'DESC' : 'ASC'}`.toLowerCase() })}
          >
            {dir === 'ASC' ? '↑ Asc' : '↓ Desc'}
          </button>
        </div>
      </div>
      <Alert>{errorText(error)}</Alert>
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
        <ul className={`pkg-list${fetching ? ' stale' : ''}`} aria-busy={fetching} data-testid="package-list">
          {nodes.map((n) => (
            <li key={n.id} className="pkg-row">
              <div className="pkg-main">
                <Link className="row-title" href={pkgPath(n.project.fullPath, n.id)}>
                  {n.name}
                </Link>
                <span className="pkg-version mono">{n.version}</span>
                {n.status !== 'DEFAULT' && <Badge kind={n.status === 'ERROR' ? 'danger' : 'warning'}>{statusLabel(n.status)}</Badge>}
                {(n.tags?.nodes ?? []).map((t) => t && <Badge key={t.id} kind="info">{t.name}</Badge>)}
              </div>
              <div className="pkg-meta muted small">
                <Badge>{typeLabel(n.packageType)}</Badge>
                {!p && (
                  <span>
                    in <Link href={`/${n.project.fullPath}/-/packages`}>{n.project.fullPath}</Link>
                  </span>
                )}
                {n.pipelines?.nodes?.[0] && (
                  <span>
                    pipeline #{n.pipelines.nodes[0].iid}
                    {n.pipelines.nodes[0].ref ? ` on ${n.pipelines.nodes[0].ref}` : ''}
                    {n.pipelines.nodes[0].user ? ` by @${n.pipelines.nodes[0].user.username}` : ''}
                  </span>
                )}
                <time dateTime={n.createdAt} title={formatDate(n.createdAt)}>
                  published {relative(n.createdAt)}
                </time>
                <span data-testid="downloads">{downloadsLabel(n.downloadsCount)}</span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {(conn.pageInfo.hasNextPage || conn.pageInfo.hasPreviousPage) && (
        <nav className="pager" aria-label="Pages">
          <button
            type="button"
            className="btn"
            disabled={!conn.pageInfo.hasPreviousPage}
            onClick={() => navigate(withParams(loc, { after: null, before: conn.pageInfo.startCursor }))}
          >
            ← Previous
          </button>
          <button type="button" className="btn" disabled={!conn.pageInfo.hasNextPage} onClick={() => navigate(withParams(loc, { before: null, after: conn.pageInfo.endCursor }))}>
            Next →
          </button>
        </nav>
      )}
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
