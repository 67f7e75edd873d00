package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"

	"gocloud.dev/blob"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageversion"
)

// Upload receives the files of one publish. It is authorized and size-limited
// before any byte is read; each file streams into storage's tmp/ while it is hashed
// (so a crash leaves only what garbage collection removes), can be inspected there by
// the format (an archive's index, a manifest inside it), and is recorded with its
// version in one transaction by Publish. Nothing is visible before Publish commits,
// and Discard removes whatever was received. No handler needs a temporary file.
type Upload struct {
	s       *Service
	project *ent.Project
	typ     packageversion.PackageType
	limit   int64
	mu      sync.Mutex
	files   []*Received
}

// Received is one file of an upload, held in temporary storage until published.
type Received struct {
	Digests
	sp *Spooled
}

// BeginUpload authorizes a publish of type t into p and reads the instance's size
// limit for the format, before the caller reads any of the body.
func (s *Service) BeginUpload(ctx context.Context, p *ent.Project, t packageversion.PackageType) (*Upload, error) {
	if err := s.AuthorizeProject(ctx, p, CreatePackages); err != nil {
		return nil, err
	}
	limit, err := s.MaxFileSize(ctx, t)
	if err != nil {
		return nil, err
	}
	return &Upload{s: s, project: p, typ: t, limit: limit}, nil
}

// Limit is the largest file the upload accepts, in bytes.
func (u *Upload) Limit() int64 { return u.limit }

// Project is the project the upload publishes into.
func (u *Upload) Project() *ent.Project { return u.project }

// Receive streams one file into temporary storage while hashing it. It fails with
// ErrTooLarge as soon as the file crosses the limit (nothing is kept).
func (u *Upload) Receive(ctx context.Context, r io.Reader) (*Received, error) {
	return u.receive(ctx, r, u.limit)
}

func (u *Upload) receive(ctx context.Context, r io.Reader, limit int64) (*Received, error) {
	sp, err := u.s.blobs.Spool(ctx, r, limit)
	if err != nil {
		return nil, err
	}
	u.s.metrics.Uploaded(sp.Size)
	rc := &Received{Digests: sp.Digests, sp: sp}
	u.mu.Lock()
	u.files = append(u.files, rc)
	u.mu.Unlock()
	return rc, nil
}

// ReceiveDerived stores a small file the format derived from a received one (a
// wheel's core metadata), under the same limit.
func (u *Upload) ReceiveDerived(ctx context.Context, b []byte) (*Received, error) {
	return u.receive(ctx, bytes.NewReader(b), int64(len(b)))
}

// Discard removes the upload's temporary files; call it when the request ends,
// published or not.
func (u *Upload) Discard(ctx context.Context) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, f := range u.files {
		u.s.blobs.Discard(ctx, f.sp)
	}
	u.files = nil
}

// Inspect opens a received file for random access, as archive/zip needs, and calls
// fn with it. The reader is only valid during fn.
func (u *Upload) Inspect(ctx context.Context, f *Received, fn func(r io.ReaderAt, size int64) error) error {
	br, err := u.s.blobs.bucket.NewReader(ctx, f.sp.tmpKey, nil)
	if err != nil {
		return err
	}
	defer br.Close()
	return fn(&blobReaderAt{r: br}, f.Size)
}

// UploadFile is one received file as it is recorded in the version.
type UploadFile struct {
	File     *Received
	FileName string
	// Expect holds digests the client declared; non-empty ones must match.
	Expect Digests
	// Size is the length the client declared; -1 when it declared none.
	Size           int64
	Duplicates     DuplicateRule
	DuplicateError error
	// Metadata is the format's typed file metadata, stored as JSON.
	Metadata any
}

// UploadVersion is the version an upload's files are published into, created when
// it does not exist yet.
type UploadVersion struct {
	Name           string
	NormalizedName string // defaults to Name
	Version        string
	// Status of a newly created version; with SetStatus also of an existing one.
	Status    packageversion.Status
	SetStatus bool
	// Metadata is the format's typed metadata, stored (as JSON) on a newly created
	// version; with MergeMetadata its non-empty fields are also laid over an existing
	// version's.
	Metadata      any
	MergeMetadata bool
	// ReplaceMetadata stores Metadata on an existing version too, in place of what
	// it had (formats whose every upload carries the whole manifest).
	ReplaceMetadata bool
	// Properties are indexed name/value pairs added to the version.
	Properties []Property
	// Tags are moved onto the version in the same transaction (a tag names one
	// version of a package: a release channel).
	Tags []string
	// Labels, with SetLabels, become the version's tags in place of the ones it
	// had, leaving other versions' alone (labels that many versions carry, as a
	// nuspec's tags).
	Labels    []string
	SetLabels bool
}

// Publish verifies each file against its declared digests and duplicate rule, and
// records the version and its files (with their properties and tags) in one
// transaction. The bytes are where their rows will point before the transaction; a
// failed transaction leaves them as garbage, never as a half-written package.
func (u *Upload) Publish(ctx context.Context, v UploadVersion, files ...UploadFile) ([]*ent.PackageFile, error) {
	if err := u.s.AuthorizeProject(ctx, u.project, CreatePackages); err != nil {
		return nil, err
	}
	meta, err := EncodeMetadata(v.Metadata)
	if err != nil {
		return nil, err
	}
	ins := make([]PublishFileInput, len(files))
	received := make([]*Received, len(files))
	for i, f := range files {
		fileMeta, err := EncodeMetadata(f.Metadata)
		if err != nil {
			return nil, err
		}
		ins[i] = PublishFileInput{
			Project: u.project, Type: u.typ, Name: v.Name, NormalizedName: v.NormalizedName, Version: v.Version,
			FileName: f.FileName, Size: f.Size, Status: v.Status, SetStatus: v.SetStatus,
			Expect: f.Expect, Duplicates: f.Duplicates, DuplicateError: f.DuplicateError,
			Metadata: meta, FileMetadata: fileMeta,
		}
		if i == 0 {
			ins[i].Properties, ins[i].Tags = v.Properties, v.Tags
			ins[i].Labels, ins[i].SetLabels = v.Labels, v.SetLabels
		}
		if ins[i].NormalizedName == "" {
			ins[i].NormalizedName = v.Name
		}
		if ins[i].Status == "" {
			ins[i].Status = packageversion.StatusDefault
		}
		received[i] = f.File
	}
	update := keepMetadata
	switch {
	case v.ReplaceMetadata:
		update = replaceMetadata
	case v.MergeMetadata:
		update = mergeMetadata
	}
	return u.publish(ctx, ins, received, update)
}

// metadataUpdate says what a publish into an existing version does to its metadata.
type metadataUpdate int

const (
	keepMetadata metadataUpdate = iota
	mergeMetadata
	replaceMetadata
)

// publish verifies and records received files, as Publish describes.
func (u *Upload) publish(ctx context.Context, ins []PublishFileInput, files []*Received, update metadataUpdate) ([]*ent.PackageFile, error) {
	s := u.s
	for i := range ins {
		if err := verifyDigests(ins[i], files[i].sp); err != nil {
			return nil, err
		}
		if err := s.checkDuplicate(ctx, s.client, ins[i]); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if err := s.blobs.Promote(ctx, f.sp); err != nil {
			return nil, err
		}
	}
	out := make([]*ent.PackageFile, len(files))
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		for i := range ins {
			f, err := s.recordFile(ctx, tx, ins[i], files[i].sp)
			if err != nil {
				return err
			}
			out[i] = f
		}
		if len(out) == 0 {
			return nil
		}
		if err := s.auditPublish(ctx, tx, ins, out); err != nil {
			return err
		}
		var err error
		switch update {
		case mergeMetadata:
			err = mergeMetadataJSON(ctx, tx, out[0].PackageID, ins[0].Metadata)
		case replaceMetadata:
			err = tx.PackageVersion.UpdateOneID(out[0].PackageID).SetMetadata(ins[0].Metadata).Exec(ctx)
		}
		if err != nil {
			return err
		}
		return s.enqueueWebhooks(ctx, tx, u.project, publishedEvent(ins, out))
	})
	if err != nil {
		for _, f := range files {
			f.sp.adopted = false
		}
		return nil, err
	}
	// A concurrent garbage collection may have removed shared content between
	// Promote and the commit (it saw no reference yet); the committed rows protect it
	// now, so put it back.
	for i, f := range files {
		if ok, err := s.blobs.Exists(ctx, f.SHA256, out[i].BlobKey); err == nil && !ok && out[i].BlobKey == f.sp.key {
			if err := s.blobs.Promote(ctx, f.sp); err != nil {
				return nil, err
			}
		}
	}
	s.issue(ctx, out)
	return out, nil
}

// blobReaderAt reads a seekable blob at offsets, for archive readers.
type blobReaderAt struct {
	mu sync.Mutex
	r  *blob.Reader
}

func (ra *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if _, err := ra.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(ra.r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// mergeMetadataJSON lays the non-empty top-level fields of upd over a version's
// stored metadata (the newest upload's values win, as GitLab upserts a format's
// metadata row).
func mergeMetadataJSON(ctx context.Context, tx *ent.Tx, packageID int, upd json.RawMessage) error {
	var fields map[string]json.RawMessage
	if len(upd) == 0 || json.Unmarshal(upd, &fields) != nil || len(fields) == 0 {
		return nil
	}
	v, err := tx.PackageVersion.Get(ctx, packageID)
	if err != nil {
		return err
	}
	merged := map[string]json.RawMessage{}
	if len(v.Metadata) > 0 {
		_ = json.Unmarshal(v.Metadata, &merged)
	}
	for k, val := range fields {
		if s := string(val); s != "null" && s != `""` {
			merged[k] = val
		}
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	return tx.PackageVersion.UpdateOneID(packageID).SetMetadata(b).Exec(ctx)
}

// auditPublish records one publish event for the files of one version.
func (s *Service) auditPublish(ctx context.Context, tx *ent.Tx, ins []PublishFileInput, out []*ent.PackageFile) error {
	names := make([]string, len(out))
	for i, f := range out {
		names[i] = f.FileName
	}
	in := ins[0]
	return s.audit(ctx, tx, auditEvent{Action: AuditPublish, TargetType: auditTargetPackage, TargetID: out[0].PackageID,
		TargetPath: packagePath(in.Project.FullPath, in.Name, in.Version),
		Details:    map[string]any{"package_type": string(in.Type), "files": names}}.inProject(in.Project))
}
