import { useQuery } from 'urql';
import { graphql } from '../gql';
import { MetadataCard, safeLink } from './MetadataCard';
import { Readme } from './Readme';
import { readmeKind } from '../readme';
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
          description
          descriptionContentType
          license
          homePage
          projectUrls
        }
      }
    }
  }
`);

/** projectUrl splits a Project-URL field ("Source, https://...") into its label and URL. */
export function projectUrl(field: string): [string, string] {
  const i = field.indexOf(',');
  return i < 0 ? ['Project URL', field.trim()] : [field.slice(0, i).trim() || 'Project URL', field.slice(i + 1).trim()];
}

function Metadata({ packageId }: { packageId: string }) {
  const [{ data }] = useQuery({ query: MetadataQuery, variables: { id: packageId } });
  const m = data?.package?.metadata;
  if (m?.__typename !== 'PypiMetadata') return null;
  const urls = (m.projectUrls ?? []).map(projectUrl);
  return (
    <>
      {/* Markdown renders; reStructuredText and plain text show as text. */}
      <Readme source={m.description} kind={readmeKind(m.descriptionContentType, 'text')} title="Description" />
      <MetadataCard
        rows={[
          ['Summary', m.summary ?? ''],
          ['License', m.license ?? ''],
          ['Keywords', m.keywords ?? ''],
          ['Homepage', safeLink(m.homePage)],
          ...urls.map(([label, url]): [string, ReturnType<typeof safeLink>] => [label, safeLink(url)]),
          ['Requires Python', m.requiredPython ?? ''],
          ['Author email', m.authorEmail ?? ''],
          ['Metadata version', m.metadataVersion ?? ''],
        ]}
      />
    </>
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

// A wheel's core metadata (name.whl.metadata, PEP 658) is served for pip, not listed.
const hiddenFile = (name: string): boolean => name.toLowerCase().endsWith('.metadata');

export const pypi: FormatUI = { type: 'PYPI', label: 'PyPI', snippets, Metadata, setup, hiddenFile };
