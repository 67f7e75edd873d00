package registry

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/group"
	"github.com/pkgreg/registry/ent/membership"
	"github.com/pkgreg/registry/ent/project"
)

// Role is a membership access level; higher includes lower.
type Role int

// Roles, as GitLab's access levels.
const (
	NoRole     Role = 0
	Guest      Role = 10
	Planner    Role = 15
	Reporter   Role = 20
	Developer  Role = 30
	Maintainer Role = 40
	Owner      Role = 50
)

var roleNames = map[string]Role{
	"guest": Guest, "planner": Planner, "reporter": Reporter,
	"developer": Developer, "maintainer": Maintainer, "owner": Owner,
}

// ParseRole parses a role name such as "developer".
func ParseRole(s string) (Role, bool) {
	r, ok := roleNames[strings.ToLower(s)]
	return r, ok
}

// String returns the role's name.
func (r Role) String() string {
	for n, v := range roleNames {
		if v == r {
			return n
		}
	}
	return "none"
}

// Action is something a viewer wants to do in a project or group.
type Action int

// Actions. Package actions follow GitLab's package policy (spec E1): pull is every
// role, publish Developer, delete Maintainer, settings Owner.
const (
	ReadPackages    Action = iota // pull, list
	CreatePackages                // publish, add a tag
	DestroyPackages               // delete packages and files, deprecate, remove a tag
	AdminPackages                 // cleanup policy, protection rules
	ManageProject                 // project settings, members, deploy and access tokens
	ManageGroup                   // group members, tokens, namespace package settings
	ReadNamespace                 // see the project or group itself
)

func (a Action) writes() bool { return a != ReadPackages && a != ReadNamespace }

// access is what one viewer has in one project or group, before the action is applied.
type access struct {
	visible bool // may see the project/group (or, for a deploy token, reaches it)
	signed  bool // counts as a signed-in user here (sees internal things)
	role    Role
	reach   bool // deploy token scoped to it
}

// checker evaluates the policy for one viewer. It loads the viewer's memberships once,
// by path, so that a project's role is the highest of its own and its ancestors'
// memberships: group roles are inherited down the tree.
type checker struct {
	s            *Service
	v            *auth.Viewer
	groupRoles   map[string]Role // by group full path
	projectRoles map[string]Role // by project full path
}

func (s *Service) checker(ctx context.Context) (*checker, error) {
	v := auth.FromContext(ctx)
	c := &checker{s: s, v: v, groupRoles: map[string]Role{}, projectRoles: map[string]Role{}}
	if !v.IsUser() || v.Admin {
		return c, nil
	}
	memo, _ := ctx.Value(memoKey{}).(*rolesMemo)
	if memo != nil {
		memo.mu.Lock()
		defer memo.mu.Unlock()
		if memo.viewer == v {
			c.groupRoles, c.projectRoles = memo.groupRoles, memo.projectRoles
			return c, nil
		}
	}
	ms, err := s.client.Membership.Query().Where(membership.UserID(v.UserID)).
		WithGroup(func(q *ent.GroupQuery) { q.Select(group.FieldFullPath) }).
		WithProject(func(q *ent.ProjectQuery) { q.Select(project.FieldFullPath) }).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load memberships: %w", err)
	}
	for _, m := range ms {
		r := roleNames[m.Role.String()]
		if m.Edges.Group != nil {
			c.groupRoles[m.Edges.Group.FullPath] = max(c.groupRoles[m.Edges.Group.FullPath], r)
		}
		if m.Edges.Project != nil {
			c.projectRoles[m.Edges.Project.FullPath] = max(c.projectRoles[m.Edges.Project.FullPath], r)
		}
	}
	if memo != nil {
		memo.viewer, memo.groupRoles, memo.projectRoles = v, c.groupRoles, c.projectRoles
	}
	return c, nil
}

// rolesMemo keeps the viewer's memberships for the rest of one request, so that
// checking many objects (a GraphQL list asking canDestroy on every package) loads them
// once. Writes that change memberships forget it.
type rolesMemo struct {
	mu                       sync.Mutex
	viewer                   *auth.Viewer
	groupRoles, projectRoles map[string]Role
}

type memoKey struct{}

// WithRequestMemo returns ctx with a place to keep the viewer's memberships for one request.
func WithRequestMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &rolesMemo{})
}

// forgetRoles drops the memo after a write that changed memberships.
func forgetRoles(ctx context.Context) {
	if memo, _ := ctx.Value(memoKey{}).(*rolesMemo); memo != nil {
		memo.mu.Lock()
		memo.viewer = nil
		memo.mu.Unlock()
	}
}

// inheritedRole is the highest group role on path or any of its ancestors.
func (c *checker) inheritedRole(path string) Role {
	best := NoRole
	for p := path; p != ""; p = parentPath(p) {
		best = max(best, c.groupRoles[p])
	}
	return best
}

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// isUnder reports whether path equals root or lies below it.
func isUnder(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// projectAccess computes the viewer's standing in p.
func (c *checker) projectAccess(ctx context.Context, p *ent.Project) (access, error) {
	v := c.v
	var a access
	switch {
	case v.Kind == auth.DeployToken:
		a.reach = (v.DeployProjectID != 0 && v.DeployProjectID == p.ID) ||
			(v.DeployGroupPath != "" && isUnder(p.FullPath, v.DeployGroupPath))
		a.visible = a.reach || p.Visibility == project.VisibilityPublic
		return a, nil
	case v.Kind == auth.JobToken && v.JobProjectID != p.ID:
		// A job token reaches another project only through that project's
		// inbound allowlist; otherwise it is an outsider there.
		ok, err := c.s.jobTokenAllowed(ctx, v, p)
		if err != nil {
			return a, err
		}
		if !ok {
			a.visible = p.Visibility == project.VisibilityPublic
			return a, nil
		}
	}
	if v.IsUser() {
		a.signed = true
		if v.Admin {
			a.role = Owner
		} else {
			a.role = c.projectRoles[p.FullPath]
			if p.GroupID != nil {
				a.role = max(a.role, c.inheritedRole(parentPath(p.FullPath)))
			} else if p.OwnerID != nil && *p.OwnerID == v.UserID {
				a.role = Owner
			}
		}
	}
	a.visible = p.Visibility == project.VisibilityPublic ||
		(p.Visibility == project.VisibilityInternal && a.signed) || a.role >= Guest
	return a, nil
}

// groupAccess computes the viewer's standing in g. Members of anything inside a
// private group may see the group itself, as in GitLab.
func (c *checker) groupAccess(g *ent.Group) access {
	v := c.v
	var a access
	if v.Kind == auth.DeployToken {
		a.reach = v.DeployGroupPath != "" && isUnder(g.FullPath, v.DeployGroupPath)
		a.visible = a.reach || g.Visibility == group.VisibilityPublic
		return a
	}
	if v.IsUser() {
		a.signed = true
		if v.Admin {
			a.role = Owner
		} else {
			a.role = c.inheritedRole(g.FullPath)
		}
	}
	a.visible = g.Visibility == group.VisibilityPublic ||
		(g.Visibility == group.VisibilityInternal && a.signed) || a.role >= Guest
	if !a.visible && v.IsUser() {
		for p := range c.groupRoles {
			a.visible = a.visible || isUnder(p, g.FullPath)
		}
		for p := range c.projectRoles {
			a.visible = a.visible || isUnder(p, g.FullPath)
		}
	}
	return a
}

// scopeAllows applies the token's scopes, independent of roles.
func scopeAllows(v *auth.Viewer, act Action) bool {
	switch v.Kind {
	case auth.PersonalToken:
		if act.writes() {
			return v.HasScope("api")
		}
		return v.HasScope("api") || v.HasScope("read_api")
	case auth.DeployToken:
		switch act {
		case ReadPackages, ReadNamespace:
			return v.HasScope("read_package_registry") || v.HasScope("write_package_registry")
		case CreatePackages, DestroyPackages:
			return v.HasScope("write_package_registry")
		default:
			return false
		}
	case auth.Anonymous:
		return !act.writes()
	default: // job tokens and web sessions act with the user's full rights
		return true
	}
}

// projectAllows decides act on p for a viewer with access a.
func projectAllows(v *auth.Viewer, p *ent.Project, a access, act Action) bool {
	if !scopeAllows(v, act) {
		return false
	}
	registryOn := p.PackageRegistryAccessLevel != project.PackageRegistryAccessLevelDisabled
	switch act {
	case ReadNamespace:
		return a.visible
	case ReadPackages:
		if !registryOn {
			return false
		}
		if p.PackageRegistryAccessLevel == project.PackageRegistryAccessLevelPublic {
			return true // "allow anyone to pull"
		}
		if v.Kind == auth.DeployToken {
			return a.visible
		}
		return a.visible && (p.Visibility != project.VisibilityPrivate || a.role >= Guest)
	case CreatePackages:
		return registryOn && (a.role >= Developer || a.reach)
	case DestroyPackages:
		return registryOn && (a.role >= Maintainer || a.reach)
	case AdminPackages, ManageProject:
		return a.role >= Maintainer
	case ManageGroup:
		return a.role >= Owner
	}
	return false
}

// deny picks the status for a refused action: anonymous callers are asked to
// authenticate (401, which pip and Maven need before they send credentials); those
// who may not see the thing get 404, so its existence does not leak; the rest get 403.
func deny(v *auth.Viewer, visible bool, notFound error) error {
	switch {
	case v.Kind == auth.Anonymous:
		return errUnauthorized
	case !visible:
		return notFound
	default:
		return errForbidden
	}
}

// AuthorizeProject returns nil when the viewer in ctx may do act in p.
func (s *Service) AuthorizeProject(ctx context.Context, p *ent.Project, act Action) error {
	c, err := s.checker(ctx)
	if err != nil {
		return err
	}
	return c.authorizeProject(ctx, p, act)
}

func (c *checker) authorizeProject(ctx context.Context, p *ent.Project, act Action) error {
	a, err := c.projectAccess(ctx, p)
	if err != nil {
		return err
	}
	if projectAllows(c.v, p, a, act) {
		return nil
	}
	visible := a.visible || projectAllows(c.v, p, a, ReadPackages)
	return deny(c.v, visible, errProjectNotFound)
}

// AuthorizeGroup returns nil when the viewer in ctx may do act in g. Group-level
// package reads only need the group to be visible: each project is filtered after.
func (s *Service) AuthorizeGroup(ctx context.Context, g *ent.Group, act Action) error {
	c, err := s.checker(ctx)
	if err != nil {
		return err
	}
	return c.authorizeGroup(g, act)
}

func (c *checker) authorizeGroup(g *ent.Group, act Action) error {
	a := c.groupAccess(g)
	ok := scopeAllows(c.v, act)
	switch act {
	case ReadNamespace, ReadPackages:
		ok = ok && a.visible
	case ManageGroup:
		ok = ok && a.role >= Owner
	case ManageProject, AdminPackages:
		ok = ok && a.role >= Maintainer
	default:
		ok = false
	}
	if ok {
		return nil
	}
	return deny(c.v, a.visible, errGroupNotFound)
}

// jobTokenAllowed reports whether the job token's project is on p's inbound
// allowlist, directly or through one of its ancestor groups.
func (s *Service) jobTokenAllowed(ctx context.Context, v *auth.Viewer, p *ent.Project) (bool, error) {
	n, err := p.QueryCiJobTokenAllowedProjects().Where(project.ID(v.JobProjectID)).Count(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		return true, nil
	}
	groups, err := p.QueryCiJobTokenAllowedGroups().Select(group.FieldFullPath).All(ctx)
	if err != nil {
		return false, err
	}
	for _, g := range groups {
		if isUnder(v.JobProjectPath, g.FullPath) {
			return true, nil
		}
	}
	return false, nil
}
