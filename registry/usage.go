package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pkgreg/registry/ent"
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
	ids, err := s.client.Project.Query().Where(project.FullPathHasPrefix(g.FullPath + "/")).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return StorageUsage{}, err
	}
	n, err := s.packagesSize(ctx, ids)
	return StorageUsage{PackagesSize: n}, err
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
		list := make([]string, len(ids))
		for i, id := range ids {
			list[i] = strconv.Itoa(id)
		}
		where = " AND v.project_id IN (" + strings.Join(list, ",") + ")"
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
