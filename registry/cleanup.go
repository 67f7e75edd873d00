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
// package, of the files that share a name only the newest N stay, and versions not
// downloaded for the policy's days go; what goes is marked for destruction and
// collected with the rest of the garbage.
func (s *Service) applyCleanupPolicies(ctx context.Context, _ time.Time, st *GCStats) error {
	// This replica's latest downloads first, so a version downloaded seconds ago is
	// not judged on what the database knew before.
	if err := s.FlushDownloads(ctx); err != nil {
		s.log.WarnContext(ctx, "cleanup: flush downloads", "err", err)
	}
	now := s.now()
	due, err := s.client.Project.Query().Where(
		project.Or(project.PackagesCleanupKeepNDuplicatedPackageFilesNEQ(project.PackagesCleanupKeepNDuplicatedPackageFilesAll),
			project.PackagesCleanupRemoveNotDownloadedForDaysGT(0)),
		project.PackagesCleanupNextRunAtLTE(now)).All(ctx)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	for _, p := range due {
		if err := s.removeDuplicates(ctx, p, st); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
		if err := s.removeNotDownloaded(ctx, p, now, st); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
		if err := s.client.Project.UpdateOne(p).SetPackagesCleanupNextRunAt(now.Add(cleanupInterval)).Exec(ctx); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
	}
	return nil
}

// removeDuplicates marks the files of p's packages past the newest N with the same name.
func (s *Service) removeDuplicates(ctx context.Context, p *ent.Project, st *GCStats) error {
	keep, err := strconv.Atoi(p.PackagesCleanupKeepNDuplicatedPackageFiles.String())
	if err != nil {
		return nil // all: keep every file
	}
	files, err := s.client.PackageFile.Query().Where(packagefile.StatusEQ(packagefile.StatusDefault),
		packagefile.HasPackageWith(packageversion.ProjectID(p.ID))).
		Select(packagefile.FieldID, packagefile.FieldPackageID, packagefile.FieldFileName, packagefile.FieldCreatedAt).All(ctx)
	if err != nil {
		return err
	}
	stale := duplicatesBeyond(files, keep)
	if len(stale) == 0 {
		return nil
	}
	n, err := s.client.PackageFile.Update().Where(packagefile.IDIn(stale...)).
		SetStatus(packagefile.StatusPendingDestruction).Save(ctx)
	st.CleanedUp += n
	return err
}

// removeNotDownloaded marks for destruction the versions of p last downloaded
// before the policy's days, and those never downloaded that were published before
// them (a version published yesterday has had no chance to be downloaded yet).
// Versions still processing are left alone.
func (s *Service) removeNotDownloaded(ctx context.Context, p *ent.Project, now time.Time, st *GCStats) error {
	days := p.PackagesCleanupRemoveNotDownloadedForDays
	if days <= 0 {
		return nil
	}
	cutoff := now.AddDate(0, 0, -days)
	n, err := s.client.PackageVersion.Update().Where(packageversion.ProjectID(p.ID),
		packageversion.StatusNotIn(packageversion.StatusPendingDestruction, packageversion.StatusProcessing),
		packageversion.Or(packageversion.LastDownloadedAtLT(cutoff),
			packageversion.And(packageversion.LastDownloadedAtIsNil(), packageversion.CreatedAtLT(cutoff)))).
		SetStatus(packageversion.StatusPendingDestruction).AddRevision(1).Save(ctx)
	if n > 0 {
		s.log.InfoContext(ctx, "cleanup: versions not downloaded marked for destruction", "project_id", p.ID, "versions", n, "days", days)
	}
	st.NotDownloaded += n
	return err
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
