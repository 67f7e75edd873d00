import { apiBase, TOKEN, tokenHeader, type Credential, type SetupTarget, type Snippet, type FormatUI, type SnippetPackage, type SnippetSection } from './types';

function snippets(p: SnippetPackage): SnippetSection[] {
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
        code: `curl ${p.anonymous ? '' : `--header "PRIVATE-TOKEN: ${TOKEN}" \\\n     `}--output ${q(f)} \\\n     "${url}/${encodeURIComponent(f)}"`,
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


// Generic packages live in a project (no group level): curl with the token's header.
function setup(t: SetupTarget, c: Credential): Snippet[] {
  const url = `${apiBase(t, 'project', 'generic')}/<package_name>/<version>/<file_name>`;
  const h = tokenHeader(c);
  const header = h ? `--header "${h[0].toUpperCase()}: ${h[1]}" ` : '';
  return [{ label: 'curl download', language: 'shell', code: `curl ${header}--output <file_name> \\\n     "${url}"` }];
}

export const generic: FormatUI = { type: 'GENERIC', label: 'Generic', snippets, setup };
