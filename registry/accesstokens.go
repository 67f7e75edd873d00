package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/deploytoken"
	"github.com/pkgreg/registry/ent/membership"
	"github.com/pkgreg/registry/ent/personalaccesstoken"
	"github.com/pkgreg/registry/ent/user"
)

// Deploy tokens and project or group access tokens: credentials that belong to a
// project or group rather than to a person, managed by its Maintainers (ManageTokens).

// DeployTokenInput creates a deploy token for a project or a group (exactly one).
type DeployTokenInput struct {
	ProjectPath, GroupPath string
	Name, Username         string
	Scopes                 []string
	ExpiresAt              *time.Time
}

// CreateDeployToken creates a deploy token (Maintainer of the project or group).
func (s *Service) CreateDeployToken(ctx context.Context, in DeployTokenInput) (*NewToken, error) {
	var where auditEvent // the project or group the token belongs to
	switch {
	case in.ProjectPath != "" && in.GroupPath == "":
		p, err := s.ProjectByRef(ctx, in.ProjectPath)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeProject(ctx, p, ManageTokens); err != nil {
			return nil, err
		}
		where = auditEvent{TargetPath: p.FullPath}.inProject(p)
	case in.GroupPath != "" && in.ProjectPath == "":
		g, err := s.GroupByRef(ctx, in.GroupPath)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeGroup(ctx, g, ManageTokens); err != nil {
			return nil, err
		}
		where = auditEvent{TargetPath: g.FullPath, GroupID: &g.ID}
	default:
		return nil, Errorf(ErrInvalid, "give exactly one of a project and a group")
	}
	if err := validScopes(in.Scopes, deployScopes); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, InvalidParam("name")
	}
	secret := newSecret(DeployTokenPrefix)
	username := in.Username
	if username == "" {
		// GitLab's default is gitlab+deploy-token-<id>; the id is not known before
		// the insert, so a random suffix keeps the username unique instead.
		username = "gitlab+deploy-token-" + strings.ToLower(newSecret("")[:10])
	}
	var t *ent.DeployToken
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		c := tx.DeployToken.Create().SetNillableProjectID(where.ProjectID)
		if where.ProjectID == nil {
			c.SetNillableGroupID(where.GroupID)
		}
		var err error
		t, err = c.SetName(in.Name).SetScopes(in.Scopes).SetNillableExpiresAt(in.ExpiresAt).
			SetUsername(username).SetTokenDigest(digest(secret)).Save(ctx)
		if err != nil {
			return dbError(err)
		}
		return s.auditDeployToken(ctx, tx, AuditDeployTokenCreate, t, where)
	})
	if err != nil {
		return nil, err
	}
	return &NewToken{ID: t.ID, Name: t.Name, Username: t.Username, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt, Token: secret}, nil
}

// auditDeployToken records a change to deploy token t of the project or group that
// where names.
func (s *Service) auditDeployToken(ctx context.Context, tx *ent.Tx, action string, t *ent.DeployToken, where auditEvent) error {
	where.Action, where.TargetType, where.TargetID = action, auditTargetDeployToken, t.ID
	where.Details = map[string]any{"name": t.Name, "username": t.Username, "scopes": t.Scopes}
	return s.audit(ctx, tx, where)
}

// RevokeDeployToken revokes a deploy token (Maintainer of its project or group).
func (s *Service) RevokeDeployToken(ctx context.Context, id int) error {
	t, err := s.client.DeployToken.Query().WithProject().WithGroup().Where(deploytoken.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return deny(auth.FromContext(ctx), false, errTokenNotFound)
	} else if err != nil {
		return err
	}
	var where auditEvent
	if p := t.Edges.Project; p != nil {
		err = s.AuthorizeProject(ctx, p, ManageTokens)
		where = auditEvent{TargetPath: p.FullPath}.inProject(p)
	} else {
		err = s.AuthorizeGroup(ctx, t.Edges.Group, ManageTokens)
		where = auditEvent{TargetPath: t.Edges.Group.FullPath, GroupID: &t.Edges.Group.ID}
	}
	if IsDenied(err) && auth.FromContext(ctx).Kind != auth.Anonymous {
		return errTokenNotFound
	} else if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := tx.DeployToken.UpdateOne(t).SetRevokedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return s.auditDeployToken(ctx, tx, AuditDeployTokenRevoke, t, where)
	})
}

// AccessTokenInput creates a project or group access token: a bot user that is a
// member with Role, and a personal access token of that bot.
type AccessTokenInput struct {
	ProjectPath, GroupPath string
	Name, Role             string
	Scopes                 []string
	ExpiresAt              *time.Time
}

// CreateAccessToken creates a project or group access token. It needs both token and
// member management where the bot joins (project Maintainer, group Owner), and the
// bot's role may not exceed the creator's own.
func (s *Service) CreateAccessToken(ctx context.Context, in AccessTokenInput) (*NewToken, error) {
	defer forgetRoles(ctx)
	mi := MembershipInput{ProjectPath: in.ProjectPath, GroupPath: in.GroupPath}
	t, err := s.memberTarget(ctx, mi)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeTarget(ctx, t, ManageTokens); err != nil {
		return nil, err
	}
	if in.Role == "" {
		in.Role = "maintainer"
	}
	role, ok := ParseRole(in.Role)
	if !ok {
		return nil, InvalidParam("access_level")
	}
	if !memberChangeAllowed(t.own, NoRole, role) {
		return nil, errAboveOwnRole
	}
	if err := validScopes(in.Scopes, patScopes); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, InvalidParam("name")
	}
	scope := in.ProjectPath + in.GroupPath
	botName := fmt.Sprintf("%s_bot_%s", strings.NewReplacer("/", "_").Replace(scope), strings.ToLower(newSecret("")[:8]))
	var out *NewToken
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		bot, err := tx.User.Create().SetUsername(botName).SetName(in.Name).SetBot(true).Save(ctx)
		if err != nil {
			return dbError(err)
		}
		if err := tx.Membership.Create().SetUserID(bot.ID).SetNillableProjectID(t.projectID).
			SetNillableGroupID(t.groupID).SetRole(membership.Role(role.String())).Exec(ctx); err != nil {
			return dbError(err)
		}
		out, err = s.createPAT(ctx, tx.Client(), CreatePersonalAccessTokenInput{
			UserID: bot.ID, Name: in.Name, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt})
		if err != nil {
			return err
		}
		out.Username = bot.Username
		return s.audit(ctx, tx, t.event(auditEvent{Action: AuditAccessTokenCreate, TargetType: auditTargetPAT, TargetID: out.ID,
			TargetPath: t.path, Details: map[string]any{"name": in.Name, "bot": bot.Username, "role": role.String(), "scopes": in.Scopes}}))
	})
	return out, err
}

// authorizeTarget authorizes a second action on a membership target.
func (s *Service) authorizeTarget(ctx context.Context, t *memberTarget, act Action) error {
	if t.projectID != nil {
		p, err := s.client.Project.Get(ctx, *t.projectID)
		if err != nil {
			return err
		}
		return s.AuthorizeProject(ctx, p, act)
	}
	g, err := s.client.Group.Get(ctx, *t.groupID)
	if err != nil {
		return err
	}
	return s.AuthorizeGroup(ctx, g, act)
}

// AccessToken is a project or group access token: a bot member's personal access token.
type AccessToken struct {
	Token *ent.PersonalAccessToken
	Bot   *ent.User
	Role  Role
}

// AccessTokens lists the access tokens of a project or a group (Maintainers).
func (s *Service) AccessTokens(ctx context.Context, p *ent.Project, g *ent.Group) ([]AccessToken, error) {
	q := s.client.Membership.Query().Where(membership.HasUserWith(user.Bot(true)))
	if p != nil {
		if err := s.AuthorizeProject(ctx, p, ManageTokens); err != nil {
			return nil, err
		}
		q.Where(membership.ProjectID(p.ID))
	} else {
		if err := s.AuthorizeGroup(ctx, g, ManageTokens); err != nil {
			return nil, err
		}
		q.Where(membership.GroupID(g.ID))
	}
	s.currentUse(ctx)
	ms, err := q.WithUser(func(q *ent.UserQuery) {
		q.WithPersonalAccessTokens(func(q *ent.PersonalAccessTokenQuery) { q.Order(ent.Asc(personalaccesstoken.FieldID)) })
	}).Order(ent.Asc(membership.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []AccessToken
	for _, m := range ms {
		for _, t := range m.Edges.User.Edges.PersonalAccessTokens {
			out = append(out, AccessToken{Token: t, Bot: m.Edges.User, Role: roleNames[m.Role.String()]})
		}
	}
	return out, nil
}

// RevokeAccessToken revokes a project or group access token (Maintainers of its
// project or group).
func (s *Service) RevokeAccessToken(ctx context.Context, id int) error {
	v := auth.FromContext(ctx)
	notFound := deny(v, false, errTokenNotFound)
	t, err := s.client.PersonalAccessToken.Query().Where(personalaccesstoken.ID(id)).
		WithUser(func(q *ent.UserQuery) {
			q.WithMemberships(func(q *ent.MembershipQuery) { q.WithProject().WithGroup() })
		}).Only(ctx)
	if ent.IsNotFound(err) || (err == nil && (!t.Edges.User.Bot || len(t.Edges.User.Edges.Memberships) == 0)) {
		return notFound
	} else if err != nil {
		return err
	}
	m := t.Edges.User.Edges.Memberships[0]
	e := auditEvent{Action: AuditAccessTokenRevoke, TargetType: auditTargetPAT, TargetID: t.ID,
		Details: map[string]any{"name": t.Name, "bot": t.Edges.User.Username, "scopes": t.Scopes}}
	if p := m.Edges.Project; p != nil {
		err = s.AuthorizeProject(ctx, p, ManageTokens)
		e = e.inProject(p)
		e.TargetPath = p.FullPath
	} else {
		err = s.AuthorizeGroup(ctx, m.Edges.Group, ManageTokens)
		e.TargetPath, e.GroupID = m.Edges.Group.FullPath, &m.Edges.Group.ID
	}
	if IsDenied(err) && v.Kind != auth.Anonymous {
		return notFound
	} else if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := tx.PersonalAccessToken.UpdateOne(t).SetRevokedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return s.audit(ctx, tx, e)
	})
}
