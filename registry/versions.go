package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
)

// Scope is where a client reads packages from: one project, a group (its projects and
// subgroups), or the whole instance (neither set).
type Scope struct {
	Project *ent.Project
	Group   *ent.Group
}

// ScopeFor resolves a project or group reference (numeric id or full path) for a
// read endpoint and checks that the viewer may see it. Both empty means the instance.
func (s *Service) ScopeFor(ctx context.Context, projectRef, groupRef string) (Scope, error) {
	switch {
	case projectRef != "":
		p, err := s.ProjectByRef(ctx, projectRef)
		if err != nil {
			return Scope{}, err
		}
		return Scope{Project: p}, s.AuthorizeProject(ctx, p, ReadPackages)
	case groupRef != "":
		g, err := s.GroupByRef(ctx, groupRef)
		if err != nil {
			return Scope{}, err
		}
		return Scope{Group: g}, s.AuthorizeGroup(ctx, g, ReadPackages)
	}
	return Scope{}, nil
}

// FindVersionsInput selects the installable versions of one package name in a scope.
type FindVersionsInput struct {
	Scope          Scope
	Type           packageversion.PackageType
	NormalizedName string
	// Statuses defaults to the installable ones (default, hidden, deprecated).
	Statuses []packageversion.Status
}

// FindVersions returns every version of a package that the viewer may read in the
// scope, oldest first, with their installable files, tags and project loaded. At group
// and instance level the package may live in several projects; each project is
// checked against the policy, with memberships loaded once.
func (s *Service) FindVersions(ctx context.Context, in FindVersionsInput) ([]*ent.PackageVersion, error) {
	if len(in.Statuses) == 0 {
		in.Statuses = installableStatuses
	}
	where := []predicate.PackageVersion{
		packageversion.PackageTypeEQ(in.Type), packageversion.NormalizedName(in.NormalizedName),
		packageversion.StatusIn(in.Statuses...),
	}
	switch {
	case in.Scope.Project != nil:
		if err := s.AuthorizeProject(ctx, in.Scope.Project, ReadPackages); err != nil {
			return nil, err
		}
		where = append(where, packageversion.ProjectID(in.Scope.Project.ID))
	case in.Scope.Group != nil:
		where = append(where, packageversion.HasProjectWith(project.FullPathHasPrefix(in.Scope.Group.FullPath+"/")))
	}
	versions, err := s.client.PackageVersion.Query().Where(where...).
		WithProject().WithTags().
		WithFiles(func(q *ent.PackageFileQuery) {
			q.Where(packagefile.StatusEQ(packagefile.StatusDefault)).Order(ent.Asc(packagefile.FieldID))
		}).
		Order(ent.Asc(packageversion.FieldCreatedAt), ent.Asc(packageversion.FieldID)).All(ctx)
	if err != nil || in.Scope.Project != nil {
		return versions, err
	}
	return s.readableOnly(ctx, versions)
}

// readableOnly keeps the versions whose project's packages the viewer may read. The
// viewer's memberships are loaded once and each project is decided once, so the cost
// does not grow with the number of versions. The project edge must be loaded.
func (s *Service) readableOnly(ctx context.Context, versions []*ent.PackageVersion) ([]*ent.PackageVersion, error) {
	c, err := s.checker(ctx)
	if err != nil {
		return nil, err
	}
	readable := map[int]bool{}
	out := make([]*ent.PackageVersion, 0, len(versions))
	for _, v := range versions {
		ok, seen := readable[v.ProjectID]
		if !seen {
			a, err := c.projectAccess(ctx, v.Edges.Project)
			if err != nil {
				return nil, err
			}
			ok = projectAllows(c.v, v.Edges.Project, a, ReadPackages)
			readable[v.ProjectID] = ok
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// tenantOwner decides which root namespace (tenant) owns a package name at instance
// level, where every tenant's projects meet: versions merge only within one tenant,
// and across tenants a name resolves to exactly one owner, never to whoever published
// last. Among the root namespaces that hold live versions of the name, those whose
// path is one of conventional (the name's own segments that by the format's naming
// convention name an owner, such as a Maven groupId's) are preferred; among the
// preferred, or among all when none is, the one whose version was published first
// owns the name. The decision reads every live version, readable or not, so it is the
// same for every viewer: a package nobody else may read still keeps its name. It
// returns "" when nobody holds the name.
func (s *Service) tenantOwner(ctx context.Context, t packageversion.PackageType, name string, conventional []string) (string, error) {
	// Row ids grow with insertion, so the smallest id is the first publication.
	var firsts []struct {
		ProjectID int `json:"project_id"`
		First     int `json:"first"`
	}
	err := s.client.PackageVersion.Query().Where(packageversion.PackageTypeEQ(t), packageversion.NormalizedName(name),
		packageversion.StatusNEQ(packageversion.StatusPendingDestruction)).
		GroupBy(packageversion.FieldProjectID).Aggregate(ent.As(ent.Min(packageversion.FieldID), "first")).Scan(ctx, &firsts)
	if err != nil {
		return "", fmt.Errorf("package owner: %w", err)
	}
	if len(firsts) == 0 {
		return "", nil
	}
	ids := make([]int, len(firsts))
	for i, f := range firsts {
		ids[i] = f.ProjectID
	}
	paths, err := s.client.Project.Query().Where(project.IDIn(ids...)).Select(project.FieldID, project.FieldFullPath).All(ctx)
	if err != nil {
		return "", fmt.Errorf("package owner: %w", err)
	}
	rootOfProject := make(map[int]string, len(paths))
	for _, p := range paths {
		rootOfProject[p.ID] = rootOf(p.FullPath)
	}
	first := map[string]int{}
	for _, f := range firsts {
		r := rootOfProject[f.ProjectID]
		if at, ok := first[r]; !ok || f.First < at {
			first[r] = f.First
		}
	}
	preferred := map[string]bool{}
	for _, seg := range conventional {
		for r := range first {
			if strings.EqualFold(r, seg) {
				preferred[r] = true
			}
		}
	}
	owner := ""
	for r, at := range first {
		if len(preferred) > 0 && !preferred[r] {
			continue
		}
		if owner == "" || at < first[owner] {
			owner = r
		}
	}
	return owner, nil
}
