package registry

import (
	"context"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/membership"
	"github.com/pkgreg/registry/ent/predicate"
	"github.com/pkgreg/registry/ent/user"
)

var (
	errUserNotFound   = Errorf(ErrNotFound, "404 User Not Found")
	errMemberNotFound = Errorf(ErrNotFound, "404 Member Not Found")
	errAboveOwnRole   = Errorf(ErrForbidden, "403 Forbidden - you cannot manage a member whose role is above yours, nor grant a role above your own")
	errLastOwner      = Errorf(ErrInvalid, "A group must have at least one owner")
)

// MembershipInput grants a user a role in a project or a group (exactly one).
type MembershipInput struct {
	Username    string
	ProjectPath string
	GroupPath   string
	Role        string
	// ExpiresAt, when set, ends the membership then (it must be in the future); a
	// change without it keeps the membership's expiry.
	ExpiresAt *time.Time
}

// memberTarget is the project or group a membership change applies to, with the
// viewer's own role there, after ManageMembers was authorized.
type memberTarget struct {
	projectID, groupID *int
	own                Role
	// path is the project's or group's full path and projectGroup a project's own
	// group, for audit events.
	path         string
	projectGroup *int
}

// event places an audit event in the target's project or group.
func (t *memberTarget) event(e auditEvent) auditEvent {
	e.ProjectID, e.GroupID = t.projectID, t.groupID
	if t.projectID != nil {
		e.GroupID = t.projectGroup
	}
	return e
}

// memberTarget authorizes ManageMembers on the project or group the input names
// (project Maintainer, group Owner), before anything about the member is read.
func (s *Service) memberTarget(ctx context.Context, in MembershipInput) (*memberTarget, error) {
	c, err := s.checker(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case in.ProjectPath != "" && in.GroupPath == "":
		p, err := s.ProjectByRef(ctx, in.ProjectPath)
		if err != nil {
			return nil, err
		}
		if err := c.authorizeProject(ctx, p, ManageMembers); err != nil {
			return nil, err
		}
		a, err := c.projectAccess(ctx, p)
		if err != nil {
			return nil, err
		}
		return &memberTarget{projectID: &p.ID, own: a.role, path: p.FullPath, projectGroup: p.GroupID}, nil
	case in.GroupPath != "" && in.ProjectPath == "":
		g, err := s.GroupByRef(ctx, in.GroupPath)
		if err != nil {
			return nil, err
		}
		if err := c.authorizeGroup(g, ManageMembers); err != nil {
			return nil, err
		}
		return &memberTarget{groupID: &g.ID, own: c.groupAccess(g).role, path: g.FullPath}, nil
	}
	return nil, Errorf(ErrInvalid, "give exactly one of a project and a group")
}

// member returns the user the input names and their direct membership of the
// target (nil when they have none).
func (s *Service) member(ctx context.Context, c *ent.Client, t *memberTarget, username string) (*ent.User, *ent.Membership, error) {
	u, err := c.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, errUserNotFound
	} else if err != nil {
		return nil, nil, err
	}
	q := c.Membership.Query().Where(membership.UserID(u.ID))
	if t.projectID != nil {
		q.Where(membership.ProjectID(*t.projectID))
	} else {
		q.Where(membership.GroupID(*t.groupID))
	}
	m, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return u, nil, nil
	}
	return u, m, err
}

func memberRole(m *ent.Membership) Role {
	if m == nil {
		return NoRole
	}
	return roleNames[m.Role.String()]
}

// keepsAnOwner refuses a change that would leave a group without a direct Owner.
func keepsAnOwner(ctx context.Context, tx *ent.Tx, t *memberTarget, m *ent.Membership, next Role) error {
	if t.groupID == nil || m == nil || m.Role != membership.RoleOwner || next == Owner {
		return nil
	}
	n, err := tx.Membership.Query().Where(membership.GroupID(*t.groupID), membership.RoleEQ(membership.RoleOwner),
		membership.IDNEQ(m.ID)).Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errLastOwner
	}
	return nil
}

// SetMembership adds or changes a membership. Maintainers manage project members and
// Owners group members; nobody changes a member whose role is above their own, nor
// grants a role above it (memberChangeAllowed).
func (s *Service) SetMembership(ctx context.Context, in MembershipInput) (*ent.Membership, error) {
	defer forgetRoles(ctx)
	t, err := s.memberTarget(ctx, in)
	if err != nil {
		return nil, err
	}
	role, ok := ParseRole(in.Role)
	if !ok {
		return nil, InvalidParam("access_level")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return nil, Errorf(ErrInvalid, "expires_at must be in the future")
	}
	var out *ent.Membership
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		u, m, err := s.member(ctx, tx.Client(), t, in.Username)
		if err != nil {
			return err
		}
		if !memberChangeAllowed(t.own, memberRole(m), role) {
			return errAboveOwnRole
		}
		if err := keepsAnOwner(ctx, tx, t, m, role); err != nil {
			return err
		}
		action, details := AuditMemberAdd, map[string]any{"username": u.Username, "role": role.String()}
		if m != nil {
			action, details["role_before"] = AuditMemberUpdate, m.Role.String()
			upd := m.Update().SetRole(membership.Role(role.String())).SetNillableExpiresAt(in.ExpiresAt)
			if in.ExpiresAt == nil && m.ExpiresAt != nil && !m.ExpiresAt.After(s.now()) {
				upd.ClearExpiresAt() // adding an expired member again starts afresh
			}
			out, err = upd.Save(ctx)
		} else {
			out, err = tx.Membership.Create().SetUserID(u.ID).SetNillableProjectID(t.projectID).
				SetNillableGroupID(t.groupID).SetRole(membership.Role(role.String())).SetNillableExpiresAt(in.ExpiresAt).Save(ctx)
		}
		if err != nil {
			return dbError(err)
		}
		return s.audit(ctx, tx, t.event(auditEvent{Action: action, TargetType: auditTargetMembership, TargetID: out.ID,
			TargetPath: t.path + " " + u.Username, Details: details}))
	})
	return out, err
}

// UpdateMembership changes the role of an existing member (as SetMembership, but a
// user who is not a direct member is not found).
func (s *Service) UpdateMembership(ctx context.Context, in MembershipInput) (*ent.Membership, error) {
	t, err := s.memberTarget(ctx, in)
	if err != nil {
		return nil, err
	}
	if _, m, err := s.member(ctx, s.client, t, in.Username); err != nil {
		return nil, err
	} else if m == nil {
		return nil, errMemberNotFound
	}
	return s.SetMembership(ctx, in)
}

// DeleteMembership removes a user's direct membership of a project or group; the
// viewer's role must be at least the member's.
func (s *Service) DeleteMembership(ctx context.Context, in MembershipInput) error {
	defer forgetRoles(ctx)
	t, err := s.memberTarget(ctx, in)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		_, m, err := s.member(ctx, tx.Client(), t, in.Username)
		if err != nil {
			return err
		}
		if m == nil {
			return errMemberNotFound
		}
		if !memberChangeAllowed(t.own, memberRole(m), NoRole) {
			return errAboveOwnRole
		}
		if err := keepsAnOwner(ctx, tx, t, m, NoRole); err != nil {
			return err
		}
		if err := tx.Membership.DeleteOne(m).Exec(ctx); err != nil {
			return err
		}
		return s.audit(ctx, tx, t.event(auditEvent{Action: AuditMemberRemove, TargetType: auditTargetMembership, TargetID: m.ID,
			TargetPath: t.path + " " + in.Username, Details: map[string]any{"username": in.Username, "role_before": m.Role.String()}}))
	})
}

// liveMembership selects the memberships that have not expired at now.
func liveMembership(now time.Time) predicate.Membership {
	return membership.Or(membership.ExpiresAtIsNil(), membership.ExpiresAtGT(now))
}
