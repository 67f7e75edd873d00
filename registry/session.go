package registry

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/session"
	"github.com/pkgreg/registry/ent/signinthrottle"
	"github.com/pkgreg/registry/ent/user"
)

// SessionLifetime is how long a browser stays signed in.
const SessionLifetime = 7 * 24 * time.Hour

// Sign-in throttling: failures are counted per (username, client address), for
// usernames that exist and those that do not alike, so the answers never tell the two
// apart. After freeSignInFailures failures each further one locks password sign-in
// for that pair, doubling up to maxSignInLock; another address is not affected, so a
// guesser cannot lock a user out of their own sign-in. The counts live in the
// database, so every replica enforces the same lock.
const (
	freeSignInFailures = 5
	maxSignInLock      = 15 * time.Minute
)

// dummyHash makes a sign-in for an unknown user cost as much as for a known one.
var dummyHash, _ = auth.HashPassword("not a password")

var errBadLogin = Errorf(ErrUnauthenticated, "Invalid login or password.")

// NewSession is a signed-in browser: the cookie secret and the CSRF token.
type NewSession struct {
	Token string
	CSRF  string
	User  *ent.User
}

// CSRFToken derives a session's CSRF token from its cookie secret; the page reads it
// from GET /-/session and sends it back in a header on every write.
func CSRFToken(sessionToken string) string {
	sum := sha256.Sum256([]byte("csrf:" + sessionToken))
	return hex.EncodeToString(sum[:])
}

// SignInInput is a password sign-in from a client address (the connection's peer).
type SignInInput struct {
	Username, Password, Client string
}

func throttleKey(username, client string) string {
	return digest("signin\x00" + strings.ToLower(username) + "\x00" + client)
}

// SignIn checks a username and password and opens a session.
func (s *Service) SignIn(ctx context.Context, in SignInInput) (*NewSession, error) {
	now := s.now()
	key := throttleKey(in.Username, in.Client)
	th, err := s.client.SignInThrottle.Query().Where(signinthrottle.Key(key)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if th != nil && th.LockedUntil != nil && now.Before(*th.LockedUntil) {
		return nil, Errorf(ErrThrottled, "Too many failed sign-in attempts. Try again in %s.", th.LockedUntil.Sub(now).Round(time.Second))
	}
	u, err := s.client.User.Query().Where(user.UsernameEqualFold(in.Username)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	hash := dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	match := auth.PasswordMatches(hash, in.Password)
	if u == nil || u.PasswordHash == "" || !match || u.State != user.StateActive || u.Bot {
		return nil, s.signInFailed(ctx, key, now)
	}
	token := newSecret("glsess-")
	csrf := CSRFToken(token)
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if _, err := tx.SignInThrottle.Delete().Where(signinthrottle.Key(key)).Exec(ctx); err != nil {
			return err
		}
		return tx.Session.Create().SetUserID(u.ID).SetTokenDigest(digest(token)).SetCsrfDigest(digest(csrf)).
			SetExpiresAt(now.Add(SessionLifetime)).Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &NewSession{Token: token, CSRF: csrf, User: u}, nil
}

// signInFailed counts a failure for the (username, client) pair and locks it once
// the free failures are used up.
func (s *Service) signInFailed(ctx context.Context, key string, now time.Time) error {
	id, err := s.client.SignInThrottle.Create().SetKey(key).SetFailures(1).
		OnConflictColumns(signinthrottle.FieldKey).
		Update(func(u *ent.SignInThrottleUpsert) { u.AddFailures(1).SetUpdatedAt(now) }).ID(ctx)
	if err != nil {
		return err
	}
	th, err := s.client.SignInThrottle.Get(ctx, id)
	if err != nil {
		return err
	}
	if th.Failures >= freeSignInFailures {
		lock := min(time.Minute<<min(th.Failures-freeSignInFailures, 10), maxSignInLock)
		if err := s.client.SignInThrottle.UpdateOneID(id).SetLockedUntil(now.Add(lock)).Exec(ctx); err != nil {
			return err
		}
	}
	return errBadLogin
}

// SignOut ends the session with this cookie secret.
func (s *Service) SignOut(ctx context.Context, token string) error {
	_, err := s.client.Session.Delete().Where(session.TokenDigest(digest(token))).Exec(ctx)
	return err
}

// resolveSession authenticates a session cookie. Writes (any method but GET and HEAD)
// must carry the session's CSRF token: a cookie alone, which a browser attaches to
// cross-site requests too, never changes anything.
func (s *Service) resolveSession(ctx context.Context, c auth.Credential) (resolved, error) {
	sess, err := s.client.Session.Query().Where(session.TokenDigest(digest(c.Secret))).WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return resolved{}, badCredential("unknown session")
	} else if err != nil {
		return resolved{}, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return resolved{}, badCredential("session expired")
	}
	if !c.Safe && subtle.ConstantTimeCompare([]byte(digest(c.CSRF)), []byte(sess.CsrfDigest)) != 1 {
		return resolved{}, badCredential("missing or wrong CSRF token")
	}
	u := sess.Edges.User
	if u.State != user.StateActive {
		return resolved{}, badCredential("user blocked")
	}
	return resolved{v: &auth.Viewer{Kind: auth.Session, UserID: u.ID, Username: u.Username, Admin: u.Admin, TokenID: sess.ID},
		until: &sess.ExpiresAt}, nil
}
