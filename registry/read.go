package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageproperty"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
)

// The one authorized read path. Every format reads versions, files, names and
// search results through VersionQuery, by scope (a project, a group's projects, or
// the instance), type and name; what it returns is what the viewer may read:
//
//   - project scope: the project is authorized (ReadPackages) first;
//   - group scope: the group must be visible, and each project is decided by the
//     policy (memberships loaded once, each project decided once);
//   - instance scope: likewise per project, and a name resolves to the one root
//     namespace (tenant) that owns it (tenantOwner), so no tenant's upload shadows
//     another's package.
//
// Rows it returns are issued (issued.go): the files among them can be opened, and
// the projects authorized in, without another lookup.

// Tenant is a format's rule for which root namespace owns a name at instance level.
type Tenant struct {
	// Conventional are the root namespace paths the name designates by the format's
	// naming convention (a scope in the name; the segments of a group id).
	Conventional []string
	// Strict: only a conventional root may own the name (the scope in the name
	// must be the root namespace).
	Strict bool
}

// Edges selects what Versions loads with each version.
type Edges struct {
	Files      bool // installable files, newest first
	Tags       bool
	Creator    bool
	Properties bool
}

// Property is an indexed name/value pair on a version.
type Property struct {
	Name, Value string
}

// VersionQuery selects versions of one package type in a scope.
type VersionQuery struct {
	Scope Scope
	Type  PackageType
	// Name is the normalized name; empty selects every name.
	Name string
	// Versions, when not nil, selects these versions ("" is the versionless one).
	Versions []string
	// Statuses default to the installable ones (default, hidden, deprecated).
	Statuses []Status
	// Terms: the name contains each of them, ignoring case (search).
	Terms []string
	// Property, when set, selects versions carrying it.
	Property *Property
	// Tenant is the instance-level ownership rule; used only with a Name.
	Tenant Tenant
	// Refuse: at group and instance scope, when versions match but the viewer may
	// read none of them, fail with the refusal their projects give (a *Refusal: a
	// challenge to anonymous callers, 403 to those who see a project holding them,
	// else a package not found) instead of returning nothing, for formats whose
	// clients need a challenge to send their token, or that find a package first
	// and then authorize its project.
	Refuse bool
	With   Edges
	// Order: oldest first by default; newest first; or by name, newest first.
	Newest, ByName bool
	// Limit bounds the rows read (0: no bound; callers bound what can grow).
	Limit int
}

// Refusal is the policy's answer to a Refuse query whose versions the viewer may
// not read, told apart from a lookup that found nothing.
type Refusal struct{ Err error }

func (r *Refusal) Error() string { return r.Err.Error() }

// Unwrap gives the policy's error, whose kind is the status.
func (r *Refusal) Unwrap() error { return r.Err }

// where returns the predicates of q in its scope, after authorizing the scope. empty
// is set when the instance has no owner for the name (nothing can match).
func (s *Service) where(ctx context.Context, q VersionQuery) (where []predicate.PackageVersion, empty bool, err error) {
	where, sc, err := s.scopedWhere(ctx, q)
	return where, sc.empty, err
}

// scopedWhere is where, with the scope it authorized.
func (s *Service) scopedWhere(ctx context.Context, q VersionQuery) ([]predicate.PackageVersion, covered, error) {
	statuses := q.Statuses
	if len(statuses) == 0 {
		statuses = installableStatuses
	}
	where := []predicate.PackageVersion{packageversion.PackageTypeEQ(q.Type), packageversion.StatusIn(statuses...)}
	if !slices.Contains(statuses, packageversion.StatusPendingDestruction) {
		// Implied by the statuses, and written so that the unique (project, type,
		// name, version) index, which holds only such rows, can serve the lookup.
		where = append(where, notDestroyed())
	}
	if q.Name != "" {
		where = append(where, packageversion.NormalizedName(q.Name))
	}
	if q.Versions != nil {
		where = append(where, packageversion.VersionIn(q.Versions...))
	}
	for _, t := range q.Terms {
		where = append(where, packageversion.NameContainsFold(t))
	}
	if q.Property != nil {
		where = append(where, packageversion.HasPropertiesWith(packageproperty.Name(q.Property.Name),
			packageproperty.Value(q.Property.Value)))
	}
	sc, err := s.scoped(ctx, q)
	if err != nil || sc.empty {
		return nil, sc, err
	}
	if sc.projectID != 0 {
		where = append(where, packageversion.ProjectID(sc.projectID))
	} else if sc.projects != nil {
		where = append(where, packageversion.HasProjectWith(sc.projects))
	}
	return where, sc, nil
}

// covered is a query's authorized scope: one project, or the projects a predicate
// selects (every project, when nil); empty when nothing can match.
type covered struct {
	projectID int
	projects  predicate.Project
	empty     bool
}

// scoped authorizes the scope of q and says which projects it covers.
func (s *Service) scoped(ctx context.Context, q VersionQuery) (covered, error) {
	switch {
	case q.Scope.Project != nil:
		if err := s.AuthorizeProject(ctx, q.Scope.Project, ReadPackages); err != nil {
			return covered{}, err
		}
		return covered{projectID: q.Scope.Project.ID}, nil
	case q.Scope.Group != nil:
		g, err := s.canonicalGroup(ctx, q.Scope.Group)
		if err != nil {
			return covered{}, err
		}
		if err := s.AuthorizeGroup(ctx, g, ReadPackages); err != nil {
			return covered{}, err
		}
		return covered{projects: project.FullPathHasPrefix(g.FullPath + "/")}, nil
	case q.Name != "":
		root, err := s.tenantOwner(ctx, q.Type, q.Name, q.Tenant)
		if err != nil {
			return covered{}, err
		}
		if root == "" {
			return covered{empty: true}, nil
		}
		return covered{projects: project.FullPathHasPrefix(root + "/")}, nil
	}
	return covered{}, nil
}

// Versions returns the versions q selects that the viewer may read, with their
// project and the edges q asks for loaded.
func (s *Service) Versions(ctx context.Context, q VersionQuery) ([]*ent.PackageVersion, error) {
	where, empty, err := s.where(ctx, q)
	if err != nil || empty {
		return nil, err
	}
	query := s.client.PackageVersion.Query().Where(where...).WithProject()
	withEdges(query, q.With)
	switch {
	case q.ByName:
		query.Order(ent.Asc(packageversion.FieldName), ent.Desc(packageversion.FieldCreatedAt), ent.Desc(packageversion.FieldID))
	case q.Newest:
		query.Order(ent.Desc(packageversion.FieldCreatedAt), ent.Desc(packageversion.FieldID))
	default:
		query.Order(ent.Asc(packageversion.FieldCreatedAt), ent.Asc(packageversion.FieldID))
	}
	if q.Limit > 0 {
		query.Limit(q.Limit)
	}
	rows, err := query.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("read versions: %w", err)
	}
	if q.Scope.Project == nil {
		all := rows
		if rows, err = s.readableOnly(ctx, rows); err != nil {
			return nil, err
		}
		if q.Refuse && len(rows) == 0 && len(all) > 0 {
			projects := make([]*ent.Project, len(all))
			for i, v := range all {
				projects[i] = v.Edges.Project
			}
			return nil, s.refusal(ctx, projects)
		}
	}
	s.issue(ctx, rows)
	return rows, nil
}

// refusal is the error for a viewer who may read the packages of none of projects:
// the refusal of the project the viewer stands best in (ReadPackages), with a
// project the viewer may not see answered as a package not found.
func (s *Service) refusal(ctx context.Context, projects []*ent.Project) error {
	c, err := s.checker(ctx)
	if err != nil {
		return err
	}
	var first error
	for _, p := range projects {
		err := c.authorizeProject(ctx, p, ReadPackages)
		if errors.Is(err, ErrForbidden) {
			return &Refusal{Err: err}
		}
		first = cmp.Or(first, err)
	}
	if first == nil || errors.Is(first, errProjectNotFound) {
		return &Refusal{Err: errPackageNotFound}
	}
	return &Refusal{Err: first}
}

func withEdges(q *ent.PackageVersionQuery, e Edges) {
	if e.Files {
		q.WithFiles(func(q *ent.PackageFileQuery) {
			q.Where(packagefile.StatusEQ(packagefile.StatusDefault)).Order(ent.Desc(packagefile.FieldID))
		})
	}
	if e.Tags {
		q.WithTags()
	}
	if e.Creator {
		q.WithCreator()
	}
	if e.Properties {
		q.WithProperties()
	}
}

// FileQuery names a file among the versions a VersionQuery selects.
type FileQuery struct {
	VersionQuery
	FileName string
	// SHA256, when set, must match too (formats that address files by digest).
	SHA256 string
}

// FindFile returns the newest installable file with that name among the readable
// versions, with its version (and the version's project) loaded. Several exist when
// duplicates are allowed, or when several projects of a group publish the version.
// With a name (and usually a version) the versions are found first, by their
// index, then the file; with a SHA-256 the file is found by its digest first.
func (s *Service) FindFile(ctx context.Context, q FileQuery) (*ent.PackageFile, error) {
	return s.cachedFindFile(ctx, q, func() (*ent.PackageFile, error) { return s.findFile(ctx, q) })
}

// findFile is FindFile without the hot cache.
func (s *Service) findFile(ctx context.Context, q FileQuery) (*ent.PackageFile, error) {
	if q.SHA256 != "" {
		return s.findFileByDigest(ctx, q)
	}
	q.With = Edges{}
	versions, err := s.Versions(ctx, q.VersionQuery)
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, errPackageNotFound
	}
	byID := make(map[int]*ent.PackageVersion, len(versions))
	ids := make([]int, len(versions))
	for i, v := range versions {
		byID[v.ID], ids[i] = v, v.ID
	}
	f, err := s.client.PackageFile.Query().Where(packagefile.PackageIDIn(ids...), packagefile.FileName(q.FileName),
		packagefile.StatusEQ(packagefile.StatusDefault)).
		Order(ent.Desc(packagefile.FieldCreatedAt), ent.Desc(packagefile.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, errFileNotFound
	} else if err != nil {
		return nil, err
	}
	f.Edges.Package = byID[f.PackageID]
	s.issue(ctx, f)
	return f, nil
}

// findFileByDigest finds a file by SHA-256 and name among the query's versions.
func (s *Service) findFileByDigest(ctx context.Context, q FileQuery) (*ent.PackageFile, error) {
	where, empty, err := s.where(ctx, q.VersionQuery)
	if err != nil {
		return nil, err
	}
	if empty {
		return nil, errPackageNotFound
	}
	files, err := s.client.PackageFile.Query().Where(packagefile.Sha256(strings.ToLower(q.SHA256)),
		packagefile.FileName(q.FileName), packagefile.StatusEQ(packagefile.StatusDefault),
		packagefile.HasPackageWith(where...)).
		WithPackage(func(q *ent.PackageVersionQuery) { q.WithProject() }).
		Order(ent.Desc(packagefile.FieldCreatedAt), ent.Desc(packagefile.FieldID)).Limit(100).All(ctx)
	if err != nil {
		return nil, err
	}
	versions := make([]*ent.PackageVersion, len(files))
	for i, f := range files {
		versions[i] = f.Edges.Package
	}
	if q.Scope.Project == nil {
		if versions, err = s.readableOnly(ctx, versions); err != nil {
			return nil, err
		}
	}
	readable := map[*ent.PackageVersion]bool{}
	for _, v := range versions {
		readable[v] = true
	}
	for _, f := range files {
		if readable[f.Edges.Package] {
			s.issue(ctx, f)
			s.issue(ctx, f.Edges.Package)
			return f, nil
		}
	}
	return nil, errPackageNotFound
}

// PackageName is one package of a scope, by normalized name, with one of its
// published spellings.
type PackageName struct {
	Name           string `json:"name"`
	NormalizedName string `json:"normalized_name"`
}

// PackageNames lists the packages of one type in a project or group scope that the
// viewer may read, each once, by normalized name.
func (s *Service) PackageNames(ctx context.Context, sc Scope, t PackageType) ([]PackageName, error) {
	var ids []int
	switch {
	case sc.Project != nil:
		if err := s.AuthorizeProject(ctx, sc.Project, ReadPackages); err != nil {
			return nil, err
		}
		ids = []int{sc.Project.ID}
	case sc.Group != nil:
		g, err := s.canonicalGroup(ctx, sc.Group)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeGroup(ctx, g, ReadPackages); err != nil {
			return nil, err
		}
		if ids, err = s.ReadableProjectIDs(ctx, g.FullPath, false); err != nil {
			return nil, err
		}
	default:
		return nil, Errorf(ErrInvalid, "a project or a group is required")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var out []PackageName
	err := s.client.PackageVersion.Query().Where(
		packageversion.ProjectIDIn(ids...), packageversion.PackageTypeEQ(t),
		packageversion.StatusIn(installableStatuses...),
	).GroupBy(packageversion.FieldNormalizedName).
		Aggregate(ent.As(ent.Max(packageversion.FieldName), "name")).Scan(ctx, &out)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b PackageName) int { return strings.Compare(a.NormalizedName, b.NormalizedName) })
	return out, nil
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
// last. Among the root namespaces that hold live versions of the name, those the
// format's naming convention designates are preferred (with a strict rule, required);
// among the preferred, or among all when none is, the one whose version was
// published first owns the name. The decision reads every live version, readable or
// not, so it is the same for every viewer: a package nobody else may read still keeps
// its name. It returns "" when nobody holds the name.
func (s *Service) tenantOwner(ctx context.Context, t PackageType, name string, rule Tenant) (string, error) {
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
	for _, seg := range rule.Conventional {
		for r := range first {
			if strings.EqualFold(r, seg) {
				preferred[r] = true
			}
		}
	}
	owner := ""
	for r, at := range first {
		if (len(preferred) > 0 || rule.Strict) && !preferred[r] {
			continue
		}
		if owner == "" || at < first[owner] {
			owner = r
		}
	}
	return owner, nil
}

// Holder is a project that holds live versions of a package name.
type Holder struct {
	ProjectID   int
	ProjectPath string
}

// Holders lists the projects holding live versions of a name (of one version, when
// version is not nil), whoever may read them. It serves uniqueness rules (a name that
// one project of a root namespace owns) and endpoints that answer a name nobody holds
// differently (an instance level that refuses unknown names), never content: callers answer only
// whether the name is taken.
func (s *Service) Holders(ctx context.Context, t PackageType, name string, version *string) ([]Holder, error) {
	q := s.client.PackageVersion.Query().Where(packageversion.PackageTypeEQ(t), packageversion.NormalizedName(name),
		packageversion.StatusNEQ(packageversion.StatusPendingDestruction))
	if version != nil {
		q.Where(packageversion.Version(*version))
	}
	ids, err := q.GroupBy(packageversion.FieldProjectID).Ints(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	projects, err := s.client.Project.Query().Where(project.IDIn(ids...)).Select(project.FieldID, project.FieldFullPath).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Holder, len(projects))
	for i, p := range projects {
		out[i] = Holder{ProjectID: p.ID, ProjectPath: p.FullPath}
	}
	return out, nil
}

// LiveVersions lists the versions of one package in a project that are not being
// destroyed, in any other status, newest first (at most 100), for a writer about to
// change one: authorized by that action (CreatePackages, DestroyPackages), as the
// change itself will be. prop, when set, selects the versions carrying it.
func (s *Service) LiveVersions(ctx context.Context, p *ent.Project, action Action, t PackageType, name string, prop *Property) ([]*ent.PackageVersion, error) {
	if err := s.AuthorizeProject(ctx, p, action); err != nil {
		return nil, err
	}
	where := livePackage(p.ID, t, name)
	if prop != nil {
		where = append(where, packageversion.HasPropertiesWith(packageproperty.Name(prop.Name),
			packageproperty.Value(prop.Value)))
	}
	rows, err := s.client.PackageVersion.Query().Where(where...).
		Order(ent.Desc(packageversion.FieldCreatedAt), ent.Desc(packageversion.FieldID)).Limit(100).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("read versions: %w", err)
	}
	return rows, nil
}
