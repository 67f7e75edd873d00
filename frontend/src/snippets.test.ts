import { describe, expect, it } from 'vitest';
import { baseUrlOf, clientSetups, numericId, snippets, type SnippetPackage } from './snippets';

const base: Omit<SnippetPackage, 'type' | 'name'> = {
  version: '1.2.3',
  baseUrl: 'https://registry.example.com/',
  projectId: 7,
  projectPath: 'acme/tools/app',
  groupId: 3,
  groupPath: 'acme/tools',
};

function code(p: SnippetPackage, section: string, label: string): string {
  const s = snippets(p).find((x) => x.id === section);
  const c = s?.snippets.find((x) => x.label === label);
  if (!c) throw new Error(`no ${section}/${label} in ${JSON.stringify(snippets(p).map((x) => [x.id, x.snippets.map((y) => y.label)]))}`);
  return c.code;
}

describe('npm', () => {
  const p: SnippetPackage = { ...base, type: 'NPM', name: '@acme/left-pad' };
  it('installs the exact version', () => {
    expect(code(p, 'install', 'npm command')).toBe('npm i @acme/left-pad@1.2.3');
    expect(code(p, 'install', 'yarn command')).toBe('yarn add @acme/left-pad@1.2.3');
  });
  it('maps the scope at project, group and instance level, with the token keyed by host and path', () => {
    expect(code(p, 'project', '.npmrc')).toBe(
      '@acme:registry=https://registry.example.com/api/v4/projects/7/packages/npm/\n' +
        '//registry.example.com/api/v4/projects/7/packages/npm/:_authToken=${NPM_TOKEN}',
    );
    expect(code(p, 'group', '.npmrc')).toContain('@acme:registry=https://registry.example.com/api/v4/groups/3/-/packages/npm/');
    expect(code(p, 'instance', '.npmrc')).toContain('@acme:registry=https://registry.example.com/api/v4/packages/npm/');
  });
  it('sets the whole registry for unscoped names and has no group section without a group', () => {
    const u = { ...p, name: 'left-pad', groupId: null, groupPath: null };
    expect(code(u, 'project', '.npmrc').split('\n')[0]).toBe('registry=https://registry.example.com/api/v4/projects/7/packages/npm/');
    expect(snippets(u).map((s) => s.id)).toEqual(['install', 'project', 'instance']);
  });
});

describe('PyPI', () => {
  const p: SnippetPackage = { ...base, type: 'PYPI', name: 'acme-lib' };
  it('pins the version with the project simple index and a token in the URL', () => {
    expect(code(p, 'install', 'pip command')).toBe(
      'pip install acme-lib==1.2.3 --index-url https://__token__:<your_personal_access_token>@registry.example.com/api/v4/projects/7/packages/pypi/simple',
    );
  });
  it('writes pip.conf and a .pypirc for twine', () => {
    expect(code(p, 'project', 'pip.conf')).toBe(
      '[global]\nindex-url = https://__token__:<your_personal_access_token>@registry.example.com/api/v4/projects/7/packages/pypi/simple',
    );
    const pypirc = code(p, 'project', '.pypirc (twine upload)');
    expect(pypirc).toContain('repository = https://registry.example.com/api/v4/projects/7/packages/pypi\n');
    expect(pypirc).toContain('username = __token__');
  });
  it('uses the group simple index at group level', () => {
    expect(code(p, 'group', 'pip.conf')).toContain('/api/v4/groups/3/-/packages/pypi/simple');
  });
});

describe('Maven', () => {
  const p: SnippetPackage = {
    ...base,
    type: 'MAVEN',
    name: 'com/acme/app',
  };
  it('gives the dependency and the mvn command from the coordinates', () => {
    expect(code(p, 'install', 'pom.xml dependency')).toBe(
      '<dependency>\n  <groupId>com.acme</groupId>\n  <artifactId>app</artifactId>\n  <version>1.2.3</version>\n</dependency>',
    );
    expect(code(p, 'install', 'mvn command')).toBe('mvn dependency:get -Dartifact=com.acme:app:1.2.3');
  });
  it('points the repository at project, group and instance level, with matching settings.xml credentials', () => {
    expect(code(p, 'project', 'pom.xml repository')).toContain('<url>https://registry.example.com/api/v4/projects/7/packages/maven</url>');
    expect(code(p, 'group', 'pom.xml repository')).toContain('<url>https://registry.example.com/api/v4/groups/3/-/packages/maven</url>');
    expect(code(p, 'instance', 'pom.xml repository')).toContain('<url>https://registry.example.com/api/v4/packages/maven</url>');
    const settings = code(p, 'project', 'settings.xml');
    expect(settings).toContain('<id>pkgreg-maven</id>');
    expect(settings).toContain('<name>Private-Token</name>');
  });
  it('derives the coordinates from the package path', () => {
    expect(code({ ...p, name: 'org/x/y/lib' }, 'install', 'mvn command')).toBe('mvn dependency:get -Dartifact=org.x.y:lib:1.2.3');
  });
});

describe('NuGet', () => {
  const p: SnippetPackage = { ...base, type: 'NUGET', name: 'Acme.Lib' };
  const project = 'https://registry.example.com/api/v4/projects/7/packages/nuget/index.json';
  const group = 'https://registry.example.com/api/v4/groups/3/-/packages/nuget/index.json';
  it('installs the exact version with dotnet, nuget and a PackageReference', () => {
    expect(code(p, 'install', 'dotnet command')).toBe('dotnet add package Acme.Lib --version 1.2.3');
    expect(code(p, 'install', 'nuget command')).toBe('nuget install Acme.Lib -Version 1.2.3 -Source gitlab');
    expect(code(p, 'install', 'PackageReference')).toBe('<PackageReference Include="Acme.Lib" Version="1.2.3" />');
  });
  it('adds the project source as gitlab in nuget.config and with either CLI', () => {
    expect(code(p, 'project', 'nuget.config')).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n' +
        '<configuration>\n' +
        '  <packageSources>\n' +
        '    <clear />\n' +
        `    <add key="gitlab" value="${project}" />\n` +
        '  </packageSources>\n' +
        '  <packageSourceCredentials>\n' +
        '    <gitlab>\n' +
        '      <add key="Username" value="<your_username>" />\n' +
        '      <add key="ClearTextPassword" value="<your_personal_access_token>" />\n' +
        '    </gitlab>\n' +
        '  </packageSourceCredentials>\n' +
        '</configuration>',
    );
    expect(code(p, 'project', 'dotnet command')).toBe(
      `dotnet nuget add source "${project}" --name gitlab --username <your_username> --password <your_personal_access_token> --store-password-in-clear-text`,
    );
    expect(code(p, 'project', 'nuget command')).toBe(
      `nuget source Add -Name gitlab -Source "${project}" -UserName <your_username> -Password <your_personal_access_token>`,
    );
  });
  it('uses the group index at group level, only when the project is in a group', () => {
    expect(code(p, 'group', 'nuget.config')).toContain(`<add key="gitlab" value="${group}" />`);
    expect(code(p, 'group', 'nuget.config')).toContain('<add key="ClearTextPassword" value="<your_personal_access_token>" />');
    const solo = { ...p, groupId: null, groupPath: null };
    expect(snippets(solo).map((s) => s.id)).toEqual(['install', 'project', 'publish']);
    expect(JSON.stringify(snippets(solo))).not.toContain('/groups/');
    expect(snippets(p).map((s) => s.id)).toEqual(['install', 'project', 'group', 'publish']);
  });
  it('pushes the .nupkg of the version to the gitlab source', () => {
    expect(code(p, 'publish', 'nuget push')).toBe('nuget push Acme.Lib.1.2.3.nupkg -Source gitlab -ApiKey <your_personal_access_token>');
    expect(code(p, 'publish', 'dotnet nuget push')).toBe(
      'dotnet nuget push Acme.Lib.1.2.3.nupkg --source gitlab --api-key <your_personal_access_token>',
    );
  });
});

describe('generic', () => {
  const p: SnippetPackage = { ...base, type: 'GENERIC', name: 'tool', files: ['tool.tar.gz', "it's.bin"] };
  it('downloads each file with curl, quoting names for the shell', () => {
    expect(code(p, 'install', 'curl: tool.tar.gz')).toBe(
      'curl --header "PRIVATE-TOKEN: <your_personal_access_token>" \\\n' +
        "     --output 'tool.tar.gz' \\\n" +
        '     "https://registry.example.com/api/v4/projects/7/packages/generic/tool/1.2.3/tool.tar.gz"',
    );
    expect(code(p, 'install', "curl: it's.bin")).toContain(`--output 'it'\\''s.bin'`);
    expect(code(p, 'install', "curl: it's.bin")).toContain('/generic/tool/1.2.3/it\'s.bin"');
  });
  it('has an upload command and no group level (generic packages are project-level only)', () => {
    expect(code(p, 'project', 'curl upload')).toContain('--upload-file');
    expect(snippets(p).map((s) => s.id)).toEqual(['install', 'project']);
  });
});

describe('helpers', () => {
  it('other formats have no snippets', () => {
    expect(snippets({ ...base, type: 'CONAN', name: 'x' })).toEqual([]);
  });
  it('numericId reads global IDs', () => {
    expect(numericId('gid://gitlab/Packages::Package/12')).toBe(12);
    expect(numericId('nope')).toBeNull();
  });
  it('baseUrlOf takes the host from a format URL', () => {
    expect(baseUrlOf('http://127.0.0.1:9/api/v4/projects/1/packages/npm/', 'x')).toBe('http://127.0.0.1:9');
    expect(baseUrlOf(null, 'http://h/')).toBe('http://h');
  });
});

describe('clientSetups', () => {
  const project = { baseUrl: 'https://registry.example.com', level: 'project' as const, projectId: 7 };
  const group = { baseUrl: 'https://registry.example.com', level: 'group' as const, projectId: '<project_id>', groupId: 3 };
  const pat = { kind: 'token' as const, token: 'glpat-secret', username: 'alice' };
  const deploy = { kind: 'deploy' as const, token: 'gldt-secret', username: 'gitlab+deploy-token-1' };
  const code = (t: typeof project | typeof group, c: Parameters<typeof clientSetups>[1], type: string) =>
    clientSetups(t, c)
      .find((s) => s.type === type)!
      .snippets.map((s) => s.code)
      .join('\n');

  it('covers every format the UI knows', () => {
    expect(clientSetups(project, pat).map((s) => s.type).sort()).toEqual(['GENERIC', 'MAVEN', 'NPM', 'NUGET', 'PYPI']);
  });
  it.each([
    ['NPM', '//registry.example.com/api/v4/projects/7/packages/npm/:_authToken=glpat-secret'],
    ['PYPI', 'index-url = https://alice:glpat-secret@registry.example.com/api/v4/projects/7/packages/pypi/simple'],
    ['MAVEN', '<name>Private-Token</name>\n            <value>glpat-secret</value>'],
    ['NUGET', '--username alice --password glpat-secret'],
    ['GENERIC', '--header "PRIVATE-TOKEN: glpat-secret"'],
  ])('a personal token fills in %s', (type, want) => {
    expect(code(project, pat, type)).toContain(want);
  });
  it.each([
    ['MAVEN', '<name>Deploy-Token</name>'],
    ['GENERIC', '--header "DEPLOY-TOKEN: gldt-secret"'],
    ['PYPI', 'https://gitlab%2Bdeploy-token-1:gldt-secret@registry.example.com/api/v4/groups/3/-/packages/pypi/simple'],
    ['NPM', 'registry=https://registry.example.com/api/v4/groups/3/-/packages/npm/'],
  ])('a group deploy token fills in %s', (type, want) => {
    expect(code(group, deploy, type)).toContain(want);
  });
  it.each(['NPM', 'PYPI', 'MAVEN', 'NUGET', 'GENERIC'])('anonymous %s carries no token', (type) => {
    const c = code(project, { kind: 'anonymous' }, type);
    expect(c).not.toMatch(/token|password|@registry/i);
  });
});

describe('anonymous package snippets', () => {
  it.each(['NPM', 'PYPI', 'MAVEN', 'NUGET', 'GENERIC'])('%s reads without a token', (type) => {
    const all = snippets({ ...base, type, name: 'pkg', anonymous: true, files: ['a.txt'] })
      .filter((s) => s.id !== 'publish' && !/publish/i.test(s.title))
      .flatMap((s) => s.snippets.filter((c) => !/upload|deploy|push|publish/i.test(c.label)).map((c) => c.code))
      .join('\n');
    expect(all).not.toMatch(/TOKEN|personal_access_token|password/i);
  });
});
