import { useQuery } from 'urql';
import { graphql } from '../gql';
import { MetadataCard } from './MetadataCard';
import { apiBase, hostPath, setupBase, type Credential, type FormatUI, type SetupTarget, type Snippet, type SnippetPackage, type SnippetSection } from './types';

function npmScope(name: string): string | null {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')) : null;
}

function snippets(p: SnippetPackage): SnippetSection[] {
  const spec = p.version ? `${p.name}@${p.version}` : p.name;
  const scope = npmScope(p.name);
  const setup = (url: string): string => {
    const line = scope ? `${scope}:registry=${url}/` : `registry=${url}/`;
    return p.anonymous ? line : `${line}\n${hostPath(url)}/:_authToken=\${NPM_TOKEN}`;
  };
  const sections: SnippetSection[] = [
    {
      id: 'install',
      title: 'Installation',
      snippets: [
        { label: 'npm command', language: 'shell', code: `npm i ${spec}` },
        { label: 'yarn command', language: 'shell', code: `yarn add ${spec}` },
      ],
    },
    {
      id: 'project',
      title: 'Registry setup: project level',
      description: 'Put this in the project’s .npmrc; NPM_TOKEN is a personal, deploy or CI job token.',
      snippets: [{ label: '.npmrc', language: 'ini', code: setup(apiBase(p, 'project', 'npm')) }],
    },
  ];
  if (p.groupId) {
    sections.push({
      id: 'group',
      title: `Registry setup: group level (${p.groupPath})`,
      description: 'Installs from every project of the group that the token may read.',
      snippets: [{ label: '.npmrc', language: 'ini', code: setup(apiBase(p, 'group', 'npm')) }],
    });
  }
  sections.push({
    id: 'instance',
    title: 'Registry setup: instance level',
    description: scope
      ? `Resolves ${scope} packages by name across the instance.`
      : 'Instance-level installs need a scoped package name.',
    snippets: [{ label: '.npmrc', language: 'ini', code: setup(apiBase(p, 'instance', 'npm')) }],
  });
  return sections;
}


const MetadataQuery = graphql(`
  query NpmMetadataPanel($id: PackagesPackageID!) {
    package(id: $id) {
      id
      metadata {
        __typename
        ... on NpmMetadata {
          packageJson
          deprecated
        }
      }
    }
  }
`);

function Metadata({ packageId }: { packageId: string }) {
  const [{ data }] = useQuery({ query: MetadataQuery, variables: { id: packageId } });
  const m = data?.package?.metadata;
  if (m?.__typename !== 'NpmMetadata') return null;
  const pj = (m.packageJson ?? {}) as Record<string, unknown>;
  const deps = (pj.dependencies ?? {}) as Record<string, string>;
  const names = Object.keys(deps);
  return (
    <MetadataCard
      rows={[
        ['Description', typeof pj.description === 'string' ? pj.description : ''],
        ['License', typeof pj.license === 'string' ? pj.license : ''],
        ['Deprecated', m.deprecated ?? ''],
      ]}
    >
      {names.length > 0 && (
        <>
          <h3 className="panel-title">Dependencies ({names.length})</h3>
          <ul className="plain deps">
            {names.map((n) => (
              <li key={n} className="mono">
                {n} <span className="muted">{String(deps[n])}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </MetadataCard>
  );
}

// npm sends the token as _authToken for the registry URL's host and path (any token kind).
function setup(t: SetupTarget, c: Credential): Snippet[] {
  const url = setupBase(t, 'npm');
  const auth = c.kind === 'anonymous' ? '' : `\n${hostPath(url)}/:_authToken=${c.token}`;
  return [{ label: '.npmrc', language: 'ini', code: `registry=${url}/${auth}` }];
}

export const npm: FormatUI = { type: 'NPM', label: 'npm', snippets, Metadata, setup };
