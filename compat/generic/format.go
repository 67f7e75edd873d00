// Package generic implements GitLab's generic package registry: files uploaded with
// curl under a package name and version, and downloaded by the same URL.
// Protocol: https://docs.gitlab.com/user/packages/generic_packages/ (spec A1).
package generic

import (
	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// Format is the generic format: project-level uploads and downloads by path.
type Format struct {
	core *registry.Service
}

// New registers the generic format with the core and returns it.
func New(core *registry.Service) *Format {
	core.RegisterFormat(registry.FormatSpec{
		Type: registry.PackageTypeGeneric, MaxFileSize: 5 << 30, // GitLab's generic_packages_max_file_size
		DuplicateSetting: true, DuplicatesAllowedByDefault: true,
	})
	return &Format{core: core}
}

// Type is the generic package type.
func (f *Format) Type() registry.PackageType { return registry.PackageTypeGeneric }

// AuthPolicy: a read with a Basic credential that does not authenticate goes on as
// anonymous (GitLab's generic packages shared examples: public projects serve it).
func (f *Format) AuthPolicy() auth.Policy { return auth.Policy{Lenient: compat.LenientReads} }

// Mount serves the generic registry under /api/v4.
func (f *Format) Mount(r chi.Router) { r.Mount("/projects/{id}/packages/generic", f.routes()) }

// style is GitLab's REST shape.
var style = compat.Style{}

// errDuplicate is GitLab's refusal of a duplicate generic package (a bad_request!,
// spec/requests/api/generic_packages_spec.rb "when package duplicates are not allowed").
var errDuplicate = registry.BadRequest("Duplicate package is not allowed")
