// Pure rules of the members pages, as the server enforces them (registry/members.go):
// nobody grants, changes or removes a role above their own.

/** Roles in GitLab's order, lowest first. */
export const roleOrder = ['GUEST', 'PLANNER', 'REPORTER', 'DEVELOPER', 'MAINTAINER', 'OWNER'] as const;
export type Role = (typeof roleOrder)[number];

export const roleLabel = (r: string) => r.charAt(0) + r.slice(1).toLowerCase();

/** grantable lists the roles a viewer who manages members up to limit may give (none without a limit). */
export function grantable(limit: string | null | undefined): Role[] {
  const i = roleOrder.indexOf((limit ?? '') as Role);
  return i < 0 ? [] : roleOrder.slice(0, i + 1);
}

/** manages reports whether a viewer with limit may change or remove a member holding role. */
export function manages(limit: string | null | undefined, role: string): boolean {
  return grantable(limit).includes(role as Role);
}

export type MemberSource = { direct: true } | { direct: false; group: string };

/**
 * memberSource says where a membership listed for a namespace comes from: the
 * namespace itself (direct), or a group above it whose role is inherited.
 */
export function memberSource(here: string, m: { project?: { fullPath: string } | null; group?: { fullPath: string } | null }): MemberSource {
  const at = m.project?.fullPath ?? m.group?.fullPath;
  if (!at || at === here) return { direct: true };
  return { direct: false, group: at };
}
