package registry

import (
	"context"
	"strconv"
	"strings"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/group"
	"github.com/pkgreg/registry/ent/membership"
	"github.com/pkgreg/registry/ent/project"
	"github.com/pkgreg/registry/ent/user"
)

var visibilityRank = map[string]int{"private": 0, "internal": 1, "public": 2}

func validVisibility(v string) bool { _, ok := visibilityRank[v]; return ok }

// errNamespaceNotFound answers a create into a namespace the caller may not use,
// whether or not it exists, so that creating never reveals a private path.
var errNamespaceNotFound = Errorf(ErrNotFound, "404 Namespace Not Found")

// pathFree checks that a full path is not taken, ignoring case, by a group, a project
// or (at the top level) a user: they share one URL space, and paths differing only in
// case would make prefix lookups ambiguous (SQLite's LIKE ignores case). Callers
// authorize the parent namespace first: only someone who may create there learns
// what it holds.
func (s *Service) pathFree(ctx context.Context, path string) error {
	n := 0
	if !strings.Contains(path, "/") {
		nu, err := s.client.User.Query().Where(user.UsernameEqualFold(path)).Count(ctx)
		if err != nil {
			return err
		}
		n += nu
	}
	ng, err := s.client.Group.Query().Where(group.FullPathEqualFold(path)).Count(ctx)
	if err != nil {
		return err
	}
	np, err := s.client.Project.Query().Where(project.FullPathEqualFold(path)).Count(ctx)
	if err != nil {
		return err
	}
	if n+ng+np > 0 {
		return Errorf(ErrConflict, "path %q has already been taken", path)
	}
	return nil
}

// CreateGroupInput describes a new group; FullPath "a/b" creates b inside a.
type CreateGroupInput struct {
	FullPath, Name, Visibility string
}

// CreateGroup creates a group. Top-level groups may be created by any user (not by
// the bots of access tokens); subgroups need Maintainer in the parent. The creator
// becomes Owner.
func (s *Service) CreateGroup(ctx context.Context, in CreateGroupInput) (*ent.Group, error) {
	defer forgetRoles(ctx) // the creator becomes Owner
	v := auth.FromContext(ctx)
	parentFull, path := parentPath(in.FullPath), in.FullPath[strings.LastIndexByte(in.FullPath, '/')+1:]
	var parent *ent.Group
	if parentFull == "" {
		if err := s.authorizeAccount(ctx, CreateTopLevelGroup); err != nil {
			return nil, err
		}
	} else {
		var err error
		if parent, err = s.namespaceGroup(ctx, parentFull, CreateProjects); err != nil {
			return nil, err
		}
	}
	if !validPath(path) {
		return nil, InvalidParam("path")
	}
	if in.Visibility == "" {
		in.Visibility = "private"
	}
	if !validVisibility(in.Visibility) {
		return nil, InvalidParam("visibility")
	}
	if parent != nil && visibilityRank[in.Visibility] > visibilityRank[parent.Visibility.String()] {
		return nil, Errorf(ErrInvalid, "visibility must not be more open than the parent group's (%s)", parent.Visibility)
	}
	if in.Name == "" {
		in.Name = path
	}
	if err := s.pathFree(ctx, in.FullPath); err != nil {
		return nil, err
	}
	var g *ent.Group
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		c := tx.Group.Create().SetPath(path).SetName(in.Name).SetFullPath(in.FullPath).
			SetVisibility(group.Visibility(in.Visibility))
		if parent != nil {
			c.SetParentID(parent.ID)
		}
		var err error
		if g, err = c.Save(ctx); err != nil {
			return dbError(err)
		}
		return tx.Membership.Create().SetUserID(v.UserID).SetGroupID(g.ID).SetRole(membership.RoleOwner).Exec(ctx)
	})
	return g, err
}

// namespaceGroup finds the group a create goes into and authorizes act there. A
// group the caller may not use answers like one that does not exist.
func (s *Service) namespaceGroup(ctx context.Context, fullPath string, act Action) (*ent.Group, error) {
	v := auth.FromContext(ctx)
	g, err := s.client.Group.Query().Where(group.FullPath(fullPath)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, deny(v, false, errNamespaceNotFound)
	} else if err != nil {
		return nil, err
	}
	if err := s.AuthorizeGroup(ctx, g, act); err != nil {
		if IsDenied(err) {
			return nil, deny(v, false, errNamespaceNotFound)
		}
		return nil, err
	}
	return g, nil
}

// personalNamespace returns the user whose personal namespace ns is, after checking
// that the viewer may create projects there (their own; anyone's for an
// administrator), or nil when ns is not a user. Users and groups share the top level
// of the URL space, so a name is never both.
func (s *Service) personalNamespace(ctx context.Context, ns string) (*ent.User, error) {
	if strings.Contains(ns, "/") {
		return nil, nil
	}
	u, err := s.client.User.Query().Where(user.Username(ns)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	v := auth.FromContext(ctx)
	act := CreatePersonalProject
	if u.ID != v.UserID {
		act = AdminInstance
	}
	if err := s.authorizeAccount(ctx, act); err != nil {
		return nil, deny(v, false, errNamespaceNotFound)
	}
	return u, nil
}

// CreateProjectInput describes a new project; FullPath is the namespace path plus the
// project path (a user's personal namespace is their username).
type CreateProjectInput struct {
	FullPath, Name, Visibility, PackageRegistryAccessLevel string
}

// CreateProject creates a project in a group (Maintainer there) or in the viewer's
// personal namespace (administrators: anyone's).
func (s *Service) CreateProject(ctx context.Context, in CreateProjectInput) (*ent.Project, error) {
	ns, path := parentPath(in.FullPath), in.FullPath[strings.LastIndexByte(in.FullPath, '/')+1:]
	if ns == "" {
		return nil, InvalidParam("path")
	}
	c := s.client.Project.Create()
	var g *ent.Group
	owner, err := s.personalNamespace(ctx, ns)
	switch {
	case err != nil:
		return nil, err
	case owner != nil:
		c.SetOwnerID(owner.ID)
	default:
		if g, err = s.namespaceGroup(ctx, ns, CreateProjects); err != nil {
			return nil, err
		}
		c.SetGroupID(g.ID)
	}
	if !validPath(path) {
		return nil, InvalidParam("path")
	}
	if in.Visibility == "" {
		in.Visibility = "private"
	}
	if !validVisibility(in.Visibility) {
		return nil, InvalidParam("visibility")
	}
	if g != nil && visibilityRank[in.Visibility] > visibilityRank[g.Visibility.String()] {
		return nil, Errorf(ErrInvalid, "visibility must not be more open than the group's (%s)", g.Visibility)
	}
	lvl, err := parseAccessLevel(in.PackageRegistryAccessLevel)
	if err != nil {
		return nil, err
	}
	if in.Name == "" {
		in.Name = path
	}
	if err := s.pathFree(ctx, in.FullPath); err != nil {
		return nil, err
	}
	p, err := c.SetPath(path).SetName(in.Name).SetFullPath(in.FullPath).
		SetVisibility(project.Visibility(in.Visibility)).SetPackageRegistryAccessLevel(lvl).Save(ctx)
	return p, dbError(err)
}

func parseAccessLevel(s string) (project.PackageRegistryAccessLevel, error) {
	switch s {
	case "", "private", "enabled":
		return project.PackageRegistryAccessLevelPrivate, nil
	case "disabled":
		return project.PackageRegistryAccessLevelDisabled, nil
	case "public":
		return project.PackageRegistryAccessLevelPublic, nil
	}
	return "", InvalidParam("package_registry_access_level")
}

// UpdateProjectInput changes project settings; nil fields stay as they are.
type UpdateProjectInput struct {
	Name, Visibility, PackageRegistryAccessLevel *string
}

// UpdateProject changes a project's settings (Maintainer). A project may not be more
// visible than its group, as at creation.
func (s *Service) UpdateProject(ctx context.Context, p *ent.Project, in UpdateProjectInput) (*ent.Project, error) {
	if err := s.AuthorizeProject(ctx, p, ManageProject); err != nil {
		return nil, err
	}
	changes := map[string]any{}
	if in.Name != nil {
		changes["name"] = map[string]any{"before": p.Name, "after": *in.Name}
	}
	var vis *project.Visibility
	if in.Visibility != nil {
		if !validVisibility(*in.Visibility) {
			return nil, InvalidParam("visibility")
		}
		if p.GroupID != nil {
			g, err := s.client.Group.Get(ctx, *p.GroupID)
			if err != nil {
				return nil, err
			}
			if visibilityRank[*in.Visibility] > visibilityRank[g.Visibility.String()] {
				return nil, Errorf(ErrInvalid, "visibility must not be more open than the group's (%s)", g.Visibility)
			}
		}
		v := project.Visibility(*in.Visibility)
		vis = &v
		changes["visibility"] = map[string]any{"before": p.Visibility.String(), "after": *in.Visibility}
	}
	var lvl *project.PackageRegistryAccessLevel
	if in.PackageRegistryAccessLevel != nil {
		l, err := parseAccessLevel(*in.PackageRegistryAccessLevel)
		if err != nil {
			return nil, err
		}
		lvl = &l
		changes["package_registry_access_level"] = map[string]any{"before": p.PackageRegistryAccessLevel.String(), "after": l.String()}
	}
	var out *ent.Project
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		var err error
		out, err = tx.Project.UpdateOne(p).SetNillableName(in.Name).SetNillableVisibility(vis).
			SetNillablePackageRegistryAccessLevel(lvl).Save(ctx)
		if err != nil || len(changes) == 0 {
			return err
		}
		return s.audit(ctx, tx, auditEvent{Action: AuditProjectSettings, TargetType: auditTargetProject, TargetID: p.ID,
			TargetPath: p.FullPath, Details: changes}.inProject(p))
	})
	return out, err
}

// ProjectByRef finds a project by numeric id or full path. It does not authorize:
// callers follow with AuthorizeProject.
func (s *Service) ProjectByRef(ctx context.Context, ref string) (*ent.Project, error) {
	p, err := s.projectByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, denyMissing(auth.FromContext(ctx), errProjectNotFound)
	}
	s.issue(ctx, p)
	return p, nil
}

// projectByRef is the project by id or path through the hot cache (nil: none).
func (s *Service) projectByRef(ctx context.Context, ref string) (*ent.Project, error) {
	p, err := s.hot.projects.load(ref, func() (*ent.Project, error) {
		q := s.client.Project.Query()
		if id, err := strconv.Atoi(ref); err == nil {
			q.Where(project.ID(id))
		} else {
			q.Where(project.FullPath(strings.Trim(ref, "/")))
		}
		p, err := q.Only(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return p, err
	}, nil)
	return copyProject(p), err
}

// GroupByRef finds a group by numeric id or full path, without authorizing.
func (s *Service) GroupByRef(ctx context.Context, ref string) (*ent.Group, error) {
	g, err := s.groupByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, denyMissing(auth.FromContext(ctx), errGroupNotFound)
	}
	s.issue(ctx, g)
	return g, nil
}

// groupByRef is the group by id or path through the hot cache (nil: none).
func (s *Service) groupByRef(ctx context.Context, ref string) (*ent.Group, error) {
	g, err := s.hot.groups.load(ref, func() (*ent.Group, error) {
		q := s.client.Group.Query()
		if id, err := strconv.Atoi(ref); err == nil {
			q.Where(group.ID(id))
		} else {
			q.Where(group.FullPath(strings.Trim(ref, "/")))
		}
		g, err := q.Only(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return g, err
	}, nil)
	return copyGroup(g), err
}

// VisibleProject finds a project the viewer may see.
func (s *Service) VisibleProject(ctx context.Context, ref string) (*ent.Project, error) {
	p, err := s.ProjectByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeProject(ctx, p, ReadNamespace); err != nil {
		return nil, err
	}
	return p, nil
}

// VisibleGroup finds a group the viewer may see.
func (s *Service) VisibleGroup(ctx context.Context, ref string) (*ent.Group, error) {
	g, err := s.GroupByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.AuthorizeGroup(ctx, g, ReadNamespace); err != nil {
		return nil, err
	}
	return g, nil
}
