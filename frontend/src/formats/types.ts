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
  /** anonymous: the viewer is not signed in (a public project), so reads carry no token. */
  anonymous?: boolean;
};

export type Snippet = { label: string; language: string; code: string };
export type SnippetSection = { id: string; title: string; description?: string; snippets: Snippet[] };

/**
 * Credential is what a client configuration authenticates with: a personal or
 * project/group access token (PRIVATE-TOKEN, or Basic with the user's name), a deploy
 * token (DEPLOY-TOKEN, or Basic with its username), or nothing (public projects).
 */
export type Credential = { kind: 'token' | 'deploy'; token: string; username: string } | { kind: 'anonymous' };

/** SetupTarget is where a client configuration points: a project, or a group's projects. */
export type SetupTarget = {
  baseUrl: string;
  level: 'project' | 'group';
  /** The project's numeric id, or a placeholder when the credential is not tied to one. */
  projectId: number | string;
  groupId?: number | string | null;
  groupPath?: string | null;
};

export type FormatUI = {
  /** GraphQL PackageTypeEnum value. */
  type: string;
  label: string;
  snippets: (p: SnippetPackage) => SnippetSection[];
  /** setup is the client configuration for a credential, ready to paste (a token filled in, or none for anonymous reads). */
  setup?: (t: SetupTarget, c: Credential) => Snippet[];
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
export function apiBase(p: { baseUrl: string; projectId: number | string; groupId?: number | string | null }, level: 'project' | 'group' | 'instance', format: string): string {
  const base = trimSlash(p.baseUrl) + '/api/v4';
  if (level === 'project') return `${base}/projects/${p.projectId}/packages/${format}`;
  if (level === 'group') return `${base}/groups/${p.groupId}/-/packages/${format}`;
  return `${base}/packages/${format}`;
}

/** hostPath is a URL without its scheme, as .npmrc keys its credentials. */
export function hostPath(url: string): string {
  return url.replace(/^https?:/, '');
}

/** setupBase is the API prefix of a format for a setup target (project, or group where the format has one). */
export function setupBase(t: SetupTarget, format: string, hasGroupLevel = true): string {
  return apiBase(t, t.level === 'group' && hasGroupLevel ? 'group' : 'project', format);
}

/** tokenHeader is the header a credential goes in for token-header clients (curl, Maven), or null. */
export function tokenHeader(c: Credential): [string, string] | null {
  if (c.kind === 'anonymous') return null;
  return [c.kind === 'deploy' ? 'Deploy-Token' : 'Private-Token', c.token];
}

/** withBasic puts a credential in a URL's user information, for clients that read it there (pip). */
export function withBasic(url: string, c: Credential): string {
  if (c.kind === 'anonymous') return url;
  return url.replace(/^(https?:\/\/)/, `$1${encodeURIComponent(c.username)}:${encodeURIComponent(c.token)}@`);
}
