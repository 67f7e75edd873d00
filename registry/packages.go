package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/blob"
	"github.com/pkgreg/registry/ent/duplicatesetting"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
)

// DuplicateRule says what happens when a file name is uploaded again into a version.
type DuplicateRule int

// Duplicate rules.
const (
	// DuplicatesBySetting follows the project's group setting for the format
	// (see FormatSpec.DuplicateSetting), with its exception regex.
	DuplicatesBySetting DuplicateRule = iota
	// DuplicateFileRejected always refuses the same file name.
	DuplicateFileRejected
	// DuplicatesAllowed always adds the file (the newest one is served).
	DuplicatesAllowed
)

// PublishFileInput adds one file to a package version, creating the version if needed.
type PublishFileInput struct {
	Project        *ent.Project
	Type           packageversion.PackageType
	Name           string
	NormalizedName string // defaults to Name
	Version        string
	FileName       string
	Body           io.Reader
	// Size is the declared length (Content-Length), or -1 when unknown.
	Size int64
	// Status of a newly created version; when SetStatus is true it is also applied
	// to an existing one (generic's status=hidden).
	Status    packageversion.Status
	SetStatus bool
	// Expect holds digests the client declared; non-empty ones must match.
	Expect     Digests
	Duplicates DuplicateRule
	// DuplicateError replaces the default duplicate error (formats word it differently).
	DuplicateError error
	// Metadata is stored on a newly created version: the format's typed value,
	// encoded as JSON (see EncodeMetadata).
	Metadata json.RawMessage
	// ReplaceMetadata stores Metadata on an existing version too, in place of what
	// it had (a file that carries the version's description, uploaded after others).
	ReplaceMetadata bool
	// FileMetadata is stored on the file, likewise.
	FileMetadata json.RawMessage
	// Properties are indexed name/value pairs added to the version.
	Properties []Property
	// Tags are moved onto the version in the same transaction.
	Tags []string
	// Labels, with SetLabels, replace the version's own tags (UploadVersion.Labels).
	Labels    []string
	SetLabels bool
}

// PublishFile authorizes, streams the body into temporary storage while hashing it,
// and then records the file in one transaction (Upload in one call). A duplicate that
// is known to be one is refused before the body is read. A failed or aborted upload
// leaves no row behind (its bytes, if any, are garbage).
func (s *Service) PublishFile(ctx context.Context, in PublishFileInput) (*ent.PackageFile, error) {
	if in.NormalizedName == "" {
		in.NormalizedName = in.Name
	}
	if in.Status == "" {
		in.Status = packageversion.StatusDefault
	}
	up, err := s.BeginUpload(ctx, in.Project, in.Type)
	if err != nil {
		return nil, err
	}
	defer up.Discard(ctx)
	if in.Size > up.Limit() {
		return nil, errTooLarge
	}
	if err := s.checkDuplicate(ctx, s.client, in); err != nil {
		return nil, err
	}
	f, err := up.Receive(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	update := keepMetadata
	if in.ReplaceMetadata {
		update = replaceMetadata
	}
	files, err := up.publish(ctx, []PublishFileInput{in}, []*Received{f}, update)
	if err != nil {
		return nil, err
	}
	return files[0], nil
}

func verifyDigests(in PublishFileInput, sp *Spooled) error {
	if in.Size >= 0 && sp.Size != in.Size {
		return Errorf(ErrInvalid, "body has %d bytes, Content-Length said %d", sp.Size, in.Size)
	}
	for _, c := range []struct{ name, want, got string }{
		{"md5", in.Expect.MD5, sp.MD5}, {"sha1", in.Expect.SHA1, sp.SHA1},
		{"sha256", in.Expect.SHA256, sp.SHA256}, {"sha512", in.Expect.SHA512, sp.SHA512},
	} {
		if c.want != "" && c.want != c.got {
			return Errorf(ErrInvalid, "%s digest mismatch: declared %s, received %s", c.name, c.want, c.got)
		}
	}
	return nil
}

// recordFile writes the rows of one upload. The package upsert locks the version's
// row, so concurrent uploads into one version take turns and the duplicate check
// below sees every committed file.
func (s *Service) recordFile(ctx context.Context, tx *ent.Tx, in PublishFileInput, sp *Spooled) (*ent.PackageFile, error) {
	now := s.now()
	// The first upload of some content names where it is stored; later uploads of
	// the same bytes reference that row, and their own copy is discarded.
	blobID, err := tx.Blob.Create().SetSha256(sp.SHA256).SetSize(sp.Size).SetKey(sp.key).
		OnConflictColumns(blob.FieldSha256).Update(func(u *ent.BlobUpsert) { u.SetUpdatedAt(now) }).ID(ctx)
	if err != nil {
		return nil, fmt.Errorf("record blob: %w", err)
	}
	v := auth.FromContext(ctx)
	create := tx.PackageVersion.Create().SetProjectID(in.Project.ID).SetPackageType(in.Type).
		SetName(in.Name).SetNormalizedName(in.NormalizedName).SetVersion(in.Version).SetTypeRank(TypeRank(in.Type)).
		SetVersionSort(VersionSortKey(in.Version)).SetStatus(in.Status).SetMetadata(in.Metadata)
	if v.IsUser() {
		create.SetCreatorID(v.UserID)
	}
	pkgID, err := create.OnConflict(
		entsql.ConflictColumns(packageversion.FieldProjectID, packageversion.FieldPackageType,
			packageversion.FieldNormalizedName, packageversion.FieldVersion),
		// The target must repeat the partial index's predicate literally.
		entsql.ConflictWhere(entsql.ExprP("status <> 'pending_destruction'")),
	).Update(func(u *ent.PackageVersionUpsert) {
		u.AddRevision(1).SetUpdatedAt(now)
		if in.SetStatus {
			u.SetStatus(in.Status)
		}
	}).ID(ctx)
	if err != nil {
		return nil, fmt.Errorf("record package: %w", err)
	}
	if err := s.checkDuplicate(ctx, tx.Client(), in); err != nil {
		return nil, err
	}
	if err := addProperties(ctx, tx, pkgID, in.Properties); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.lockPackage(ctx, tx, in.Project.ID, in.Type, in.NormalizedName); err != nil {
			return nil, err
		}
		for _, tag := range in.Tags {
			if err := moveTag(ctx, tx, pkgID, in.Project.ID, in.Type, in.NormalizedName, tag); err != nil {
				return nil, fmt.Errorf("tag %s: %w", tag, err)
			}
		}
	}
	if in.SetLabels {
		if err := setLabels(ctx, tx, pkgID, in.Labels); err != nil {
			return nil, err
		}
	}
	blobKey, err := tx.Blob.Query().Where(blob.ID(blobID)).Select(blob.FieldKey).String(ctx)
	if err != nil {
		return nil, fmt.Errorf("record blob: %w", err)
	}
	sp.adopted = sp.key != "" && blobKey == sp.key
	fc := tx.PackageFile.Create().SetPackageID(pkgID).SetBlobID(blobID).SetBlobKey(blobKey).SetFileName(in.FileName).
		SetSize(sp.Size).SetMd5(sp.MD5).SetSha1(sp.SHA1).SetSha256(sp.SHA256).SetSha512(sp.SHA512).
		SetMetadata(in.FileMetadata)
	if v.Kind == auth.JobToken && v.PipelineID != 0 {
		fc.SetPipelineID(v.PipelineID)
		if err := tx.PackageBuildInfo.Create().SetPackageID(pkgID).SetPipelineID(v.PipelineID).
			OnConflictColumns("package_id", "pipeline_id").DoNothing().Exec(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("record build info: %w", err)
		}
	}
	f, err := fc.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("record file: %w", err)
	}
	return f, nil
}

// checkDuplicate refuses a file whose name already exists in the version when the
// duplicate rule says so.
func (s *Service) checkDuplicate(ctx context.Context, c *ent.Client, in PublishFileInput) error {
	if in.Duplicates == DuplicatesAllowed {
		return nil
	}
	// The version by its unique index, then the file by (package_id, file_name): a
	// join from the files would walk every file of the instance with that name.
	ids, err := c.PackageVersion.Query().Where(liveVersion(in.Project.ID, in.Type, in.NormalizedName, in.Version)...).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	taken, err := c.PackageFile.Query().Where(packagefile.PackageIDIn(ids...), packagefile.FileName(in.FileName),
		packagefile.StatusNEQ(packagefile.StatusPendingDestruction)).Exist(ctx)
	if err != nil || !taken {
		return err
	}
	if in.Duplicates == DuplicatesBySetting {
		allowed, err := s.duplicatesAllowed(ctx, c, in)
		if err != nil || allowed {
			return err
		}
	}
	if in.DuplicateError != nil {
		return in.DuplicateError
	}
	return errDuplicate
}

// liveVersion selects the one version that is not being destroyed.
func liveVersion(projectID int, t packageversion.PackageType, name, version string) []predicate.PackageVersion {
	return []predicate.PackageVersion{
		packageversion.ProjectID(projectID), packageversion.PackageTypeEQ(t),
		packageversion.NormalizedName(name), packageversion.Version(version), notDestroyed(),
	}
}

// duplicatesAllowed applies GitLab's namespace setting (spec B1): the regex, anchored
// and matched against the name or the version, lists exceptions to the boolean.
func (s *Service) duplicatesAllowed(ctx context.Context, c *ent.Client, in PublishFileInput) (bool, error) {
	if in.Project.GroupID == nil {
		return true, nil
	}
	st, err := c.DuplicateSetting.Query().Where(duplicatesetting.GroupID(*in.Project.GroupID),
		duplicatesetting.PackageTypeEQ(duplicatesetting.PackageType(in.Type))).Only(ctx)
	p := s.defaultDuplicatePolicy(in.Type)
	switch {
	case err == nil:
		p = DuplicatePolicy{Allowed: st.Allowed, ExceptionRegex: st.ExceptionRegex}
	case !ent.IsNotFound(err):
		return false, err
	}
	allowed, expr := p.Allowed, p.ExceptionRegex
	if expr == "" {
		return allowed, nil
	}
	re, err := regexp.Compile(`\A(?:` + expr + `)\z`)
	if err != nil {
		return allowed, nil // validated when saved; an old bad value must not block uploads
	}
	matches := re.MatchString(in.Name) || re.MatchString(in.Version)
	return allowed != matches, nil
}

// DuplicatesAllowed reports whether the project's group setting for the format lets
// a file name be uploaded again into the named version (for formats whose own notion
// of "the same file" goes beyond the exact name, such as timestamped snapshot builds).
func (s *Service) DuplicatesAllowed(ctx context.Context, p *ent.Project, t PackageType, name, version string) (bool, error) {
	p, err := s.canonicalProject(ctx, p)
	if err != nil {
		return false, err
	}
	return s.duplicatesAllowed(ctx, s.client, PublishFileInput{Project: p, Type: t, Name: name, Version: version})
}

// ErrDuplicate is GitLab's answer to a refused duplicate ("Duplicate package is not
// allowed"), for formats that detect duplicates themselves.
var ErrDuplicate = errDuplicate
