import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../client';
import { Alert, Badge, EmptyState, Loading } from '../components/ui';
import { Link, navigate, useLocation, withParams } from '../router';
import { useSession } from '../session';

const HomeQuery = graphql(`
  query Home($search: String) {
    groups(search: $search, first: 50) {
      count
      nodes {
        id
        name
        fullPath
        visibility
      }
    }
    projects(search: $search, first: 50) {
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
`);

export function Home() {
  const loc = useLocation();
  const { session } = useSession();
  const search = loc.search.get('search') ?? '';
  const [text, setText] = useState(search);
  const [{ data, fetching, error }] = useQuery({ query: HomeQuery, variables: { search: search || null } });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(withParams(loc, { search: text.trim() }), { replace: true });
  };
  return (
    <>
      <div className="page-head">
        <h1>{session?.admin ? 'All projects and groups' : 'Your projects and groups'}</h1>
        <div className="actions">
          <Link className="btn" href="/-/new/group">
            New group
          </Link>
          <Link className="btn btn-primary" href="/-/new/project">
            New project
          </Link>
        </div>
      </div>
      <form role="search" onSubmit={submit} className="toolbar">
        <label htmlFor="home-search" className="sr-only">
          Filter projects and groups
        </label>
        <input id="home-search" type="search" placeholder="Filter by name or path" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" className="btn">
          Filter
        </button>
      </form>
      <Alert>{errorText(error)}</Alert>
      <div className="two-col">
        <section aria-labelledby="projects-h">
          <h2 id="projects-h">Projects {data && <span className="count">{data.projects.count}</span>}</h2>
          {fetching && !data ? (
            <Loading />
          ) : data?.projects.nodes?.length ? (
            <ul className="list">
              {data.projects.nodes.map(
                (p) =>
                  p && (
                    <li key={p.id} className="list-row">
                      <div>
                        <Link href={`/${p.fullPath}/-/packages`} className="row-title">
                          {p.fullPath}
                        </Link>
                        <div className="muted small">{p.packages.count === 1 ? '1 package' : `${p.packages.count} packages`}</div>
                      </div>
                      <Badge>{p.visibility}</Badge>
                    </li>
                  ),
              )}
            </ul>
          ) : (
            <EmptyState title={search ? 'No project matches' : 'No projects yet'}>
              <p>
                Projects hold packages. <Link href="/-/new/project">Create a project</Link> to publish your first package.
              </p>
            </EmptyState>
          )}
        </section>
        <section aria-labelledby="groups-h">
          <h2 id="groups-h">Groups {data && <span className="count">{data.groups.count}</span>}</h2>
          {fetching && !data ? (
            <Loading />
          ) : data?.groups.nodes?.length ? (
            <ul className="list">
              {data.groups.nodes.map(
                (g) =>
                  g && (
                    <li key={g.id} className="list-row">
                      <Link href={`/${g.fullPath}`} className="row-title">
                        {g.fullPath}
                      </Link>
                      <Badge>{g.visibility}</Badge>
                    </li>
                  ),
              )}
            </ul>
          ) : (
            <EmptyState title={search ? 'No group matches' : 'No groups yet'}>
              <p>Groups gather projects; members of a group reach all of its projects.</p>
            </EmptyState>
          )}
        </section>
      </div>
    </>
  );
}
