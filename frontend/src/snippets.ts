// Installation and registry-setup snippets for each package format, as on GitLab's
// package pages. Each format's live in src/formats/<format>.tsx.
import { formats, type SnippetPackage, type SnippetSection } from './formats';
import { trimSlash, type Credential, type SetupTarget, type Snippet } from './formats/types';

export type { Snippet, SnippetPackage, SnippetSection } from './formats';

/** snippets returns the install and setup snippets of a package, or [] for a format without any. */
export function snippets(p: SnippetPackage): SnippetSection[] {
  return formats[p.type]?.snippets(p) ?? [];
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

export type { Credential, SetupTarget } from './formats/types';

/** clientSetups lists, per format this server speaks, the client configuration for a credential. */
export function clientSetups(t: SetupTarget, c: Credential): { type: string; label: string; snippets: Snippet[] }[] {
  return Object.values(formats)
    .filter((f) => f.setup)
    .map((f) => ({ type: f.type, label: f.label, snippets: f.setup!(t, c) }));
}
