package server

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/registry"
)

// sessionRoutes serve the web UI's sign-in: POST /-/session with {username, password}
// sets an HttpOnly, SameSite=Strict cookie and answers the CSRF token that every
// write must carry in X-CSRF-Token; GET answers who is signed in; DELETE signs out.
type sessionRoutes struct{ svc *registry.Service }

type sessionJSON struct {
	User      *compat.UserJSON `json:"user"`
	Admin     bool             `json:"admin"`
	CSRFToken string           `json:"csrfToken,omitempty"`
}

func (h sessionRoutes) signIn(w http.ResponseWriter, r *http.Request) {
	var in struct{ Username, Password string }
	compat.SmallBody(w, r, h.svc.SmallBodyTimeout(), 4096)
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Username == "" {
		compat.WriteError(w, r, registry.Errorf(registry.ErrInvalid, "send {\"username\": ..., \"password\": ...}"))
		return
	}
	// The connection's peer, not X-Forwarded-For: a header the client writes would
	// let it pick a fresh address for every guess.
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	s, err := h.svc.SignIn(r.Context(), registry.SignInInput{Username: in.Username, Password: in.Password, Client: client})
	if err != nil {
		// No Basic challenge here: a browser would show its own password dialog.
		compat.WriteJSON(w, compat.Status(err), map[string]string{"message": registry.PublicMessage(err)})
		return
	}
	http.SetCookie(w, h.cookie(s.Token, time.Now().Add(registry.SessionLifetime)))
	compat.WriteJSON(w, http.StatusOK, sessionJSON{User: compat.User(h.svc.ExternalURL(), s.User), Admin: s.User.Admin, CSRFToken: s.CSRF})
}

func (h sessionRoutes) current(w http.ResponseWriter, r *http.Request) {
	v := auth.FromContext(r.Context())
	u, err := h.svc.CurrentUser(r.Context())
	if err != nil {
		compat.WriteError(w, r, err)
		return
	}
	out := sessionJSON{User: compat.User(h.svc.ExternalURL(), u), Admin: v.Admin}
	if c, err := r.Cookie(auth.SessionCookie); err == nil && v.Kind == auth.Session {
		out.CSRFToken = registry.CSRFToken(c.Value)
	}
	compat.WriteJSON(w, http.StatusOK, out)
}

func (h sessionRoutes) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.SessionCookie); err == nil && auth.FromContext(r.Context()).Kind == auth.Session {
		if err := h.svc.SignOut(r.Context(), c.Value); err != nil {
			compat.WriteError(w, r, err)
			return
		}
	}
	http.SetCookie(w, h.cookie("", time.Unix(0, 0)))
	w.WriteHeader(http.StatusNoContent)
}

func (h sessionRoutes) cookie(value string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: auth.SessionCookie, Value: value, Path: "/", Expires: expires, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: strings.HasPrefix(h.svc.ExternalURL(), "https://")}
}

// SessionScheme is the challenge of a 401 answering a session cookie that no longer
// authenticates. Every 401 carries WWW-Authenticate, but a Basic one makes a browser
// open its own password dialog over the page (for fetch too) and then retry with
// Basic credentials the UI never meant to send; browsers show that dialog only for the
// schemes they implement, so this one (after the Cookie scheme of
// draft-broyer-http-cookie-auth) tells the page, and nothing else, to sign in again
// at form-action.
const SessionScheme = `Cookie realm="` + compat.Realm + `", form-action="/-/sign_in", cookie-name="` + auth.SessionCookie + `"`

// sessionEndedMessage is what the UI shows when its session is gone.
const sessionEndedMessage = "Your session has ended (it expired, you signed out elsewhere or your password changed). Sign in again."

// ended answers the web UI's own requests (GraphQL, /-/session, a file
// download from a project's page) whose session cookie does not authenticate: 401
// with SessionScheme rather than a Basic challenge, and body(message). Any other
// refused credential is a client's, answered by fail (with its Basic challenge).
// A GET or HEAD also clears the cookie: the session is gone, not just the page's CSRF
// token (a write with a stale token fails too, while the session may live on after a
// sign-in in another tab; the page then asks GET /-/session which of the two it is).
func (h sessionRoutes) ended(p auth.Policy, fail func(http.ResponseWriter, *http.Request, error), body func(msg string) any) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		c, ok := p.Pick(r)
		if !ok || c.Source != auth.FromSession || registry.Unavailable(err) {
			fail(w, r, err)
			return
		}
		if c.Safe {
			http.SetCookie(w, h.cookie("", time.Unix(0, 0)))
		}
		w.Header().Set("WWW-Authenticate", SessionScheme)
		compat.WriteJSON(w, http.StatusUnauthorized, body(sessionEndedMessage))
	}
}

// graphQLUnauthenticated is a GraphQL response of one error coded UNAUTHENTICATED,
// as the error presenter codes ErrUnauthenticated.
func graphQLUnauthenticated(msg string) any {
	return map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]string{"code": "UNAUTHENTICATED"}}}}
}

// restMessage is GitLab's REST error body.
func restMessage(msg string) any { return map[string]string{"message": msg} }
