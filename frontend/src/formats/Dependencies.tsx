import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { PackageTypeEnum } from '../gql/graphql';
import { pkgPath } from '../format';
import { Link } from '../router';
import { dependencyGroups, sameName } from './dependencies';

const DependenciesQuery = graphql(`
  query PackageDependencies($id: PackagesPackageID!) {
    package(id: $id) {
      id
      dependencyLinks(first: 1000) {
        count
        nodes {
          id
          dependencyType
          dependency {
            name
            versionPattern
          }
          metadata {
            __typename
            ... on NugetDependencyLinkMetadata {
              targetFramework
            }
          }
        }
      }
    }
  }
`);

const TargetQuery = graphql(`
  query DependencyTarget($fullPath: ID!, $name: String!, $type: PackageTypeEnum!, $inGroup: Boolean!) {
    group(fullPath: $fullPath) @include(if: $inGroup) {
      id
      packages(packageName: $name, packageType: $type, first: 20) {
        nodes {
          id
          name
          project {
            id
            fullPath
          }
        }
      }
    }
    project(fullPath: $fullPath) @skip(if: $inGroup) {
      id
      packages(packageName: $name, packageType: $type, first: 20) {
        nodes {
          id
          name
          project {
            id
            fullPath
          }
        }
      }
    }
  }
`);

// At most this many dependencies are looked up in the registry (one query each).
const LOOKUPS = 50;

type Where = { type: string; projectPath: string; groupPath?: string | null };

/** Target links a dependency to its page when a package of that name lives in the same group (or project). */
function Target({ name, where }: { name: string; where: Where }) {
  const inGroup = !!where.groupPath;
  const [{ data }] = useQuery({
    query: TargetQuery,
    variables: { fullPath: inGroup ? where.groupPath! : where.projectPath, name, type: where.type as PackageTypeEnum, inGroup },
  });
  const nodes = (inGroup ? data?.group?.packages.nodes : data?.project?.packages.nodes) ?? [];
  const hit = nodes.find((n) => n && sameName(n.name, name));
  if (!hit) return <span>{name}</span>;
  return (
    <Link href={pkgPath(hit.project.fullPath, hit.id)} title={`In this registry: ${hit.project.fullPath}`}>
      {name}
    </Link>
  );
}

/** Dependencies lists what a version depends on, as its format lists it, linking those that live in this registry. */
export function Dependencies({ packageId, where }: { packageId: string; where: Where }) {
  const [{ data }] = useQuery({ query: DependenciesQuery, variables: { id: packageId } });
  const links = data?.package?.dependencyLinks;
  const groups = dependencyGroups(links?.nodes ?? []);
  if (!links || groups.length === 0) return null;
  let n = 0;
  return (
    <section className="card" aria-labelledby="deps-h" data-testid="dependencies">
      <h2 id="deps-h">
        Dependencies <span className="count">{links.count}</span>
      </h2>
      {groups.map((g) => (
        <div key={g.title} data-testid="dependency-group">
          {groups.length > 1 || g.title !== 'Dependencies' ? <h3 className="panel-title mono">{g.title}</h3> : null}
          <ul className="plain deps">
            {g.dependencies.map((d, i) => (
              <li key={`${i}:${d.name}`} className="mono">
                {n++ < LOOKUPS ? <Target name={d.name} where={where} /> : d.name} <span className="muted">{d.versionPattern}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
