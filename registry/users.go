package registry

import (
	"context"
	"fmt"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/session"
	"github.com/pkgreg/registry/ent/user"
)

// MinPresetTokenLength is the shortest REGISTRY_BOOTSTRAP_TOKEN accepted: a preset
// secret has to be as hard to guess as a generated one is.
const MinPresetTokenLength = 20

// Bootstrap creates the first administrator, root, and an api-scoped personal access
// token when the database has no users. preset, when set, is the token's value.
// It returns the token secret, or "" when the instance was already set up.
func (s *Service) Bootstrap(ctx context.Context, preset string) (string, error) {
	if preset != "" && len(preset) < MinPresetTokenLength {
		return "", Errorf(ErrInvalid, "the preset token must be at least %d characters long", MinPresetTokenLength)
	}
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
		return s.auditPAT(ctx, tx, AuditPATCreate, u.ID, t.ID, t.Name, t.Scopes, nil)
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

// UpdateUserInput changes a user; nil fields stay as they are.
type UpdateUserInput struct {
	Username string
	Blocked  *bool
	Password *string
}

// UpdateUser blocks, unblocks or sets the password of a user (administrators only),
// and returns the user. Blocking or a new password ends the user's web sessions.
func (s *Service) UpdateUser(ctx context.Context, in UpdateUserInput) (*ent.User, error) {
	if err := s.requireAdmin(ctx); err != nil {
		return nil, err
	}
	u, err := s.client.User.Query().Where(user.Username(in.Username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errUserNotFound
	} else if err != nil {
		return nil, err
	}
	endSessions := in.Blocked != nil && *in.Blocked
	var hash string
	if in.Password != nil {
		if hash, err = hashPassword(*in.Password); err != nil {
			return nil, err
		}
		endSessions = true
	}
	// The new state and the end of the sessions land together: a blocked user or an
	// old password never keeps a browser signed in.
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		upd := tx.User.UpdateOne(u).SetState(stateOr(in.Blocked, u.State))
		if in.Password != nil {
			upd.SetPasswordHash(hash)
		}
		var err error
		if u, err = upd.Save(ctx); err != nil {
			return err
		}
		if endSessions {
			_, err = tx.Session.Delete().Where(session.UserID(u.ID)).Exec(ctx)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SetPassword sets a user's password (administrators, or the CLI) and signs the user
// out everywhere.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	_, err := s.UpdateUser(ctx, UpdateUserInput{Username: username, Password: &password})
	return err
}

// SetUserState blocks or unblocks a user; administrators only.
func (s *Service) SetUserState(ctx context.Context, username string, blocked bool) error {
	_, err := s.UpdateUser(ctx, UpdateUserInput{Username: username, Blocked: &blocked})
	return err
}

// SignOutEverywhere ends every web session of a user: the viewer's own (username
// empty or their own), or anyone's for an administrator. It returns how many ended.
func (s *Service) SignOutEverywhere(ctx context.Context, username string) (int, error) {
	v := auth.FromContext(ctx)
	if username == "" || username == v.Username {
		if err := s.authorizeAccount(ctx, CreateOwnToken); err != nil {
			return 0, err
		}
		return s.client.Session.Delete().Where(session.UserID(v.UserID)).Exec(ctx)
	}
	if err := s.requireAdmin(ctx); err != nil {
		return 0, err
	}
	u, err := s.client.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return 0, errUserNotFound
	} else if err != nil {
		return 0, err
	}
	return s.client.Session.Delete().Where(session.UserID(u.ID)).Exec(ctx)
}

func stateOr(blocked *bool, current user.State) user.State {
	switch {
	case blocked == nil:
		return current
	case *blocked:
		return user.StateBlocked
	}
	return user.StateActive
}

func hashPassword(pw string) (string, error) {
	if len(pw) < 8 || len(pw) > 72 {
		return "", Errorf(ErrInvalid, "password must be 8 to 72 characters")
	}
	return auth.HashPassword(pw)
}

// requireAdmin refuses anyone but an administrator with a credential that may administer.
func (s *Service) requireAdmin(ctx context.Context) error {
	return s.authorizeAccount(ctx, AdminInstance)
}

// RequireAdmin returns nil when the viewer is an administrator with a credential
// that may administer (instance settings, plan limits).
func (s *Service) RequireAdmin(ctx context.Context) error { return s.requireAdmin(ctx) }

// UserContext returns ctx acting as the named user (a web session's rights), for
// administrators acting on a user's behalf: the CLI creating a token or a CI job.
func (s *Service) UserContext(ctx context.Context, username string) (context.Context, error) {
	if err := s.requireAdmin(ctx); err != nil {
		return nil, err
	}
	u, err := s.client.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errUserNotFound
	} else if err != nil {
		return nil, err
	}
	if u.State != user.StateActive {
		return nil, Errorf(ErrForbidden, "user %s is blocked", username)
	}
	return auth.NewContext(ctx, &auth.Viewer{Kind: auth.Session, UserID: u.ID, Username: u.Username, Admin: u.Admin}), nil
}

// CurrentUser returns the viewer's user, or nil when anonymous or a deploy token.
func (s *Service) CurrentUser(ctx context.Context) (*ent.User, error) {
	v := auth.FromContext(ctx)
	if !v.IsUser() {
		return nil, nil
	}
	return s.client.User.Get(ctx, v.UserID)
}

// UserByUsername returns a user to a signed-in viewer (as in GitLab, users are
// public to the instance's users); anonymous callers and deploy tokens are refused.
func (s *Service) UserByUsername(ctx context.Context, username string) (*ent.User, error) {
	v := auth.FromContext(ctx)
	if !v.IsUser() {
		return nil, deny(v, false, errUserNotFound)
	}
	u, err := s.client.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errUserNotFound
	}
	return u, err
}

// SeesPrivateUserFields reports whether the viewer may see a user's email and tokens.
func (s *Service) SeesPrivateUserFields(ctx context.Context, u *ent.User) bool {
	v := auth.FromContext(ctx)
	return v.IsUser() && (v.Admin || v.UserID == u.ID)
}
