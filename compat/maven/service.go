package maven

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Service is Maven over the registry's primitives: uploads by PUT, and the read path
// for files and artifact metadata at project, group and instance level.
type Service struct {
	core *registry.Service
}

// snapshotParts finds the timestamp and build number that Maven writes into the file
// names of a SNAPSHOT build ("hello-1.1.0-20261121.232502-1.jar"); GitLab's
// MAVEN_SNAPSHOT_DYNAMIC_PARTS, whose greedy prefix picks the last occurrence.
var snapshotParts = regexp.MustCompile(`^.*(-\d{8}\.\d{6}-\d+)`)

// stripSnapshot removes the timestamp and build number from a SNAPSHOT file name, so
// that two builds of the same file compare equal.
func stripSnapshot(name string) string {
	m := snapshotParts.FindStringSubmatchIndex(name)
	if m == nil {
		return name
	}
	return name[:m[2]] + name[m[3]:]
}

func isSnapshot(version string) bool { return strings.HasSuffix(version, "-SNAPSHOT") }

// query selects an artifact's versions in a scope. At instance level the name
// belongs to one root namespace: the one its groupId's segments name, else the first
// to publish it (registry.Tenant), so one tenant's upload never shadows another's.
func query(sc registry.Scope, name string) registry.VersionQuery {
	q := registry.VersionQuery{Scope: sc, Type: registry.PackageTypeMaven, Name: name}
	if i := lastSlash(name); i >= 0 {
		q.Tenant.Conventional = strings.Split(name[:i], "/")
	}
	return q
}

// PublishInput is one file PUT into a Maven repository.
type PublishInput struct {
	Project *ent.Project
	Path    Path
	Body    io.Reader
	Size    int64 // Content-Length, or -1
}

// Publish stores a deployed file (spec A4). maven-metadata.xml files can always be
// uploaded again; other files follow the group's Maven duplicate setting, and in a
// SNAPSHOT version two builds of one file (names equal once the timestamp and build
// number are stripped) count as duplicates, as in GitLab.
func (s *Service) Publish(ctx context.Context, in PublishInput) (*ent.PackageFile, error) {
	ref, err := s.target(ctx, in.Project, in.Path)
	if err != nil {
		return nil, err
	}
	in.Path = ref
	pub := registry.PublishFileInput{
		Project: in.Project, Type: registry.PackageTypeMaven,
		Name: ref.Name, Version: ref.Version, FileName: ref.FileName,
		Body: in.Body, Size: in.Size, Duplicates: registry.DuplicatesBySetting,
	}
	c := coordinates(ref.Name, ref.Version)
	if ref.Version != "" && strings.HasSuffix(ref.FileName, ".pom") {
		// The pom describes the version: its dependencies replace what the version held.
		head, err := io.ReadAll(io.LimitReader(in.Body, maxPom+1))
		if err != nil {
			return nil, fmt.Errorf("read pom: %w", err)
		}
		if len(head) <= maxPom {
			c.Dependencies, pub.ReplaceMetadata = pomDependencies(head), true
		}
		pub.Body = io.MultiReader(bytes.NewReader(head), in.Body)
	}
	meta, err := registry.EncodeMetadata(c)
	if err != nil {
		return nil, err
	}
	pub.Metadata = meta
	switch {
	case ref.Version == "" || ref.FileName == MetadataFile:
		pub.Duplicates = registry.DuplicatesAllowed
	case isSnapshot(ref.Version):
		// PublishFile repeats the check for the exact name inside its transaction;
		// two concurrent builds of one SNAPSHOT file may both pass this one.
		if err := s.checkSnapshotDuplicate(ctx, in); err != nil {
			return nil, duplicate(err)
		}
	}
	f, err := s.core.PublishFile(ctx, pub)
	return f, duplicate(err)
}

// duplicate is GitLab's answer to a refused duplicate: bad_request! with the
// service's message.
func duplicate(err error) error {
	if errors.Is(err, registry.ErrDuplicate) {
		return registry.BadRequest("Duplicate package is not allowed")
	}
	return err
}

// target is the package a deployed file joins. GitLab finds it by the file's
// directory first, so a file other than maven-metadata.xml joins the versionless
// package of its whole directory when the project has one (see Path.Versionless),
// and otherwise the version its directory names. A file directly in an artifact's
// directory can only join the versionless package, which must exist.
func (s *Service) target(ctx context.Context, p *ent.Project, ref Path) (Path, error) {
	alt, ok := ref, ref.Version == "" && !ref.Metadata()
	if !ok {
		if alt, ok = ref.Versionless(); !ok {
			return ref, nil
		}
	}
	if err := s.core.AuthorizeProject(ctx, p, registry.CreatePackages); err != nil {
		return ref, err
	}
	q := query(registry.Scope{Project: p}, alt.Name)
	q.Versions, q.Limit = []string{""}, 1
	found, err := s.core.Versions(ctx, q)
	switch {
	case err != nil:
		return ref, err
	case len(found) > 0:
		return alt, nil
	case ref.Version == "":
		return ref, registry.InvalidParam("path")
	}
	return ref, nil
}

func (s *Service) checkSnapshotDuplicate(ctx context.Context, in PublishInput) error {
	if err := s.core.AuthorizeProject(ctx, in.Project, registry.CreatePackages); err != nil {
		return err
	}
	q := query(registry.Scope{Project: in.Project}, in.Path.Name)
	q.Versions, q.With = []string{in.Path.Version}, registry.Edges{Files: true}
	versions, err := s.core.Versions(ctx, q)
	if err != nil {
		return err
	}
	want := stripSnapshot(in.Path.FileName)
	for _, v := range versions {
		for _, f := range v.Edges.Files {
			if stripSnapshot(f.FileName) != want {
				continue
			}
			allowed, err := s.core.DuplicatesAllowed(ctx, in.Project, registry.PackageTypeMaven, in.Path.Name, in.Path.Version)
			if err != nil || allowed {
				return err
			}
			return registry.ErrDuplicate
		}
	}
	return nil
}

// ChecksumInput is a checksum PUT next to a deployed file.
type ChecksumInput struct {
	Project   *ent.Project
	Path      Path
	Algorithm string // md5, sha1, sha256 or sha512
	Digest    string // lower-case hex
}

var errChecksumMismatch = registry.Errorf(registry.ErrConflict, "409 Conflict")

// VerifyChecksum checks an uploaded checksum against the stored file instead of
// storing it, as GitLab does for SHA-1 (spec A4): nil when it matches, a conflict when
// it does not, not found when the file was never uploaded. MD5 is accepted unchecked
// once the caller may publish, as GitLab answers it (it cannot compute MD5 under FIPS).
func (s *Service) VerifyChecksum(ctx context.Context, in ChecksumInput) error {
	if err := s.core.AuthorizeProject(ctx, in.Project, registry.CreatePackages); err != nil {
		return err
	}
	if in.Algorithm == "md5" {
		return nil
	}
	f, err := s.file(ctx, registry.Scope{Project: in.Project}, in.Path)
	if err != nil {
		return err
	}
	stored := map[string]string{"sha1": f.Sha1, "sha256": f.Sha256, "sha512": f.Sha512}[in.Algorithm]
	if stored == "" || !strings.EqualFold(stored, in.Digest) {
		return errChecksumMismatch
	}
	return nil
}

// File returns the newest file with that name among the scope's versions that the
// viewer may read, trying the versionless reading of the path (Path.Versionless)
// when its version has no such file. What is not there is answered as GitLab does
// (see miss).
func (s *Service) File(ctx context.Context, sc registry.Scope, ref Path) (*ent.PackageFile, error) {
	f, err := s.file(ctx, sc, ref)
	return f, miss(sc, err)
}

func (s *Service) file(ctx context.Context, sc registry.Scope, ref Path) (*ent.PackageFile, error) {
	f, err := s.findFile(ctx, sc, ref)
	if alt, ok := ref.Versionless(); ok && missing(err) {
		if g, altErr := s.findFile(ctx, sc, alt); !missing(altErr) {
			return g, altErr
		}
	}
	return f, err
}

func (s *Service) findFile(ctx context.Context, sc registry.Scope, ref Path) (*ent.PackageFile, error) {
	version := ref.Version
	if err := s.pathExists(ctx, sc, ref.Name, &version); err != nil {
		return nil, err
	}
	q := query(sc, ref.Name)
	q.Versions, q.Refuse = []string{ref.Version}, true
	return s.core.FindFile(ctx, registry.FileQuery{VersionQuery: q, FileName: ref.FileName})
}

// errNoPath is GitLab's instance-level answer to a path no package has: the
// failure its read authorization gives (forbidden!), whoever asks.
var errNoPath = registry.Errorf(registry.ErrForbidden, "403 Forbidden")

// pathExists: at instance level, a path no project holds is refused before anything
// is read (GitLab's path_exists?). version nil is any version of the name.
func (s *Service) pathExists(ctx context.Context, sc registry.Scope, name string, version *string) error {
	if sc.Project != nil || sc.Group != nil {
		return nil
	}
	holders, err := s.core.Holders(ctx, registry.PackageTypeMaven, name, version)
	if err != nil {
		return err
	}
	if len(holders) == 0 {
		return errNoPath
	}
	return nil
}

// missing reports whether a lookup found nothing, rather than being refused.
func missing(err error) bool {
	var r *registry.Refusal
	return errors.Is(err, errNoPath) || (errors.Is(err, registry.ErrNotFound) && !errors.As(err, &r))
}

var (
	errPackageNotFound = registry.Errorf(registry.ErrNotFound, "404 Package Not Found")
	// errNotFound is the instance level's answer to a file its package does not
	// have (Rails' RecordNotFound, which GitLab's API renders so).
	errNotFound = registry.Errorf(registry.ErrNotFound, "404 Not found")
)

// miss is GitLab's answer when a lookup finds nothing readable. In a project or
// group a package or file that is not there is "404 Package Not Found", to anyone
// who may read there (so Maven tries its next repository); a package that is there
// in a project the caller may not read is that project's refusal (to anonymous
// callers a 401, which makes Maven send its credentials), or the same 404 as a
// missing package to whoever may not see that project. At instance level a path
// no package has is 403, and so is any refusal but the 401 challenge: a 404 there
// would tell a path that exists from one that does not.
func miss(sc registry.Scope, err error) error {
	instance := sc.Project == nil && sc.Group == nil
	var r *registry.Refusal
	switch {
	case err == nil || errors.Is(err, errNoPath) || errors.Is(err, registry.ErrUnauthenticated):
		return err
	case instance && errors.As(err, &r):
		return errNoPath
	case !errors.Is(err, registry.ErrNotFound):
		return err
	case instance:
		return errNotFound
	}
	return errPackageNotFound
}

// errNoVersions: the artifact path holds only an uploaded maven-metadata.xml (a
// groupId's plugin list), which is served as uploaded.
var errNoVersions = errors.New("no versions at this path")

// MetadataInput asks for an artifact-level maven-metadata.xml, or its checksum.
type MetadataInput struct {
	Scope       registry.Scope
	Path        Path
	IfNoneMatch string
}

// Metadata renders the artifact-level maven-metadata.xml from every version the
// caller may read in the scope, through the documents primitive, so that it is right
// at group and instance level and after deletions, whatever clients uploaded. With a
// checksum path it is the document's digest. A path without versions returns
// errNoVersions: its uploaded file is the content (see Artifact).
func (s *Service) Metadata(ctx context.Context, in MetadataInput) (*registry.Document, error) {
	if err := s.pathExists(ctx, in.Scope, in.Path.Name, nil); err != nil {
		return nil, err
	}
	q := query(in.Scope, in.Path.Name)
	q.Refuse = true
	doc, err := s.core.Document(ctx, registry.DocumentInput{
		Query: q, IfNoneMatch: in.IfNoneMatch,
		Variant: "maven-metadata " + in.Path.GroupID + " " + in.Path.ArtifactID + " " + in.Path.Checksum,
		Build: func(d registry.DocumentData) ([]byte, error) {
			var versions []string
			var updated time.Time
			for _, v := range d.Versions {
				if v.Version == "" {
					continue
				}
				versions = append(versions, v.Version)
				if v.UpdatedAt.After(updated) {
					updated = v.UpdatedAt
				}
			}
			if len(versions) == 0 {
				return nil, errNoVersions
			}
			b := RenderArtifactMetadata(in.Path.GroupID, in.Path.ArtifactID, versions, updated)
			if in.Path.Checksum != "" {
				return []byte(Digest(in.Path.Checksum, b)), nil
			}
			return b, nil
		},
	})
	if errors.Is(err, errNoVersions) {
		return nil, err
	}
	return doc, miss(in.Scope, err)
}

// Artifact is what an artifact-level maven-metadata.xml is made from.
type Artifact struct {
	// Versions are the artifact's readable versions in the scope (several projects
	// may hold the same version), oldest first.
	Versions []*ent.PackageVersion
	// Uploaded is the newest maven-metadata.xml uploaded at this path, if any: the
	// only content for a path without versions (a groupId's plugin metadata).
	Uploaded *ent.PackageFile
}

// Artifact returns the versions of an artifact in the scope and the metadata file
// clients uploaded for it, if any.
func (s *Service) Artifact(ctx context.Context, sc registry.Scope, name string) (*Artifact, error) {
	q := query(sc, name)
	q.With, q.Refuse = registry.Edges{Files: true}, true
	versions, err := s.core.Versions(ctx, q)
	if err != nil {
		return nil, miss(sc, err)
	}
	out := &Artifact{}
	for _, v := range versions {
		if v.Version != "" {
			out.Versions = append(out.Versions, v)
			continue
		}
		for _, f := range v.Edges.Files { // newest first
			if f.FileName == MetadataFile && (out.Uploaded == nil || newer(f, out.Uploaded)) {
				f.Edges.Package = v
				out.Uploaded = f
				break
			}
		}
	}
	if len(out.Versions) == 0 && out.Uploaded == nil {
		return nil, miss(sc, errPackageNotFound)
	}
	return out, nil
}

func newer(a, b *ent.PackageFile) bool {
	return a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID)
}
