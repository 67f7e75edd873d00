package maven

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/pkgreg/registry/auth"
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
	ref := in.Path
	pub := registry.PublishFileInput{
		Project: in.Project, Type: registry.PackageTypeMaven,
		Name: ref.Name, Version: ref.Version, FileName: ref.FileName,
		Body: in.Body, Size: in.Size, Duplicates: registry.DuplicatesBySetting,
	}
	meta, err := registry.EncodeMetadata(coordinates(ref.Name, ref.Version))
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
			return nil, err
		}
	}
	return s.core.PublishFile(ctx, pub)
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
	q := query(registry.Scope{Project: in.Project}, in.Path.Name)
	q.Versions = []string{in.Path.Version}
	f, err := s.core.FindFile(ctx, registry.FileQuery{VersionQuery: q, FileName: in.Path.FileName})
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
// viewer may read. An anonymous caller who finds nothing is asked to authenticate,
// because Maven sends Basic credentials only after a 401 (GitLab's unauthorized_or!).
func (s *Service) File(ctx context.Context, sc registry.Scope, ref Path) (*ent.PackageFile, error) {
	q := query(sc, ref.Name)
	q.Versions = []string{ref.Version}
	f, err := s.core.FindFile(ctx, registry.FileQuery{VersionQuery: q, FileName: ref.FileName})
	if errors.Is(err, registry.ErrNotFound) {
		return nil, notFound(ctx, err)
	}
	return f, err
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
	doc, err := s.core.Document(ctx, registry.DocumentInput{
		Query: query(in.Scope, in.Path.Name), IfNoneMatch: in.IfNoneMatch,
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
	if errors.Is(err, registry.ErrNotFound) {
		return nil, notFound(ctx, err)
	}
	return doc, err
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
	q.With = registry.Edges{Files: true}
	versions, err := s.core.Versions(ctx, q)
	if err != nil {
		return nil, err
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
		return nil, notFound(ctx, errPackageNotFound)
	}
	return out, nil
}

func newer(a, b *ent.PackageFile) bool {
	return a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID)
}

var errPackageNotFound = registry.Errorf(registry.ErrNotFound, "404 Package Not Found")

// notFound is err for a signed-in caller and a 401 for an anonymous one.
func notFound(ctx context.Context, err error) error {
	if auth.FromContext(ctx).Kind == auth.Anonymous {
		return registry.Errorf(registry.ErrUnauthenticated, "401 Unauthorized")
	}
	return err
}
