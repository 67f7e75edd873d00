// Installation and registry-setup snippets for each package format, as on GitLab's
// package pages: pure functions of the package and the server's URL, so they are
// unit-tested per format (snippets.test.ts) and rendered with copy buttons.

export type SnippetPackage = {
  /** GraphQL PackageTypeEnum value, e.g. "NPM". */
  type: string;
  name: string;
  version?: string | null;
  /** The server's external URL, without a trailing slash. */
  baseUrl: string;
  /** Numeric id and full path of the package's project. */
  projectId: number;
  projectPath: string;
  /** Numeric id and full path of the top-level group, when the project is in a group. */
  groupId?: number | null;
  groupPath?: string | null;
  /** Maven coordinates from the package's metadata. */
  maven?: { appGroup: string; appName: string; appVersion?: string | null } | null;
  /** File names, for generic download commands. */
  files?: string[];
};

export type Snippet = { label: string; language: string; code: string };
export type SnippetSection = { id: string; title: string; description?: string; snippets: Snippet[] };

const TOKEN = '<your_personal_access_token>';

function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}

/** apiBase is the project- or group-level API prefix of a format. */
function apiBase(p: SnippetPackage, level: 'project' | 'group' | 'instance', format: string): string {
  const base = trimSlash(p.baseUrl) + '/api/v4';
  if (level === 'project') return `${base}/projects/${p.projectId}/packages/${format}`;
  if (level === 'group') return `${base}/groups/${p.groupId}/-/packages/${format}`;
  return `${base}/packages/${format}`;
}

/** hostPath is a URL without its scheme, as .npmrc keys its credentials. */
function hostPath(url: string): string {
  return url.replace(/^https?:/, '');
}

function npmScope(name: string): string | null {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')) : null;
}

function npmSnippets(p: SnippetPackage): SnippetSection[] {
  const spec = p.version ? `${p.name}@${p.version}` : p.name;
  const scope = npmScope(p.name);
  const setup = (url: string): string => {
    const line = scope ? `${scope}:registry=${url}/` : `registry=${url}/`;
    return `${line}\n${hostPath(url)}/:_authToken=\${NPM_TOKEN}`;
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

function pypiSnippets(p: SnippetPackage): SnippetSection[] {
  const spec = p.version ? `${p.name}==${p.version}` : p.name;
  const withToken = (url: string): string => url.replace(/^(https?:\/\/)/, `$1__token__:${TOKEN}@`);
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

function mavenSnippets(p: SnippetPackage): SnippetSection[] {
  const m = p.maven ?? { appGroup: p.name.split('/').slice(0, -1).join('.'), appName: p.name.split('/').pop() ?? p.name };
  const version = m.appVersion ?? p.version ?? '';
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

function genericSnippets(p: SnippetPackage): SnippetSection[] {
  const url = `${apiBase(p, 'project', 'generic')}/${encodeURIComponent(p.name)}/${encodeURIComponent(p.version ?? '')}`;
  const files = p.files && p.files.length > 0 ? p.files : ['<file_name>'];
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    {
      id: 'install',
      title: 'Download',
      snippets: files.map((f) => ({
        label: files.length > 1 ? `curl: ${f}` : 'curl command',
        language: 'shell',
        code: `curl --header "PRIVATE-TOKEN: ${TOKEN}" \\\n     --output ${q(f)} \\\n     "${url}/${encodeURIComponent(f)}"`,
      })),
    },
    {
      id: 'project',
      title: 'Publish: project level',
      description: 'Generic packages live in one project; in CI, use --header "JOB-TOKEN: $CI_JOB_TOKEN".',
      snippets: [
        {
          label: 'curl upload',
          language: 'shell',
          code: `curl --header "PRIVATE-TOKEN: ${TOKEN}" \\\n     --upload-file ${q(files[0])} \\\n     "${url}/${encodeURIComponent(files[0])}"`,
        },
      ],
    },
  ];
}

/** snippets returns the install and setup snippets of a package, or [] for a format without any. */
export function snippets(p: SnippetPackage): SnippetSection[] {
  switch (p.type) {
    case 'NPM':
      return npmSnippets(p);
    case 'PYPI':
      return pypiSnippets(p);
    case 'MAVEN':
      return mavenSnippets(p);
    case 'GENERIC':
      return genericSnippets(p);
    default:
      return [];
  }
}

/** numericId extracts the number of a GitLab global ID ("gid://gitlab/Project/12" → 12). */
export function numericId(gid: string | null | undefined): number | null {
  const m = /\/(\d+)$/.exec(gid ?? '');
  return m ? Number(m[1]) : null;
}

/** baseUrlOf returns the server's external URL from one of the package's format URLs. */
export function baseUrlOf(formatUrl: string | null | undefined, fallback: string): string {
  const i = formatUrl ? formatUrl.indexOf('/api/v4/') : -1;
  return i > 0 ? formatUrl!.slice(0, i) : trimSlash(fallback);
}
