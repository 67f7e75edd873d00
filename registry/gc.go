package registry

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/blob"
	"github.com/pkgreg/registry/ent/packagebuildinfo"
	"github.com/pkgreg/registry/ent/packagedownloadday"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packagetag"
	"github.com/pkgreg/registry/ent/packageversion"
)

// GCStats counts what one garbage collection removed.
type GCStats struct {
	Packages  int `json:"packages"`
	Files     int `json:"files"`
	Blobs     int `json:"blobs"`
	Orphans   int `json:"orphans"`
	Temporary int `json:"temporary"`
	CleanedUp int `json:"cleaned_up"` // files removed by cleanup policies
	// AuditEvents are the audit events removed for being older than the retention.
	AuditEvents int `json:"audit_events"`
	// NotDownloaded are the versions cleanup policies removed for want of downloads.
	NotDownloaded int `json:"not_downloaded"`
	// FreedBytes are the bytes of the blobs removed from storage.
	FreedBytes int64 `json:"freed_bytes"`
	Skipped    bool  `json:"skipped"` // another replica holds the lock
	// Deliveries are webhook delivery log entries past their retention.
	Deliveries int `json:"webhook_deliveries"`
}

// CollectGarbage runs due cleanup policies, then removes packages and files marked for destruction, blobs that no file
// references, stored objects with no blob row (an upload whose transaction failed),
// and temporary objects of interrupted uploads (on object storage, their unfinished
// multipart uploads). Only things older than grace are
// touched, so an upload in flight is never collected. On Postgres a lock makes sure
// one replica at a time does this.
func (s *Service) CollectGarbage(ctx context.Context, grace time.Duration) (GCStats, error) {
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	var st GCStats
	ran, err := s.db.WithLock(ctx, database.LockGC, func(ctx context.Context) error {
		cutoff := s.now().Add(-grace)
		steps := []func(context.Context, time.Time, *GCStats) error{
			s.applyCleanupPolicies, s.destroyPackages, s.destroyFiles, s.collectBlobs, s.collectOrphans, s.collectTemporary,
			s.collectAuditEvents,
			s.pruneWebhookDeliveries,
		}
		for _, step := range steps {
			if err := step(ctx, cutoff, &st); err != nil {
				return err
			}
		}
		return nil
	})
	st.Skipped = !ran
	result := "done"
	switch {
	case err != nil:
		result = "failed"
	case st.Skipped:
		result = "skipped"
	}
	s.metrics.GC(result, map[string]int{"packages": st.Packages, "files": st.Files, "blobs": st.Blobs,
		"orphans": st.Orphans, "temporary": st.Temporary, "cleaned_up": st.CleanedUp, "not_downloaded": st.NotDownloaded}, st.FreedBytes)
	return st, err
}

func (s *Service) destroyPackages(ctx context.Context, _ time.Time, st *GCStats) error {
	ids, err := s.client.PackageVersion.Query().Where(packageversion.StatusEQ(packageversion.StatusPendingDestruction)).IDs(ctx)
	if err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	for _, id := range ids {
		err := s.withTx(ctx, func(tx *ent.Tx) error {
			if _, err := tx.PackageTag.Delete().Where(packagetag.PackageID(id)).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.PackageBuildInfo.Delete().Where(packagebuildinfo.PackageID(id)).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.PackageDownloadDay.Delete().Where(packagedownloadday.PackageID(id)).Exec(ctx); err != nil {
				return err
			}
			n, err := tx.PackageFile.Delete().Where(packagefile.PackageID(id)).Exec(ctx)
			if err != nil {
				return err
			}
			st.Files += n
			return tx.PackageVersion.DeleteOneID(id).Exec(ctx)
		})
		if err != nil {
			return fmt.Errorf("gc: destroy package %d: %w", id, err)
		}
		st.Packages++
	}
	return nil
}

func (s *Service) destroyFiles(ctx context.Context, _ time.Time, st *GCStats) error {
	n, err := s.client.PackageFile.Delete().Where(packagefile.StatusEQ(packagefile.StatusPendingDestruction)).Exec(ctx)
	st.Files += n
	return err
}

// collectBlobs deletes unreferenced blobs one at a time, each in a transaction that
// holds the blob's row lock while the object is deleted: an upload that references
// the same content waits on that row, then inserts a fresh one and re-promotes its copy.
func (s *Service) collectBlobs(ctx context.Context, cutoff time.Time, st *GCStats) error {
	for {
		var done bool
		err := s.withTx(ctx, func(tx *ent.Tx) error {
			q := tx.Blob.Query().Where(blob.UpdatedAtLT(cutoff), blob.Not(blob.HasFiles()))
			if s.db.Postgres() {
				q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
			}
			b, err := q.First(ctx)
			if ent.IsNotFound(err) {
				done = true
				return nil
			} else if err != nil {
				return err
			}
			if err := s.blobs.Delete(ctx, b.Sha256, b.Key); err != nil {
				return err
			}
			st.Blobs++
			st.FreedBytes += b.Size
			return tx.Blob.DeleteOne(b).Exec(ctx)
		})
		if err != nil {
			return fmt.Errorf("gc: blobs: %w", err)
		}
		if done {
			return nil
		}
	}
}

// collectOrphans deletes stored content that no blob row records: the bytes of an
// upload whose transaction failed, or that another upload of the same bytes won.
func (s *Service) collectOrphans(ctx context.Context, cutoff time.Time, st *GCStats) error {
	var batch []storedObject
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// A content-addressed object belongs to a row of its digest with no key; any
		// other object to the row that records its key.
		var shas, keys []string
		for _, o := range batch {
			if o.SHA256 != "" {
				shas = append(shas, o.SHA256)
			} else {
				keys = append(keys, o.Key)
			}
		}
		have := map[string]bool{}
		if len(shas) > 0 {
			known, err := s.client.Blob.Query().Where(blob.Sha256In(shas...), blob.Key("")).Select(blob.FieldSha256).Strings(ctx)
			if err != nil {
				return err
			}
			for _, k := range known {
				have[contentKey(k)] = true
			}
		}
		if len(keys) > 0 {
			known, err := s.client.Blob.Query().Where(blob.KeyIn(keys...)).Select(blob.FieldKey).Strings(ctx)
			if err != nil {
				return err
			}
			for _, k := range known {
				have[k] = true
			}
		}
		for _, o := range batch {
			if !have[o.Key] {
				if err := s.blobs.deleteKey(ctx, o.Key); err != nil {
					return err
				}
				st.Orphans++
			}
		}
		batch = batch[:0]
		return nil
	}
	err := s.blobs.list(ctx, "blobs/", func(o storedObject) error {
		if !o.ModTime.Before(cutoff) {
			return nil
		}
		batch = append(batch, o)
		if len(batch) == 500 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("gc: orphans: %w", err)
	}
	return nil
}

func (s *Service) collectTemporary(ctx context.Context, cutoff time.Time, st *GCStats) error {
	err := s.blobs.list(ctx, "tmp/", func(o storedObject) error {
		if !o.ModTime.Before(cutoff) {
			return nil
		}
		st.Temporary++
		return s.blobs.deleteKey(ctx, o.Key)
	})
	if err != nil {
		return fmt.Errorf("gc: temporary: %w", err)
	}
	n, err := s.blobs.abortStaleUploads(ctx, cutoff)
	st.Temporary += n
	if err != nil {
		return fmt.Errorf("gc: unfinished uploads: %w", err)
	}
	return nil
}

// RunGC collects garbage every interval until ctx ends.
func (s *Service) RunGC(ctx context.Context, interval time.Duration) {
	every(ctx, interval, func() {
		st, err := s.CollectGarbage(ctx, s.cfg.GCGrace)
		if err != nil {
			s.log.ErrorContext(ctx, "garbage collection failed", "err", err)
		} else if st != (GCStats{}) {
			s.log.InfoContext(ctx, "garbage collected", "packages", st.Packages, "files", st.Files,
				"blobs", st.Blobs, "orphans", st.Orphans, "temporary", st.Temporary, "skipped", st.Skipped)
		}
	})
}
