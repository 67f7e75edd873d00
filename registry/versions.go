package registry

import (
	"context"

	"github.com/pkgreg/registry/ent"
)

// Scope is where a client reads packages from: one project, a group (its projects and
// subgroups), or the whole instance (neither set).
type Scope struct {
	Project *ent.Project
	Group   *ent.Group
}

// ScopeFor resolves a project or group reference (numeric id or full path) for a
// read endpoint and checks that the viewer may see it. Both empty means the instance.
func (s *Service) ScopeFor(ctx context.Context, projectRef, groupRef string) (Scope, error) {
	switch {
	case projectRef != "":
		p, err := s.ProjectByRef(ctx, projectRef)
		if err != nil {
			return Scope{}, err
		}
		return Scope{Project: p}, s.AuthorizeProject(ctx, p, ReadPackages)
	case groupRef != "":
		g, err := s.GroupByRef(ctx, groupRef)
		if err != nil {
			return Scope{}, err
		}
		return Scope{Group: g}, s.AuthorizeGroup(ctx, g, ReadPackages)
	}
	return Scope{}, nil
}
