package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/group"
	"github.com/pkgreg/registry/ent/membership"
	"github.com/pkgreg/registry/ent/project"
)

// This file is the one authorization policy of the registry. Every decision comes
// from here, in three layers that are applied together:
//
//  1. the credential: what a kind of token may do at all, whatever its user's roles
//     (credentialAllows). GitLab accepts CI job tokens only on package endpoints and
//     reads; deploy tokens only on the package registry; read_api tokens only read;
//     the bots behind project and group access tokens never act on their own account.
//  2. the standing: visibility, the role inherited down the group tree, a deploy
//     token's reach and a job token's allowlist (projectAccess, groupAccess).
//  3. the action's requirement on that standing (projectAllows, groupAllows), and for
//     memberships who may change whom (memberChangeAllowed).
//
// Listings never carry a second, SQL form of these rules: they load candidates and
// keep those the Go form allows, so the two cannot drift apart.

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

// Action is something a viewer wants to do, in a project or group or on the instance.
type Action int

// Actions on a project or group. Package actions follow GitLab's package policy
// (spec E1): pull Reporter (Guest where the instance allows it or the project is not
// private), publish Developer, delete Maintainer.
const (
	ReadNamespace   Action = iota // see the project or group itself
	ReadPackages                  // pull, list
	CreatePackages                // publish, add a tag
	DestroyPackages               // delete packages and files, deprecate, remove a tag
	AdminPackages                 // cleanup policy (project); package settings (group, Owner)
	ManageProject                 // project settings: name, visibility, registry access
	ManageMembers                 // add, change and remove members (project Maintainer, group Owner)
	ManageTokens                  // deploy tokens, access tokens, the job token allowlist
	CreateProjects                // create projects and subgroups in a group
	RunJobs                       // start CI jobs in a project
	ManageGroup                   // a group's own settings (Owner)
	ListPackages                  // the Packages API and GraphQL listings (not deploy tokens, as GitLab)
	ReadInstance                  // what administrators read of the whole instance (users, all groups)
	ManageWebhooks                // webhooks and their delivery logs (Maintainer, project or group)
	// GroupPull is GitLab's group-level read_package, which some package managers'
	// group endpoints ask before they look at any project: the group's
	// Reporters, anyone in a public group, Guests where the instance lets them pull.
	GroupPull
)

// Actions on the instance or the viewer's own account.
const (
	CreateOwnToken        Action = iota + 100 // a personal access token for oneself
	CreateTopLevelGroup                       // a group at the root of the instance
	CreatePersonalProject                     // a project in one's personal namespace
	AdminInstance                             // users, plan limits, instance settings, anyone's tokens
	ReadMetadata                              // the version the instance runs (signed-in users, as GitLab)
)

func (a Action) reads() bool {
	return a == ReadNamespace || a == ReadPackages || a == GroupPull || a == ListPackages || a == ReadInstance || a == ReadMetadata
}

// kindAccepts reports whether a kind of credential is accepted for act at all. GitLab
// accepts job tokens on the package endpoints and a few reads only (a job never mints
// tokens, manages members or settings, or administers), and deploy tokens only on
// the package-manager endpoints. A credential that is not accepted is answered as if
// it were absent (401), as GitLab's API answers it.
func kindAccepts(v *auth.Viewer, act Action) bool {
	switch v.Kind {
	case auth.DeployToken:
		return act == ReadNamespace || act == ReadPackages || act == GroupPull || act == CreatePackages || act == DestroyPackages
	case auth.JobToken:
		return act == ReadNamespace || act == ReadPackages || act == GroupPull || act == ListPackages ||
			act == CreatePackages || act == DestroyPackages
	}
	return true
}

// credentialAllows is what a credential may do at all, before any role: its kind
// (kindAccepts), its scopes, and for bots their own account.
func credentialAllows(v *auth.Viewer, act Action) bool {
	if !kindAccepts(v, act) {
		return false
	}
	switch v.Kind {
	case auth.Anonymous:
		return act.reads()
	case auth.DeployToken:
		if act.reads() {
			return v.HasScope("read_package_registry") || v.HasScope("write_package_registry")
		}
		return v.HasScope("write_package_registry")
	case auth.JobToken:
		return true
	case auth.PersonalToken:
		if v.Bot && (act == CreateOwnToken || act == CreateTopLevelGroup || act == CreatePersonalProject) {
			return false // the bot of an access token acts only where it is a member
		}
		if act.reads() {
			return v.HasScope("api") || v.HasScope("read_api")
		}
		return v.HasScope("api")
	case auth.Session:
		return !v.Bot
	}
	return false
}

// access is what one viewer has in one project or group, before the action is applied.
type access struct {
	visible bool // may see the project/group (or, for a deploy token, reaches it)
	signed  bool // counts as a signed-in user here (sees internal things)
	role    Role
	reach   bool // deploy token scoped to it
	// guestPull: a Guest (or Planner) may pull from this private project, because
	// the instance allows it.
	guestPull bool
}

// checker evaluates the policy for one viewer. It loads the viewer's memberships once,
// by path, so that a project's role is the highest of its own and its ancestors'
// memberships: group roles are inherited down the tree.
type checker struct {
	s            *Service
	v            *auth.Viewer
	groupRoles   map[string]Role // by group full path
	projectRoles map[string]Role // by project full path
	memo         *rolesMemo
}

func (s *Service) checker(ctx context.Context) (*checker, error) {
	v := auth.FromContext(ctx)
	memo, _ := ctx.Value(memoKey{}).(*rolesMemo)
	c := &checker{s: s, v: v, groupRoles: map[string]Role{}, projectRoles: map[string]Role{}, memo: memo}
	if !v.IsUser() || v.Admin {
		return c, nil
	}
	if memo != nil {
		memo.mu.Lock()
		defer memo.mu.Unlock()
		if memo.viewer == v {
			c.groupRoles, c.projectRoles = memo.groupRoles, memo.projectRoles
			return c, nil
		}
	}
	load := func() (roles, error) { return s.loadRoles(ctx, v.UserID) }
	rs, err := s.hot.roles.load(v.UserID, load, nil)
	if err == nil && !rs.until.IsZero() && !s.now().Before(rs.until) {
		// A membership expired since they were read: no write tells the cache.
		s.hot.roles.forget(v.UserID)
		rs, err = s.hot.roles.load(v.UserID, load, nil)
	}
	if err != nil {
		return nil, err
	}
	c.groupRoles, c.projectRoles = rs.groups, rs.projects
	if memo != nil {
		memo.viewer, memo.groupRoles, memo.projectRoles = v, c.groupRoles, c.projectRoles
	}
	return c, nil
}

// loadRoles reads a user's memberships, by full path.
func (s *Service) loadRoles(ctx context.Context, userID int) (roles, error) {
	now := s.now()
	ms, err := s.client.Membership.Query().Where(membership.UserID(userID), liveMembership(now)).
		WithGroup(func(q *ent.GroupQuery) { q.Select(group.FieldFullPath) }).
		WithProject(func(q *ent.ProjectQuery) { q.Select(project.FieldFullPath) }).
		All(ctx)
	if err != nil {
		return roles{}, fmt.Errorf("load memberships: %w", err)
	}
	rs := roles{groups: map[string]Role{}, projects: map[string]Role{}}
	for _, m := range ms {
		if m.ExpiresAt != nil && (rs.until.IsZero() || m.ExpiresAt.Before(rs.until)) {
			rs.until = *m.ExpiresAt
		}
		r := roleNames[m.Role.String()]
		if m.Edges.Group != nil {
			rs.groups[m.Edges.Group.FullPath] = max(rs.groups[m.Edges.Group.FullPath], r)
		}
		if m.Edges.Project != nil {
			rs.projects[m.Edges.Project.FullPath] = max(rs.projects[m.Edges.Project.FullPath], r)
		}
	}
	return rs, nil
}

// rolesMemo keeps the viewer's memberships for the rest of one request, so that
// checking many objects (a GraphQL list asking canDestroy on every package) loads them
// once. Writes that change memberships forget it. It also keeps the one instance
// setting the policy reads, loaded only when a decision needs it.
type rolesMemo struct {
	mu                       sync.Mutex
	viewer                   *auth.Viewer
	groupRoles, projectRoles map[string]Role
	guestPull                *bool
	// issued holds the rows authorized reads handed out (see issued.go), and
	// projects the canonical project rows of this request by id.
	issued   map[any]bool
	projects map[int]*ent.Project
}

type memoKey struct{}

// WithRequestMemo returns ctx with a place to keep the viewer's memberships for one request.
func WithRequestMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &rolesMemo{})
}

// forgetRoles drops the memo after a write that changed memberships or settings.
func forgetRoles(ctx context.Context) {
	if memo, _ := ctx.Value(memoKey{}).(*rolesMemo); memo != nil {
		memo.mu.Lock()
		memo.viewer, memo.guestPull = nil, nil
		memo.mu.Unlock()
	}
}

// guestsMayPull reads the instance setting that lets Guests pull from private
// projects (GitLab's allow_guest_plus_roles_to_pull_packages), once per request.
func (c *checker) guestsMayPull(ctx context.Context) (bool, error) {
	if c.memo != nil {
		c.memo.mu.Lock()
		defer c.memo.mu.Unlock()
		if c.memo.guestPull != nil {
			return *c.memo.guestPull, nil
		}
	}
	st, err := c.s.cachedSettings(ctx)
	if err != nil {
		return false, err
	}
	if c.memo != nil {
		c.memo.guestPull = &st.GuestsMayPullPackages
	}
	return st.GuestsMayPullPackages, nil
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

// rootOf is the root namespace of a full path: the tenant that owns it.
func rootOf(path string) string {
	root, _, _ := strings.Cut(path, "/")
	return root
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
	if p.Visibility == project.VisibilityPrivate && a.role >= Guest && a.role < Reporter {
		ok, err := c.guestsMayPull(ctx)
		if err != nil {
			return a, err
		}
		a.guestPull = ok
	}
	return a, nil
}

// groupAccess computes the viewer's standing in g. Members of anything inside a
// private group may see the group itself, as in GitLab; so does a project deploy
// token see the groups above its project (group-level reads take one, as in
// GitLab), reaching none of their other projects. A job token sees groups as
// its user does; what it may do there is bounded by credentialAllows, and the
// packages it reads through a group are checked project by project, allowlist
// included.
func (c *checker) groupAccess(g *ent.Group) access {
	v := c.v
	var a access
	if v.Kind == auth.DeployToken {
		a.reach = v.DeployGroupPath != "" && isUnder(g.FullPath, v.DeployGroupPath)
		a.visible = a.reach || g.Visibility == group.VisibilityPublic ||
			(v.DeployProjectPath != "" && isUnder(v.DeployProjectPath, g.FullPath))
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

// projectAllows decides act on p for a viewer with access a.
func projectAllows(v *auth.Viewer, p *ent.Project, a access, act Action) bool {
	if !credentialAllows(v, act) {
		return false
	}
	registryOn := p.PackageRegistryAccessLevel != project.PackageRegistryAccessLevelDisabled
	switch act {
	case ReadNamespace:
		return a.visible
	case ReadPackages, ListPackages:
		if !registryOn {
			return false
		}
		if p.PackageRegistryAccessLevel == project.PackageRegistryAccessLevelPublic {
			return true // "allow anyone to pull"
		}
		if v.Kind == auth.DeployToken {
			return a.visible
		}
		return a.visible && (p.Visibility != project.VisibilityPrivate || a.role >= Reporter || a.guestPull)
	case CreatePackages:
		return registryOn && (a.role >= Developer || a.reach)
	case DestroyPackages:
		return registryOn && (a.role >= Maintainer || a.reach)
	case RunJobs:
		return a.role >= Developer
	case AdminPackages, ManageProject, ManageMembers, ManageTokens, ManageWebhooks:
		return a.role >= Maintainer
	}
	return false
}

// groupAllows decides act on g for a viewer with access a. Group-level package reads
// only need the group to be visible: each project is filtered after.
func groupAllows(v *auth.Viewer, a access, act Action) bool {
	if !credentialAllows(v, act) {
		return false
	}
	switch act {
	case ReadNamespace, ReadPackages, ListPackages, GroupPull:
		return a.visible
	case CreateProjects, ManageTokens, ManageWebhooks:
		return a.role >= Maintainer
	case ManageMembers, ManageGroup, AdminPackages:
		return a.role >= Owner
	}
	return false
}

// memberChangeAllowed decides whether a viewer whose role in a project or group is
// own may give a member whose current role there is current (NoRole for a new
// member) the role next (NoRole to remove them): nobody acts on a member above
// their own role, nor grants a role above it.
func memberChangeAllowed(own, current, next Role) bool {
	return current <= own && next <= own
}

// refuse picks the error for a refused act: a credential whose kind is not accepted
// for it is answered as if absent (401); otherwise as deny.
func refuse(v *auth.Viewer, act Action, visible bool, notFound error) error {
	if !kindAccepts(v, act) {
		return errUnauthorized
	}
	return deny(v, visible, notFound)
}

// deny picks the status for a refused action: anonymous callers are asked to
// authenticate (401, which clients that send credentials only after a challenge need); those
// who may not see the thing get 404, so its existence does not leak; the rest get 403.
func deny(v *auth.Viewer, visible bool, notFound error) error {
	switch {
	case v.Kind == auth.Anonymous:
		return &denied{hidden: !visible, notFound: notFound}
	case !visible:
		return notFound
	default:
		return errForbidden
	}
}

// denyMissing refuses what does not exist: 404, or to anonymous callers the
// challenge deny gives them (so that a name's existence does not change the answer).
func denyMissing(v *auth.Viewer, notFound error) error {
	if v.Kind == auth.Anonymous {
		return &denied{hidden: true, missing: true, notFound: notFound}
	}
	return notFound
}

// denied is an anonymous caller's refusal: a 401 challenge, which the package
// managers' clients need before they send credentials. Surfaces that answer
// anonymous callers otherwise read what it stands for with AnonymousDenial.
type denied struct {
	hidden   bool // the caller may not see the thing, or it does not exist
	missing  bool // it does not exist
	notFound error
}

func (d *denied) Error() string { return errUnauthorized.Error() }
func (d *denied) Unwrap() error { return errUnauthorized }

// Denial is what an anonymous caller's refusal stands for.
type Denial struct {
	// Hidden: the caller may not see the thing (a private project), or it does not
	// exist; Missing: it does not exist. NotFound is the 404 for it.
	Hidden, Missing bool
	NotFound        error
}

// AnonymousDenial reports whether err refused an anonymous caller, and why: the
// Packages REST API hides what anonymous callers may not see (404) and forbids the
// rest (403), as GitLab's REST API does, where the package managers challenge.
func AnonymousDenial(err error) (Denial, bool) {
	var d *denied
	if !errors.As(err, &d) {
		return Denial{}, false
	}
	return Denial{Hidden: d.hidden, Missing: d.missing, NotFound: d.notFound}, true
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
	p, err := c.s.canonicalProject(ctx, p)
	if err != nil {
		return denyMissing(c.v, errProjectNotFound)
	}
	a, err := c.projectAccess(ctx, p)
	if err != nil {
		return err
	}
	if projectAllows(c.v, p, a, act) {
		return nil
	}
	// Whoever may pull the packages knows the project exists; the project itself
	// (ReadNamespace) stays hidden from those who may not see it.
	visible := a.visible || (act != ReadNamespace && projectAllows(c.v, p, a, ReadPackages))
	return refuse(c.v, act, visible, errProjectNotFound)
}

// AuthorizeGroup returns nil when the viewer in ctx may do act in g.
func (s *Service) AuthorizeGroup(ctx context.Context, g *ent.Group, act Action) error {
	c, err := s.checker(ctx)
	if err != nil {
		return err
	}
	if g, err = s.canonicalGroup(ctx, g); err != nil {
		return denyMissing(c.v, errGroupNotFound)
	}
	if err := c.authorizeGroup(g, act); err != nil || act != GroupPull {
		return err
	}
	return c.groupGuestPull(ctx, g)
}

// groupGuestPull refuses GroupPull to a Guest or Planner of a group that is not
// public, unless the instance lets Guests pull: GitLab's group package policy gives
// read_package to Reporters of a group (and to anyone in a public one), so such a
// member is answered 403 at those group endpoints rather than served an index
// emptied of what they may not pull.
func (c *checker) groupGuestPull(ctx context.Context, g *ent.Group) error {
	if !c.v.IsUser() || c.v.Admin || g.Visibility == group.VisibilityPublic {
		return nil
	}
	if r := c.inheritedRole(g.FullPath); r < Guest || r >= Reporter {
		return nil
	}
	if ok, err := c.guestsMayPull(ctx); err != nil || ok {
		return err
	}
	return errForbidden
}

// authorizeGroup decides on g, which must be canonical (see canonicalGroup).
func (c *checker) authorizeGroup(g *ent.Group, act Action) error {
	a := c.groupAccess(g)
	if groupAllows(c.v, a, act) {
		return nil
	}
	return refuse(c.v, act, a.visible, errGroupNotFound)
}

// authorizeAccount returns nil when the viewer may do an instance- or account-level
// act: any signed-in user creates their own tokens, top-level groups and personal
// projects; only administrators administer.
func (s *Service) authorizeAccount(ctx context.Context, act Action) error {
	v := auth.FromContext(ctx)
	ok := v.IsUser() && credentialAllows(v, act)
	if act == AdminInstance {
		ok = ok && v.Admin
	}
	if !ok {
		return refuse(v, act, true, errForbidden)
	}
	return nil
}

// jobTokenAllowed reports whether the job token's project is on p's inbound
// allowlist, directly or through one of its ancestor groups.
func (s *Service) jobTokenAllowed(ctx context.Context, v *auth.Viewer, p *ent.Project) (bool, error) {
	return s.hot.allowlist.load([2]int{v.JobProjectID, p.ID}, func() (bool, error) { return s.loadJobTokenAllowed(ctx, v, p) }, nil)
}

func (s *Service) loadJobTokenAllowed(ctx context.Context, v *auth.Viewer, p *ent.Project) (bool, error) {
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

// readableProjects keeps the projects on which the viewer may do act, deciding each
// with the Go policy (memberships loaded once).
func (c *checker) allowedProjects(ctx context.Context, projects []*ent.Project, act Action) ([]*ent.Project, error) {
	out := projects[:0:0]
	for _, p := range projects {
		a, err := c.projectAccess(ctx, p)
		if err != nil {
			return nil, err
		}
		if projectAllows(c.v, p, a, act) {
			out = append(out, p)
		}
	}
	return out, nil
}

// allowedGroups keeps the groups on which the viewer may do act.
func (c *checker) allowedGroups(groups []*ent.Group, act Action) []*ent.Group {
	out := groups[:0:0]
	for _, g := range groups {
		if groupAllows(c.v, c.groupAccess(g), act) {
			out = append(out, g)
		}
	}
	return out
}
