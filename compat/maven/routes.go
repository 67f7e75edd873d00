// Package maven implements the Maven repository layout (GitLab spec A4).
package maven

import (
	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// Routes serves the Maven repository at one level: /projects/{id}/packages/maven,
// /groups/{id}/-/packages/maven or /packages/maven.
func Routes(svc *registry.Service, level compat.Level) chi.Router {
	r := chi.NewRouter()
	_ = svc
	_ = level
	return r
}
