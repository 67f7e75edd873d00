// Pure helpers of the package list: grouping a page's versions under one row per
// package, and the "21–40 of 60" range.

export type Versioned = { id: string; name: string; packageType: string; version?: string | null; project: { fullPath: string } };

export type PackageGroup<T extends Versioned> = { key: string; latest: T; versions: T[] };

/**
 * groupVersions puts the versions of one package (same project, type and name) under
 * one row, in the order the page lists them; the row shows the first listed version.
 */
export function groupVersions<T extends Versioned>(nodes: readonly T[]): PackageGroup<T>[] {
  const groups = new Map<string, PackageGroup<T>>();
  for (const n of nodes) {
    const key = `${n.project.fullPath}\u0000${n.packageType}\u0000${n.name}`;
    const g = groups.get(key);
    if (g) g.versions.push(n);
    else groups.set(key, { key, latest: n, versions: [n] });
  }
  return [...groups.values()];
}

/** pageRange is the "21–40 of 60" text of a page (page counts from 1). */
export function pageRange(page: number, pageSize: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `0 of ${total}`;
  const from = (Math.max(1, page) - 1) * pageSize + 1;
  const to = Math.min(total, from + shown - 1);
  return `${from}–${to} of ${total}`;
}

/** pageOf reads the page number from the URL's page parameter (1 when absent or invalid). */
export function pageOf(param: string | null): number {
  const n = Number(param);
  return Number.isInteger(n) && n > 1 ? n : 1;
}
