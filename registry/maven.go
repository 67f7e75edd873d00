package registry

import (
	"context"
	"io"
	"regexp"
	"strings"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/project"
)

// MavenMetadataFile is the name of Maven's repository metadata file.
const MavenMetadataFile = "maven-metadata.xml"

// mavenSnapshotParts finds the timestamp and build number that Maven writes into the
// file names of a SNAPSHOT build ("hello-1.1.0-20261121.232502-1.jar"); GitLab's
// MAVEN_SNAPSHOT_DYNAMIC_PARTS, whose greedy prefix picks the last occurrence.
var mavenSnapshotParts = regexp.MustCompile(`^.*(-\d{8}\.\d{6}-\d+)`)

// stripMavenSnapshot removes the timestamp and build number from a SNAPSHOT file name,
// so that two builds of the same file compare equal.
func stripMavenSnapshot(name string) string {
	m := mavenSnapshotParts.FindStringSubmatchIndex(name)
	if m == nil {
		return name
	}
	return name[:m[2]] + name[m[3]:]
}

func isMavenSnapshot(version string) bool { return strings.HasSuffix(version, "-SNAPSHOT") }

// PublishMavenInput is one file PUT into a Maven repository. The package is named by
// the repository path without the version ("com/acme/hello", as GitLab names it);
// Version is empty for the versionless package that holds an artifact-level
// maven-metadata.xml.
type PublishMavenInput struct {
	Project  *ent.Project
	Name     string
	Version  string
	FileName string
	Body     io.Reader
	Size     int64 // Content-Length, or -1
}

// mavenMetadata is the version's metadata as GitLab's packages_maven_metadata row
// (GraphQL's MavenMetadata): app_group with dots, app_name, app_version, path.
func mavenMetadata(name, version string) map[string]any {
	group, app := "", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		group, app = strings.ReplaceAll(name[:i], "/", "."), name[i+1:]
	}
	m := map[string]any{"app_group": group, "app_name": app, "app_version": nil, "path": name}
	if version != "" {
		m["app_version"], m["path"] = version, name+"/"+version
	}
	return m
}

// PublishMavenFile stores a deployed file (spec A4). maven-metadata.xml files can
// always be uploaded again; other files follow the group's Maven duplicate setting,
// and in a SNAPSHOT version two builds of one file (names equal once the timestamp
// and build number are stripped) count as duplicates, as in GitLab.
func (s *Service) PublishMavenFile(ctx context.Context, in PublishMavenInput) (*ent.PackageFile, error) {
	pub := PublishFileInput{
		Project: in.Project, Type: packageversion.PackageTypeMaven,
		Name: in.Name, Version: in.Version, FileName: in.FileName,
		Body: in.Body, Size: in.Size,
		Duplicates: DuplicatesBySetting,
		Metadata:   mavenMetadata(in.Name, in.Version),
	}
	switch {
	case in.Version == "" || in.FileName == MavenMetadataFile:
		pub.Duplicates = DuplicatesAllowed
	case isMavenSnapshot(in.Version):
		// PublishFile repeats this check for the exact name inside its transaction;
		// two concurrent builds of one SNAPSHOT file may both pass this one.
		if err := s.checkMavenSnapshotDuplicate(ctx, pub); err != nil {
			return nil, err
		}
	}
	return s.PublishFile(ctx, pub)
}

func (s *Service) checkMavenSnapshotDuplicate(ctx context.Context, in PublishFileInput) error {
	if err := s.AuthorizeProject(ctx, in.Project, CreatePackages); err != nil {
		return err
	}
	names, err := s.client.PackageFile.Query().Where(
		packagefile.StatusNEQ(packagefile.StatusPendingDestruction),
		packagefile.HasPackageWith(liveVersion(in.Project.ID, in.Type, in.Name, in.Version)...),
	).Select(packagefile.FieldFileName).Strings(ctx)
	if err != nil {
		return err
	}
	want := stripMavenSnapshot(in.FileName)
	for _, n := range names {
		if stripMavenSnapshot(n) != want {
			continue
		}
		allowed, err := s.duplicatesAllowed(ctx, s.client, in)
		if err != nil || allowed {
			return err
		}
		return errDuplicate
	}
	return nil
}

// MavenChecksumInput is a checksum PUT next to a deployed file.
type MavenChecksumInput struct {
	Project   *ent.Project
	Name      string
	Version   string
	FileName  string // the file the checksum is for
	Algorithm string // md5, sha1, sha256 or sha512
	Digest    string // lower-case hex
}

var errChecksumMismatch = Errorf(ErrConflict, "409 Conflict")

// VerifyMavenChecksum checks an uploaded checksum against the stored file instead of
// storing it, as GitLab does for SHA-1 (spec A4): nil when it matches, a conflict when
// it does not, not found when the file was never uploaded. MD5 is accepted unchecked
// once the caller may publish, as GitLab answers it (it cannot compute MD5 under FIPS).
func (s *Service) VerifyMavenChecksum(ctx context.Context, in MavenChecksumInput) error {
	if err := s.AuthorizeProject(ctx, in.Project, CreatePackages); err != nil {
		return err
	}
	if in.Algorithm == "md5" {
		return nil
	}
	f, err := s.client.PackageFile.Query().Where(
		packagefile.FileName(in.FileName), packagefile.StatusEQ(packagefile.StatusDefault),
		packagefile.HasPackageWith(liveVersion(in.Project.ID, packageversion.PackageTypeMaven, in.Name, in.Version)...),
	).Order(ent.Desc(packagefile.FieldCreatedAt), ent.Desc(packagefile.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return errFileNotFound
	} else if err != nil {
		return err
	}
	stored := map[string]string{"sha1": f.Sha1, "sha256": f.Sha256, "sha512": f.Sha512}[in.Algorithm]
	if stored == "" || !strings.EqualFold(stored, in.Digest) {
		return errChecksumMismatch
	}
	return nil
}

// FindMavenFileInput names one file of a Maven package in a scope.
type FindMavenFileInput struct {
	Scope    Scope
	Name     string
	Version  string // "" for the versionless package
	FileName string
}

// FindMavenFile returns the newest file with that name among the scope's versions
// that the viewer may read (one project, a group's projects, or the instance), with
// its package loaded. An anonymous caller who finds nothing is asked to authenticate,
// because Maven sends Basic credentials only after a 401 (GitLab's unauthorized_or!).
func (s *Service) FindMavenFile(ctx context.Context, in FindMavenFileInput) (*ent.PackageFile, error) {
	versions, err := s.mavenVersions(ctx, in.Scope, in.Name, packageversion.Version(in.Version))
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, mavenNotFound(ctx, errPackageNotFound)
	}
	ids := make([]int, len(versions))
	for i, v := range versions {
		ids[i] = v.ID
	}
	f, err := s.client.PackageFile.Query().Where(packagefile.PackageIDIn(ids...),
		packagefile.FileName(in.FileName), packagefile.StatusEQ(packagefile.StatusDefault)).
		WithPackage().Order(ent.Desc(packagefile.FieldCreatedAt), ent.Desc(packagefile.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, mavenNotFound(ctx, errFileNotFound)
	}
	return f, err
}

// MavenArtifact is what an artifact-level maven-metadata.xml is made from.
type MavenArtifact struct {
	// Versions are the artifact's readable versions in the scope (several projects
	// may hold the same version), oldest first.
	Versions []*ent.PackageVersion
	// Uploaded is the newest maven-metadata.xml uploaded at this path, if any: the
	// only content for a path without versions (a groupId's plugin metadata).
	Uploaded *ent.PackageFile
}

// FindMavenArtifact returns the versions of an artifact in the scope and the metadata
// file clients uploaded for it, if any.
func (s *Service) FindMavenArtifact(ctx context.Context, scope Scope, name string) (*MavenArtifact, error) {
	versions, err := s.mavenVersions(ctx, scope, name)
	if err != nil {
		return nil, err
	}
	out := &MavenArtifact{}
	var versionless []int
	for _, v := range versions {
		if v.Version == "" {
			versionless = append(versionless, v.ID)
		} else {
			out.Versions = append(out.Versions, v)
		}
	}
	if len(versionless) > 0 {
		f, err := s.client.PackageFile.Query().Where(packagefile.PackageIDIn(versionless...),
			packagefile.FileName(MavenMetadataFile), packagefile.StatusEQ(packagefile.StatusDefault)).
			WithPackage().Order(ent.Desc(packagefile.FieldCreatedAt), ent.Desc(packagefile.FieldID)).First(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, err
		}
		out.Uploaded = f
	}
	if len(out.Versions) == 0 && out.Uploaded == nil {
		return nil, mavenNotFound(ctx, errPackageNotFound)
	}
	return out, nil
}

// mavenNotFound is err for a signed-in caller and a 401 for an anonymous one.
func mavenNotFound(ctx context.Context, err error) error {
	if auth.FromContext(ctx).Kind == auth.Anonymous {
		return errUnauthorized
	}
	return err
}

// mavenVersions returns the installable Maven versions named name in the scope whose
// project the viewer may read, oldest first, with their project loaded. Projects are
// checked against the policy once each, with memberships loaded once. At instance
// level only the versions of the name's owner count (see tenantOwner), so that one
// tenant's upload never shadows another's artifact.
func (s *Service) mavenVersions(ctx context.Context, scope Scope, name string, where ...predicate.PackageVersion) ([]*ent.PackageVersion, error) {
	where = append(where, packageversion.PackageTypeEQ(packageversion.PackageTypeMaven),
		packageversion.NormalizedName(name), packageversion.StatusIn(installableStatuses...))
	switch {
	case scope.Project != nil:
		if err := s.AuthorizeProject(ctx, scope.Project, ReadPackages); err != nil {
			return nil, err
		}
		where = append(where, packageversion.ProjectID(scope.Project.ID))
	case scope.Group != nil:
		if err := s.AuthorizeGroup(ctx, scope.Group, ReadPackages); err != nil {
			return nil, err
		}
		where = append(where, packageversion.HasProjectWith(project.FullPathHasPrefix(scope.Group.FullPath+"/")))
	default:
		root, err := s.tenantOwner(ctx, packageversion.PackageTypeMaven, name, mavenGroupSegments(name))
		if err != nil {
			return nil, err
		}
		where = append(where, packageversion.HasProjectWith(project.FullPathHasPrefix(root+"/")))
	}
	versions, err := s.client.PackageVersion.Query().Where(where...).WithProject().
		Order(ent.Asc(packageversion.FieldCreatedAt), ent.Asc(packageversion.FieldID)).All(ctx)
	if err != nil || scope.Project != nil {
		return versions, err
	}
	return s.readableOnly(ctx, versions)
}

// mavenGroupSegments are the segments of a Maven package's groupId ("com/acme/hello"
// gives com and acme), which name its owner by Maven's naming convention.
func mavenGroupSegments(name string) []string {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return nil
	}
	return strings.Split(name[:i], "/")
}
