package registry

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/project"
)

// cleanupInterval is how often a project's cleanup policy runs (GitLab: every 12 hours).
const cleanupInterval = 12 * time.Hour

// applyCleanupPolicies runs the cleanup policy of every project that is due: in each
// package, of the files that share a name only the newest N stay; the others are
// marked for destruction and collected with the rest of the garbage.
func (s *Service) applyCleanupPolicies(ctx context.Context, _ time.Time, st *GCStats) error {
	now := s.now()
	due, err := s.client.Project.Query().Where(
		project.PackagesCleanupKeepNDuplicatedPackageFilesNEQ(project.PackagesCleanupKeepNDuplicatedPackageFilesAll),
		project.PackagesCleanupNextRunAtLTE(now)).All(ctx)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	for _, p := range due {
		keep, _ := strconv.Atoi(p.PackagesCleanupKeepNDuplicatedPackageFiles.String())
		files, err := s.client.PackageFile.Query().Where(packagefile.StatusEQ(packagefile.StatusDefault),
			packagefile.HasPackageWith(packageversion.ProjectID(p.ID))).
			Select(packagefile.FieldID, packagefile.FieldPackageID, packagefile.FieldFileName, packagefile.FieldCreatedAt).All(ctx)
		if err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
		stale := duplicatesBeyond(files, keep)
		if len(stale) > 0 {
			n, err := s.client.PackageFile.Update().Where(packagefile.IDIn(stale...)).
				SetStatus(packagefile.StatusPendingDestruction).Save(ctx)
			if err != nil {
				return fmt.Errorf("cleanup: %w", err)
			}
			st.CleanedUp += n
		}
		if err := s.client.Project.UpdateOne(p).SetPackagesCleanupNextRunAt(now.Add(cleanupInterval)).Exec(ctx); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
	}
	return nil
}

// duplicatesBeyond returns the ids of the files past the newest keep with the same
// package and name.
func duplicatesBeyond(files []*ent.PackageFile, keep int) []int {
	type key struct {
		pkg  int
		name string
	}
	groups := map[key][]*ent.PackageFile{}
	for _, f := range files {
		k := key{f.PackageID, f.FileName}
		groups[k] = append(groups[k], f)
	}
	var out []int
	for _, g := range groups {
		if len(g) <= keep {
			continue
		}
		sort.Slice(g, func(i, j int) bool {
			if !g[i].CreatedAt.Equal(g[j].CreatedAt) {
				return g[i].CreatedAt.After(g[j].CreatedAt)
			}
			return g[i].ID > g[j].ID
		})
		for _, f := range g[keep:] {
			out = append(out, f.ID)
		}
	}
	return out
}
