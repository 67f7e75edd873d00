package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Source says where a credential came from; it limits which token kinds it may be.
type Source int

// Credential sources.
const (
	FromPrivateToken     Source = iota // PRIVATE-TOKEN header or private_token parameter
	FromJobToken                       // JOB-TOKEN header or job_token parameter
	FromDeployToken                    // Deploy-Token header
	FromBearer                         // Authorization: Bearer
	FromBasic                          // Authorization: Basic (username matters for deploy and job tokens)
	FromRawAuthorization               // Authorization: <token> with no scheme (gem, cargo)
	FromSession                        // the web UI's session cookie
	// FromAPIKey is a format's own API key header (NuGet's X-NuGet-ApiKey): a raw
	// personal, deploy or job token. The format reads it on the routes that take it.
	FromAPIKey
)

// SessionCookie is the web UI's session cookie; CSRFHeader carries its CSRF token.
const (
	SessionCookie = "registry_session"
	CSRFHeader    = "X-CSRF-Token"
)

// Credential is a secret found on a request, not yet checked.
type Credential struct {
	Source   Source
	Username string
	Secret   string
	// CSRF and Safe are set for session cookies: the CSRF header, and whether the
	// method cannot change anything (GET, HEAD).
	CSRF string
	Safe bool
}

// JobTokenUsername is the Basic username that marks a CI job token.
const JobTokenUsername = "gitlab-ci-token"

// ErrBadCredential is returned by a Resolver for a credential that does not
// authenticate (unknown, expired, revoked, blocked user, wrong username).
var ErrBadCredential = errors.New("bad credential")

// Resolver turns a credential into a viewer.
type Resolver interface {
	ResolveCredential(ctx context.Context, c Credential) (*Viewer, error)
}

// CredentialFrom finds the first credential on r, in GitLab's order of precedence.
func CredentialFrom(r *http.Request) (Credential, bool) {
	h := r.Header
	if t := h.Get("Private-Token"); t != "" {
		return Credential{Source: FromPrivateToken, Secret: t}, true
	}
	if t := h.Get("Job-Token"); t != "" {
		return Credential{Source: FromJobToken, Secret: t}, true
	}
	if t := h.Get("Deploy-Token"); t != "" {
		return Credential{Source: FromDeployToken, Secret: t}, true
	}
	if a := h.Get("Authorization"); a != "" {
		scheme, rest, _ := strings.Cut(a, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			return Credential{Source: FromBearer, Secret: strings.TrimSpace(rest)}, true
		case strings.EqualFold(scheme, "Basic"):
			if u, p, ok := r.BasicAuth(); ok {
				return Credential{Source: FromBasic, Username: u, Secret: p}, true
			}
		case rest == "":
			return Credential{Source: FromRawAuthorization, Secret: a}, true
		}
	}
	q := r.URL.Query()
	if t := q.Get("private_token"); t != "" {
		return Credential{Source: FromPrivateToken, Secret: t}, true
	}
	if t := q.Get("job_token"); t != "" {
		return Credential{Source: FromJobToken, Secret: t}, true
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return Credential{Source: FromSession, Secret: c.Value, CSRF: h.Get(CSRFHeader),
			Safe: r.Method == http.MethodGet || r.Method == http.MethodHead}, true
	}
	return Credential{}, false
}

// Middleware authenticates every request that carries a credential and stores the
// viewer in the request context. A credential that does not authenticate is
// answered at once by onFail (GitLab answers 401 even on public resources).
func Middleware(res Resolver, onFail func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := CredentialFrom(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			v, err := res.ResolveCredential(r.Context(), c)
			if err != nil {
				onFail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), v)))
		})
	}
}
