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
