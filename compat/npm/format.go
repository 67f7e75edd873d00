// Package npm implements the npm registry protocol (GitLab spec A2): publish, install,
// dist-tags, deprecate, unpublish, view, search and audit, at project, group and
// instance level. Protocol: https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md,
// https://docs.gitlab.com/api/packages/npm/.
package npm

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Format is the npm format: its routes at the three levels and its service.
type Format struct {
	svc *Service
}

// New registers npm with the core and returns the format.
func New(core *registry.Service) *Format {
	core.RegisterFormat(registry.FormatSpec{
		Type: registry.PackageTypeNPM, MaxFileSize: 500 << 20, // GitLab's npm_max_file_size
		Metadata: graphQLMetadata, Dependencies: dependencyLinks,
	})
	return &Format{svc: &Service{core: core}}
}

// Service is the format's service, for tests that seed packages without HTTP.
func (f *Format) Service() *Service { return f.svc }

// Type is npm's package type.
func (f *Format) Type() registry.PackageType { return registry.PackageTypeNPM }

// Mount serves npm at project, group and instance level under /api/v4.
func (f *Format) Mount(r chi.Router) {
	r.Mount("/projects/{id}/packages/npm", f.routes(compat.ProjectLevel))
	r.Mount("/groups/{id}/-/packages/npm", f.routes(compat.GroupLevel))
	r.Mount("/packages/npm", f.routes(compat.InstanceLevel))
}

// Manifest is what an npm version stores: its package.json as published, without
// the fields GitLab drops (readme and friends).
type Manifest map[string]any

// Metadata is npm's member of GraphQL's PackageMetadata union.
type Metadata struct {
	PackageJSON map[string]any
	Deprecated  *string
	Readme      *string
}

// IsPackageMetadata marks Metadata as a PackageMetadata union member.
func (Metadata) IsPackageMetadata() {}

func graphQLMetadata(v *ent.PackageVersion) (any, error) {
	m, err := registry.DecodeMetadata[Manifest](v.Metadata)
	if err != nil {
		return nil, err
	}
	readme, _ := m[readmeKey].(string)
	delete(m, readmeKey)
	out := &Metadata{PackageJSON: m, Readme: compat.NonEmpty(readme)}
	if msg := Deprecation(v); msg != "" {
		out.Deprecated = &msg
	}
	return out, nil
}

// dependencyTypes are the package.json maps of dependencies, by GitLab's
// dependency type, in the order they are listed.
var dependencyTypes = []string{"dependencies", "devDependencies", "bundleDependencies", "peerDependencies"}

// dependencyLinks lists the dependencies a version's package.json names, each map's
// names in order (bundleDependencies may be a list of names, without ranges).
func dependencyLinks(v *ent.PackageVersion) ([]registry.Dependency, error) {
	m, err := registry.DecodeMetadata[Manifest](v.Metadata)
	if err != nil {
		return nil, err
	}
	var out []registry.Dependency
	for _, typ := range dependencyTypes {
		switch deps := m[typ].(type) {
		case map[string]any:
			names := make([]string, 0, len(deps))
			for n := range deps {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				pattern, _ := deps[n].(string)
				out = append(out, registry.Dependency{Name: n, VersionPattern: pattern, Type: typ})
			}
		case []any:
			for _, n := range deps {
				if name, ok := n.(string); ok {
					out = append(out, registry.Dependency{Name: name, Type: typ})
				}
			}
		}
	}
	return out, nil
}

// manifest decodes a version's stored package.json (nil when it has none).
func manifest(v *ent.PackageVersion) Manifest {
	m, _ := registry.DecodeMetadata[Manifest](v.Metadata)
	return m
}

// Deprecation returns the deprecation message of a version, or "". Versions
// deprecated before messages moved to the status kept theirs in the manifest.
func Deprecation(v *ent.PackageVersion) string {
	if v.Status != registry.StatusDeprecated {
		return ""
	}
	if v.StatusMessage != "" {
		return v.StatusMessage
	}
	msg, _ := manifest(v)["deprecated"].(string)
	return msg
}

// Errors with GitLab's npm wording.
var (
	errVersionExists = registry.Errorf(registry.ErrConflict, "Package already exists.")
	// errVersionTaken is the model validation GitLab runs when another project of the
	// root namespace holds the version of a name that follows the naming convention.
	errVersionTaken = registry.Errorf(registry.ErrInvalid, "Validation failed: Package already exists")
	errNotFound     = registry.Errorf(registry.ErrNotFound, "404 Package Not Found")
	// GitLab's model validations of a new npm package.
	errInvalidName = registry.Errorf(registry.ErrInvalid,
		"Validation failed: Name should be a valid NPM package name: https://github.com/npm/validate-npm-package-name#naming-rules.")
	errSemVer = registry.Errorf(registry.ErrInvalid, "Validation failed: Version should follow SemVer: https://semver.org")
	// errNoProject is what GitLab's group and instance endpoints answer when no
	// package names the project a request needs (audit).
	errNoProject = registry.Errorf(registry.ErrNotFound, "404 Project Not Found")
)

// notGiven is GitLab's bad_request_missing_attribute!.
func notGiven(attribute string) error { return registry.BadRequest("%q not given", attribute) }

// style is how GitLab's npm API answers errors: {"message":m,"error":e}, where e is
// the reason without its status ("Project not found" for "404 Project Not Found");
// a parameter that failed validation is Grape's {"error":"<param> ..."}. An existing
// version is a 403; an oversize tarball is a 400.
var style = compat.Style{
	Overrides: []compat.Override{
		{Err: registry.ErrConflict, Status: http.StatusForbidden},
		{Err: registry.ErrTooLarge, Status: http.StatusBadRequest},
	},
	Body: func(_ int, msg string, e *registry.Error) any {
		if e != nil && e.Param != "" {
			return map[string]string{"error": msg}
		}
		return map[string]string{"message": msg, "error": reason(msg)}
	},
}

// reason is the "error" member GitLab's npm API sends beside a message: the text of
// bad_request! without its prefix, a not_found! as "<Resource> not found".
func reason(msg string) string {
	if r, ok := strings.CutPrefix(msg, "400 Bad request - "); ok {
		return r
	}
	if r, ok := strings.CutPrefix(msg, "404 "); ok {
		if what, ok := strings.CutSuffix(r, " Not Found"); ok && what != "" {
			return what[:1] + strings.ToLower(what[1:]) + " not found"
		}
	}
	return msg
}

func writeError(w http.ResponseWriter, r *http.Request, err error) { style.WriteError(w, r, err) }

func writeStatus(w http.ResponseWriter, r *http.Request, status int, msg string) {
	style.WriteStatus(w, r, status, msg)
}
