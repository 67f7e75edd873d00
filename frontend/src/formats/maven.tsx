import { useQuery } from 'urql';
import { graphql } from '../gql';
import { MetadataCard } from './MetadataCard';
import { apiBase, TOKEN, setupBase, tokenHeader, type Credential, type SetupTarget, type Snippet, type FormatUI, type SnippetPackage, type SnippetSection } from './types';

/** coordinates splits a Maven package name ("com/acme/hello") into groupId and artifactId. */
function coordinates(name: string): { appGroup: string; appName: string } {
  return { appGroup: name.split('/').slice(0, -1).join('.'), appName: name.split('/').pop() ?? name };
}

const repo = (url: string): string =>
  `<repositories>\n  <repository>\n    <id>pkgreg-maven</id>\n    <url>${url}</url>\n  </repository>\n</repositories>`;

/** settingsXml is ~/.m2/settings.xml sending a token header to the repository pkgreg-maven. */
const settingsXml = (header: string, token: string): string =>
  `<settings>\n  <servers>\n    <server>\n      <id>pkgreg-maven</id>\n      <configuration>\n        <httpHeaders>\n          <property>\n            <name>${header}</name>\n            <value>${token}</value>\n          </property>\n        </httpHeaders>\n      </configuration>\n    </server>\n  </servers>\n</settings>`;

function snippets(p: SnippetPackage): SnippetSection[] {
  const m = coordinates(p.name);
  const version = p.version ?? '';
  const dependency = `<dependency>\n  <groupId>${m.appGroup}</groupId>\n  <artifactId>${m.appName}</artifactId>\n  <version>${version}</version>\n</dependency>`;
  const settings = settingsXml('Private-Token', TOKEN);
  const project = apiBase(p, 'project', 'maven');
  const sections: SnippetSection[] = [
    {
      id: 'install',
      title: 'Installation',
      snippets: [
        { label: 'pom.xml dependency', language: 'xml', code: dependency },
        { label: 'mvn command', language: 'shell', code: `mvn dependency:get -Dartifact=${m.appGroup}:${m.appName}:${version}` },
        { label: 'Gradle (Kotlin)', language: 'kotlin', code: `implementation("${m.appGroup}:${m.appName}:${version}")` },
      ],
    },
    {
      id: 'project',
      title: 'Registry setup: project level',
      description: 'The repository (pom.xml) and its credentials (~/.m2/settings.xml) share the id pkgreg-maven.',
      snippets: [
        { label: 'pom.xml repository', language: 'xml', code: repo(project) },
        {
          label: 'pom.xml distributionManagement (mvn deploy)',
          language: 'xml',
          code: `<distributionManagement>\n  <repository>\n    <id>pkgreg-maven</id>\n    <url>${project}</url>\n  </repository>\n  <snapshotRepository>\n    <id>pkgreg-maven</id>\n    <url>${project}</url>\n  </snapshotRepository>\n</distributionManagement>`,
        },
        ...(p.anonymous ? [] : [{ label: 'settings.xml', language: 'xml', code: settings }]),
      ],
    },
  ];
  if (p.groupId) {
    sections.push({
      id: 'group',
      title: `Registry setup: group level (${p.groupPath})`,
      snippets: [{ label: 'pom.xml repository', language: 'xml', code: repo(apiBase(p, 'group', 'maven')) }],
    });
  }
  sections.push({
    id: 'instance',
    title: 'Registry setup: instance level',
    snippets: [{ label: 'pom.xml repository', language: 'xml', code: repo(apiBase(p, 'instance', 'maven')) }],
  });
  return sections;
}


const MetadataQuery = graphql(`
  query MavenMetadataPanel($id: PackagesPackageID!) {
    package(id: $id) {
      id
      metadata {
        __typename
        ... on MavenMetadata {
          appGroup
          appName
          appVersion
          path
        }
      }
    }
  }
`);

function Metadata({ packageId }: { packageId: string }) {
  const [{ data }] = useQuery({ query: MetadataQuery, variables: { id: packageId } });
  const m = data?.package?.metadata;
  if (m?.__typename !== 'MavenMetadata') return null;
  return (
    <MetadataCard
      rows={[
        ['Group ID', m.appGroup],
        ['Artifact ID', m.appName],
        ['Version', m.appVersion ?? ''],
        ['Path', m.path],
      ]}
    />
  );
}

// Maven sends the token as an HTTP header configured in settings.xml for the
// repository id the pom.xml names.
function setup(t: SetupTarget, c: Credential): Snippet[] {
  const url = setupBase(t, 'maven');
  const out: Snippet[] = [{ label: 'pom.xml repository', language: 'xml', code: repo(url) }];
  const h = tokenHeader(c);
  if (h) out.push({ label: 'settings.xml', language: 'xml', code: settingsXml(h[0], h[1]) });
  return out;
}

export const maven: FormatUI = { type: 'MAVEN', label: 'Maven', snippets, Metadata, setup };
