package registry

import (
	"context"
	"fmt"
	"slices"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/group"
	"github.com/pkgreg/registry/ent/packagebuildinfo"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/pipeline"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
)

// Status sets from GitLab (spec B2).
var (
	displayableStatuses = []packageversion.Status{packageversion.StatusDefault, packageversion.StatusError, packageversion.StatusDeprecated}
	installableStatuses = []packageversion.Status{packageversion.StatusDefault, packageversion.StatusHidden, packageversion.StatusDeprecated}
	detailStatuses      = []packageversion.Status{packageversion.StatusDefault, packageversion.StatusDeprecated}
)

// HasDetails reports whether a package shows its details and web page: GitLab's
// detailed_info? (status default or deprecated).
func HasDetails(pkg *ent.PackageVersion) bool {
	return slices.Contains(detailStatuses, pkg.Status)
}

// ListPackagesInput filters, orders and pages a REST package listing.
type ListPackagesInput struct {
	PackageFilter
	OrderBy       string // created_at, name, version, type, project_path
	Desc          bool
	Page, PerPage int
}

// PackagePage is one page of a listing.
type PackagePage struct {
	Packages []*ent.PackageVersion
	// Total is the number of packages listed, or -1 above CountedTotal.
	Total int
	// More: another page follows.
	More bool
}

// ListPackages lists the packages of a project or a group (see PackagesQuery).
func (s *Service) ListPackages(ctx context.Context, scope Scope, in ListPackagesInput) (*PackagePage, error) {
	if in.OrderBy == "project_path" && scope.Group == nil {
		return nil, InvalidValue("order_by") // a project's packages all have its path
	}
	l, err := s.packagesWhere(ctx, scope, in.PackageFilter)
	if err != nil {
		return nil, err
	}
	return s.listPackages(ctx, l, in)
}

// ReadableProjectIDs returns the projects under a group path whose packages the viewer
// may read. Memberships are loaded once, so the cost does not grow per project.
func (s *Service) ReadableProjectIDs(ctx context.Context, groupPath string, excludeSubgroups bool) ([]int, error) {
	q := s.client.Project.Query()
	if excludeSubgroups {
		q.Where(project.HasGroupWith(group.FullPath(groupPath)))
	} else {
		q.Where(project.FullPathHasPrefix(groupPath + "/"))
	}
	projects, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.checker(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, p := range projects {
		a, err := c.projectAccess(ctx, p)
		if err != nil {
			return nil, err
		}
		if projectAllows(c.v, p, a, ReadPackages) {
			ids = append(ids, p.ID)
		}
	}
	return ids, nil
}

// CountedTotal is the largest listing whose total is counted exactly (GitLab sends
// no X-Total above it): counting stops one row past it.
const CountedTotal = 10_000

// listPackages reads one page: the ids of the page first, from the index of the
// sort (which holds what the filters read, so what a deep page skips, from the
// nearest anchor of anchors.go or from the start, is index entries, never the
// table), then those rows with what they show. The total is
// counted only up to CountedTotal, and kept (hotcache.go) until a package changes:
// counting is most of what a first page costs.
func (s *Service) listPackages(ctx context.Context, l listing, in ListPackagesInput) (*PackagePage, error) {
	order := ent.Asc
	if in.Desc {
		order = ent.Desc
	}
	where := l.where
	total, err := s.hot.counts.load(l.key, func() (int, error) { return s.countUpTo(ctx, where, CountedTotal+1) }, nil)
	if err != nil {
		return nil, err
	}
	q := s.client.PackageVersion.Query().Where(where...)
	var col string
	switch in.OrderBy {
	case "", "created_at":
		col = packageversion.FieldCreatedAt
	case "name":
		col = packageversion.FieldName
	case "version":
		col = packageversion.FieldVersionSort
	case "type":
		col = packageversion.FieldTypeRank // GitLab's enum order, not the names'
	case "project_path":
		q.Order(packageversion.ByProjectField(project.FieldFullPath, orderTerm(in.Desc)))
	default:
		return nil, InvalidValue("order_by")
	}
	if col != "" {
		q.Order(order(col))
	}
	q.Order(order(packageversion.FieldID))
	ids, err := s.pageIDs(ctx, q, l.key, col, in)
	if err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	page := &PackagePage{Total: total, More: len(ids) > in.PerPage}
	if total > CountedTotal {
		page.Total = -1
	}
	ids = ids[:min(len(ids), in.PerPage)]
	if len(ids) == 0 {
		return page, nil
	}
	rows, err := s.client.PackageVersion.Query().Where(packageversion.IDIn(ids...)).
		WithProject().WithTags().
		WithBuildInfos(func(q *ent.PackageBuildInfoQuery) {
			q.WithPipeline(func(q *ent.PipelineQuery) { q.WithUser() }).Order(ent.Desc(packagebuildinfo.FieldID))
		}).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	at := make(map[int]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	page.Packages = make([]*ent.PackageVersion, len(ids))
	for _, v := range rows {
		page.Packages[at[v.ID]] = v
	}
	// A row deleted between the two reads leaves a hole.
	page.Packages = slices.DeleteFunc(page.Packages, func(v *ent.PackageVersion) bool { return v == nil })
	return page, nil
}

// pageIDs reads the ids of one page and one more (which tells whether another page
// follows when the total is not known), from the nearest anchor when the sort is by
// a column of the row, col (anchors.go; the project path's sort is by a join).
func (s *Service) pageIDs(ctx context.Context, q *ent.PackageVersionQuery, key, col string, in ListPackagesInput) ([]int, error) {
	pos := (in.Page - 1) * in.PerPage
	if col == "" {
		return q.Offset(pos).Limit(in.PerPage + 1).IDs(ctx)
	}
	set, err := s.hot.anchors.load(fmt.Sprintf("%s|%s|%t", key, col, in.Desc), newAnchorSet, nil)
	if err != nil {
		return nil, err
	}
	var ids []int
	if at, id, ok := set.nearest(pos); ok && pos > 0 {
		ids, err = q.Clone().Where(fromAnchor(col, in.Desc, id)).Offset(pos - at).Limit(in.PerPage + 1).IDs(ctx)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			set.remember(pos, in.PerPage, ids)
			return ids, nil
		}
		// Nothing from the anchor: past the end, or its row is gone (a write that
		// has not yet reached this replica's signals). The offset tells which.
	}
	if ids, err = q.Offset(pos).Limit(in.PerPage + 1).IDs(ctx); err != nil {
		return nil, err
	}
	set.remember(pos, in.PerPage, ids)
	return ids, nil
}

// countUpTo counts the versions where selects, stopping at limit: SELECT COUNT(*)
// FROM (SELECT id ... LIMIT limit), which reads at most limit index entries.
func (s *Service) countUpTo(ctx context.Context, where []predicate.PackageVersion, limit int) (int, error) {
	var n []struct {
		Count int `json:"count"`
	}
	err := s.client.PackageVersion.Query().Modify(func(sel *entsql.Selector) {
		b := entsql.Dialect(s.db.Dialect)
		t := b.Table(packageversion.Table)
		inner := b.Select(t.C(packageversion.FieldID)).From(t)
		for _, p := range where {
			p(inner)
		}
		sel.From(inner.Limit(limit).As("capped")).Select(entsql.As(entsql.Count("*"), "count"))
	}).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("count packages: %w", err)
	}
	if len(n) != 1 {
		return 0, fmt.Errorf("count packages: %d rows", len(n))
	}
	return n[0].Count, nil
}

// Package returns one package for the detail view (status default or deprecated), with
// its project, tags, pipelines and the other versions of the same name.
func (s *Service) Package(ctx context.Context, p *ent.Project, id int) (*ent.PackageVersion, []*ent.PackageVersion, error) {
	if err := s.AuthorizeProject(ctx, p, ReadPackages); err != nil {
		return nil, nil, err
	}
	pkg, err := s.client.PackageVersion.Query().Where(packageversion.ID(id), packageversion.ProjectID(p.ID),
		packageversion.StatusIn(detailStatuses...)).WithProject().WithTags().
		WithBuildInfos(func(q *ent.PackageBuildInfoQuery) {
			q.WithPipeline(func(q *ent.PipelineQuery) { q.WithUser() }).Order(ent.Desc(packagebuildinfo.FieldID))
		}).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, errPackageNotFound
	} else if err != nil {
		return nil, nil, err
	}
	others, err := s.client.PackageVersion.Query().Where(packageversion.ProjectID(p.ID),
		packageversion.PackageTypeEQ(pkg.PackageType), packageversion.NormalizedName(pkg.NormalizedName),
		packageversion.IDNEQ(pkg.ID), packageversion.StatusIn(detailStatuses...)).
		WithTags().WithBuildInfos(func(q *ent.PackageBuildInfoQuery) {
		q.WithPipeline(func(q *ent.PipelineQuery) { q.WithUser() })
	}).Order(ent.Desc(packageversion.FieldVersionSort)).All(ctx)
	return pkg, others, err
}

// PackageFiles lists a package's installable files.
func (s *Service) PackageFiles(ctx context.Context, p *ent.Project, packageID int, orderBy string, desc bool, page, perPage int) ([]*ent.PackageFile, int, error) {
	pkg, _, err := s.Package(ctx, p, packageID)
	if err != nil {
		return nil, 0, err
	}
	q := s.client.PackageFile.Query().Where(packagefile.PackageID(pkg.ID), packagefile.StatusEQ(packagefile.StatusDefault))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	order := ent.Asc
	if desc {
		order = ent.Desc
	}
	switch orderBy {
	case "", "id":
		q.Order(order(packagefile.FieldID))
	case "created_at":
		q.Order(order(packagefile.FieldCreatedAt), order(packagefile.FieldID))
	case "file_name":
		q.Order(order(packagefile.FieldFileName), order(packagefile.FieldID))
	default:
		return nil, 0, InvalidValue("order_by")
	}
	files, err := q.Offset((page - 1) * perPage).Limit(perPage).WithPipeline().All(ctx)
	return files, total, err
}

// PackageFile returns one installable file of a package.
func (s *Service) PackageFile(ctx context.Context, p *ent.Project, packageID, fileID int) (*ent.PackageFile, error) {
	pkg, _, err := s.Package(ctx, p, packageID)
	if err != nil {
		return nil, err
	}
	f, err := s.client.PackageFile.Query().Where(packagefile.ID(fileID), packagefile.PackageID(pkg.ID),
		packagefile.StatusEQ(packagefile.StatusDefault)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errFileNotFound
	}
	return f, err
}

// ProjectPackageFile returns an installable file of a project by its id alone, as a
// project page links it (GitLab: project.package_files.find).
func (s *Service) ProjectPackageFile(ctx context.Context, projectPath string, fileID int) (*ent.PackageFile, error) {
	// Whoever may pull the project's packages, as the Packages API's download: a
	// public registry in a project the caller may not see included.
	p, err := s.ProjectByRef(ctx, projectPath)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeProject(ctx, p, ReadPackages); err != nil {
		return nil, err
	}
	f, err := s.client.PackageFile.Query().Where(packagefile.ID(fileID), packagefile.StatusEQ(packagefile.StatusDefault),
		packagefile.HasPackageWith(packageversion.ProjectID(p.ID), packageversion.StatusIn(detailStatuses...))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errFileNotFound
	}
	return f, err
}

// PackagePipelines lists the pipelines that published a package, newest first,
// after the pipeline id cursor (0 for the first page).
func (s *Service) PackagePipelines(ctx context.Context, p *ent.Project, packageID, cursor, perPage int) ([]*ent.Pipeline, error) {
	pkg, _, err := s.Package(ctx, p, packageID)
	if err != nil {
		return nil, err
	}
	ids, err := s.client.PackageBuildInfo.Query().Where(packagebuildinfo.PackageID(pkg.ID)).
		Select(packagebuildinfo.FieldPipelineID).Ints(ctx)
	if err != nil {
		return nil, err
	}
	q := s.client.Pipeline.Query().Where(pipeline.IDIn(ids...))
	if cursor > 0 {
		q.Where(pipeline.IDLT(cursor))
	}
	return q.Order(ent.Desc(pipeline.FieldID)).Limit(perPage).WithUser().All(ctx)
}

// CanDestroy reports whether the viewer may delete packages of p.
func (s *Service) CanDestroy(ctx context.Context, p *ent.Project) bool {
	return s.AuthorizeProject(ctx, p, DestroyPackages) == nil
}

// DeletePackage marks a package for destruction: it disappears at once, and garbage
// collection removes its files and, when nothing else uses them, their blobs.
func (s *Service) DeletePackage(ctx context.Context, p *ent.Project, packageID int) error {
	if err := s.AuthorizeProject(ctx, p, DestroyPackages); err != nil {
		return err
	}
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		live := []predicate.PackageVersion{packageversion.ID(packageID), packageversion.ProjectID(p.ID),
			packageversion.StatusNEQ(packageversion.StatusPendingDestruction)}
		v, err := tx.PackageVersion.Query().Where(live...).Only(ctx)
		if ent.IsNotFound(err) {
			return errPackageNotFound
		} else if err != nil {
			return err
		}
		n, err := tx.PackageVersion.Update().Where(live...).
			SetStatus(packageversion.StatusPendingDestruction).AddRevision(1).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 { // a concurrent delete marked it first
			return errPackageNotFound
		}
		if err := s.auditDeletedVersion(ctx, tx, p, v); err != nil {
			return err
		}
		return s.enqueueWebhooks(ctx, tx, p, deletedEvents([]*ent.PackageVersion{v})...)
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "package marked for destruction", "package_id", packageID, "by", auth.FromContext(ctx).Username)
	return nil
}

// DeletePackageFile marks one file for destruction.
func (s *Service) DeletePackageFile(ctx context.Context, p *ent.Project, packageID, fileID int) error {
	if err := s.AuthorizeProject(ctx, p, DestroyPackages); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		n, err := tx.PackageFile.Update().Where(packagefile.ID(fileID), packagefile.PackageID(packageID),
			packagefile.HasPackageWith(packageversion.ProjectID(p.ID), packageversion.StatusNEQ(packageversion.StatusPendingDestruction)),
			packagefile.StatusNEQ(packagefile.StatusPendingDestruction)).
			SetStatus(packagefile.StatusPendingDestruction).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errFileNotFound
		}
		v, err := tx.PackageVersion.UpdateOneID(packageID).AddRevision(1).Save(ctx)
		if err != nil {
			return err
		}
		f, err := tx.PackageFile.Get(ctx, fileID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEvent{Action: AuditFileDelete, TargetType: auditTargetFile, TargetID: fileID,
			TargetPath: packagePath(p.FullPath, v.Name, v.Version) + " " + f.FileName,
			Details:    map[string]any{"package_type": string(v.PackageType), "package_id": v.ID, "file_name": f.FileName}}.inProject(p))
	})
}

// DeletePackageFiles marks files of a project for destruction (Maintainers). As
// GitLab's destroyPackageFiles, every file must be in the project: one of another
// project refuses the request before any is deleted. Ids of no live file are skipped.
func (s *Service) DeletePackageFiles(ctx context.Context, p *ent.Project, ids []int) error {
	if err := s.AuthorizeProject(ctx, p, DestroyPackages); err != nil {
		return err
	}
	files, err := s.client.PackageFile.Query().Where(packagefile.IDIn(ids...), packagefile.StatusEQ(packagefile.StatusDefault)).
		WithPackage(func(q *ent.PackageVersionQuery) { q.Select(packageversion.FieldProjectID) }).All(ctx)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Edges.Package == nil || f.Edges.Package.ProjectID != p.ID {
			return Errorf(ErrInvalid, "All files must be in the requested project")
		}
	}
	for _, f := range files {
		if err := s.DeletePackageFile(ctx, p, f.PackageID, f.ID); err != nil {
			return fmt.Errorf("delete package file %d: %w", f.ID, err)
		}
	}
	return nil
}

// auditDeletedVersion records that a version was marked for destruction.
func (s *Service) auditDeletedVersion(ctx context.Context, tx *ent.Tx, p *ent.Project, v *ent.PackageVersion) error {
	return s.audit(ctx, tx, auditEvent{Action: AuditPackageDelete, TargetType: auditTargetPackage, TargetID: v.ID,
		TargetPath: packagePath(p.FullPath, v.Name, v.Version),
		Details:    map[string]any{"package_type": string(v.PackageType)}}.inProject(p))
}

func orderTerm(desc bool) entsql.OrderTermOption {
	if desc {
		return entsql.OrderDesc()
	}
	return entsql.OrderAsc()
}
