import { useQuery } from 'urql';
import { graphql } from '../gql';
import { MetadataCard } from './MetadataCard';
import { apiBase, TOKEN, setupBase, withBasic, type Credential, type SetupTarget, type Snippet, type FormatUI, type SnippetPackage, type SnippetSection } from './types';

function snippets(p: SnippetPackage): SnippetSection[] {
  const spec = p.version ? `${p.name}==${p.version}` : p.name;
  const withToken = (url: string): string => (p.anonymous ? url : url.replace(/^(https?:\/\/)/, `$1__token__:${TOKEN}@`));
  const project = apiBase(p, 'project', 'pypi');
  const sections: SnippetSection[] = [
    {
      id: 'install',
      title: 'Installation',
      snippets: [
        {
          label: 'pip command',
          language: 'shell',
          code: `pip install ${spec} --index-url ${withToken(project + '/simple')}`,
        },
      ],
    },
    {
      id: 'project',
      title: 'Registry setup: project level',
      snippets: [
        {
          label: 'pip.conf',
          language: 'ini',
          code: `[global]\nindex-url = ${withToken(project + '/simple')}`,
        },
        {
          label: '.pypirc (twine upload)',
          language: 'ini',
          code: `[distutils]\nindex-servers =\n    pkgreg\n\n[pkgreg]\nrepository = ${project}\nusername = __token__\npassword = ${TOKEN}`,
        },
        { label: 'twine command', language: 'shell', code: 'python3 -m twine upload --repository pkgreg dist/*' },
      ],
    },
  ];
  if (p.groupId) {
    const group = apiBase(p, 'group', 'pypi');
    sections.push({
      id: 'group',
      title: `Registry setup: group level (${p.groupPath})`,
      description: 'Installs from every project of the group that the token may read.',
      snippets: [
        { label: 'pip command', language: 'shell', code: `pip install ${spec} --index-url ${withToken(group + '/simple')}` },
        { label: 'pip.conf', language: 'ini', code: `[global]\nindex-url = ${withToken(group + '/simple')}` },
      ],
    });
  }
  return sections;
}


const MetadataQuery = graphql(`
  query PypiMetadataPanel($id: PackagesPackageID!) {
    package(id: $id) {
      id
      metadata {
        __typename
        ... on PypiMetadata {
          authorEmail
          summary
          keywords
          requiredPython
          metadataVersion
        }
      }
    }
  }
`);

function Metadata({ packageId }: { packageId: string }) {
  const [{ data }] = useQuery({ query: MetadataQuery, variables: { id: packageId } });
  const m = data?.package?.metadata;
  if (m?.__typename !== 'PypiMetadata') return null;
  return (
    <MetadataCard
      rows={[
        ['Summary', m.summary ?? ''],
        ['Requires Python', m.requiredPython ?? ''],
        ['Author email', m.authorEmail ?? ''],
        ['Keywords', m.keywords ?? ''],
        ['Metadata version', m.metadataVersion ?? ''],
      ]}
    />
  );
}

// pip reads the credential from the index URL; twine from ~/.pypirc (uploads go to a project).
function setup(t: SetupTarget, c: Credential): Snippet[] {
  const index = withBasic(`${setupBase(t, 'pypi')}/simple`, c);
  const out: Snippet[] = [{ label: 'pip.conf', language: 'ini', code: `[global]\nindex-url = ${index}` }];
  if (c.kind !== 'anonymous' && t.level === 'project') {
    out.push({
      label: '.pypirc (twine upload)',
      language: 'ini',
      code: `[distutils]\nindex-servers =\n    pkgreg\n\n[pkgreg]\nrepository = ${setupBase(t, 'pypi')}\nusername = ${c.username}\npassword = ${c.token}`,
    });
  }
  return out;
}

export const pypi: FormatUI = { type: 'PYPI', label: 'PyPI', snippets, Metadata, setup };
