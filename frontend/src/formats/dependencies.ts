// Pure helpers of the dependencies card.

export type DependencyItem = { name: string; versionPattern: string };
export type DependencyGroup = { title: string; dependencies: DependencyItem[] };

type Node = {
  dependencyType?: string;
  dependency?: { name: string; versionPattern: string } | null;
  metadata?: { __typename?: string; targetFramework?: string } | null;
} | null;

const typeTitles: Record<string, string> = {
  DEPENDENCIES: 'Dependencies',
  DEV_DEPENDENCIES: 'Development dependencies',
  BUNDLE_DEPENDENCIES: 'Bundled dependencies',
  PEER_DEPENDENCIES: 'Peer dependencies',
};

export const ALL_FRAMEWORKS = 'All frameworks';

/**
 * dependencyGroups groups dependency links by target framework when the format
 * names one (those without come first, as "All frameworks"), else by dependency type,
 * each in the order it first appears.
 */
export function dependencyGroups(nodes: readonly Node[]): DependencyGroup[] {
  const live = nodes.filter((n): n is NonNullable<Node> & { dependency: DependencyItem } => !!n?.dependency);
  const byFramework = live.some((n) => n.metadata?.targetFramework);
  const groups = new Map<string, DependencyItem[]>();
  for (const n of live) {
    const title = byFramework ? n.metadata?.targetFramework || ALL_FRAMEWORKS : typeTitles[n.dependencyType ?? ''] ?? 'Dependencies';
    if (!groups.has(title)) groups.set(title, []);
    groups.get(title)!.push({ name: n.dependency.name, versionPattern: n.dependency.versionPattern });
  }
  const out = [...groups].map(([title, dependencies]) => ({ title, dependencies }));
  const all = out.findIndex((g) => g.title === ALL_FRAMEWORKS);
  if (all > 0) out.unshift(...out.splice(all, 1));
  return out;
}

/** sameName compares package names as the formats do: case, and runs of - _ . , do not matter. */
export function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '-');
  return norm(a) === norm(b);
}
