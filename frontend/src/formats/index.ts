// The formats the UI knows, by GraphQL PackageTypeEnum value: adding a format is its
// file in this folder and one line here.
import { generic } from './generic';
import { maven } from './maven';
import { npm } from './npm';
import { nuget } from './nuget';
import { pypi } from './pypi';
import type { FormatUI } from './types';

export const formats: Record<string, FormatUI> = {
  [generic.type]: generic,
  [maven.type]: maven,
  [npm.type]: npm,
  [nuget.type]: nuget,
  [pypi.type]: pypi,
};

export type { FormatUI, Snippet, SnippetPackage, SnippetSection } from './types';
