package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/cijob"
	"github.com/pkgreg/registry/ent/deploytoken"
	"github.com/pkgreg/registry/ent/personalaccesstoken"
	"github.com/pkgreg/registry/ent/project"
	"github.com/pkgreg/registry/ent/user"
)

// Token prefixes, as GitLab's, so secret scanners recognise leaked tokens.
const (
	PersonalTokenPrefix = "glpat-"
	DeployTokenPrefix   = "gldt-"
	JobTokenPrefix      = "glcbt-"
)

// Scopes that a personal, project or group access token may carry.
var patScopes = map[string]bool{
	"api": true, "read_api": true, "read_user": true, "read_repository": true,
	"write_repository": true, "read_registry": true, "write_registry": true,
}

// Scopes that a deploy token may carry (package registry only).
var deployScopes = map[string]bool{"read_package_registry": true, "write_package_registry": true}

const secretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newSecret returns prefix plus 32 random characters (~190 bits).
func newSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = secretAlphabet[int(b[i])%len(secretAlphabet)]
	}
	return prefix + string(b)
}

// digest is how a secret is stored. Secrets are long random strings, so a plain
// SHA-256 is enough to make a database leak useless, and it allows an indexed lookup.
func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func validScopes(scopes []string, allowed map[string]bool) error {
	if len(scopes) == 0 {
		return Errorf(ErrInvalid, "scopes must not be empty")
	}
	for _, s := range scopes {
		if !allowed[s] {
			return Errorf(ErrInvalid, "scope %q is not valid", s)
		}
	}
	return nil
}

func badCredential(why string) error { return fmt.Errorf("%w: %s", auth.ErrBadCredential, why) }

// ResolveCredential authenticates a credential found on a request. The source limits
// which kinds of token it may be: a JOB-TOKEN header only takes job tokens, Basic with
// the username gitlab-ci-token only job tokens, and Basic with a deploy token only
// that token's own username. Outcomes are kept in the hot cache (hotcache.go) until a
// write changes a credential, or the token or session expires.
func (s *Service) ResolveCredential(ctx context.Context, c auth.Credential) (*auth.Viewer, error) {
	if c.Secret == "" {
		return nil, badCredential("empty token")
	}
	h := s.hot.credentials
	key := credentialKey(c)
	r, ok := h.get(key)
	if !ok || (r.until != nil && !s.now().Before(*r.until)) {
		st := h.ch.Stamp(h.sig)
		var err error
		if r, err = s.resolveCredential(ctx, c); err != nil && !errors.Is(err, auth.ErrBadCredential) {
			return nil, err
		}
		r.err = err
		h.lru.Add(key, stamped[resolved]{v: r, st: st})
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.v.Kind == auth.PersonalToken || r.v.Kind == auth.DeployToken {
		s.tokenUse.record(r.v.Kind, r.v.TokenID, s.now())
	}
	v := *r.v // the cached viewer is shared; the request gets its own
	return &v, nil
}

// resolved is a credential's outcome as cached: the viewer or why it does not
// authenticate, and when the token or session expires.
type resolved struct {
	v     *auth.Viewer
	err   error
	until *time.Time
}

// credentialKey names a credential in the cache: everything of it the resolution
// reads, with the secrets digested.
func credentialKey(c auth.Credential) string {
	k := strconv.Itoa(int(c.Source)) + "\x00" + c.Username + "\x00" + digest(c.Secret)
	if c.Source == auth.FromSession && !c.Safe {
		k += "\x00" + digest(c.CSRF)
	}
	return k
}

func (s *Service) resolveCredential(ctx context.Context, c auth.Credential) (resolved, error) {
	if c.Source == auth.FromSession {
		return s.resolveSession(ctx, c)
	}
	d := digest(c.Secret)
	var tryPAT, tryDeploy, tryJob bool
	switch c.Source {
	case auth.FromPrivateToken:
		tryPAT = true
	case auth.FromJobToken:
		tryJob = true
	case auth.FromDeployToken:
		tryDeploy = true
	case auth.FromBasic:
		if c.Username == auth.JobTokenUsername {
			tryJob = true
		} else {
			tryPAT, tryDeploy = true, true
		}
	default:
		tryPAT, tryDeploy, tryJob = true, true, true
	}
	if tryPAT {
		if r, err := s.resolvePAT(ctx, d); !errors.Is(err, errNoSuchToken) {
			return r, err
		}
	}
	if tryDeploy {
		if r, err := s.resolveDeployToken(ctx, d, c); !errors.Is(err, errNoSuchToken) {
			return r, err
		}
	}
	if tryJob {
		if r, err := s.resolveJobToken(ctx, d); !errors.Is(err, errNoSuchToken) {
			return r, err
		}
	}
	return resolved{}, badCredential("unknown token")
}

var errNoSuchToken = errors.New("no such token")

func (s *Service) live(expires, revoked *time.Time) error {
	if revoked != nil {
		return badCredential("token revoked")
	}
	if expires != nil && !s.now().Before(*expires) {
		return badCredential("token expired")
	}
	return nil
}

func (s *Service) resolvePAT(ctx context.Context, d string) (resolved, error) {
	t, err := s.client.PersonalAccessToken.Query().Where(personalaccesstoken.TokenDigest(d)).WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return resolved{}, errNoSuchToken
	}
	if err != nil {
		return resolved{}, fmt.Errorf("resolve token: %w", err)
	}
	if err := s.live(t.ExpiresAt, t.RevokedAt); err != nil {
		return resolved{}, err
	}
	u := t.Edges.User
	if u.State != user.StateActive {
		return resolved{}, badCredential("user blocked")
	}
	return resolved{v: &auth.Viewer{Kind: auth.PersonalToken, UserID: u.ID, Username: u.Username, Admin: u.Admin,
		Bot: u.Bot, Scopes: t.Scopes, TokenID: t.ID}, until: t.ExpiresAt}, nil
}

func (s *Service) resolveDeployToken(ctx context.Context, d string, c auth.Credential) (resolved, error) {
	t, err := s.client.DeployToken.Query().Where(deploytoken.TokenDigest(d)).WithGroup().
		WithProject(func(q *ent.ProjectQuery) { q.Select(project.FieldFullPath) }).Only(ctx)
	if ent.IsNotFound(err) {
		return resolved{}, errNoSuchToken
	}
	if err != nil {
		return resolved{}, fmt.Errorf("resolve token: %w", err)
	}
	if err := s.live(t.ExpiresAt, t.RevokedAt); err != nil {
		return resolved{}, err
	}
	if c.Source == auth.FromBasic && c.Username != t.Username {
		return resolved{}, badCredential("deploy token username mismatch")
	}
	v := &auth.Viewer{Kind: auth.DeployToken, Username: t.Username, Scopes: t.Scopes, TokenID: t.ID}
	if t.ProjectID != nil {
		v.DeployProjectID = *t.ProjectID
	}
	if t.Edges.Project != nil {
		v.DeployProjectPath = t.Edges.Project.FullPath
	}
	if t.Edges.Group != nil {
		v.DeployGroupID, v.DeployGroupPath = t.Edges.Group.ID, t.Edges.Group.FullPath
	}
	return resolved{v: v, until: t.ExpiresAt}, nil
}

func (s *Service) resolveJobToken(ctx context.Context, d string) (resolved, error) {
	j, err := s.client.CIJob.Query().Where(cijob.TokenDigest(d)).WithUser().
		WithPipeline(func(q *ent.PipelineQuery) { q.WithProject().WithUser() }).Only(ctx)
	if ent.IsNotFound(err) {
		return resolved{}, errNoSuchToken
	}
	if err != nil {
		return resolved{}, fmt.Errorf("resolve token: %w", err)
	}
	if j.Status != cijob.StatusRunning || j.FinishedAt != nil {
		return resolved{}, badCredential("job finished")
	}
	if err := s.live(j.ExpiresAt, j.RevokedAt); err != nil {
		return resolved{}, err
	}
	p := j.Edges.Pipeline
	// The job acts as the user who started it. Jobs from before jobs recorded their
	// user act as the pipeline's, which was then always the same user.
	u := j.Edges.User
	if u == nil {
		u = p.Edges.User
	}
	if u.State != user.StateActive {
		return resolved{}, badCredential("user blocked")
	}
	return resolved{v: &auth.Viewer{Kind: auth.JobToken, UserID: u.ID, Username: u.Username, Admin: u.Admin,
		TokenID: j.ID, JobProjectID: p.ProjectID, JobProjectPath: p.Edges.Project.FullPath, PipelineID: p.ID},
		until: j.ExpiresAt}, nil
}

// NewToken is a token as created: the stored record plus its secret, shown only once.
type NewToken struct {
	ID        int        `json:"id"`
	Name      string     `json:"name"`
	Username  string     `json:"username"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
	Token     string     `json:"token"`
}

// CreatePersonalAccessTokenInput creates a token for a user; UserID 0 means the viewer.
type CreatePersonalAccessTokenInput struct {
	UserID    int
	Name      string
	Scopes    []string
	ExpiresAt *time.Time
	// Secret presets the token's value (REGISTRY_BOOTSTRAP_TOKEN); empty generates one.
	Secret string
}

// CreatePersonalAccessToken creates a personal access token. Users create their own
// (not the bots of access tokens, nor CI jobs); administrators one for anyone.
func (s *Service) CreatePersonalAccessToken(ctx context.Context, in CreatePersonalAccessTokenInput) (*NewToken, error) {
	v := auth.FromContext(ctx)
	if in.UserID == 0 {
		in.UserID = v.UserID
	}
	act := CreateOwnToken
	if in.UserID != v.UserID {
		act = AdminInstance
	}
	if err := s.authorizeAccount(ctx, act); err != nil {
		return nil, err
	}
	var out *NewToken
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		var err error
		if out, err = s.createPAT(ctx, tx.Client(), in); err != nil {
			return err
		}
		return s.auditPAT(ctx, tx, AuditPATCreate, in.UserID, out.ID, out.Name, out.Scopes, nil)
	})
	return out, err
}

// auditPAT records a change to a personal access token of user userID. The
// details name the token, never its value.
func (s *Service) auditPAT(ctx context.Context, tx *ent.Tx, action string, userID, tokenID int, name string, scopes []string, more map[string]any) error {
	owner, err := tx.User.Get(ctx, userID)
	if err != nil {
		return err
	}
	details := map[string]any{"name": name, "scopes": scopes}
	for k, v := range more {
		details[k] = v
	}
	return s.audit(ctx, tx, auditEvent{Action: action, TargetType: auditTargetPAT, TargetID: tokenID,
		TargetPath: owner.Username, Details: details})
}

// CreatePersonalAccessTokenFor creates a token for the named user (administrators),
// or for the viewer when username is empty.
func (s *Service) CreatePersonalAccessTokenFor(ctx context.Context, username string, in CreatePersonalAccessTokenInput) (*NewToken, error) {
	if username != "" && username != auth.FromContext(ctx).Username {
		if err := s.requireAdmin(ctx); err != nil {
			return nil, err
		}
		u, err := s.client.User.Query().Where(user.Username(username)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, errUserNotFound
		} else if err != nil {
			return nil, err
		}
		in.UserID = u.ID
	}
	return s.CreatePersonalAccessToken(ctx, in)
}

func (s *Service) createPAT(ctx context.Context, c *ent.Client, in CreatePersonalAccessTokenInput) (*NewToken, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, InvalidParam("name")
	}
	if err := validScopes(in.Scopes, patScopes); err != nil {
		return nil, err
	}
	secret := in.Secret
	if secret == "" {
		secret = newSecret(PersonalTokenPrefix)
	}
	t, err := c.PersonalAccessToken.Create().SetUserID(in.UserID).SetName(in.Name).SetScopes(in.Scopes).
		SetNillableExpiresAt(in.ExpiresAt).SetTokenDigest(digest(secret)).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("create token: %w", dbError(err))
	}
	return &NewToken{ID: t.ID, Name: t.Name, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt, Token: secret}, nil
}

// RevokePersonalAccessToken revokes a token of the viewer (or any, for an admin).
func (s *Service) RevokePersonalAccessToken(ctx context.Context, id int) error {
	t, err := s.ownPAT(ctx, id)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := tx.PersonalAccessToken.UpdateOne(t).SetRevokedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return s.auditPAT(ctx, tx, AuditPATRevoke, t.UserID, t.ID, t.Name, t.Scopes, nil)
	})
}

// RotatePersonalAccessToken revokes a token and creates its successor with the same
// name and scopes, as GitLab's rotate does.
func (s *Service) RotatePersonalAccessToken(ctx context.Context, id int, expiresAt *time.Time) (*NewToken, error) {
	t, err := s.ownPAT(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		return nil, Errorf(ErrInvalid, "token is revoked")
	}
	var out *NewToken
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if err := tx.PersonalAccessToken.UpdateOne(t).SetRevokedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		out, err = s.createPAT(ctx, tx.Client(), CreatePersonalAccessTokenInput{
			UserID: t.UserID, Name: t.Name, Scopes: t.Scopes, ExpiresAt: expiresAt})
		if err != nil {
			return err
		}
		return s.auditPAT(ctx, tx, AuditPATRotate, t.UserID, t.ID, t.Name, t.Scopes, map[string]any{"new_token_id": out.ID})
	})
	return out, err
}

// ownPAT finds a token the viewer may revoke or rotate: their own (with a credential
// that may manage their tokens), or anyone's for an administrator.
func (s *Service) ownPAT(ctx context.Context, id int) (*ent.PersonalAccessToken, error) {
	v := auth.FromContext(ctx)
	if err := s.authorizeAccount(ctx, CreateOwnToken); err != nil {
		return nil, err
	}
	t, err := s.client.PersonalAccessToken.Get(ctx, id)
	if ent.IsNotFound(err) || (err == nil && t.UserID != v.UserID && !v.Admin) {
		return nil, errTokenNotFound
	}
	return t, err
}

var errTokenNotFound = Errorf(ErrNotFound, "404 Token Not Found")

// dbError turns constraint violations into conflicts; anything else stays internal.
func dbError(err error) error {
	if ent.IsConstraintError(err) {
		return Errorf(ErrConflict, "already exists")
	}
	return err
}
