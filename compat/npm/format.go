// Package npm implements the npm registry protocol (GitLab spec A2): publish, install,
// dist-tags, deprecate, unpublish, view, search and audit, at project, group and
// instance level. Protocol: https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md,
// https://docs.gitlab.com/api/packages/npm/.
package npm

import (
	"net/http"

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
		Metadata: graphQLMetadata,
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
}

// IsPackageMetadata marks Metadata as a PackageMetadata union member.
func (Metadata) IsPackageMetadata() {}

func graphQLMetadata(v *ent.PackageVersion) (any, error) {
	m, err := registry.DecodeMetadata[Manifest](v.Metadata)
	if err != nil {
		return nil, err
	}
	out := &Metadata{PackageJSON: m}
	if msg := Deprecation(v); msg != "" {
		out.Deprecated = &msg
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
	errNameTaken     = registry.Errorf(registry.ErrConflict, "Package already exists in another project of this namespace.")
	errNotFound      = registry.Errorf(registry.ErrNotFound, "404 Package Not Found")
)

// style is how GitLab's npm API answers errors: {"message":m,"error":m}; an existing
// version is a 403, a name another project holds and an oversize tarball are 400s.
var style = compat.Style{
	Overrides: []compat.Override{
		{Err: errNameTaken, Status: http.StatusBadRequest},
		{Err: registry.ErrConflict, Status: http.StatusForbidden},
		{Err: registry.ErrTooLarge, Status: http.StatusBadRequest},
	},
	Body: func(_ int, msg string, _ *registry.Error) any { return map[string]string{"message": msg, "error": msg} },
}

func writeError(w http.ResponseWriter, r *http.Request, err error) { style.WriteError(w, r, err) }

func writeStatus(w http.ResponseWriter, r *http.Request, status int, msg string) {
	style.WriteStatus(w, r, status, msg)
}
