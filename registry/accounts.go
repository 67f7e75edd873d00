package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/cijob"
	"github.com/pkgreg/registry/ent/deploytoken"
	"github.com/pkgreg/registry/ent/group"
	"github.com/pkgreg/registry/ent/membership"
	"github.com/pkgreg/registry/ent/personalaccesstoken"
	"github.com/pkgreg/registry/ent/pipeline"
	"github.com/pkgreg/registry/ent/project"
	"github.com/pkgreg/registry/ent/user"
)

var visibilityRank = map[string]int{"private": 0, "internal": 1, "public": 2}

func validVisibility(v string) bool { _, ok := visibilityRank[v]; return ok }

// Bootstrap creates the first administrator, root, and an api-scoped personal access
// token when the database has no users. preset, when set, is the token's value.
// It returns the token secret, or "" when the instance was already set up.
func (s *Service) Bootstrap(ctx context.Context, preset string) (string, error) {
	n, err := s.client.User.Query().Count(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	var secret string
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		u, err := tx.User.Create().SetUsername("root").SetName("Administrator").SetAdmin(true).Save(ctx)
		if err != nil {
			return dbError(err)
		}
		t, err := s.createPAT(ctx, tx.Client(), CreatePersonalAccessTokenInput{
			UserID: u.ID, Name: "bootstrap", Scopes: []string{"api"}, Secret: preset})
		if err != nil {
			return err
		}
		secret = t.Token
		return nil
	})
	return secret, err
}

// AdminContext returns ctx acting as the first active administrator, for the
// command-line admin tools that run on the server's own machine.
func (s *Service) AdminContext(ctx context.Context) (context.Context, error) {
	u, err := s.client.User.Query().Where(user.Admin(true), user.StateEQ(user.StateActive)).
		Order(ent.Asc(user.FieldID)).First(ctx)
	if err != nil {
		return nil, fmt.Errorf("no administrator: %w", err)
	}
	return auth.NewContext(ctx, &auth.Viewer{Kind: auth.Session, UserID: u.ID, Username: u.Username, Admin: true}), nil
}

// CreateUserInput describes a new user.
type CreateUserInput struct {
	Username, Name, Email, Password string
	Admin                           bool
}

// CreateUser creates a user; administrators only.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*ent.User, error) {
	if err := s.requireAdmin(ctx); err != nil {
		return nil, err
	}
	if !usernameRe.MatchString(in.Username) || len(in.Username) > 255 {
		return nil, InvalidParam("username")
	}
	if err := s.pathFree(ctx, in.Username); err != nil {
		return nil, err
	}
	c := s.client.User.Create().SetUsername(in.Username).SetName(in.Name).SetEmail(in.Email).SetAdmin(in.Admin)
	if in.Password != "" {
		h, err := hashPassword(in.Password)
		if err != nil {
			return nil, err
		}
		c.SetPasswordHash(h)
	}
	u, err := c.Save(ctx)
	return u, dbError(err)
}

// SetPassword sets a user's password (administrators, or the CLI).
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	v := auth.FromContext(ctx)
	if !v.Admin {
		return deny(v, true, errForbidden)
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	n, err := s.client.User.Update().Where(user.Username(username)).SetPasswordHash(h).Save(ctx)
	if err == nil && n == 0 {
		return Errorf(ErrNotFound, "404 User Not Found")
	}
	return err
}

// SetUserState blocks or unblocks a user; administrators only.
func (s *Service) SetUserState(ctx context.Context, username string, blocked bool) error {
	v := auth.FromContext(ctx)
	if !v.Admin {
		return deny(v, true, errForbidden)
	}
	st := user.StateActive
	if blocked {
		st = user.StateBlocked
	}
	n, err := s.client.User.Update().Where(user.Username(username)).SetState(st).Save(ctx)
	if err == nil && n == 0 {
		return Errorf(ErrNotFound, "404 User Not Found")
	}
	return err
}

func hashPassword(pw string) (string, error) {
	if len(pw) < 8 || len(pw) > 72 {
		return "", Errorf(ErrInvalid, "password must be 8 to 72 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// pathFree checks that a full path is not taken, ignoring case, by a group, a project
// or (at the top level) a user: they share one URL space, and paths differing only in
// case would make prefix lookups ambiguous (SQLite's LIKE ignores case).
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

// CreateGroup creates a group. Top-level groups may be created by any user;
// subgroups need Maintainer in the parent. The creator becomes Owner.
func (s *Service) CreateGroup(ctx context.Context, in CreateGroupInput) (*ent.Group, error) {
	defer forgetRoles(ctx) // the creator becomes Owner
	v := auth.FromContext(ctx)
	if !v.IsUser() || !scopeAllows(v, ManageGroup) {
		return nil, deny(v, true, errForbidden)
	}
	parentFull, path := parentPath(in.FullPath), in.FullPath[strings.LastIndexByte(in.FullPath, '/')+1:]
	if !validPath(path) {
		return nil, InvalidParam("path")
	}
	if in.Visibility == "" {
		in.Visibility = "private"
	}
	if !validVisibility(in.Visibility) {
		return nil, InvalidParam("visibility")
	}
	if in.Name == "" {
		in.Name = path
	}
	if err := s.pathFree(ctx, in.FullPath); err != nil {
		return nil, err
	}
	var parentID *int
	if parentFull != "" {
		parent, err := s.GroupByRef(ctx, parentFull)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeGroup(ctx, parent, ManageProject); err != nil {
			return nil, err
		}
		if visibilityRank[in.Visibility] > visibilityRank[parent.Visibility.String()] {
			return nil, Errorf(ErrInvalid, "visibility must not be more open than the parent group's (%s)", parent.Visibility)
		}
		parentID = &parent.ID
	}
	var g *ent.Group
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		var err error
		g, err = tx.Group.Create().SetPath(path).SetName(in.Name).SetFullPath(in.FullPath).
			SetVisibility(group.Visibility(in.Visibility)).SetNillableParentID(parentID).Save(ctx)
		if err != nil {
			return dbError(err)
		}
		return tx.Membership.Create().SetUserID(v.UserID).SetGroupID(g.ID).SetRole(membership.RoleOwner).Exec(ctx)
	})
	return g, err
}

// CreateProjectInput describes a new project; FullPath is the namespace path plus the
// project path (a user's personal namespace is their username).
type CreateProjectInput struct {
	FullPath, Name, Visibility, PackageRegistryAccessLevel string
}

// CreateProject creates a project in a group (Maintainer there) or in the viewer's
// personal namespace (administrators: anyone's).
func (s *Service) CreateProject(ctx context.Context, in CreateProjectInput) (*ent.Project, error) {
	v := auth.FromContext(ctx)
	if !v.IsUser() || !scopeAllows(v, ManageProject) {
		return nil, deny(v, true, errForbidden)
	}
	ns, path := parentPath(in.FullPath), in.FullPath[strings.LastIndexByte(in.FullPath, '/')+1:]
	if ns == "" || !validPath(path) {
		return nil, InvalidParam("path")
	}
	if in.Visibility == "" {
		in.Visibility = "private"
	}
	if !validVisibility(in.Visibility) {
		return nil, InvalidParam("visibility")
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
	c := s.client.Project.Create().SetPath(path).SetName(in.Name).SetFullPath(in.FullPath).
		SetVisibility(project.Visibility(in.Visibility)).SetPackageRegistryAccessLevel(lvl)
	if g, err := s.client.Group.Query().Where(group.FullPath(ns)).Only(ctx); err == nil {
		if err := s.AuthorizeGroup(ctx, g, ManageProject); err != nil {
			return nil, err
		}
		if visibilityRank[in.Visibility] > visibilityRank[g.Visibility.String()] {
			return nil, Errorf(ErrInvalid, "visibility must not be more open than the group's (%s)", g.Visibility)
		}
		c.SetGroupID(g.ID)
	} else if u, err := s.client.User.Query().Where(user.Username(ns)).Only(ctx); err == nil {
		if u.ID != v.UserID && !v.Admin {
			return nil, Errorf(ErrForbidden, "403 Forbidden - you may only create projects in your own namespace")
		}
		c.SetOwnerID(u.ID)
	} else {
		return nil, Errorf(ErrNotFound, "404 Namespace Not Found")
	}
	p, err := c.Save(ctx)
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

// UpdateProject changes a project's settings (Maintainer).
func (s *Service) UpdateProject(ctx context.Context, p *ent.Project, in UpdateProjectInput) (*ent.Project, error) {
	if err := s.AuthorizeProject(ctx, p, ManageProject); err != nil {
		return nil, err
	}
	u := s.client.Project.UpdateOne(p)
	if in.Name != nil {
		u.SetName(*in.Name)
	}
	if in.Visibility != nil {
		if !validVisibility(*in.Visibility) {
			return nil, InvalidParam("visibility")
		}
		u.SetVisibility(project.Visibility(*in.Visibility))
	}
	if in.PackageRegistryAccessLevel != nil {
		lvl, err := parseAccessLevel(*in.PackageRegistryAccessLevel)
		if err != nil {
			return nil, err
		}
		u.SetPackageRegistryAccessLevel(lvl)
	}
	return u.Save(ctx)
}

// ProjectByRef finds a project by numeric id or full path. It does not authorize:
// callers follow with AuthorizeProject.
func (s *Service) ProjectByRef(ctx context.Context, ref string) (*ent.Project, error) {
	q := s.client.Project.Query()
	if id, err := strconv.Atoi(ref); err == nil {
		q.Where(project.ID(id))
	} else {
		q.Where(project.FullPath(strings.Trim(ref, "/")))
	}
	p, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, deny(auth.FromContext(ctx), false, errProjectNotFound)
	}
	return p, err
}

// GroupByRef finds a group by numeric id or full path, without authorizing.
func (s *Service) GroupByRef(ctx context.Context, ref string) (*ent.Group, error) {
	q := s.client.Group.Query()
	if id, err := strconv.Atoi(ref); err == nil {
		q.Where(group.ID(id))
	} else {
		q.Where(group.FullPath(strings.Trim(ref, "/")))
	}
	g, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, deny(auth.FromContext(ctx), false, errGroupNotFound)
	}
	return g, err
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

// MembershipInput grants a user a role in a project or a group (exactly one).
type MembershipInput struct {
	Username    string
	ProjectPath string
	GroupPath   string
	Role        string
}

// SetMembership adds or changes a membership. Maintainers manage project members and
// Owners group members; nobody grants a role above their own.
func (s *Service) SetMembership(ctx context.Context, in MembershipInput) (*ent.Membership, error) {
	defer forgetRoles(ctx)
	role, ok := ParseRole(in.Role)
	if !ok {
		return nil, InvalidParam("access_level")
	}
	u, err := s.client.User.Query().Where(user.Username(in.Username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, Errorf(ErrNotFound, "404 User Not Found")
	} else if err != nil {
		return nil, err
	}
	c, err := s.checker(ctx)
	if err != nil {
		return nil, err
	}
	var own Role
	var pid, gid *int
	switch {
	case in.ProjectPath != "" && in.GroupPath == "":
		p, err := s.ProjectByRef(ctx, in.ProjectPath)
		if err != nil {
			return nil, err
		}
		if err := c.authorizeProject(ctx, p, ManageProject); err != nil {
			return nil, err
		}
		a, _ := c.projectAccess(ctx, p)
		own, pid = a.role, &p.ID
	case in.GroupPath != "" && in.ProjectPath == "":
		g, err := s.GroupByRef(ctx, in.GroupPath)
		if err != nil {
			return nil, err
		}
		if err := c.authorizeGroup(g, ManageGroup); err != nil {
			return nil, err
		}
		own, gid = c.groupAccess(g).role, &g.ID
	default:
		return nil, Errorf(ErrInvalid, "give exactly one of a project and a group")
	}
	if role > own {
		return nil, Errorf(ErrForbidden, "403 Forbidden - cannot grant a role above your own")
	}
	q := s.client.Membership.Query().Where(membership.UserID(u.ID))
	if pid != nil {
		q.Where(membership.ProjectID(*pid))
	} else {
		q.Where(membership.GroupID(*gid))
	}
	if m, err := q.Only(ctx); err == nil {
		return m.Update().SetRole(membership.Role(role.String())).Save(ctx)
	}
	m, err := s.client.Membership.Create().SetUserID(u.ID).SetNillableProjectID(pid).SetNillableGroupID(gid).
		SetRole(membership.Role(role.String())).Save(ctx)
	return m, dbError(err)
}

// DeleteMembership removes a user's membership of a project or group.
func (s *Service) DeleteMembership(ctx context.Context, in MembershipInput) error {
	defer forgetRoles(ctx)
	in.Role = "guest" // authorization only needs the lowest role
	m, err := s.FindMembership(ctx, in)
	if err != nil {
		return err
	}
	return s.client.Membership.DeleteOne(m).Exec(ctx)
}

// FindMembership finds an existing membership the viewer may manage.
func (s *Service) FindMembership(ctx context.Context, in MembershipInput) (*ent.Membership, error) {
	u, err := s.client.User.Query().Where(user.Username(in.Username)).Only(ctx)
	if err != nil {
		return nil, Errorf(ErrNotFound, "404 User Not Found")
	}
	q := s.client.Membership.Query().Where(membership.UserID(u.ID))
	if in.ProjectPath != "" {
		p, err := s.ProjectByRef(ctx, in.ProjectPath)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeProject(ctx, p, ManageProject); err != nil {
			return nil, err
		}
		q.Where(membership.ProjectID(p.ID))
	} else {
		g, err := s.GroupByRef(ctx, in.GroupPath)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeGroup(ctx, g, ManageGroup); err != nil {
			return nil, err
		}
		q.Where(membership.GroupID(g.ID))
	}
	m, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, Errorf(ErrNotFound, "404 Member Not Found")
	}
	return m, err
}

// DeployTokenInput creates a deploy token for a project or a group (exactly one).
type DeployTokenInput struct {
	ProjectPath, GroupPath string
	Name, Username         string
	Scopes                 []string
	ExpiresAt              *time.Time
}

// CreateDeployToken creates a deploy token (Maintainer of the project or group).
func (s *Service) CreateDeployToken(ctx context.Context, in DeployTokenInput) (*NewToken, error) {
	if err := validScopes(in.Scopes, deployScopes); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, InvalidParam("name")
	}
	c := s.client.DeployToken.Create().SetName(in.Name).SetScopes(in.Scopes).SetNillableExpiresAt(in.ExpiresAt)
	switch {
	case in.ProjectPath != "" && in.GroupPath == "":
		p, err := s.ProjectByRef(ctx, in.ProjectPath)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeProject(ctx, p, ManageProject); err != nil {
			return nil, err
		}
		c.SetProjectID(p.ID)
	case in.GroupPath != "" && in.ProjectPath == "":
		g, err := s.GroupByRef(ctx, in.GroupPath)
		if err != nil {
			return nil, err
		}
		if err := s.AuthorizeGroup(ctx, g, ManageProject); err != nil {
			return nil, err
		}
		c.SetGroupID(g.ID)
	default:
		return nil, Errorf(ErrInvalid, "give exactly one of a project and a group")
	}
	secret := newSecret(DeployTokenPrefix)
	username := in.Username
	if username == "" {
		// GitLab's default is gitlab+deploy-token-<id>; the id is not known before
		// the insert, so a random suffix keeps the username unique instead.
		username = "gitlab+deploy-token-" + strings.ToLower(newSecret("")[:10])
	}
	t, err := c.SetUsername(username).SetTokenDigest(digest(secret)).Save(ctx)
	if err != nil {
		return nil, dbError(err)
	}
	return &NewToken{ID: t.ID, Name: t.Name, Username: t.Username, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt, Token: secret}, nil
}

// RevokeDeployToken revokes a deploy token (Maintainer of its project or group).
func (s *Service) RevokeDeployToken(ctx context.Context, id int) error {
	t, err := s.client.DeployToken.Query().WithProject().WithGroup().Where(deploytoken.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return deny(auth.FromContext(ctx), false, Errorf(ErrNotFound, "404 Token Not Found"))
	} else if err != nil {
		return err
	}
	if t.Edges.Project != nil {
		err = s.AuthorizeProject(ctx, t.Edges.Project, ManageProject)
	} else {
		err = s.AuthorizeGroup(ctx, t.Edges.Group, ManageProject)
	}
	if err != nil {
		return err
	}
	return t.Update().SetRevokedAt(s.now()).Exec(ctx)
}

// AccessTokenInput creates a project or group access token: a bot user that is a
// member with Role, and a personal access token of that bot.
type AccessTokenInput struct {
	ProjectPath, GroupPath string
	Name, Role             string
	Scopes                 []string
	ExpiresAt              *time.Time
}

// CreateAccessToken creates a project or group access token (Maintainer; the role
// may not exceed the creator's own).
func (s *Service) CreateAccessToken(ctx context.Context, in AccessTokenInput) (*NewToken, error) {
	if in.Role == "" {
		in.Role = "maintainer"
	}
	if _, ok := ParseRole(in.Role); !ok {
		return nil, InvalidParam("access_level")
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
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		bot, err := tx.User.Create().SetUsername(botName).SetName(in.Name).SetBot(true).Save(ctx)
		if err != nil {
			return dbError(err)
		}
		// Authorize and grant through the normal membership path, as the viewer.
		if _, err := s.withClient(tx.Client()).SetMembership(ctx, MembershipInput{
			Username: bot.Username, ProjectPath: in.ProjectPath, GroupPath: in.GroupPath, Role: in.Role}); err != nil {
			return err
		}
		out, err = s.createPAT(ctx, tx.Client(), CreatePersonalAccessTokenInput{
			UserID: bot.ID, Name: in.Name, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt})
		if out != nil {
			out.Username = bot.Username
		}
		return err
	})
	return out, err
}

// withClient returns a shallow copy of the service that uses c (a transaction's client).
func (s *Service) withClient(c *ent.Client) *Service {
	cp := &Service{db: s.db, client: c, blobs: s.blobs, cfg: s.cfg, log: s.log, now: s.now}
	return cp
}

// CreateJobInput registers a CI job of an external CI system.
type CreateJobInput struct {
	ProjectPath string
	PipelineIID int64
	Ref, SHA    string
	Name        string
	// Lifetime caps the token's validity; 0 uses the configured default.
	Lifetime time.Duration
}

// NewJob is a created job with its token, shown once.
type NewJob struct {
	ID         int
	PipelineID int
	Token      string
	ExpiresAt  time.Time
}

// CreateJob starts a job for a project (Developer). Its token acts as the viewer until
// the job finishes or its lifetime ends; packages it publishes record the pipeline.
func (s *Service) CreateJob(ctx context.Context, in CreateJobInput) (*NewJob, error) {
	v := auth.FromContext(ctx)
	p, err := s.ProjectByRef(ctx, in.ProjectPath)
	if err != nil {
		return nil, err
	}
	if v.Kind == auth.JobToken || v.Kind == auth.DeployToken {
		return nil, deny(v, true, errForbidden)
	}
	c, err := s.checker(ctx)
	if err != nil {
		return nil, err
	}
	a, err := c.projectAccess(ctx, p)
	if err != nil {
		return nil, err
	}
	if !scopeAllows(v, CreatePackages) || a.role < Developer {
		return nil, deny(v, a.visible, errProjectNotFound)
	}
	if in.Name == "" {
		return nil, InvalidParam("name")
	}
	if in.PipelineIID <= 0 {
		return nil, InvalidParam("pipeline_id")
	}
	life := in.Lifetime
	if life <= 0 || life > s.cfg.JobTokenLifetime {
		life = s.cfg.JobTokenLifetime
	}
	secret := newSecret(JobTokenPrefix)
	var out *NewJob
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		pl, err := tx.Pipeline.Query().Where(pipeline.ProjectID(p.ID), pipeline.Iid(in.PipelineIID)).Only(ctx)
		if ent.IsNotFound(err) {
			pl, err = tx.Pipeline.Create().SetProjectID(p.ID).SetIid(in.PipelineIID).SetRef(in.Ref).
				SetSha(in.SHA).SetUserID(v.UserID).Save(ctx)
		}
		if err != nil {
			return dbError(err)
		}
		exp := s.now().Add(life)
		j, err := tx.CIJob.Create().SetPipelineID(pl.ID).SetName(in.Name).SetTokenDigest(digest(secret)).
			SetExpiresAt(exp).Save(ctx)
		if err != nil {
			return dbError(err)
		}
		out = &NewJob{ID: j.ID, PipelineID: pl.ID, Token: secret, ExpiresAt: exp}
		return nil
	})
	return out, err
}

// FinishJob ends a job; its token stops working at once. status is success, failed
// or canceled; the pipeline takes the job's status.
func (s *Service) FinishJob(ctx context.Context, jobID int, status string) error {
	j, err := s.client.CIJob.Query().Where(cijob.ID(jobID)).WithPipeline(func(q *ent.PipelineQuery) { q.WithProject() }).Only(ctx)
	if ent.IsNotFound(err) {
		return deny(auth.FromContext(ctx), false, Errorf(ErrNotFound, "404 Job Not Found"))
	} else if err != nil {
		return err
	}
	if err := s.AuthorizeProject(ctx, j.Edges.Pipeline.Edges.Project, CreatePackages); err != nil {
		return err
	}
	if status != "success" && status != "failed" && status != "canceled" {
		return InvalidParam("status")
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := tx.CIJob.UpdateOneID(j.ID).SetStatus(cijob.Status(status)).SetFinishedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return tx.Pipeline.UpdateOneID(j.PipelineID).SetStatus(pipeline.Status(status)).Exec(ctx)
	})
}

// JobTokenScopeInput adds or removes a source project or group on a target project's
// CI job token allowlist.
type JobTokenScopeInput struct {
	ProjectPath       string // the target project
	SourceProjectPath string
	SourceGroupPath   string
}

// SetJobTokenScope adds (allow true) or removes a source on the allowlist (Maintainer of the target).
func (s *Service) SetJobTokenScope(ctx context.Context, in JobTokenScopeInput, allow bool) error {
	p, err := s.ProjectByRef(ctx, in.ProjectPath)
	if err != nil {
		return err
	}
	if err := s.AuthorizeProject(ctx, p, ManageProject); err != nil {
		return err
	}
	u := s.client.Project.UpdateOne(p)
	switch {
	case in.SourceProjectPath != "":
		src, err := s.VisibleProject(ctx, in.SourceProjectPath)
		if err != nil {
			return err
		}
		if allow {
			u.AddCiJobTokenAllowedProjectIDs(src.ID)
		} else {
			u.RemoveCiJobTokenAllowedProjectIDs(src.ID)
		}
	case in.SourceGroupPath != "":
		src, err := s.VisibleGroup(ctx, in.SourceGroupPath)
		if err != nil {
			return err
		}
		if allow {
			u.AddCiJobTokenAllowedGroupIDs(src.ID)
		} else {
			u.RemoveCiJobTokenAllowedGroupIDs(src.ID)
		}
	default:
		return Errorf(ErrInvalid, "give a source project or group")
	}
	return u.Exec(ctx)
}

// requireAdmin refuses anyone but an administrator with a write-capable credential.
func (s *Service) requireAdmin(ctx context.Context) error {
	v := auth.FromContext(ctx)
	if !v.Admin || !scopeAllows(v, ManageGroup) {
		return deny(v, true, errForbidden)
	}
	return nil
}

// UserContext returns ctx acting as the named user (a web session's rights), for
// administrators acting on a user's behalf: the CLI creating a token or a CI job.
func (s *Service) UserContext(ctx context.Context, username string) (context.Context, error) {
	if err := s.requireAdmin(ctx); err != nil {
		return nil, err
	}
	u, err := s.client.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, Errorf(ErrNotFound, "404 User Not Found")
	} else if err != nil {
		return nil, err
	}
	if u.State != user.StateActive {
		return nil, Errorf(ErrForbidden, "user %s is blocked", username)
	}
	return auth.NewContext(ctx, &auth.Viewer{Kind: auth.Session, UserID: u.ID, Username: u.Username, Admin: u.Admin}), nil
}

// RequireAdmin returns nil when the viewer is an administrator with a
// write-capable credential (instance settings, plan limits).
func (s *Service) RequireAdmin(ctx context.Context) error { return s.requireAdmin(ctx) }

// PipelineByID returns a pipeline of a project whose packages the viewer may read.
func (s *Service) PipelineByID(ctx context.Context, id int) (*ent.Pipeline, error) {
	pl, err := s.client.Pipeline.Query().Where(pipeline.ID(id)).WithProject().WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, Errorf(ErrNotFound, "404 Pipeline Not Found")
	} else if err != nil {
		return nil, err
	}
	if err := s.AuthorizeProject(ctx, pl.Edges.Project, ReadPackages); err != nil {
		return nil, err
	}
	return pl, nil
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
		if err := s.AuthorizeProject(ctx, p, ManageProject); err != nil {
			return nil, err
		}
		q.Where(membership.ProjectID(p.ID))
	} else {
		if err := s.AuthorizeGroup(ctx, g, ManageProject); err != nil {
			return nil, err
		}
		q.Where(membership.GroupID(g.ID))
	}
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
	notFound := deny(v, false, Errorf(ErrNotFound, "404 Token Not Found"))
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
	if m.Edges.Project != nil {
		err = s.AuthorizeProject(ctx, m.Edges.Project, ManageProject)
	} else {
		err = s.AuthorizeGroup(ctx, m.Edges.Group, ManageProject)
	}
	if err != nil {
		return err
	}
	return s.client.PersonalAccessToken.UpdateOne(t).SetRevokedAt(s.now()).Exec(ctx)
}
