import { useQuery } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../client';
import { Alert, Badge, EmptyState, Loading } from '../components/ui';
import { NamespaceNav } from '../components/NamespaceNav';
import { Link } from '../router';
import { formatDate, relative, typeLabel } from '../format';
import { NotFound } from './NotFound';
import { PipelineCommit, PipelineStatus } from '../components/PipelineParts';

const Query = graphql(`
  query PipelinePage($fullPath: ID!, $id: ID!) {
    project(fullPath: $fullPath) {
      id
      name
      fullPath
      visibility
      userPermissions {
        adminProject
        adminPackage
      }
      pipeline(id: $id) {
        id
        iid
        ref
        sha
        status
        source
        createdAt
        user {
          username
        }
        packages {
          id
          name
          version
          packageType
          createdAt
          _links {
            webPath
          }
        }
      }
    }
  }
`);

/** Pipeline is a project's pipeline page (/<project>/-/pipelines/<id>, REST's web_url): what the pipeline published. */
export function Pipeline({ path, id }: { path: string; id: string }) {
  const [{ data, fetching, error }] = useQuery({ query: Query, variables: { fullPath: path, id: `gid://gitlab/Ci::Pipeline/${id}` } });
  if (fetching && !data) return <Loading rows={4} />;
  if (error && !data) return <Alert>{errorText(error)}</Alert>;
  const p = data?.project;
  const pl = p?.pipeline;
  if (!p || !pl) return <NotFound />;
  const ns = { kind: 'project' as const, fullPath: p.fullPath, name: p.name, visibility: p.visibility, canAdmin: p.userPermissions.adminProject || p.userPermissions.adminPackage };
  return (
    <>
      <NamespaceNav ns={ns} active="pipeline" crumb={`Pipeline #${pl.iid}`} />
      <section className="card" aria-labelledby="pipeline-h" data-testid="pipeline">
        <h2 id="pipeline-h">
          Pipeline <span className="mono">#{pl.iid}</span>{' '}
          <PipelineStatus status={pl.status} />
        </h2>
        <p className="muted small">
          <PipelineCommit pipeline={pl} />
          {pl.source && <> · {pl.source}</>} ·{' '}
          <time dateTime={pl.createdAt} title={formatDate(pl.createdAt)}>
            {relative(pl.createdAt)}
          </time>
        </p>
      </section>
      <section className="card" aria-labelledby="published-h">
        <h2 id="published-h">
          Published packages <span className="count">{pl.packages.length}</span>
        </h2>
        {pl.packages.length === 0 ? (
          <EmptyState title="Nothing published">
            <p className="muted small">This pipeline has published no package that is still in the registry.</p>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="pipeline-packages">
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Version</th>
                  <th scope="col">Type</th>
                  <th scope="col">Published</th>
                </tr>
              </thead>
              <tbody>
                {pl.packages.map((pkg) => (
                  <tr key={pkg.id}>
                    <td>{pkg._links.webPath ? <Link href={pkg._links.webPath}>{pkg.name}</Link> : pkg.name}</td>
                    <td className="mono">{pkg.version}</td>
                    <td>
                      <Badge>{typeLabel(pkg.packageType)}</Badge>
                    </td>
                    <td className="nowrap" title={formatDate(pkg.createdAt)}>
                      {relative(pkg.createdAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
