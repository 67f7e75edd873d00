import { Badge, Breadcrumbs, pathCrumbs } from './ui';
import { Link } from '../router';

export type NamespaceInfo = {
  kind: 'project' | 'group';
  fullPath: string;
  name: string;
  visibility: string;
  /** Whether the viewer may change settings and tokens. */
  canAdmin: boolean;
};

type Tab = 'overview' | 'packages' | 'members' | 'settings' | 'tokens' | 'pipeline';

/** NamespaceNav is the header of a group's or project's pages: breadcrumbs, title and tabs. */
export function NamespaceNav({ ns, active, crumb }: { ns: NamespaceInfo; active: Tab; crumb?: string }) {
  const base = `/${ns.fullPath}`;
  const tabs: { id: Tab; label: string; href: string }[] = [];
  if (ns.kind === 'group') tabs.push({ id: 'overview', label: 'Overview', href: base });
  tabs.push({ id: 'packages', label: 'Packages', href: `${base}/-/packages` });
  tabs.push({ id: 'members', label: 'Members', href: `${base}/-/${ns.kind === 'group' ? 'group' : 'project'}_members` });
  if (ns.canAdmin) {
    tabs.push({ id: 'settings', label: 'Settings', href: `${base}/-/settings/packages_and_registries` });
    tabs.push({ id: 'tokens', label: 'Access tokens', href: `${base}/-/settings/access_tokens` });
  }
  const label = crumb ?? tabs.find((t) => t.id === active)?.label;
  return (
    <div className="ns-head">
      <Breadcrumbs items={pathCrumbs(ns.fullPath, label && active !== 'overview' ? [{ label }] : [])} />
      <div className="ns-title">
        <span className="avatar" aria-hidden="true">
          {ns.name.charAt(0).toUpperCase()}
        </span>
        <div>
          <h1>{ns.name}</h1>
          <p className="muted small">
            {ns.kind === 'group' ? 'Group' : 'Project'} · <span className="mono">{ns.fullPath}</span> <Badge>{ns.visibility}</Badge>
          </p>
        </div>
      </div>
      <nav className="tabs" aria-label={`${ns.kind === 'group' ? 'Group' : 'Project'} pages`}>
        {tabs.map((t) => (
          <Link key={t.id} href={t.href} aria-current={t.id === active ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
    </div>
  );
}
