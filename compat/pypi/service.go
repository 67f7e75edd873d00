package pypi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Service is PyPI over the registry's primitives: uploads (received, inspected for
// core metadata, published with it in one transaction) and the read path.
type Service struct {
	core *registry.Service
}

// Upload is one twine upload being received. twine's form carries the file and the
// fields that name it in one multipart body, in any order, so the file is received
// into temporary storage first and published once every field is known.
type Upload struct {
	svc  *Service
	up   *registry.Upload
	dist *registry.Received
}

// BeginUpload authorizes an upload into p before any of its body is read.
func (s *Service) BeginUpload(ctx context.Context, p *ent.Project) (*Upload, error) {
	up, err := s.core.BeginUpload(ctx, p, registry.PackageTypePyPI)
	if err != nil {
		return nil, err
	}
	return &Upload{svc: s, up: up}, nil
}

// Receive streams the distribution file into temporary storage while hashing it; it
// fails with ErrTooLarge as soon as the file crosses the PyPI size limit.
func (u *Upload) Receive(ctx context.Context, body io.Reader) error {
	if u.dist != nil {
		return &registry.Error{Kind: registry.ErrInvalid, Message: "content is given more than once", Param: "content"}
	}
	f, err := u.up.Receive(ctx, body)
	if err != nil {
		return err
	}
	u.dist = f
	return nil
}

// Discard removes the temporary files; call it once the upload is published or failed.
func (u *Upload) Discard(ctx context.Context) { u.up.Discard(ctx) }

// FileInput describes the received file, from the upload form's fields.
type FileInput struct {
	Name           string
	NormalizedName string // PEP 503
	Version        string
	FileName       string
	// Expect holds the digests the client declared; non-empty ones must match.
	Expect   registry.Digests
	Info     Info
	FileInfo FileInfo
	// CoreMetadata, when set, extracts the file's core metadata (a wheel's METADATA).
	// A file it cannot read is still published, without core metadata.
	CoreMetadata func(r io.ReaderAt, size int64) ([]byte, error)
}

// errDuplicate is GitLab's answer to a file name already in the version.
// It goes through bad_request! in lib/api/pypi_packages.rb, hence the prefix.
var errDuplicate = registry.BadRequest("Validation failed: File name has already been taken")

// Publish verifies the received file against the declared digests and records it,
// with its core metadata file when one can be extracted, in one transaction.
func (u *Upload) Publish(ctx context.Context, in FileInput) error {
	if u.dist == nil {
		return &registry.Error{Kind: registry.ErrInvalid, Message: "content is missing", Param: "content"}
	}
	info := in.FileInfo
	var extra []registry.UploadFile
	if b := u.coreMetadata(ctx, in); b != nil {
		meta, err := u.up.ReceiveDerived(ctx, b)
		if err != nil {
			return err
		}
		info.CoreMetadataSHA256 = meta.SHA256
		extra = append(extra, registry.UploadFile{File: meta, FileName: in.FileName + CoreMetadataSuffix, Size: -1,
			Duplicates: registry.DuplicatesAllowed, Metadata: FileInfo{CoreMetadataOf: in.FileName}})
	}
	files := append([]registry.UploadFile{{File: u.dist, FileName: in.FileName, Expect: in.Expect, Size: -1,
		Duplicates: registry.DuplicateFileRejected, DuplicateError: errDuplicate, Metadata: info}}, extra...)
	_, err := u.up.Publish(ctx, registry.UploadVersion{Name: in.Name, NormalizedName: in.NormalizedName,
		Version: in.Version, Metadata: in.Info, MergeMetadata: true}, files...)
	return err
}

// coreMetadata extracts the core metadata of the received file, or returns nil.
func (u *Upload) coreMetadata(ctx context.Context, in FileInput) []byte {
	if in.CoreMetadata == nil {
		return nil
	}
	var b []byte
	err := u.up.Inspect(ctx, u.dist, func(r io.ReaderAt, size int64) error {
		var err error
		b, err = in.CoreMetadata(r, size)
		return err
	})
	if err != nil {
		return nil
	}
	return b
}

// IndexInput asks for a simple-index document: the root (no name) or one
// project's page, in one encoding, with links under prefix.
type IndexInput struct {
	Scope          registry.Scope
	NormalizedName string
	Encoding       Encoding
	Prefix         string
	IfNoneMatch    string
}

// Index returns the root of the simple index (every PyPI project of the scope the
// viewer may read, each once by normalized name), or one project's page, through
// the documents primitive.
func (s *Service) Index(ctx context.Context, in IndexInput) (*registry.Document, error) {
	if in.Scope.Project == nil && in.Scope.Group == nil {
		return nil, errNotFound
	}
	q := registry.VersionQuery{Scope: in.Scope, Type: registry.PackageTypePyPI, Name: in.NormalizedName}
	doc := registry.DocumentInput{Query: q, IfNoneMatch: in.IfNoneMatch,
		Variant: fmt.Sprintf("pypi %q %d %s", in.NormalizedName, in.Encoding, in.Prefix)}
	if in.NormalizedName == "" {
		doc.AllowEmpty = true
		doc.Build = func(d registry.DocumentData) ([]byte, error) {
			var b bytes.Buffer
			err := RenderIndex(&b, in.Encoding, projects(d.Versions), func(n string) string { return in.Prefix + "/simple/" + n + "/" })
			return b.Bytes(), err
		}
	} else {
		doc.Query.With = registry.Edges{Files: true}
		doc.Build = func(d registry.DocumentData) ([]byte, error) {
			versions := newestPublications(d.Versions)
			if len(versions) == 0 {
				return nil, errNotFound
			}
			var b bytes.Buffer
			err := RenderPage(&b, in.Encoding, BuildPage(versions, func(sha, file string) string { return FileURL(in.Prefix, sha, file) }))
			return b.Bytes(), err
		}
	}
	d, err := s.core.Document(ctx, doc)
	if errors.Is(err, registry.ErrNotFound) && in.NormalizedName != "" {
		return nil, errNotFound // as GitLab words it, whichever lookup came up empty
	}
	return d, err
}

// projects lists the projects of a root index: each normalized name once, with the
// highest of its published spellings.
func projects(versions []*ent.PackageVersion) []IndexProject {
	byName := map[string]string{}
	for _, v := range versions {
		if v.Name > byName[v.NormalizedName] {
			byName[v.NormalizedName] = v.Name
		}
	}
	out := make([]IndexProject, 0, len(byName))
	for n, name := range byName {
		out = append(out, IndexProject{Name: name, NormalizedName: n})
	}
	slices.SortFunc(out, func(a, b IndexProject) int { return strings.Compare(a.NormalizedName, b.NormalizedName) })
	return out
}

// newestPublications keeps, of the versions of one project page (oldest first), the
// most recently published of each version string, as GitLab documents for
// installing from a group ("the most recently-published package is retrieved"), so
// pip never sees two different files under one name; their files oldest first.
func newestPublications(versions []*ent.PackageVersion) []*ent.PackageVersion {
	newest := map[string]*ent.PackageVersion{}
	for _, v := range versions { // oldest first: the last one of a version wins
		newest[v.Version] = v
	}
	var out []*ent.PackageVersion
	for _, v := range versions {
		if newest[v.Version] == v && len(v.Edges.Files) > 0 {
			files := slices.Clone(v.Edges.Files)
			slices.Reverse(files) // the read path gives newest first
			v.Edges.Files = files
			out = append(out, v)
		}
	}
	return out
}

// File returns the installable file of a scope with that SHA-256 and name.
// "<distribution>.metadata" names the core metadata of the distribution with that
// SHA-256 (PEP 658: the metadata URL is the distribution's URL plus ".metadata").
func (s *Service) File(ctx context.Context, sc registry.Scope, sha256, fileName string) (*ent.PackageFile, error) {
	if sc.Project == nil && sc.Group == nil {
		return nil, errNotFound
	}
	dist, isMeta := strings.CutSuffix(fileName, CoreMetadataSuffix)
	q := registry.VersionQuery{Scope: sc, Type: registry.PackageTypePyPI}
	f, err := s.core.FindFile(ctx, registry.FileQuery{VersionQuery: q, FileName: dist, SHA256: sha256})
	if err != nil || !isMeta {
		return f, err
	}
	pkg := f.Edges.Package
	q.Name, q.Versions = pkg.NormalizedName, []string{pkg.Version}
	q.Scope = registry.Scope{Project: pkg.Edges.Project}
	return s.core.FindFile(ctx, registry.FileQuery{VersionQuery: q, FileName: fileName})
}

var errNotFound = registry.Errorf(registry.ErrNotFound, "404 Package Not Found")
