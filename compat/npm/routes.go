// Package npm implements the npm registry protocol (GitLab spec A2).
package npm

import (
	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// Routes serves the npm API at one level: /projects/{id}/packages/npm,
// /groups/{id}/-/packages/npm or /packages/npm.
func Routes(svc *registry.Service, level compat.Level) chi.Router {
	r := chi.NewRouter()
	_ = svc
	_ = level
	return r
}
