// What the UI knows of a package format: its snippets (install and registry setup,
// pure functions of the package, unit-tested per format) and its metadata panel.
// Each format is one file in this folder, registered in index.ts.
import type { ComponentType } from 'react';

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
  /** File names, for generic download commands. */
  files?: string[];
};

export type Snippet = { label: string; language: string; code: string };
export type SnippetSection = { id: string; title: string; description?: string; snippets: Snippet[] };

export type FormatUI = {
  /** GraphQL PackageTypeEnum value. */
  type: string;
  label: string;
  snippets: (p: SnippetPackage) => SnippetSection[];
  /** Metadata renders the format's metadata card of a package (it queries what it shows). */
  Metadata?: ComponentType<{ packageId: string }>;
  /** hiddenFile is true for generated companion files the file list leaves out. */
  hiddenFile?: (fileName: string) => boolean;
};

export const TOKEN = '<your_personal_access_token>';

export function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}

/** apiBase is the project-, group- or instance-level API prefix of a format. */
export function apiBase(p: SnippetPackage, level: 'project' | 'group' | 'instance', format: string): string {
  const base = trimSlash(p.baseUrl) + '/api/v4';
  if (level === 'project') return `${base}/projects/${p.projectId}/packages/${format}`;
  if (level === 'group') return `${base}/groups/${p.groupId}/-/packages/${format}`;
  return `${base}/packages/${format}`;
}

/** hostPath is a URL without its scheme, as .npmrc keys its credentials. */
export function hostPath(url: string): string {
  return url.replace(/^https?:/, '');
}
