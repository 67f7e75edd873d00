// Package maven implements the Maven repository layout (GitLab spec A4): mvn deploys
// with PUT and resolves with GET under groupId/artifactId/version/file.
// Protocol: https://docs.gitlab.com/user/packages/maven_repository/ and
// https://maven.apache.org/repository/layout.html.
package maven

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Format is the Maven format: its routes at the three levels and its service.
type Format struct {
	svc *Service
}

// New registers Maven with the core and returns the format.
func New(core *registry.Service) *Format {
	core.RegisterFormat(registry.FormatSpec{
		Type: registry.PackageTypeMaven, MaxFileSize: 3 << 30, // GitLab's maven_max_file_size
		DuplicateSetting: true, DuplicatesAllowedByDefault: true, Metadata: graphQLMetadata,
		Dependencies: dependencyLinks,
	})
	return &Format{svc: &Service{core: core}}
}

// Type is Maven's package type.
func (f *Format) Type() registry.PackageType { return registry.PackageTypeMaven }

// AuthPolicy: a read with a Basic credential or a Deploy-Token header that does not
// authenticate goes on as anonymous (GitLab's Maven API looks for a deploy token
// and finds none), so a public repository serves what a stale settings.xml asks.
func (f *Format) AuthPolicy() auth.Policy {
	return auth.Policy{Lenient: func(r *http.Request, c auth.Credential) bool {
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		return compat.LenientReads(r, c) || (read && c.Source == auth.FromDeployToken)
	}}
}

// Mount serves Maven at project, group and instance level under /api/v4.
func (f *Format) Mount(r chi.Router) {
	r.Mount("/projects/{id}/packages/maven", f.routes(compat.ProjectLevel))
	r.Mount("/groups/{id}/-/packages/maven", f.routes(compat.GroupLevel))
	r.Mount("/packages/maven", f.routes(compat.InstanceLevel))
}

// Coordinates is what a Maven version stores: GitLab's packages_maven_metadata row
// (app_group with dots, app_name, app_version, path).
type Coordinates struct {
	AppGroup   string  `json:"app_group"`
	AppName    string  `json:"app_name"`
	AppVersion *string `json:"app_version"`
	Path       string  `json:"path"`
	// Dependencies are those the version's pom declares, read when the pom is
	// uploaded.
	Dependencies []PomDependency `json:"dependencies,omitempty"`
}

// PomDependency is one <dependency> of a pom, as written (properties unexpanded).
type PomDependency struct {
	GroupID    string `json:"group_id" xml:"groupId"`
	ArtifactID string `json:"artifact_id" xml:"artifactId"`
	Version    string `json:"version,omitempty" xml:"version"`
	Scope      string `json:"scope,omitempty" xml:"scope"`
}

// coordinates are a package's, from its name ("com/acme/hello") and version ("" for
// the versionless package that holds an artifact-level maven-metadata.xml).
func coordinates(name, version string) Coordinates {
	c := Coordinates{AppName: name, Path: name}
	if i := lastSlash(name); i >= 0 {
		c.AppGroup, c.AppName = dots(name[:i]), name[i+1:]
	}
	if version != "" {
		c.AppVersion, c.Path = &version, name+"/"+version
	}
	return c
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func dots(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '/' {
			b[i] = '.'
		}
	}
	return string(b)
}

// Metadata is Maven's member of GraphQL's PackageMetadata union.
type Metadata struct {
	AppGroup   string
	AppName    string
	AppVersion *string
	Path       string
}

// IsPackageMetadata marks Metadata as a PackageMetadata union member.
func (Metadata) IsPackageMetadata() {}

func graphQLMetadata(v *ent.PackageVersion) (any, error) {
	c, err := registry.DecodeMetadata[Coordinates](v.Metadata)
	if err != nil {
		return nil, err
	}
	return &Metadata{AppGroup: c.AppGroup, AppName: c.AppName, AppVersion: c.AppVersion, Path: c.Path}, nil
}

// style is GitLab's REST shape (a refused duplicate is already GitLab's bad_request!,
// see duplicate).
var style = compat.Style{}

// dependencyLinks lists the dependencies a version's pom declares, each named as
// Maven packages are here ("com/acme/lib"), its version and a scope other than
// compile as the pattern.
func dependencyLinks(v *ent.PackageVersion) ([]registry.Dependency, error) {
	c, err := registry.DecodeMetadata[Coordinates](v.Metadata)
	if err != nil {
		return nil, err
	}
	out := make([]registry.Dependency, 0, len(c.Dependencies))
	for _, d := range c.Dependencies {
		pattern := d.Version
		if d.Scope != "" && d.Scope != "compile" {
			pattern = strings.TrimSpace(pattern + " (" + d.Scope + ")")
		}
		out = append(out, registry.Dependency{Name: strings.ReplaceAll(d.GroupID, ".", "/") + "/" + d.ArtifactID,
			VersionPattern: pattern, Type: "dependencies"})
	}
	return out, nil
}

// maxPom bounds the pom read for its dependencies; a larger one is stored unread.
const maxPom = 1 << 20

// pomDependencies reads the <dependencies> of a pom (none when it does not parse).
func pomDependencies(pom []byte) []PomDependency {
	var p struct {
		Dependencies []PomDependency `xml:"dependencies>dependency"`
	}
	if xml.Unmarshal(pom, &p) != nil {
		return nil
	}
	out := p.Dependencies[:0]
	for _, d := range p.Dependencies {
		if d.GroupID != "" && d.ArtifactID != "" {
			out = append(out, d)
		}
	}
	return out
}
