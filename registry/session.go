package registry

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/session"
	"github.com/pkgreg/registry/ent/user"
)

// SessionLifetime is how long a browser stays signed in.
const SessionLifetime = 7 * 24 * time.Hour

// Sign-in throttling: after this many consecutive failures, each further failure locks
// password sign-in for the user, doubling up to an hour. It lives in the user's row,
// so every replica enforces the same lock.
const (
	freeSignInFailures = 5
	maxSignInLock      = time.Hour
)

// dummyHash makes a sign-in for an unknown user cost as much as for a known one.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)

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

// SignIn checks a username and password and opens a session.
func (s *Service) SignIn(ctx context.Context, username, password string) (*NewSession, error) {
	u, err := s.client.User.Query().Where(user.UsernameEqualFold(username)).Only(ctx)
	if ent.IsNotFound(err) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, errBadLogin
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		return nil, Errorf(ErrThrottled, "Too many failed sign-in attempts. Try again in %s.", u.LockedUntil.Sub(now).Round(time.Second))
	}
	if u.State != user.StateActive || u.Bot || u.PasswordHash == "" ||
		bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		failed := u.FailedSignIns + 1
		upd := s.client.User.UpdateOne(u).SetFailedSignIns(failed)
		if failed >= freeSignInFailures {
			lock := min(time.Minute<<min(failed-freeSignInFailures, 10), maxSignInLock)
			upd.SetLockedUntil(now.Add(lock))
		}
		if err := upd.Exec(ctx); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	token := newSecret("glsess-")
	csrf := CSRFToken(token)
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if err := tx.User.UpdateOne(u).SetFailedSignIns(0).ClearLockedUntil().Exec(ctx); err != nil {
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

// SignOut ends the session with this cookie secret.
func (s *Service) SignOut(ctx context.Context, token string) error {
	_, err := s.client.Session.Delete().Where(session.TokenDigest(digest(token))).Exec(ctx)
	return err
}

// resolveSession authenticates a session cookie. Writes (any method but GET and HEAD)
// must carry the session's CSRF token: a cookie alone, which a browser attaches to
// cross-site requests too, never changes anything.
func (s *Service) resolveSession(ctx context.Context, c auth.Credential) (*auth.Viewer, error) {
	sess, err := s.client.Session.Query().Where(session.TokenDigest(digest(c.Secret))).WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, badCredential("unknown session")
	} else if err != nil {
		return nil, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return nil, badCredential("session expired")
	}
	if !c.Safe && subtle.ConstantTimeCompare([]byte(digest(c.CSRF)), []byte(sess.CsrfDigest)) != 1 {
		return nil, badCredential("missing or wrong CSRF token")
	}
	u := sess.Edges.User
	if u.State != user.StateActive {
		return nil, badCredential("user blocked")
	}
	return &auth.Viewer{Kind: auth.Session, UserID: u.ID, Username: u.Username, Admin: u.Admin, TokenID: sess.ID}, nil
}
