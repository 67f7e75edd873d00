package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/deploytoken"
	"github.com/pkgreg/registry/ent/group"
	"github.com/pkgreg/registry/ent/membership"
	"github.com/pkgreg/registry/ent/packagebuildinfo"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/personalaccesstoken"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
	"github.com/pkgreg/registry/ent/user"
)

// The queries here return ent queries already restricted to what the viewer may see,
// for the GraphQL resolvers to paginate. Each one authorizes first.

// PackageFilter narrows a package listing (REST parameters and GraphQL arguments).
type PackageFilter struct {
	Name               string // substring, case-insensitive
	Type               string
	Version            string
	Status             string // one status; empty means the displayable ones
	IncludeVersionless bool
	ExcludeSubgroups   bool // group scope: only the group's own projects
}

// PackagesQuery returns the packages of a project, or of the projects of a group tree
// whose packages the viewer may read, filtered.
func (s *Service) PackagesQuery(ctx context.Context, scope Scope, f PackageFilter) (*ent.PackageVersionQuery, error) {
	l, err := s.packagesWhere(ctx, scope, f)
	if err != nil {
		return nil, err
	}
	return s.client.PackageVersion.Query().Where(l.where...), nil
}

// listing is what selects the packages of an authorized listing, and a key that
// names the same selection (the projects and the filter), for its cached count.
type listing struct {
	where []predicate.PackageVersion
	key   string
}

// packagesWhere authorizes a listing and returns what selects its packages.
func (s *Service) packagesWhere(ctx context.Context, scope Scope, f PackageFilter) (listing, error) {
	var ids []int
	switch {
	case scope.Project != nil:
		if err := s.AuthorizeProject(ctx, scope.Project, ListPackages); err != nil {
			return listing{}, err
		}
		ids = []int{scope.Project.ID}
	case scope.Group != nil:
		if err := s.AuthorizeGroup(ctx, scope.Group, ListPackages); err != nil {
			return listing{}, err
		}
		var err error
		if ids, err = s.ReadableProjectIDs(ctx, scope.Group.FullPath, f.ExcludeSubgroups); err != nil {
			return listing{}, err
		}
	default:
		return listing{}, Errorf(ErrInvalid, "a project or a group is required")
	}
	where := []predicate.PackageVersion{packageversion.ProjectIDIn(ids...)}
	if f.Status != "" {
		st := packageversion.Status(f.Status)
		if packageversion.StatusValidator(st) != nil {
			return listing{}, InvalidValue("status")
		}
		where = append(where, packageversion.StatusEQ(st))
	} else {
		where = append(where, packageversion.StatusIn(displayableStatuses...))
	}
	if f.Type != "" {
		t := packageversion.PackageType(f.Type)
		if packageversion.PackageTypeValidator(t) != nil {
			return listing{}, InvalidValue("package_type")
		}
		where = append(where, packageversion.PackageTypeEQ(t))
	}
	if f.Name != "" {
		where = append(where, packageversion.NameContainsFold(f.Name))
	}
	if f.Version != "" {
		where = append(where, packageversion.Version(f.Version))
	} else if !f.IncludeVersionless {
		where = append(where, packageversion.VersionNEQ(""))
	}
	// ids are in the order the policy found them, the same for the same viewer and tree.
	key := fmt.Sprintf("%v|%q|%q|%q|%q|%t", ids, f.Status, f.Type, f.Name, f.Version, f.IncludeVersionless)
	return listing{where: where, key: key}, nil
}

// PackageByID returns a package for its detail view, if the viewer may read it.
func (s *Service) PackageByID(ctx context.Context, id int) (*ent.PackageVersion, error) {
	pkg, err := s.client.PackageVersion.Query().Where(packageversion.ID(id),
		packageversion.StatusNEQ(packageversion.StatusPendingDestruction)).WithProject().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errPackageNotFound
	} else if err != nil {
		return nil, err
	}
	if err := s.AuthorizeProject(ctx, pkg.Edges.Project, ReadPackages); err != nil {
		if IsDenied(err) {
			return nil, errPackageNotFound
		}
		return nil, err
	}
	return pkg, nil
}

// PackageFileByID returns an installable file, if the viewer may read its package.
func (s *Service) PackageFileByID(ctx context.Context, id int) (*ent.PackageFile, error) {
	f, err := s.client.PackageFile.Query().Where(packagefile.ID(id), packagefile.StatusEQ(packagefile.StatusDefault)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errFileNotFound
	} else if err != nil {
		return nil, err
	}
	if _, err := s.PackageByID(ctx, f.PackageID); err != nil {
		return nil, errFileNotFound
	}
	return f, nil
}

// OtherVersionsQuery returns the other live versions of a package's name in its project.
func (s *Service) OtherVersionsQuery(pkg *ent.PackageVersion) *ent.PackageVersionQuery {
	return s.client.PackageVersion.Query().Where(packageversion.ProjectID(pkg.ProjectID),
		packageversion.PackageTypeEQ(pkg.PackageType), packageversion.NormalizedName(pkg.NormalizedName),
		packageversion.IDNEQ(pkg.ID), packageversion.StatusIn(displayableStatuses...))
}

// IsDenied reports whether err is an authorization refusal (401, 403 or 404).
func IsDenied(err error) bool {
	return errors.Is(err, ErrUnauthenticated) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound)
}

// memberPaths matches the projects the viewer is a member of, directly or through a
// group: the candidates of "my projects", before the policy decides on each.
func (c *checker) memberPaths() []predicate.Project {
	var or []predicate.Project
	if len(c.projectRoles) > 0 {
		paths := make([]string, 0, len(c.projectRoles))
		for p := range c.projectRoles {
			paths = append(paths, p)
		}
		or = append(or, project.FullPathIn(paths...))
	}
	for g := range c.groupRoles {
		or = append(or, project.FullPathHasPrefix(g+"/"))
	}
	return or
}

// memberGroups matches the groups the viewer is a member of and their subgroups.
func (c *checker) memberGroups() []predicate.Group {
	var or []predicate.Group
	var paths []string
	for g := range c.groupRoles {
		paths = append(paths, g)
		or = append(or, group.FullPathHasPrefix(g+"/"))
	}
	if len(paths) > 0 {
		or = append(or, group.FullPathIn(paths...))
	}
	return or
}

// ProjectsQuery lists projects: under a group (its own, or with subgroups) those the
// viewer may see; at the top level all for administrators and the viewer's own
// (by membership) for others. Candidates are loaded and each is decided by the
// policy, so the listing is exactly what AuthorizeProject would allow.
func (s *Service) ProjectsQuery(ctx context.Context, in *ent.Group, includeSubgroups bool, search string) (*ent.ProjectQuery, error) {
	c, err := s.checker(ctx)
	if err != nil {
		return nil, err
	}
	cand := s.client.Project.Query()
	switch {
	case in != nil:
		if in, err = s.canonicalGroup(ctx, in); err != nil {
			return nil, err
		}
		if err := c.authorizeGroup(in, ReadNamespace); err != nil {
			return nil, err
		}
		if includeSubgroups {
			cand.Where(project.FullPathHasPrefix(in.FullPath + "/"))
		} else {
			cand.Where(project.GroupID(in.ID))
		}
	case c.v.Admin && credentialAllows(c.v, ReadInstance):
	case c.v.IsUser():
		own := append(c.memberPaths(), project.OwnerID(c.v.UserID))
		cand.Where(project.Or(own...))
	default:
		return s.client.Project.Query().Where(project.IDLT(0)), nil
	}
	if search != "" {
		cand.Where(project.Or(project.FullPathContainsFold(search), project.NameContainsFold(search)))
	}
	projects, err := cand.All(ctx)
	if err != nil {
		return nil, err
	}
	if projects, err = c.allowedProjects(ctx, projects, ReadNamespace); err != nil {
		return nil, err
	}
	ids := make([]int, len(projects))
	for i, p := range projects {
		ids[i] = p.ID
	}
	return s.client.Project.Query().Where(project.IDIn(ids...)), nil
}

// GroupsQuery lists groups: the direct subgroups of parent the viewer may see, or at
// the top level all groups (administrators) or the viewer's own. As ProjectsQuery,
// each candidate is decided by the policy.
func (s *Service) GroupsQuery(ctx context.Context, parent *ent.Group, search string) (*ent.GroupQuery, error) {
	c, err := s.checker(ctx)
	if err != nil {
		return nil, err
	}
	cand := s.client.Group.Query()
	switch {
	case parent != nil:
		if parent, err = s.canonicalGroup(ctx, parent); err != nil {
			return nil, err
		}
		if err := c.authorizeGroup(parent, ReadNamespace); err != nil {
			return nil, err
		}
		cand.Where(group.ParentID(parent.ID))
	case c.v.Admin && credentialAllows(c.v, ReadInstance):
	case c.v.IsUser() && len(c.groupRoles) > 0:
		cand.Where(group.Or(c.memberGroups()...))
	default:
		return s.client.Group.Query().Where(group.IDLT(0)), nil
	}
	if search != "" {
		cand.Where(group.Or(group.FullPathContainsFold(search), group.NameContainsFold(search)))
	}
	groups, err := cand.All(ctx)
	if err != nil {
		return nil, err
	}
	groups = c.allowedGroups(groups, ReadNamespace)
	ids := make([]int, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	return s.client.Group.Query().Where(group.IDIn(ids...)), nil
}

// UsersQuery lists users (administrators only).
func (s *Service) UsersQuery(ctx context.Context, search string) (*ent.UserQuery, error) {
	if err := s.requireAdminRead(ctx); err != nil {
		return nil, err
	}
	q := s.client.User.Query()
	if search != "" {
		q.Where(user.Or(user.UsernameContainsFold(search), user.NameContainsFold(search), user.EmailContainsFold(search)))
	}
	return q, nil
}

func (s *Service) requireAdminRead(ctx context.Context) error {
	v := auth.FromContext(ctx)
	if !v.Admin || !credentialAllows(v, ReadInstance) {
		return refuse(v, ReadInstance, true, errForbidden)
	}
	return nil
}

// TokensQuery lists a user's personal access tokens (the user or an administrator).
func (s *Service) TokensQuery(ctx context.Context, u *ent.User) (*ent.PersonalAccessTokenQuery, error) {
	if !s.SeesPrivateUserFields(ctx, u) {
		return nil, deny(auth.FromContext(ctx), false, errForbidden)
	}
	s.currentUse(ctx)
	return s.client.PersonalAccessToken.Query().Where(personalaccesstoken.UserID(u.ID)), nil
}

// MemberRelations selects memberships by where they are: the namespace's own
// (Direct), or in the groups above it (Inherited).
type MemberRelations struct{ Direct, Inherited bool }

// MembersQuery lists the members of a project or group the viewer may see: the
// direct ones, and the inherited ones: those of the groups above it, whose roles the
// policy passes down the tree (a group's own path is never among them).
func (s *Service) MembersQuery(ctx context.Context, p *ent.Project, g *ent.Group, rel MemberRelations) (*ent.MembershipQuery, error) {
	var own predicate.Membership
	var path string
	if p != nil {
		if err := s.AuthorizeProject(ctx, p, ReadNamespace); err != nil {
			return nil, err
		}
		own, path = membership.ProjectID(p.ID), p.FullPath
	} else {
		if err := s.AuthorizeGroup(ctx, g, ReadNamespace); err != nil {
			return nil, err
		}
		own, path = membership.GroupID(g.ID), g.FullPath
	}
	var which []predicate.Membership
	if rel.Direct {
		which = append(which, own)
	}
	if above := parentPaths(path); rel.Inherited && len(above) > 0 {
		which = append(which, membership.HasGroupWith(group.FullPathIn(above...)))
	}
	if len(which) == 0 {
		return nil, Errorf(ErrInvalid, "give at least one of the relations DIRECT and INHERITED")
	}
	return s.client.Membership.Query().Where(membership.Or(which...), liveMembership(s.now())), nil
}

// parentPaths are the full paths of the groups above a full path, nearest last:
// "a/b/c" has "a" and "a/b".
func parentPaths(fullPath string) []string {
	var out []string
	for i := 0; i < len(fullPath); i++ {
		if fullPath[i] == '/' {
			out = append(out, fullPath[:i])
		}
	}
	return out
}

// ManageableRole is the highest role the viewer may grant, change or remove among
// the members of a project or group: their own role there, once ManageMembers is
// authorized (memberChangeAllowed holds the rule).
func (s *Service) ManageableRole(ctx context.Context, p *ent.Project, g *ent.Group) (Role, error) {
	in := MembershipInput{}
	if p != nil {
		in.ProjectPath = p.FullPath
	} else {
		in.GroupPath = g.FullPath
	}
	t, err := s.memberTarget(ctx, in)
	if err != nil {
		return NoRole, err
	}
	return t.own, nil
}

// DeployTokens lists the deploy tokens of a project or group (Maintainers).
func (s *Service) DeployTokens(ctx context.Context, p *ent.Project, g *ent.Group) ([]*ent.DeployToken, error) {
	q := s.client.DeployToken.Query().Order(ent.Asc(deploytoken.FieldID))
	if p != nil {
		if err := s.AuthorizeProject(ctx, p, ManageTokens); err != nil {
			return nil, err
		}
		s.currentUse(ctx)
		return q.Where(deploytoken.ProjectID(p.ID)).All(ctx)
	}
	if err := s.AuthorizeGroup(ctx, g, ManageTokens); err != nil {
		return nil, err
	}
	s.currentUse(ctx)
	return q.Where(deploytoken.GroupID(g.ID)).All(ctx)
}

// JobTokenAllowlist returns the projects and groups on p's inbound allowlist (Maintainers).
func (s *Service) JobTokenAllowlist(ctx context.Context, p *ent.Project) ([]*ent.Project, []*ent.Group, error) {
	if err := s.AuthorizeProject(ctx, p, ManageTokens); err != nil {
		return nil, nil, err
	}
	ps, err := p.QueryCiJobTokenAllowedProjects().All(ctx)
	if err != nil {
		return nil, nil, err
	}
	gs, err := p.QueryCiJobTokenAllowedGroups().All(ctx)
	return ps, gs, err
}

// ProjectPermissions are the viewer's package abilities in a project.
type ProjectPermissions struct {
	ReadPackage, CreatePackage, DestroyPackage, AdminPackage, AdminProject bool
}

// Permissions evaluates the viewer's abilities in p, for the UI to show or hide actions.
func (s *Service) Permissions(ctx context.Context, p *ent.Project) ProjectPermissions {
	can := func(a Action) bool { return s.AuthorizeProject(ctx, p, a) == nil }
	return ProjectPermissions{ReadPackage: can(ReadPackages), CreatePackage: can(CreatePackages),
		DestroyPackage: can(DestroyPackages), AdminPackage: can(AdminPackages), AdminProject: can(ManageProject)}
}

// GroupPermissions are the viewer's abilities in a group.
type GroupPermissions struct{ ReadGroup, AdminGroup, CreateProjects bool }

// GroupPermissionsFor evaluates the viewer's abilities in g.
func (s *Service) GroupPermissionsFor(ctx context.Context, g *ent.Group) GroupPermissions {
	can := func(a Action) bool { return s.AuthorizeGroup(ctx, g, a) == nil }
	return GroupPermissions{ReadGroup: can(ReadNamespace), AdminGroup: can(ManageGroup), CreateProjects: can(CreateProjects)}
}

// PublicPackage reports whether anyone may pull the package without credentials.
func PublicPackage(p *ent.Project) bool {
	return p.PackageRegistryAccessLevel == project.PackageRegistryAccessLevelPublic ||
		(p.PackageRegistryAccessLevel == project.PackageRegistryAccessLevelPrivate && p.Visibility == project.VisibilityPublic)
}

// CleanupPolicy is a project's packages cleanup policy.
type CleanupPolicy struct {
	Keep string // all, 1, 10, 20, 30, 40, 50
	// RemoveNotDownloadedForDays removes versions not downloaded for this many days
	// (a version never downloaded: not published for as long); 0 is off.
	RemoveNotDownloadedForDays int
	NextRunAt                  *time.Time
}

// maxStaleDays bounds RemoveNotDownloadedForDays: ten years.
const maxStaleDays = 3650

func cleanupPolicy(p *ent.Project) *CleanupPolicy {
	return &CleanupPolicy{Keep: p.PackagesCleanupKeepNDuplicatedPackageFiles.String(),
		RemoveNotDownloadedForDays: p.PackagesCleanupRemoveNotDownloadedForDays, NextRunAt: p.PackagesCleanupNextRunAt}
}

// PackagesCleanupPolicy returns a project's cleanup policy (Maintainers).
func (s *Service) PackagesCleanupPolicy(ctx context.Context, p *ent.Project) (*CleanupPolicy, error) {
	if err := s.AuthorizeProject(ctx, p, AdminPackages); err != nil {
		return nil, err
	}
	return cleanupPolicy(p), nil
}

// CleanupPolicyInput changes a cleanup policy; a nil field stays as it is.
type CleanupPolicyInput struct {
	Keep                       *string
	RemoveNotDownloadedForDays *int
}

// UpdatePackagesCleanupPolicy sets how many files with the same name each package of
// p keeps and after how many days without a download a version goes; the cleanup
// runs with garbage collection (Maintainers).
func (s *Service) UpdatePackagesCleanupPolicy(ctx context.Context, p *ent.Project, in CleanupPolicyInput) (*CleanupPolicy, error) {
	if err := s.AuthorizeProject(ctx, p, AdminPackages); err != nil {
		return nil, err
	}
	keep, days := p.PackagesCleanupKeepNDuplicatedPackageFiles, p.PackagesCleanupRemoveNotDownloadedForDays
	if in.Keep != nil {
		keep = project.PackagesCleanupKeepNDuplicatedPackageFiles(*in.Keep)
		if project.PackagesCleanupKeepNDuplicatedPackageFilesValidator(keep) != nil {
			return nil, InvalidParam("keepNDuplicatedPackageFiles")
		}
	}
	if in.RemoveNotDownloadedForDays != nil {
		days = *in.RemoveNotDownloadedForDays
		if days < 0 || days > maxStaleDays {
			return nil, Errorf(ErrInvalid, "removeNotDownloadedForDays must be between 0 and %d", maxStaleDays)
		}
	}
	var next *ent.Project
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		u := tx.Project.UpdateOne(p).SetPackagesCleanupKeepNDuplicatedPackageFiles(keep).
			SetPackagesCleanupRemoveNotDownloadedForDays(days)
		if keep == project.PackagesCleanupKeepNDuplicatedPackageFilesAll && days == 0 {
			u.ClearPackagesCleanupNextRunAt()
		} else {
			u.SetPackagesCleanupNextRunAt(s.now())
		}
		var err error
		if next, err = u.Save(ctx); err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEvent{Action: AuditCleanupPolicy, TargetType: auditTargetProject, TargetID: p.ID,
			TargetPath: p.FullPath, Details: map[string]any{
				"keep_n_duplicated_package_files": map[string]any{
					"before": p.PackagesCleanupKeepNDuplicatedPackageFiles.String(), "after": keep.String()},
				"remove_not_downloaded_for_days": map[string]any{
					"before": p.PackagesCleanupRemoveNotDownloadedForDays, "after": days}}}.inProject(p))
	})
	if err != nil {
		return nil, err
	}
	return cleanupPolicy(next), nil
}

// DeletePackageByID marks a package for destruction (Maintainers of its project).
func (s *Service) DeletePackageByID(ctx context.Context, id int) error {
	pkg, err := s.PackageByID(ctx, id)
	if err != nil {
		return err
	}
	return s.DeletePackage(ctx, pkg.Edges.Project, pkg.ID)
}

// DeletePackages marks packages for destruction, checking every one first, so that
// one the viewer may not delete (or see) deletes none of them.
func (s *Service) DeletePackages(ctx context.Context, ids []int) error {
	pkgs := make([]*ent.PackageVersion, 0, len(ids))
	for _, id := range ids {
		pkg, err := s.PackageByID(ctx, id)
		if err != nil {
			return err
		}
		if err := s.AuthorizeProject(ctx, pkg.Edges.Project, DestroyPackages); err != nil {
			return err
		}
		pkgs = append(pkgs, pkg)
	}
	for _, pkg := range pkgs {
		if err := s.DeletePackage(ctx, pkg.Edges.Project, pkg.ID); err != nil {
			return fmt.Errorf("delete package %d: %w", pkg.ID, err)
		}
	}
	return nil
}

// DeletePackageFileByID marks a file for destruction (Maintainers of its project).
func (s *Service) DeletePackageFileByID(ctx context.Context, id int) error {
	f, err := s.PackageFileByID(ctx, id)
	if err != nil {
		return err
	}
	pkg, err := s.PackageByID(ctx, f.PackageID)
	if err != nil {
		return err
	}
	return s.DeletePackageFile(ctx, pkg.Edges.Project, pkg.ID, f.ID)
}

// WithPackageEdges eager-loads what a package list shows, so listing N packages with
// their files, tags and pipelines costs a fixed number of queries, not N.
func WithPackageEdges(q *ent.PackageVersionQuery) *ent.PackageVersionQuery {
	return q.WithProject().WithTags().
		WithFiles(func(q *ent.PackageFileQuery) {
			q.Where(packagefile.StatusEQ(packagefile.StatusDefault)).Order(ent.Asc(packagefile.FieldID)).
				WithPackage(func(q *ent.PackageVersionQuery) {
					q.Select(packageversion.FieldProjectID).WithProject(func(q *ent.ProjectQuery) { q.Select(project.FieldFullPath) })
				})
		}).
		WithBuildInfos(func(q *ent.PackageBuildInfoQuery) {
			q.WithPipeline(func(q *ent.PipelineQuery) { q.WithUser() }).Order(ent.Desc(packagebuildinfo.FieldPipelineID))
		})
}

// LoadPackageEdges loads the edges WithPackageEdges would have, for a package that was
// fetched alone (by id, or as another package's version).
func (s *Service) LoadPackageEdges(ctx context.Context, p *ent.PackageVersion) error {
	if p.Edges.Files != nil && p.Edges.Tags != nil && p.Edges.BuildInfos != nil && p.Edges.Project != nil {
		return nil
	}
	full, err := WithPackageEdges(s.client.PackageVersion.Query().Where(packageversion.ID(p.ID))).Only(ctx)
	if err != nil {
		return err
	}
	p.Edges = full.Edges
	return nil
}
