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
	cs := Credentials(r)
	if len(cs) == 0 {
		return Credential{}, false
	}
	return cs[0], true
}

// Credentials lists every credential on r, in GitLab's order of precedence.
func Credentials(r *http.Request) []Credential {
	var out []Credential
	h := r.Header
	if t := h.Get("Private-Token"); t != "" {
		out = append(out, Credential{Source: FromPrivateToken, Secret: t})
	}
	if t := h.Get("Job-Token"); t != "" {
		out = append(out, Credential{Source: FromJobToken, Secret: t})
	}
	if t := h.Get("Deploy-Token"); t != "" {
		out = append(out, Credential{Source: FromDeployToken, Secret: t})
	}
	if a := h.Get("Authorization"); a != "" {
		scheme, rest, _ := strings.Cut(a, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			out = append(out, Credential{Source: FromBearer, Secret: strings.TrimSpace(rest)})
		case strings.EqualFold(scheme, "Basic"):
			if u, p, ok := r.BasicAuth(); ok {
				out = append(out, Credential{Source: FromBasic, Username: u, Secret: p})
			}
		case rest == "":
			out = append(out, Credential{Source: FromRawAuthorization, Secret: a})
		}
	}
	q := r.URL.Query()
	if t := q.Get("private_token"); t != "" {
		out = append(out, Credential{Source: FromPrivateToken, Secret: t})
	}
	if t := q.Get("job_token"); t != "" {
		out = append(out, Credential{Source: FromJobToken, Secret: t})
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		out = append(out, Credential{Source: FromSession, Secret: c.Value, CSRF: h.Get(CSRFHeader),
			Safe: r.Method == http.MethodGet || r.Method == http.MethodHead})
	}
	return out
}

// Policy is how one surface of the API reads credentials, as each of GitLab's APIs
// declares its own (authenticate_with): which sources it reads, and whether a
// credential that does not authenticate is answered or ignored.
type Policy struct {
	// Reads reports whether the surface reads a credential from c's source; the
	// others are ignored, as if absent. Nil reads every source.
	Reads func(c Credential) bool
	// Lenient reports whether a credential that does not authenticate leaves the
	// request anonymous (GitLab's package reads of public projects ignore a wrong
	// Basic password) rather than answering it. Nil: never.
	Lenient func(r *http.Request, c Credential) bool
}

// Pick returns the credential of r the surface checks: the first one it reads.
func (p Policy) Pick(r *http.Request) (Credential, bool) {
	for _, c := range Credentials(r) {
		if p.Reads == nil || p.Reads(c) {
			return c, true
		}
	}
	return Credential{}, false
}

// Middleware authenticates every request that carries a credential and stores the
// viewer in the request context. A credential that does not authenticate is
// answered at once by onFail (GitLab answers 401 even on public resources).
func Middleware(res Resolver, onFail func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return MiddlewareWith(res, onFail, Policy{})
}

// MiddlewareWith is Middleware following a surface's Policy.
func MiddlewareWith(res Resolver, onFail func(http.ResponseWriter, *http.Request, error), p Policy) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, found := p.Pick(r)
			if !found {
				next.ServeHTTP(w, r)
				return
			}
			v, err := res.ResolveCredential(r.Context(), c)
			if err != nil {
				if p.Lenient != nil && errors.Is(err, ErrBadCredential) && p.Lenient(r, c) {
					next.ServeHTTP(w, r)
					return
				}
				onFail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), v)))
		})
	}
}
