package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/pkgreg/registry/ent"
	entblob "github.com/pkgreg/registry/ent/blob"
)

// Migrating storage: every blob the database records is copied from the current
// storage to another, under the same key, so the rows stay valid on either side
// (file storage reads an object key as a path, object storage a content address as
// a key) and nothing in the database changes. Each copy is hashed on the way and
// committed only when its SHA-256 and size match the row; a blob already at the
// destination with its size was verified when it was written there, so a second run
// resumes where the first stopped. The server keeps running: rows added meanwhile
// are copied too (the walk goes by id until none is left), and a server started on
// the destination with the old storage as its fallback (--storage-fallback-url)
// serves everything while the copy runs.

// MigrateInput asks to copy every blob to another storage.
type MigrateInput struct {
	To *Blobs
	// DryRun counts what would be copied, and copies nothing.
	DryRun bool
	// Progress, when set, is called after each blob.
	Progress func(MigrateProgress)
}

// MigrateProgress is how far a migration is.
type MigrateProgress struct {
	Done, Total       int   // blobs looked at, and known so far
	Bytes, TotalBytes int64 // their sizes
}

// MigrateResult is what a migration did.
type MigrateResult struct {
	Blobs       int   `json:"blobs"`
	Bytes       int64 `json:"bytes"`
	Copied      int   `json:"copied"`
	CopiedBytes int64 `json:"copied_bytes"`
	// Present were at the destination already (copied by an earlier run).
	Present int `json:"present"`
	// Gone were removed from the source meanwhile (garbage collection).
	Gone   int  `json:"gone"`
	DryRun bool `json:"dry_run"`
}

// migrateBatch is how many blob rows one query of the walk reads.
const migrateBatch = 500

// MigrateStorage copies every blob to in.To (administrators).
func (s *Service) MigrateStorage(ctx context.Context, in MigrateInput) (*MigrateResult, error) {
	if err := s.requireAdmin(ctx); err != nil {
		return nil, err
	}
	res := &MigrateResult{DryRun: in.DryRun}
	var p MigrateProgress
	total, err := s.client.Blob.Query().Count(ctx)
	if err != nil {
		return nil, err
	}
	p.Total = total
	if total > 0 {
		n, err := s.client.Blob.Query().Aggregate(ent.Sum(entblob.FieldSize)).Int(ctx)
		if err != nil {
			return nil, err
		}
		p.TotalBytes = int64(n)
	}
	last := 0
	for {
		rows, err := s.client.Blob.Query().Where(entblob.IDGT(last)).Order(entblob.ByID()).Limit(migrateBatch).All(ctx)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			break
		}
		for _, b := range rows {
			last = b.ID
			res.Blobs++
			res.Bytes += b.Size
			switch err := s.migrateBlob(ctx, in, b.Sha256, b.Key, b.Size); {
			case errors.Is(err, errPresent):
				res.Present++
			case errors.Is(err, ErrNotFound):
				res.Gone++
			case err != nil:
				return res, fmt.Errorf("blob %s: %w", b.Sha256, err)
			default:
				res.Copied++
				res.CopiedBytes += b.Size
			}
			p.Done++
			p.Bytes += b.Size
			p.Total, p.TotalBytes = max(p.Total, p.Done), max(p.TotalBytes, p.Bytes)
			if in.Progress != nil {
				in.Progress(p)
			}
		}
	}
	return res, nil
}

var errPresent = errors.New("already at the destination")

// migrateBlob copies one blob unless the destination has it.
func (s *Service) migrateBlob(ctx context.Context, in MigrateInput, sha, key string, size int64) error {
	k := storageKey(sha, key)
	attrs, err := in.To.bucket.Attributes(ctx, k)
	switch {
	case err == nil && attrs.Size == size:
		return errPresent
	case err != nil && gcerrors.Code(err) != gcerrors.NotFound:
		return fmt.Errorf("destination: %w", err)
	}
	if in.DryRun {
		if ok, err := s.blobs.Exists(ctx, sha, key); err != nil || !ok {
			return errors.Join(err, ErrNotFound)
		}
		return nil
	}
	src, err := s.blobs.Open(ctx, sha, key)
	if err != nil {
		return err
	}
	defer src.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := in.To.bucket.NewWriter(wctx, k, &blob.WriterOptions{ContentType: "application/octet-stream",
		DisableContentTypeDetection: true, BufferSize: partSize, MaxConcurrency: partConcurrency})
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(w, h), src, make([]byte, 256<<10))
	if err == nil && (n != size || hex.EncodeToString(h.Sum(nil)) != sha) {
		err = fmt.Errorf("the source's bytes (%d, sha256 %x) do not match the database (%d, %s)", n, h.Sum(nil), size, sha)
	}
	if err != nil {
		cancel() // aborts the write: nothing is left at the destination
		_ = w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	attrs, err = in.To.bucket.Attributes(ctx, k)
	if err != nil || attrs.Size != size {
		return fmt.Errorf("destination: the copy has %d bytes, want %d: %v", attrs.Size, size, err)
	}
	return nil
}
