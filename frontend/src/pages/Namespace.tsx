import { useEffect } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../client';
import { Alert, Badge, Breadcrumbs, EmptyState, Loading, Size, StorageLine } from '../components/ui';
import { NamespaceNav } from '../components/NamespaceNav';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { NotFound } from './NotFound';

const NamespaceQuery = graphql(`
  query Namespace($fullPath: ID!, $search: String) {
    project(fullPath: $fullPath) {
      id
      fullPath
    }
    group(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      userPermissions {
        adminGroup
        createProjects
      }
      rootStorageStatistics {
        packagesSize
      }
      descendantGroups(first: 100) {
        nodes {
          id
          name
          fullPath
          visibility
        }
      }
      projects(first: 100) {
        count
        nodes {
          id
          name
          fullPath
          visibility
          packages(first: 1) {
            count
          }
        }
      }
    }
    projects(search: $search, first: 100) {
      nodes {
        id
        fullPath
        name
        visibility
      }
    }
  }
`);

/** Namespace is the page of a full path without /-/: a group's overview, a user's
 * personal projects, or a redirect to a project's packages. */
export function Namespace({ path }: { path: string }) {
  const { session } = useSession();
  const [{ data, fetching, error }] = useQuery({ query: NamespaceQuery, variables: { fullPath: path, search: path.includes('/') ? '__none__' : path } });
  const isProject = !!data?.project;
  useEffect(() => {
    if (isProject) navigate(`/${path}/-/packages`, { replace: true });
  }, [isProject, path]);
  if (fetching && !data) return <Loading rows={5} />;
  if (error && !data) return <Alert>{errorText(error)}</Alert>;
  if (isProject) return <Loading rows={5} />;
  const g = data?.group;
  if (!g) {
    const personal = (data?.projects.nodes ?? []).filter((p) => p && p.fullPath.startsWith(path + '/') && !p.fullPath.slice(path.length + 1).includes('/'));
    if (personal.length === 0 && session?.user.username !== path) return <NotFound />;
    return (
      <>
        <Breadcrumbs items={[{ label: path }]} />
        <h1>@{path}</h1>
        <p className="muted">Personal projects of {path} that you can see.</p>
        <ul className="list">
          {personal.map(
            (p) =>
              p && (
                <li key={p.id} className="list-row">
                  <Link className="row-title" href={`/${p.fullPath}/-/packages`}>
                    {p.fullPath}
                  </Link>
                  <Badge>{p.visibility}</Badge>
                </li>
              ),
          )}
        </ul>
        {personal.length === 0 && (
          <EmptyState title="No personal projects">
            <p>
              <Link href={`/-/new/project?namespace=${encodeURIComponent(path)}`}>Create a project</Link> in your personal namespace.
            </p>
          </EmptyState>
        )}
      </>
    );
  }
  const subgroups = g.descendantGroups.nodes ?? [];
  const projects = (g.projects.nodes ?? []).filter(Boolean);
  return (
    <>
      <NamespaceNav ns={{ kind: 'group', fullPath: g.fullPath, name: g.name, visibility: g.visibility, canAdmin: g.userPermissions.adminGroup }} active="overview" />
      {g.rootStorageStatistics && (
        <StorageLine testId="group-storage">
          Packages in this group: <Size bytes={g.rootStorageStatistics.packagesSize} />
        </StorageLine>
      )}
      <div className="page-head">
        <h2>Subgroups and projects</h2>
        {g.userPermissions.createProjects && (
          <div className="actions">
            <Link className="btn" href={`/-/new/group?parent=${encodeURIComponent(g.fullPath)}`}>
              New subgroup
            </Link>
            <Link className="btn btn-primary" href={`/-/new/project?namespace=${encodeURIComponent(g.fullPath)}`}>
              New project
            </Link>
          </div>
        )}
      </div>
      {subgroups.length + projects.length === 0 ? (
        <EmptyState title="This group is empty">
          <p>Create a project in it to publish packages.</p>
        </EmptyState>
      ) : (
        <ul className="list">
          {subgroups.map(
            (s) =>
              s && (
                <li key={s.id} className="list-row">
                  <div>
                    <span className="kind">Group</span>{' '}
                    <Link className="row-title" href={`/${s.fullPath}`}>
                      {s.name}
                    </Link>
                  </div>
                  <Badge>{s.visibility}</Badge>
                </li>
              ),
          )}
          {projects.map(
            (p) =>
              p && (
                <li key={p.id} className="list-row">
                  <div>
                    <span className="kind">Project</span>{' '}
                    <Link className="row-title" href={`/${p.fullPath}/-/packages`}>
                      {p.name}
                    </Link>
                    <div className="muted small">{p.packages.count === 1 ? '1 package' : `${p.packages.count} packages`}</div>
                  </div>
                  <Badge>{p.visibility}</Badge>
                </li>
              ),
          )}
        </ul>
      )}
    </>
  );
}
