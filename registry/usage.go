package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/project"
)

// Storage usage, from the database: a project's packages take the size of each
// blob its live files reference, once (the same bytes uploaded twice are stored
// once); a group or the instance adds up its projects, so bytes two projects share
// count for each, as GitLab's packages_size does. The instance also reports what
// storage holds: each blob once.

// StorageUsage is what packages take in storage, in bytes.
type StorageUsage struct {
	PackagesSize int64
	// StoredSize is the instance's distinct blobs (instance usage only).
	StoredSize int64
}

// ProjectStorageUsage is a project's usage (for whoever may read its packages).
func (s *Service) ProjectStorageUsage(ctx context.Context, p *ent.Project) (StorageUsage, error) {
	if err := s.AuthorizeProject(ctx, p, ReadPackages); err != nil {
		return StorageUsage{}, err
	}
	n, err := s.packagesSize(ctx, []int{p.ID})
	return StorageUsage{PackagesSize: n}, err
}

// GroupStorageUsage is the usage of every project in a group and its subgroups
// (the group's Owner: it sums projects the caller may not read).
func (s *Service) GroupStorageUsage(ctx context.Context, g *ent.Group) (StorageUsage, error) {
	g, err := s.canonicalGroup(ctx, g)
	if err != nil {
		return StorageUsage{}, err
	}
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return StorageUsage{}, err
	}
	ids, err := s.groupProjectIDs(ctx, g)
	if err != nil || len(ids) == 0 {
		return StorageUsage{}, err
	}
	n, err := s.packagesSize(ctx, ids)
	return StorageUsage{PackagesSize: n}, err
}

// groupProjectIDs are the projects of a group and its subgroups.
func (s *Service) groupProjectIDs(ctx context.Context, g *ent.Group) ([]int, error) {
	return s.client.Project.Query().Where(project.FullPathHasPrefix(g.FullPath + "/")).IDs(ctx)
}

// UsageScope is whose usage a history or a ranking counts: a project, or a group's
// projects (exactly one is set).
type UsageScope struct {
	Project *ent.Project
	Group   *ent.Group
}

// usageProjects authorizes a usage scope as its storage usage is (a project's
// readers, a group's Owner) and returns its projects.
func (s *Service) usageProjects(ctx context.Context, sc UsageScope) ([]int, error) {
	if sc.Project != nil {
		p, err := s.canonicalProject(ctx, sc.Project)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeProject(ctx, p, ReadPackages); err != nil {
			return nil, err
		}
		return []int{p.ID}, nil
	}
	g, err := s.canonicalGroup(ctx, sc.Group)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
		return nil, err
	}
	return s.groupProjectIDs(ctx, g)
}

// StorageDay is what packages took in storage at the end of one day (UTC).
type StorageDay struct {
	Day          string // YYYY-MM-DD
	PackagesSize int64
}

// maxUsageDays bounds StorageHistory: a year.
const maxUsageDays = 365

// StorageHistory returns, for each of the last days days (today last), what the
// packages stored now took at the end of that day: each project's content counts
// from the day a live file first referenced it. Deleted files are gone from the
// database, so the history shows the growth of what is kept, not past peaks.
func (s *Service) StorageHistory(ctx context.Context, sc UsageScope, days int) ([]StorageDay, error) {
	if days < 1 || days > maxUsageDays {
		return nil, Errorf(ErrInvalid, "days must be between 1 and %d", maxUsageDays)
	}
	ids, err := s.usageProjects(ctx, sc)
	if err != nil {
		return nil, err
	}
	type key struct{ project, blob int }
	first := map[key]time.Time{}
	sizes := map[int]int64{}
	if len(ids) > 0 {
		rows, err := s.db.SQL.QueryContext(ctx, `SELECT v.project_id, f.blob_id, f.created_at, b.size
			FROM package_files f JOIN package_versions v ON v.id = f.package_id JOIN blobs b ON b.id = f.blob_id
			WHERE f.status <> 'pending_destruction' AND v.status <> 'pending_destruction' AND v.project_id IN (`+idList(ids)+`)`)
		if err != nil {
			return nil, fmt.Errorf("storage history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k key
			var at time.Time
			var size int64
			if err := rows.Scan(&k.project, &k.blob, &at, &size); err != nil {
				return nil, fmt.Errorf("storage history: %w", err)
			}
			if t, seen := first[k]; !seen || at.Before(t) {
				first[k] = at
			}
			sizes[k.blob] = size
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("storage history: %w", err)
		}
	}
	start := utcDay(s.now()).AddDate(0, 0, 1-days)
	out := make([]StorageDay, days)
	for i := range out {
		out[i].Day = start.AddDate(0, 0, i).Format(time.DateOnly)
	}
	for k, at := range first {
		// Content first stored before the window counts from its first day.
		i := max(0, int(utcDay(at).Sub(start).Hours()/24))
		for ; i < days; i++ {
			out[i].PackagesSize += sizes[k.blob]
		}
	}
	return out, nil
}

// PackageStorage is what one package version takes in storage.
type PackageStorage struct {
	Version *ent.PackageVersion
	Size    int64
}

// maxLargest bounds LargestPackages.
const maxLargest = 20

// LargestPackages returns the n (1 to 20) live package versions of a scope that take
// the most storage, largest first: each version counts its distinct contents once.
func (s *Service) LargestPackages(ctx context.Context, sc UsageScope, n int) ([]PackageStorage, error) {
	if n < 1 || n > maxLargest {
		return nil, Errorf(ErrInvalid, "first must be between 1 and %d", maxLargest)
	}
	ids, err := s.usageProjects(ctx, sc)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT u.package_id, SUM(b.size) FROM (
		SELECT DISTINCT f.package_id, f.blob_id FROM package_files f JOIN package_versions v ON v.id = f.package_id
		WHERE f.status <> 'pending_destruction' AND v.status <> 'pending_destruction' AND v.project_id IN (`+idList(ids)+`)
	) u JOIN blobs b ON b.id = u.blob_id GROUP BY u.package_id ORDER BY SUM(b.size) DESC, u.package_id LIMIT `+strconv.Itoa(n))
	if err != nil {
		return nil, fmt.Errorf("largest packages: %w", err)
	}
	defer rows.Close()
	var out []PackageStorage
	for rows.Next() {
		var id int
		var size int64
		if err := rows.Scan(&id, &size); err != nil {
			return nil, fmt.Errorf("largest packages: %w", err)
		}
		out = append(out, PackageStorage{Version: &ent.PackageVersion{ID: id}, Size: size})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("largest packages: %w", err)
	}
	versionIDs := make([]int, len(out))
	for i, p := range out {
		versionIDs[i] = p.Version.ID
	}
	versions, err := s.client.PackageVersion.Query().Where(packageversion.IDIn(versionIDs...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int]*ent.PackageVersion{}
	for _, v := range versions {
		byID[v.ID] = v
	}
	kept := out[:0]
	for _, p := range out {
		if v := byID[p.Version.ID]; v != nil {
			kept = append(kept, PackageStorage{Version: v, Size: p.Size})
		}
	}
	return kept, nil
}

// idList spells ids for an SQL IN list.
func idList(ids []int) string {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.Itoa(id)
	}
	return strings.Join(list, ",")
}

// InstanceStorageUsage is the instance's usage (administrators).
func (s *Service) InstanceStorageUsage(ctx context.Context) (StorageUsage, error) {
	if err := s.requireAdminRead(ctx); err != nil {
		return StorageUsage{}, err
	}
	n, err := s.packagesSize(ctx, nil)
	if err != nil {
		return StorageUsage{}, err
	}
	stored, err := s.sumInt(ctx, `SELECT COALESCE(SUM(b.size), 0) FROM blobs b
		WHERE EXISTS (SELECT 1 FROM package_files f WHERE f.blob_id = b.id AND f.status <> 'pending_destruction')`)
	return StorageUsage{PackagesSize: n, StoredSize: stored}, err
}

// packagesSize sums, per project (of ids; nil: every project), the distinct blobs
// of its live files.
func (s *Service) packagesSize(ctx context.Context, ids []int) (int64, error) {
	where := ""
	if ids != nil {
		where = " AND v.project_id IN (" + idList(ids) + ")"
	}
	return s.sumInt(ctx, `SELECT COALESCE(SUM(b.size), 0) FROM (
		SELECT DISTINCT v.project_id, f.blob_id FROM package_files f JOIN package_versions v ON v.id = f.package_id
		WHERE f.status <> 'pending_destruction' AND v.status <> 'pending_destruction'`+where+`
	) u JOIN blobs b ON b.id = u.blob_id`)
}

func (s *Service) sumInt(ctx context.Context, query string) (int64, error) {
	var n int64
	if err := s.db.SQL.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage usage: %w", err)
	}
	return n, nil
}
