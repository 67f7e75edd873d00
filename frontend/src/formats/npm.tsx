import { useQuery } from 'urql';
import { graphql } from '../gql';
import { MetadataCard, safeLink } from './MetadataCard';
import { Readme } from './Readme';
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
          readme
        }
      }
    }
  }
`);

/** repositoryUrl is package.json's repository, a string or {url}, as a web URL where it is one. */
export function repositoryUrl(repo: unknown): string {
  const raw = typeof repo === 'string' ? repo : repo && typeof repo === 'object' && typeof (repo as { url?: unknown }).url === 'string' ? (repo as { url: string }).url : '';
  return raw.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, '');
}

/** licenseText is package.json's license: an SPDX string, or the older {type} form. */
export function licenseText(l: unknown): string {
  if (typeof l === 'string') return l;
  if (l && typeof l === 'object' && typeof (l as { type?: unknown }).type === 'string') return (l as { type: string }).type;
  return '';
}

function Metadata({ packageId }: { packageId: string }) {
  const [{ data }] = useQuery({ query: MetadataQuery, variables: { id: packageId } });
  const m = data?.package?.metadata;
  if (m?.__typename !== 'NpmMetadata') return null;
  const pj = (m.packageJson ?? {}) as Record<string, unknown>;
  const keywords = Array.isArray(pj.keywords) ? pj.keywords.filter((k): k is string => typeof k === 'string') : [];
  return (
    <>
      <Readme source={m.readme} kind="markdown" />
      <MetadataCard
        rows={[
          ['Description', typeof pj.description === 'string' ? pj.description : ''],
          ['License', licenseText(pj.license)],
          ['Keywords', keywords.join(', ')],
          ['Homepage', safeLink(typeof pj.homepage === 'string' ? pj.homepage : '')],
          ['Repository', safeLink(repositoryUrl(pj.repository))],
          ['Deprecated', m.deprecated ?? ''],
        ]}
      />
    </>
  );
}

// npm sends the token as _authToken for the registry URL's host and path (any token kind).
function setup(t: SetupTarget, c: Credential): Snippet[] {
  const url = setupBase(t, 'npm');
  const auth = c.kind === 'anonymous' ? '' : `\n${hostPath(url)}/:_authToken=${c.token}`;
  return [{ label: '.npmrc', language: 'ini', code: `registry=${url}/${auth}` }];
}

export const npm: FormatUI = { type: 'NPM', label: 'npm', snippets, Metadata, setup };
