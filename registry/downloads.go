package registry

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagedownloadday"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
)

// Download counts are kept off the request path: a download adds to an in-memory
// tally of this process, and a flush, every DownloadFlushInterval, when the tally
// names more than DownloadBufferIDs files, before a cleanup policy runs and at
// shutdown, adds the tally to the database in one transaction:
//
//	package_files.download_count      += n, last_downloaded_at = max(stored, latest)
//	package_versions.download_count   += n, last_downloaded_at = max(stored, latest)
//	package_download_days.count       += n  (one row per version and UTC day)
//
// Every statement adds to what is stored, never sets it, so any number of replicas
// on one database flush their own tallies and all of them count. What a process
// holds is lost only if it dies without a graceful stop: a few seconds of counts.

// downloadKey is one file downloaded on one day (UTC).
type downloadKey struct {
	file int
	day  time.Time
}

// downloadTally is the downloads of one file on one day, not yet flushed.
type downloadTally struct {
	version int
	count   int64
	latest  time.Time
}

// downloadBuffer is the process's tally of downloads not yet in the database.
type downloadBuffer struct {
	mu      sync.Mutex
	pending map[downloadKey]*downloadTally
	files   map[int]int // files named in pending, with their keys' count: the bound is on files
	// flushing is set while an early flush (the buffer ran over) is under way, so a
	// burst of downloads starts one, not one per request.
	flushing atomic.Bool
	// flushMu makes flushes of one process run one at a time, so a tally handed
	// back after a failure is not overtaken by the next.
	flushMu sync.Mutex
}

// Download describes one served download of a package file.
type Download struct {
	// Sent is the bytes the server sent (0 for a redirect to object storage).
	Sent int64
	// Counted: the response carries the file from its first byte, so it counts as a
	// download (see compat.ServeFile for which responses do).
	Counted bool
}

// Downloaded records a download of a file the viewer was served: its bytes in the
// metrics and, when it counts, one more download of the file and its version,
// added to the process's tally (no database write here). Failures are not the
// download's business.
func (s *Service) Downloaded(ctx context.Context, f *ent.PackageFile, d Download) {
	s.metrics.Downloaded(d.Sent)
	if !d.Counted || f == nil {
		return
	}
	now := s.now()
	k := downloadKey{file: f.ID, day: utcDay(now)}
	b := &s.downloads
	b.mu.Lock()
	if b.pending == nil {
		b.pending, b.files = map[downloadKey]*downloadTally{}, map[int]int{}
	}
	t := b.pending[k]
	if t == nil {
		t = &downloadTally{version: f.PackageID}
		b.pending[k] = t
		b.files[f.ID]++
	}
	t.count++
	if now.After(t.latest) {
		t.latest = now
	}
	over := len(b.files) > s.cfg.DownloadBufferIDs
	b.mu.Unlock()
	if over && b.flushing.CompareAndSwap(false, true) {
		go func() {
			defer b.flushing.Store(false)
			if err := s.FlushDownloads(context.WithoutCancel(ctx)); err != nil {
				s.log.WarnContext(ctx, "flush downloads", "err", err)
			}
		}()
	}
}

// utcDay is midnight UTC of t's day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// take empties the buffer and returns what it held.
func (b *downloadBuffer) take() map[downloadKey]*downloadTally {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.pending
	b.pending, b.files = nil, nil
	return out
}

// giveBack adds a tally whose flush failed to the buffer again, unless the buffer
// is full by then: counts are worth a retry, not unbounded memory.
func (b *downloadBuffer) giveBack(tally map[downloadKey]*downloadTally, limit int) (dropped bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending == nil {
		b.pending, b.files = map[downloadKey]*downloadTally{}, map[int]int{}
	}
	for k, t := range tally {
		cur := b.pending[k]
		if cur == nil {
			if len(b.files) >= limit && b.files[k.file] == 0 {
				dropped = true
				continue
			}
			b.pending[k] = t
			b.files[k.file]++
			continue
		}
		cur.count += t.count
		if t.latest.After(cur.latest) {
			cur.latest = t.latest
		}
	}
	return dropped
}

// FlushDownloads adds the downloads this process has tallied to the database. On
// failure the tally is kept for the next flush.
func (s *Service) FlushDownloads(ctx context.Context) error {
	b := &s.downloads
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	tally := b.take()
	if len(tally) == 0 {
		return nil
	}
	if err := s.writeDownloads(ctx, tally); err != nil {
		if b.giveBack(tally, s.cfg.DownloadBufferIDs) {
			s.log.WarnContext(ctx, "download counts dropped: the buffer is full and the database fails")
		}
		return fmt.Errorf("flush downloads: %w", err)
	}
	return nil
}

// sum is the downloads of one row to add.
type sum struct {
	count  int64
	latest time.Time
}

func (a *sum) add(t *downloadTally) {
	a.count += t.count
	if t.latest.After(a.latest) {
		a.latest = t.latest
	}
}

// writeDownloads adds a tally in one transaction. Rows are written in key order, so
// two replicas flushing the same files lock them in the same order (no deadlock).
func (s *Service) writeDownloads(ctx context.Context, tally map[downloadKey]*downloadTally) error {
	files, versions := map[int]*sum{}, map[int]*sum{}
	type versionDay struct {
		version int
		day     time.Time
	}
	days := map[versionDay]int64{}
	for k, t := range tally {
		for _, m := range []struct {
			rows map[int]*sum
			id   int
		}{{files, k.file}, {versions, t.version}} {
			if m.rows[m.id] == nil {
				m.rows[m.id] = &sum{}
			}
			m.rows[m.id].add(t)
		}
		days[versionDay{t.version, k.day}] += t.count
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		for _, id := range slices.Sorted(maps.Keys(files)) {
			a := files[id]
			err := tx.PackageFile.Update().Where(packagefile.ID(id)).AddDownloadCount(a.count).
				Modify(setLatest(packagefile.FieldLastDownloadedAt, a.latest)).Exec(ctx)
			if err != nil {
				return err
			}
		}
		ids := slices.Sorted(maps.Keys(versions))
		for _, id := range ids {
			a := versions[id]
			err := tx.PackageVersion.Update().Where(packageversion.ID(id)).AddDownloadCount(a.count).
				Modify(setLatest(packageversion.FieldLastDownloadedAt, a.latest)).Exec(ctx)
			if err != nil {
				return err
			}
		}
		// A version destroyed since its download has no row to count a day against.
		liveIDs, err := tx.PackageVersion.Query().Where(packageversion.IDIn(ids...)).IDs(ctx)
		if err != nil {
			return err
		}
		live := map[int]bool{}
		for _, id := range liveIDs {
			live[id] = true
		}
		keys := slices.SortedFunc(maps.Keys(days), func(a, b versionDay) int {
			if a.version != b.version {
				return a.version - b.version
			}
			return a.day.Compare(b.day)
		})
		for _, vd := range keys {
			if !live[vd.version] {
				continue
			}
			n := days[vd]
			err := tx.PackageDownloadDay.Create().SetPackageID(vd.version).SetDay(vd.day).SetCount(n).
				OnConflictColumns(packagedownloadday.FieldPackageID, packagedownloadday.FieldDay).
				Update(func(u *ent.PackageDownloadDayUpsert) { u.AddCount(n) }).Exec(ctx)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// setLatest sets a time column to t unless it holds a later time already (another
// replica's flush may have written a later download first).
func setLatest(column string, t time.Time) func(*entsql.UpdateBuilder) {
	return func(u *entsql.UpdateBuilder) {
		u.Set(column, entsql.ExprFunc(func(b *entsql.Builder) {
			b.WriteString("CASE WHEN ").Ident(column).WriteString(" IS NULL OR ").Ident(column).WriteString(" < ").Arg(t).
				WriteString(" THEN ").Arg(t).WriteString(" ELSE ").Ident(column).WriteString(" END")
		}))
	}
}

// RunDownloadFlush flushes the download tally every DownloadFlushInterval until ctx
// ends. The final flush at shutdown is the caller's (FlushDownloads after the HTTP
// server has stopped), so that downloads still in flight at the signal count.
func (s *Service) RunDownloadFlush(ctx context.Context) {
	every(ctx, s.cfg.DownloadFlushInterval, func() {
		if err := s.FlushDownloads(ctx); err != nil {
			s.log.WarnContext(ctx, "flush downloads", "err", err)
		}
	})
}

// DownloadDay is the downloads of a package version on one day (UTC).
type DownloadDay struct {
	Day   string `json:"day"` // YYYY-MM-DD
	Count int64  `json:"count"`
}

// maxDownloadDays bounds DownloadsPerDay: a year.
const maxDownloadDays = 365

// DownloadsPerDay returns the downloads of a version the viewer may read on each of
// the last days days (UTC; 1 to 365, today last), a day without downloads as 0, so
// that a chart needs no gaps filled. Today's count is what has been flushed.
func (s *Service) DownloadsPerDay(ctx context.Context, v *ent.PackageVersion, days int) ([]*DownloadDay, error) {
	if days < 1 || days > maxDownloadDays {
		return nil, Errorf(ErrInvalid, "days must be between 1 and %d", maxDownloadDays)
	}
	p, err := s.canonicalProject(ctx, &ent.Project{ID: v.ProjectID})
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeProject(ctx, p, ReadPackages); err != nil {
		return nil, err
	}
	today := utcDay(s.now())
	first := today.AddDate(0, 0, 1-days)
	// The version must be of the project just authorized, whatever row the caller passed.
	rows, err := s.client.PackageDownloadDay.Query().Where(packagedownloadday.PackageID(v.ID),
		packagedownloadday.HasPackageWith(packageversion.ProjectID(p.ID)), packagedownloadday.DayGTE(first)).All(ctx)
	if err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, r := range rows {
		counts[r.Day.UTC().Format(time.DateOnly)] += r.Count
	}
	out := make([]*DownloadDay, days)
	for i := range out {
		d := first.AddDate(0, 0, i).Format(time.DateOnly)
		out[i] = &DownloadDay{Day: d, Count: counts[d]}
	}
	return out, nil
}
