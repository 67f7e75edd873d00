import { useQuery } from 'urql';
import { graphql } from '../gql';
import { MetadataCard, safeLink } from './MetadataCard';
import { Readme } from './Readme';
import { apiBase, TOKEN, setupBase, type Credential, type SetupTarget, type Snippet, type FormatUI, type SnippetPackage, type SnippetSection } from './types';

const SOURCE = 'gitlab';
const USERNAME = '<your_username>';

/** nugetConfig is a nuget.config with one source, named gitlab, and its credentials. */
function nugetConfig(url: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<configuration>',
    '  <packageSources>',
    '    <clear />',
    `    <add key="${SOURCE}" value="${url}" />`,
    '  </packageSources>',
    '  <packageSourceCredentials>',
    `    <${SOURCE}>`,
    `      <add key="Username" value="${USERNAME}" />`,
    `      <add key="ClearTextPassword" value="${TOKEN}" />`,
    `    </${SOURCE}>`,
    '  </packageSourceCredentials>',
    '</configuration>',
  ].join('\n');
}

/** addSource is the dotnet command that adds the source, with the credential stored beside it. */
function addSource(url: string, c: Credential): string {
  const auth = c.kind === 'anonymous' ? '' : ` --username ${c.username} --password ${c.token} --store-password-in-clear-text`;
  return `dotnet nuget add source "${url}" --name ${SOURCE}${auth}`;
}

function snippets(p: SnippetPackage): SnippetSection[] {
  const version = p.version ?? '';
  const project = `${apiBase(p, 'project', 'nuget')}/index.json`;
  const source = (url: string): Snippet[] =>
    p.anonymous
      ? [{ label: 'dotnet command', language: 'shell', code: addSource(url, { kind: 'anonymous' }) }]
      : [
    { label: 'nuget.config', language: 'xml', code: nugetConfig(url) },
    { label: 'dotnet command', language: 'shell', code: addSource(url, { kind: 'token', username: USERNAME, token: TOKEN }) },
    {
      label: 'nuget command',
      language: 'shell',
      code: `nuget source Add -Name ${SOURCE} -Source "${url}" -UserName ${USERNAME} -Password ${TOKEN}`,
    },
  ];
  const sections: SnippetSection[] = [
    {
      id: 'install',
      title: 'Installation',
      description: `Installs from the source named ${SOURCE}; set it up at project or group level first.`,
      snippets: [
        {
          label: 'dotnet command',
          language: 'shell',
          code: version ? `dotnet add package ${p.name} --version ${version}` : `dotnet add package ${p.name}`,
        },
        {
          label: 'nuget command',
          language: 'shell',
          code: version ? `nuget install ${p.name} -Version ${version} -Source ${SOURCE}` : `nuget install ${p.name} -Source ${SOURCE}`,
        },
        {
          label: 'PackageReference',
          language: 'xml',
          code: `<PackageReference Include="${p.name}" Version="${version}" />`,
        },
      ],
    },
    {
      id: 'project',
      title: 'Registry setup: project level',
      description: `Adds this project’s source as ${SOURCE}, in nuget.config next to the solution or with the dotnet or nuget CLI.`,
      snippets: source(project),
    },
  ];
  if (p.groupId) {
    sections.push({
      id: 'group',
      title: `Registry setup: group level (${p.groupPath})`,
      description: 'Installs from every project of the group that the token may read.',
      snippets: p.anonymous
        ? source(`${apiBase(p, 'group', 'nuget')}/index.json`)
        : [{ label: 'nuget.config', language: 'xml', code: nugetConfig(`${apiBase(p, 'group', 'nuget')}/index.json`) }],
    });
  }
  const nupkg = `${p.name}.${version}.nupkg`;
  sections.push({
    id: 'publish',
    title: 'Publish: project level',
    description: `Pushes to the project source named ${SOURCE} (set up at project level); in CI, use $CI_JOB_TOKEN as the password and API key.`,
    snippets: [
      { label: 'nuget push', language: 'shell', code: `nuget push ${nupkg} -Source ${SOURCE} -ApiKey ${TOKEN}` },
      { label: 'dotnet nuget push', language: 'shell', code: `dotnet nuget push ${nupkg} --source ${SOURCE} --api-key ${TOKEN}` },
    ],
  });
  return sections;
}

const MetadataQuery = graphql(`
  query NugetMetadataPanel($id: PackagesPackageID!) {
    package(id: $id) {
      id
      metadata {
        __typename
        ... on NugetMetadata {
          id
          projectUrl
          licenseUrl
          iconUrl
          description
          authors
        }
      }
      tags(first: 100) {
        nodes {
          name
        }
      }
    }
  }
`);

function Metadata({ packageId }: { packageId: string }) {
  const [{ data }] = useQuery({ query: MetadataQuery, variables: { id: packageId } });
  const pkg = data?.package;
  const m = pkg?.metadata;
  if (m?.__typename !== 'NugetMetadata') return null;
  const tags = (pkg?.tags?.nodes ?? []).flatMap((t) => (t ? [t.name] : []));
  return (
    <>
      <Readme source={m.description} kind="text" title="Description" />
      <MetadataCard
        rows={[
          ['Authors', m.authors ?? ''],
          ['Project URL', safeLink(m.projectUrl)],
          ['License URL', safeLink(m.licenseUrl)],
          ['Icon URL', safeLink(m.iconUrl)],
          ['Tags', tags.join(', ')],
        ]}
      />
    </>
  );
}

// NuGet clients send Basic credentials stored with the source.
function setup(t: SetupTarget, c: Credential): Snippet[] {
  return [{ label: 'dotnet command', language: 'shell', code: addSource(`${setupBase(t, 'nuget')}/index.json`, c) }];
}

export const nuget: FormatUI = { type: 'NUGET', label: 'NuGet', snippets, Metadata, setup };
