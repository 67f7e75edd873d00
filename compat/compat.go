// Package compat holds what every package-manager protocol shares: error rendering,
// path parameters, pagination, and GitLab's JSON entities. Each protocol lives in its
// own sub-package and calls the registry service.
package compat

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Realm is the realm of every Basic challenge.
const Realm = "GitLab Package Registry"

// Status maps an error kind to its HTTP status; anything unknown is internal.
func Status(err error) int {
	switch {
	case errors.Is(err, registry.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, registry.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, registry.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, registry.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, registry.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, registry.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, registry.ErrThrottled):
		return http.StatusTooManyRequests
	case registry.Unavailable(err):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Override maps an error, a kind (registry.ErrConflict) or one specific error
// value, to the status a format's clients expect for it.
type Override struct {
	Err    error
	Status int
}

// Style is how a format answers errors, declared once per format: status overrides
// checked in order before the kinds' defaults, and the body shape. The zero Style is
// GitLab's REST API: {"message": m}, or {"error": "<param> is invalid"} for a
// parameter that failed validation.
type Style struct {
	Overrides []Override
	// Body renders the message (nil: GitLab's REST shape). e is the registry error
	// behind it, when there is one.
	Body func(status int, msg string, e *registry.Error) any
	// NoRedirect: the format's clients do not follow redirects (NuGet), so files
	// are streamed even when direct downloads are on.
	NoRedirect bool
	// Map, when set, turns an error into the one the surface answers (the Packages
	// REST API hides from anonymous callers what the package managers challenge).
	Map func(error) error
}

// Status is the status the style answers err with.
func (st Style) Status(err error) int {
	for _, o := range st.Overrides {
		if errors.Is(err, o.Err) {
			return o.Status
		}
	}
	return Status(err)
}

// WriteError renders err. Internal errors are logged and answered with a generic
// message. Every 401 carries a Basic challenge, because pip, Maven and NuGet send
// credentials only after one.
func (st Style) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if st.Map != nil {
		err = st.Map(err)
	}
	status := st.Status(err)
	msg := registry.PublicMessage(err)
	if status >= http.StatusInternalServerError || msg == "" {
		if status >= http.StatusInternalServerError {
			Logger(r).ErrorContext(r.Context(), "request failed", "err", err)
		}
		msg = strconv.Itoa(status) + " " + http.StatusText(status)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	var e *registry.Error
	errors.As(err, &e)
	st.write(w, status, msg, e)
}

// WriteStatus answers a status with a message of the style's shape.
func (st Style) WriteStatus(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	st.write(w, status, msg, nil)
}

func (st Style) write(w http.ResponseWriter, status int, msg string, e *registry.Error) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`"`)
	}
	var body any = map[string]string{"message": msg}
	switch {
	case st.Body != nil:
		body = st.Body(status, msg, e)
	case e != nil && e.Param != "":
		body = map[string]string{"error": msg}
	}
	WriteJSON(w, status, body)
}

// WriteError renders err in GitLab's REST shape (the zero Style).
func WriteError(w http.ResponseWriter, r *http.Request, err error) { Style{}.WriteError(w, r, err) }

// Unauthorized answers a request whose credential did not authenticate.
func Unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	if registry.Unavailable(err) { // the credential could not be checked: not its fault
		WriteError(w, r, err)
		return
	}
	WriteError(w, r, registry.Errorf(registry.ErrUnauthenticated, "401 Unauthorized"))
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Param returns a path parameter, unescaped. The router matches on the escaped path
// (see RawPath), so "group%2Fproject" arrives here whole and is decoded once.
// A value with a NUL or that is not UTF-8 names nothing (and Postgres refuses it
// as text): it is invalid, not looked up.
func Param(r *http.Request, name string) (string, error) {
	v, err := url.PathUnescape(chi.URLParam(r, name))
	if err != nil || strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
		return "", registry.InvalidParam(name)
	}
	return v, nil
}

// Project resolves the {id} path parameter (a numeric id or a URL-encoded full path).
func Project(r *http.Request, svc interface {
	ProjectByRef(ctx context.Context, ref string) (*ent.Project, error)
}) (*ent.Project, error) {
	ref, err := Param(r, "id")
	if err != nil {
		return nil, err
	}
	return svc.ProjectByRef(r.Context(), ref)
}

// RawPath makes chi route on the escaped path, so an encoded slash inside a
// parameter (a project's full path, a scoped npm name) does not split it.
func RawPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath == "" {
			rctx.RoutePath = r.URL.EscapedPath()
		}
		next.ServeHTTP(w, r)
	})
}

type loggerKey struct{}

// WithLogger stores the request's logger (with its request id) for handlers.
func WithLogger(r *http.Request, l *slog.Logger) *http.Request {
	return r.WithContext(contextWithLogger(r.Context(), l))
}

// Logger returns the request's logger.
func Logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// Level is where a read endpoint is mounted: a project, a group, or the instance.
type Level int

// Levels of an endpoint.
const (
	ProjectLevel Level = iota
	GroupLevel
	InstanceLevel
)

// Scope resolves the scope of a request from its level and {id} parameter.
func Scope(r *http.Request, svc *registry.Service, level Level) (registry.Scope, error) {
	if level == InstanceLevel {
		return registry.Scope{}, nil
	}
	ref, err := Param(r, "id")
	if err != nil {
		return registry.Scope{}, err
	}
	if level == ProjectLevel {
		return svc.ScopeFor(r.Context(), ref, "")
	}
	return svc.ScopeFor(r.Context(), "", ref)
}

// SmallBody bounds the body of a request that carries a small document (a dist-tag,
// a checksum, settings): at most limit bytes, read within timeout, so that a client
// that dribbles its body is cut off. Package uploads do not use it: they stream for
// as long as they take.
func SmallBody(w http.ResponseWriter, r *http.Request, timeout time.Duration, limit int64) {
	if timeout > 0 {
		// The server resets the deadline before it reads the next request.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
}

// Format is one package-manager protocol: a folder under compat/ that owns it end
// to end, mounted from the one list in server/routes.go.
type Format interface {
	// Type is the package type the format publishes.
	Type() registry.PackageType
	// Mount adds the format's routes (project, group and instance level) to the
	// /api/v4 router.
	Mount(r chi.Router)
}

// Authenticator is a format whose routes read credentials by their own policy
// (as each of GitLab's package APIs declares it); the others get auth.Policy{}:
// every source read, a failed credential answered 401.
type Authenticator interface {
	AuthPolicy() auth.Policy
}

// PolicyOf is the credential policy of a format.
func PolicyOf(f Format) auth.Policy {
	if a, ok := f.(Authenticator); ok {
		return a.AuthPolicy()
	}
	return auth.Policy{}
}

// LenientReads is GitLab's rule for the package reads whose routes take HTTP Basic
// (generic, PyPI, Maven): a GET or HEAD with a Basic credential that does not
// authenticate goes on as anonymous, so a public project's files download whatever
// a client's netrc says; a job token (username gitlab-ci-token) that does not
// authenticate is still refused, as is any credential on a write.
func LenientReads(r *http.Request, c auth.Credential) bool {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	return read && c.Source == auth.FromBasic && c.Username != auth.JobTokenUsername
}
