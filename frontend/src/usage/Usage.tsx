import { useQuery } from 'urql';
import { graphql } from '../gql';
import { formatSize, pkgPath } from '../format';
import { Link } from '../router';
import { Size } from '../components/ui';
import { BarChart } from './BarChart';

const UsageQuery = graphql(`
  query StorageUsage($fullPath: ID!, $isProject: Boolean!) {
    project(fullPath: $fullPath) @include(if: $isProject) {
      id
      packagesSizePerDay(days: 30) {
        day
        packagesSize
      }
      largestPackages(first: 5) {
        size
        package {
          id
          name
          version
          project {
            id
            fullPath
          }
        }
      }
    }
    group(fullPath: $fullPath) @skip(if: $isProject) {
      id
      packagesSizePerDay(days: 30) {
        day
        packagesSize
      }
      largestPackages(first: 5) {
        size
        package {
          id
          name
          version
          project {
            id
            fullPath
          }
        }
      }
    }
  }
`);

/** Usage shows a project's or group's storage over the last 30 days and its largest packages (for who may see its usage). */
export function Usage({ fullPath, kind }: { fullPath: string; kind: 'project' | 'group' }) {
  const [{ data }] = useQuery({ query: UsageQuery, variables: { fullPath, isProject: kind === 'project' } });
  const u = kind === 'project' ? data?.project : data?.group;
  if (!u?.packagesSizePerDay || !u.largestPackages || u.largestPackages.length === 0) return null;
  return (
    <section className="card usage" data-testid="usage" aria-labelledby="usage-h">
      <h2 id="usage-h">Usage</h2>
      <div className="usage-grid">
        <BarChart
          title="Storage, last 30 days"
          points={u.packagesSizePerDay.map((d) => ({ label: d.day, value: d.packagesSize }))}
          unit={formatSize}
          kind="level"
          testId="storage-chart"
        />
        <div>
          <h3 className="panel-title">Largest packages</h3>
          <ol className="plain largest" data-testid="largest-packages">
            {u.largestPackages.map((l) => (
              <li key={l.package.id}>
                <Link href={pkgPath(l.package.project.fullPath, l.package.id)}>
                  {l.package.name}
                  {l.package.version ? ` ${l.package.version}` : ''}
                </Link>{' '}
                <span className="muted small">
                  <Size bytes={l.size} />
                  {kind === 'group' ? ` · ${l.package.project.fullPath}` : ''}
                </span>
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
