package npm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Service is npm over the registry's primitives: the read path and documents for
// packuments, uploads for publish, tags for dist-tags, version status for
// deprecate, and version deletion for unpublish.
type Service struct {
	core *registry.Service
}

// MaxManifest is GitLab's limit on the stored package.json, in bytes.
const MaxManifest = 20000

// droppedFields are the package.json fields GitLab does not keep.
var droppedFields = []string{"readme", "readmeFilename", "licenseText", "contributors", "exports", "_attachments", "deprecated"}

// query selects a package's versions in a scope. A group reads its projects and
// subgroups, whatever the name; the instance reads the projects of the root namespace
// the package's scope names (GitLab's naming convention), so it needs a scoped name.
func query(sc registry.Scope, name string) (registry.VersionQuery, error) {
	// A package there that the caller may not read is refused, not absent (GitLab's
	// namespace endpoints: unauthorized! or forbidden!), so that npm sends its token.
	q := registry.VersionQuery{Scope: sc, Type: registry.PackageTypeNPM, Name: name, Refuse: sc.Project == nil}
	if sc.Project == nil && sc.Group == nil {
		scope := ScopeOf(name)
		if scope == "" {
			return q, errNotFound
		}
		q.Tenant = registry.Tenant{Conventional: []string{scope}, Strict: true}
	}
	return q, nil
}

// Package is what a packument is rendered from.
type Package struct {
	Name string
	// Rev changes whenever the package changes (CouchDB's _rev, for npm unpublish).
	Rev string
	// Versions are oldest first, one per version string (at group and instance level
	// the most recent publication wins). Edges.Files[0] is the tarball.
	Versions []*ent.PackageVersion
	// DistTags maps a tag to a version of Versions; "latest" is always set.
	DistTags map[string]string
}

// assemble turns the readable versions of a package into its packument's content.
func assemble(name, rev string, rows []*ent.PackageVersion) (*Package, error) {
	pkg := &Package{Name: name, Rev: rev, DistTags: map[string]string{}}
	// The newest publication of a version string wins (rows are oldest first).
	byVersion := map[string]int{}
	for _, v := range rows {
		if len(v.Edges.Files) == 0 {
			continue
		}
		if i, ok := byVersion[v.Version]; ok {
			pkg.Versions[i] = v
			continue
		}
		byVersion[v.Version] = len(pkg.Versions)
		pkg.Versions = append(pkg.Versions, v)
	}
	if len(pkg.Versions) == 0 {
		return nil, errNotFound
	}
	tagged := map[string]time.Time{}
	for _, v := range pkg.Versions {
		for _, t := range v.Edges.Tags {
			if at, seen := tagged[t.Name]; !seen || t.UpdatedAt.After(at) {
				tagged[t.Name] = t.UpdatedAt
				pkg.DistTags[t.Name] = v.Version
			}
		}
	}
	if _, ok := pkg.DistTags["latest"]; !ok {
		pkg.DistTags["latest"] = highest(pkg.Versions)
	}
	return pkg, nil
}

// highest is the highest release version, or the highest version when all are
// pre-releases: what npm takes as latest when no tag says otherwise.
func highest(versions []*ent.PackageVersion) string {
	best, bestRelease := "", ""
	for _, v := range versions {
		if best == "" || registry.VersionSortKey(v.Version) > registry.VersionSortKey(best) {
			best = v.Version
		}
		if isRelease(v.Version) && (bestRelease == "" || registry.VersionSortKey(v.Version) > registry.VersionSortKey(bestRelease)) {
			bestRelease = v.Version
		}
	}
	if bestRelease != "" {
		return bestRelease
	}
	return best
}

func isRelease(v string) bool {
	for i := 0; i < len(v) && v[i] != '+'; i++ {
		if v[i] == '-' {
			return false
		}
	}
	return true
}

// PackumentInput asks for one package's document.
type PackumentInput struct {
	Scope       registry.Scope
	Name        string
	TarballBase string
	Abbreviated bool
	IfNoneMatch string
}

// Packument returns the document of one package through the documents primitive.
func (s *Service) Packument(ctx context.Context, in PackumentInput) (*registry.Document, error) {
	q, err := query(in.Scope, in.Name)
	if err != nil {
		return nil, err
	}
	q.With = registry.Edges{Files: true, Tags: true}
	return s.core.Document(ctx, registry.DocumentInput{
		Query: q, Variant: fmt.Sprintf("npm %v %s", in.Abbreviated, in.TarballBase), IfNoneMatch: in.IfNoneMatch,
		Build: func(d registry.DocumentData) ([]byte, error) {
			pkg, err := assemble(in.Name, d.Revision, d.Versions)
			if err != nil {
				return nil, err
			}
			return RenderPackument(RenderInput{Package: pkg, TarballBase: in.TarballBase, Abbreviated: in.Abbreviated})
		},
	})
}

// load reads a package without the documents cache (dist-tags).
func (s *Service) load(ctx context.Context, sc registry.Scope, name string) (*Package, error) {
	q, err := query(sc, name)
	if err != nil {
		return nil, err
	}
	q.With = registry.Edges{Files: true, Tags: true}
	rows, err := s.core.Versions(ctx, q)
	if err != nil {
		return nil, err
	}
	return assemble(name, "", rows)
}

// Tarball returns the tarball of one version read through a scope: the newest
// readable publication of it.
func (s *Service) Tarball(ctx context.Context, sc registry.Scope, name, version string) (*ent.PackageFile, error) {
	q, err := query(sc, name)
	if err != nil {
		return nil, err
	}
	q.Versions = []string{version}
	return s.core.FindFile(ctx, registry.FileQuery{VersionQuery: q, FileName: TarballName(name, version)})
}

// unchallenged is err for a route that does not challenge anonymous callers (GitLab's
// tarball route): what they may not see is not found.
func unchallenged(err error) error {
	if d, ok := registry.AnonymousDenial(err); ok && d.Hidden {
		return d.NotFound
	}
	return err
}

// PublishInput is one `npm publish`: the parsed document and its received tarball.
type PublishInput struct {
	Upload  *registry.Upload
	Doc     *Publish
	Tarball *registry.Received
}

// Publish stores a new version and points its dist-tags at it, in one transaction,
// and returns the id of the package version. A version that exists already in the
// project is refused (403, as GitLab), and so is one that another project of the root
// namespace holds of a name following the naming convention (400).
func (s *Service) Publish(ctx context.Context, in PublishInput) (int, error) {
	d := in.Doc
	if !ValidName(d.Name) {
		return 0, errInvalidName
	}
	if d.Version == "" {
		return 0, registry.Errorf(registry.ErrInvalid, "Version is empty.")
	}
	if !ValidVersion(d.Version) {
		return 0, errSemVer
	}
	tags := make([]string, 0, len(d.DistTags))
	for tag, v := range d.DistTags {
		if !ValidTag(tag) {
			return 0, registry.Errorf(registry.ErrInvalid, "Tag %q is invalid.", tag)
		}
		if v != d.Version {
			return 0, registry.Errorf(registry.ErrInvalid, "Tag %q must point at the published version %s.", tag, d.Version)
		}
		tags = append(tags, tag)
	}
	m, err := storedManifest(d.PackageJSON)
	if err != nil {
		return 0, err
	}
	project := in.Upload.Project()
	if err := s.checkVersion(ctx, project, d.Name, d.Version); err != nil {
		return 0, err
	}
	files, err := in.Upload.Publish(ctx, registry.UploadVersion{Name: d.Name, Version: d.Version, Metadata: m, Tags: tags},
		registry.UploadFile{File: in.Tarball, FileName: TarballName(d.Name, d.Version), Size: -1,
			Expect:     registry.Digests{SHA1: d.SHA1, SHA512: d.SHA512},
			Duplicates: registry.DuplicateFileRejected, DuplicateError: errVersionExists})
	if err != nil {
		return 0, fmt.Errorf("publish %s@%s: %w", d.Name, d.Version, err)
	}
	return files[0].PackageID, nil
}

// storedManifest drops what GitLab does not keep and enforces its size limit.
func storedManifest(pj map[string]any) (Manifest, error) {
	out := make(Manifest, len(pj))
	for k, v := range pj {
		out[k] = v
	}
	for _, k := range droppedFields {
		delete(out, k) // "deprecated" only `npm deprecate` sets
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, registry.Errorf(registry.ErrInvalid, "package.json is invalid.")
	}
	if len(b) > MaxManifest {
		return nil, registry.Errorf(registry.ErrInvalid,
			"Validation failed: Package json structure is too large. Maximum size is %d characters", MaxManifest)
	}
	// The readme is kept beside the package.json, for the UI's package page only
	// (packuments render chosen fields, so it never reaches a client).
	if readme, ok := pj["readme"].(string); ok && readme != "" {
		out[readmeKey] = truncateRunes(readme, MaxReadme)
	}
	return out, nil
}

// MaxReadme bounds the kept readme, in characters.
const MaxReadme = 65536

// readmeKey holds the readme in a stored manifest; no package.json field starts
// with an underscore that the registry keeps.
const readmeKey = "_readme"

// truncateRunes cuts s to at most n characters, on a character boundary.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// checkVersion refuses a version that already exists in the project (403). With
// GitLab's npm_allow_packages_in_multiple_projects (on by default) a name may live in
// several projects of a root namespace; only when the name follows the naming
// convention (its scope is the root namespace) is a version another project of the
// namespace holds refused, by GitLab's model validation (400).
func (s *Service) checkVersion(ctx context.Context, p *ent.Project, name, version string) error {
	same, err := s.core.Holders(ctx, registry.PackageTypeNPM, name, &version)
	if err != nil {
		return err
	}
	root := rootOf(p.FullPath)
	conventional := strings.EqualFold(ScopeOf(name), root)
	taken := false
	for _, h := range same {
		if h.ProjectID == p.ID {
			return errVersionExists
		}
		taken = taken || (conventional && strings.EqualFold(rootOf(h.ProjectPath), root))
	}
	if taken {
		return errVersionTaken
	}
	return nil
}

func rootOf(path string) string {
	root, _, _ := strings.Cut(path, "/")
	return root
}

// Deprecate applies `npm deprecate`: versions with a message become deprecated,
// versions with an empty one return to default (destroy permission).
func (s *Service) Deprecate(ctx context.Context, p *ent.Project, name string, messages map[string]string) error {
	return s.core.SetVersionStatus(ctx, registry.VersionStatusInput{Project: p, Type: registry.PackageTypeNPM,
		Name: name, Messages: messages, Status: registry.StatusDeprecated})
}

// UnpublishInput removes versions of a package from a project.
type UnpublishInput struct {
	Name string
	// Versions to remove; nil removes the whole package.
	Versions []string
	// Keep, when not nil, lists the versions to keep instead (the document `npm
	// unpublish name@version` sends back without the version it removes).
	Keep []string
	// DistTags, when not nil, are the package's dist-tags after the removal.
	DistTags map[string]string
}

// Unpublish marks versions for destruction (destroy permission).
func (s *Service) Unpublish(ctx context.Context, p *ent.Project, in UnpublishInput) error {
	retag := map[string]string{}
	for tag, v := range in.DistTags {
		if ValidTag(tag) {
			retag[tag] = v
		}
	}
	if in.DistTags == nil {
		retag = nil
	}
	_, err := s.core.DeleteVersions(ctx, registry.DeleteVersionsInput{Project: p, Type: registry.PackageTypeNPM,
		Name: in.Name, Versions: in.Versions, Keep: in.Keep, Retag: retag})
	return err
}

// DistTags returns a package's dist-tags as `npm dist-tag ls` reads them.
func (s *Service) DistTags(ctx context.Context, sc registry.Scope, name string) (map[string]string, error) {
	pkg, err := s.load(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	return pkg.DistTags, nil
}

// owner finds the project a dist-tag change through a scope applies to: the project
// itself at project level (authorized before the package is looked for, as GitLab),
// else the newest readable publication of the package (of that version, when given).
func (s *Service) owner(ctx context.Context, sc registry.Scope, name, version string) (*ent.Project, error) {
	if sc.Project != nil {
		return sc.Project, nil
	}
	q, err := query(sc, name)
	if err != nil {
		return nil, err
	}
	if version != "" {
		q.Versions = []string{version}
	}
	q.Newest, q.Limit = true, 200
	rows, err := s.core.Versions(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errNotFound
	}
	return rows[0].Edges.Project, nil
}

// SetTag points a dist-tag at a version (create permission in the version's project).
func (s *Service) SetTag(ctx context.Context, sc registry.Scope, name, tag, version string) error {
	p, err := s.owner(ctx, sc, name, version)
	if err != nil {
		return err
	}
	return s.core.SetTag(ctx, registry.TagInput{Project: p, Type: registry.PackageTypeNPM, Name: name, Tag: tag, Version: version})
}

// RemoveTag removes a dist-tag (destroy permission in the package's project).
func (s *Service) RemoveTag(ctx context.Context, sc registry.Scope, name, tag string) error {
	p, err := s.owner(ctx, sc, name, "")
	if err != nil {
		return err
	}
	return s.core.RemoveTag(ctx, registry.TagInput{Project: p, Type: registry.PackageTypeNPM, Name: name, Tag: tag})
}

// Audit authorizes an npm audit in a scope. Like every npm write, it needs a
// credential (GitLab's authenticate_non_get!); it reads the project's packages. A
// group or the instance has no project to read without a package name, so GitLab
// answers that no project was found.
func (s *Service) Audit(ctx context.Context, sc registry.Scope) error {
	if auth.FromContext(ctx).Kind == auth.Anonymous {
		return registry.Errorf(registry.ErrUnauthenticated, "401 Unauthorized")
	}
	if sc.Project == nil {
		return errNoProject
	}
	return s.core.AuthorizeProject(ctx, sc.Project, registry.ReadPackages)
}

// searchRows bounds how many versions one search reads.
const searchRows = 5000

// SearchHits is one page of matching packages, each as its highest version.
type SearchHits struct {
	Total    int
	Packages []*ent.PackageVersion
}

// Search finds readable packages whose name contains every word of the text.
func (s *Service) Search(ctx context.Context, sc registry.Scope, words []string, from, size int) (*SearchHits, error) {
	rows, err := s.core.Versions(ctx, registry.VersionQuery{Scope: sc, Type: registry.PackageTypeNPM, Terms: words,
		Statuses: []registry.Status{registry.StatusDefault, registry.StatusDeprecated},
		With:     registry.Edges{Creator: true}, ByName: true, Limit: searchRows})
	if err != nil {
		return nil, err
	}
	var out []*ent.PackageVersion
	for _, v := range rows {
		if n := len(out); n > 0 && out[n-1].Name == v.Name {
			if registry.VersionSortKey(v.Version) > registry.VersionSortKey(out[n-1].Version) {
				out[n-1] = v
			}
			continue
		}
		out = append(out, v)
	}
	res := &SearchHits{Total: len(out)}
	from = min(max(from, 0), len(out))
	if size <= 0 || size > 250 {
		size = 20
	}
	res.Packages = out[from:min(from+size, len(out))]
	return res, nil
}
