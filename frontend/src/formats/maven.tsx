import { useQuery } from 'urql';
import { graphql } from '../gql';
import { MetadataCard } from './MetadataCard';
import { apiBase, TOKEN, type FormatUI, type SnippetPackage, type SnippetSection } from './types';

/** coordinates splits a Maven package name ("com/acme/hello") into groupId and artifactId. */
function coordinates(name: string): { appGroup: string; appName: string } {
  return { appGroup: name.split('/').slice(0, -1).join('.'), appName: name.split('/').pop() ?? name };
}

function snippets(p: SnippetPackage): SnippetSection[] {
  const m = coordinates(p.name);
  const version = p.version ?? '';
  const dependency = `<dependency>\n  <groupId>${m.appGroup}</groupId>\n  <artifactId>${m.appName}</artifactId>\n  <version>${version}</version>\n</dependency>`;
  const repo = (url: string): string =>
    `<repositories>\n  <repository>\n    <id>pkgreg-maven</id>\n    <url>${url}</url>\n  </repository>\n</repositories>`;
  const settings = `<settings>\n  <servers>\n    <server>\n      <id>pkgreg-maven</id>\n      <configuration>\n        <httpHeaders>\n          <property>\n            <name>Private-Token</name>\n            <value>${TOKEN}</value>\n          </property>\n        </httpHeaders>\n      </configuration>\n    </server>\n  </servers>\n</settings>`;
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
        { label: 'settings.xml', language: 'xml', code: settings },
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

export const maven: FormatUI = { type: 'MAVEN', label: 'Maven', snippets, Metadata };
