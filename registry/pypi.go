package registry

import (
	"context"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
)

// PyPI keeps a wheel's core metadata (PEP 658) as a file of the same version named
// after the wheel plus pypiCoreMetadataSuffix, so that it is stored, served, counted
// and collected like any other file.
const pypiCoreMetadataSuffix = ".metadata"

// PyPIUpload is one twine upload being received. twine's form carries the file and
// the fields that name it in one multipart body, in any order, so the file is
// received into temporary storage first and published once every field is known.
type PyPIUpload struct {
	up   *Upload
	dist *Received
}

// NewPyPIUpload authorizes an upload into p before any of its body is read.
func (s *Service) NewPyPIUpload(ctx context.Context, p *ent.Project) (*PyPIUpload, error) {
	up, err := s.BeginUpload(ctx, p, packageversion.PackageTypePypi)
	if err != nil {
		return nil, err
	}
	return &PyPIUpload{up: up}, nil
}

// Receive streams the distribution file into temporary storage while hashing it; it
// fails with ErrTooLarge as soon as the file crosses the PyPI size limit.
func (u *PyPIUpload) Receive(ctx context.Context, body io.Reader) error {
	if u.dist != nil {
		return &Error{Kind: ErrInvalid, Message: "content is given more than once", Param: "content"}
	}
	f, err := u.up.Receive(ctx, body)
	if err != nil {
		return err
	}
	u.dist = f
	return nil
}

// Discard removes the temporary files; call it once the upload is published or failed.
func (u *PyPIUpload) Discard(ctx context.Context) { u.up.Discard(ctx) }

// PyPIFileInput describes the received file, from the upload form's fields.
type PyPIFileInput struct {
	Name           string
	NormalizedName string // PEP 503
	Version        string
	FileName       string
	// Expect holds the digests the client declared; non-empty ones must match.
	Expect Digests
	// Metadata (requires_python, summary, ...) is merged into the version's: the
	// newest upload's non-empty values win, as GitLab upserts its pypi_metadata row.
	Metadata     map[string]any
	FileMetadata map[string]any
	// CoreMetadata, when set, extracts the file's core metadata (a wheel's METADATA).
	// A file it cannot read is still published, without core metadata.
	CoreMetadata func(r io.ReaderAt, size int64) ([]byte, error)
}

// errPyPIDuplicate is GitLab's answer to a file name already in the version.
var errPyPIDuplicate = Errorf(ErrInvalid, "Validation failed: File name has already been taken")

// Publish verifies the received file against the declared digests and records it,
// with its core metadata file when one can be extracted, in one transaction.
func (u *PyPIUpload) Publish(ctx context.Context, in PyPIFileInput) (*ent.PackageFile, error) {
	if u.dist == nil {
		return nil, &Error{Kind: ErrInvalid, Message: "content is missing", Param: "content"}
	}
	fileMeta := maps.Clone(in.FileMetadata)
	if fileMeta == nil {
		fileMeta = map[string]any{}
	}
	files := []UploadFile{{File: u.dist, FileName: in.FileName, Expect: in.Expect, Size: -1,
		Duplicates: DuplicateFileRejected, DuplicateError: errPyPIDuplicate, Metadata: fileMeta}}
	if b := u.coreMetadata(ctx, in); b != nil {
		meta, err := u.up.ReceiveDerived(ctx, b)
		if err != nil {
			return nil, err
		}
		fileMeta["core_metadata_sha256"] = meta.SHA256
		files = append(files, UploadFile{File: meta, FileName: in.FileName + pypiCoreMetadataSuffix, Size: -1,
			Duplicates: DuplicatesAllowed, Metadata: map[string]any{"core_metadata_of": in.FileName}})
	}
	out, err := u.up.Publish(ctx, UploadVersion{Name: in.Name, NormalizedName: in.NormalizedName, Version: in.Version,
		Metadata: in.Metadata, MergeMetadata: true}, files...)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// coreMetadata extracts the core metadata of the received file, or returns nil.
func (u *PyPIUpload) coreMetadata(ctx context.Context, in PyPIFileInput) []byte {
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
		u.up.s.log.InfoContext(ctx, "pypi: no core metadata", "file", in.FileName, "err", err)
		return nil
	}
	return b
}

// mergeMetadata sets the version's metadata to its current value overlaid with
// the upload's non-empty fields.
func mergeMetadata(ctx context.Context, tx *ent.Tx, packageID int, upd map[string]any) error {
	if len(upd) == 0 {
		return nil
	}
	v, err := tx.PackageVersion.Get(ctx, packageID)
	if err != nil {
		return err
	}
	m := maps.Clone(v.Metadata)
	if m == nil {
		m = map[string]any{}
	}
	maps.Copy(m, upd)
	return tx.PackageVersion.UpdateOneID(packageID).SetMetadata(m).Exec(ctx)
}

// pypiProjects returns the projects of a scope whose packages the viewer may read.
func (s *Service) pypiProjects(ctx context.Context, sc Scope) ([]int, error) {
	switch {
	case sc.Project != nil:
		if err := s.AuthorizeProject(ctx, sc.Project, ReadPackages); err != nil {
			return nil, err
		}
		return []int{sc.Project.ID}, nil
	case sc.Group != nil:
		if err := s.AuthorizeGroup(ctx, sc.Group, ReadPackages); err != nil {
			return nil, err
		}
		return s.ReadableProjectIDs(ctx, sc.Group.FullPath, false)
	}
	return nil, errPackageNotFound
}

// PyPIProject is one project name of a simple index.
type PyPIProject struct {
	Name           string `json:"name"`
	NormalizedName string `json:"normalized_name"`
}

// PyPIProjects lists the PyPI projects of a scope that the viewer may read, by
// normalized name (PEP 503), each once with one of its published spellings.
func (s *Service) PyPIProjects(ctx context.Context, sc Scope) ([]PyPIProject, error) {
	ids, err := s.pypiProjects(ctx, sc)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var out []PyPIProject
	err = s.client.PackageVersion.Query().Where(
		packageversion.ProjectIDIn(ids...), packageversion.PackageTypeEQ(packageversion.PackageTypePypi),
		packageversion.StatusIn(installableStatuses...),
	).GroupBy(packageversion.FieldNormalizedName).
		Aggregate(ent.As(ent.Max(packageversion.FieldName), "name")).Scan(ctx, &out)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b PyPIProject) int { return strings.Compare(a.NormalizedName, b.NormalizedName) })
	return out, nil
}

// PyPIVersions returns the installable versions of one PyPI project in a scope,
// oldest first, with their files. At group level, when several projects publish the
// same version, only the most recently published one is kept, as GitLab documents for
// installing from a group ("the most recently-published package is retrieved"), so
// pip never sees two different files under one name.
func (s *Service) PyPIVersions(ctx context.Context, sc Scope, normalizedName string) ([]*ent.PackageVersion, error) {
	if sc.Group != nil {
		if err := s.AuthorizeGroup(ctx, sc.Group, ReadPackages); err != nil {
			return nil, err
		}
	}
	versions, err := s.FindVersions(ctx, FindVersionsInput{Scope: sc, Type: packageversion.PackageTypePypi,
		NormalizedName: normalizedName})
	if err != nil {
		return nil, err
	}
	newest := map[string]*ent.PackageVersion{}
	for _, v := range versions { // oldest first: the last one of a version wins
		newest[v.Version] = v
	}
	out := versions[:0]
	for _, v := range versions {
		if newest[v.Version] == v {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, errPackageNotFound
	}
	return out, nil
}

// FindPyPIFile returns the installable file of a scope with that SHA-256 and name.
// "<distribution>.metadata" names the core metadata of the distribution with that
// SHA-256 (PEP 658: the metadata URL is the distribution's URL plus ".metadata").
func (s *Service) FindPyPIFile(ctx context.Context, sc Scope, sha256, fileName string) (*ent.PackageFile, error) {
	ids, err := s.pypiProjects(ctx, sc)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, errPackageNotFound
	}
	dist, isMeta := strings.CutSuffix(fileName, pypiCoreMetadataSuffix)
	f, err := s.client.PackageFile.Query().Where(
		packagefile.Sha256(strings.ToLower(sha256)), packagefile.FileName(dist),
		packagefile.StatusEQ(packagefile.StatusDefault),
		packagefile.HasPackageWith(packageversion.ProjectIDIn(ids...),
			packageversion.PackageTypeEQ(packageversion.PackageTypePypi),
			packageversion.StatusIn(installableStatuses...)),
	).Order(ent.Desc(packagefile.FieldCreatedAt), ent.Desc(packagefile.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, errPackageNotFound
	}
	if err != nil || !isMeta {
		return f, err
	}
	m, err := s.client.PackageFile.Query().Where(packagefile.PackageID(f.PackageID), packagefile.FileName(fileName),
		packagefile.StatusEQ(packagefile.StatusDefault)).
		Order(ent.Desc(packagefile.FieldCreatedAt), ent.Desc(packagefile.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, errFileNotFound
	}
	return m, err
}
