// Package server is the registry's HTTP surface: one mount table from which every
// request can be followed to its handler in compat/, plus the middleware around it.
package server

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/compat/generic"
	"github.com/pkgreg/registry/compat/maven"
	"github.com/pkgreg/registry/compat/npm"
	"github.com/pkgreg/registry/compat/nuget"
	"github.com/pkgreg/registry/compat/pypi"
	"github.com/pkgreg/registry/compat/rest"
	"github.com/pkgreg/registry/graph"
	"github.com/pkgreg/registry/registry"
)

// Formats is the list of package formats the server speaks. Adding a format is one
// line here (and its folder under compat/).
func Formats(svc *registry.Service) []compat.Format {
	return []compat.Format{
		generic.New(svc),
		npm.New(svc),
		pypi.New(svc),
		maven.New(svc),
		nuget.New(svc),
	}
}

// Routes is the single mount table of the whole HTTP surface.
func Routes(svc *registry.Service, log *slog.Logger) http.Handler {
	formats := Formats(svc)
	r := chi.NewRouter()
	r.Use(compat.RawPath, requestLog(log, svc.Metrics()), recoverPanic, requestMemo)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		compat.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		compat.WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "405 Method Not Allowed"})
	})
	if m := svc.Metrics(); m != nil && svc.MetricsOnMainListener() {
		r.With(auth.Middleware(svc, compat.Unauthorized)).Get("/-/metrics", metricsHandler(svc, m))
	}
	r.Get("/-/health", func(w http.ResponseWriter, r *http.Request) {
		compat.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/-/readiness", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Ready(r.Context()); err != nil {
			log.WarnContext(r.Context(), "not ready", "err", err)
			compat.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "failed"})
			return
		}
		compat.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	sess := sessionRoutes{svc: svc}
	r.Route("/api/graphql", func(r chi.Router) {
		r.Use(auth.Middleware(svc, sess.ended(auth.Policy{}, compat.Unauthorized, graphQLUnauthenticated)))
		gql := graph.NewHandler(svc, log)
		r.Get("/", gql.ServeHTTP)
		r.Post("/", gql.ServeHTTP)
	})
	r.Post("/-/session", sess.signIn)
	r.With(auth.Middleware(svc, sess.ended(auth.Policy{}, compat.Unauthorized, restMessage))).Get("/-/session", sess.current)
	// Signing out with a session that is already gone just clears the cookie.
	r.With(auth.MiddlewareWith(svc, compat.Unauthorized, auth.Policy{Lenient: func(_ *http.Request, c auth.Credential) bool {
		return c.Source == auth.FromSession
	}})).Delete("/-/session", sess.signOut)
	// Each surface under /api/v4 reads credentials by its own policy, as each of
	// GitLab's APIs declares it: the Packages API and every format.
	r.Route("/api/v4", func(r chi.Router) {
		r.Group(func(r chi.Router) {
			r.Use(auth.MiddlewareWith(svc, compat.Unauthorized, rest.AuthPolicy))
			rest.Routes(svc)(r)
		})
		th := &throttles{svc: svc}
		for _, f := range formats {
			r.Group(func(r chi.Router) {
				r.Use(auth.MiddlewareWith(svc, th.onFail(compat.Unauthorized), compat.PolicyOf(f)), th.middleware)
				f.Mount(r)
			})
		}
	})

	// The web UI (frontend/): its pages under /-/, then every other path. API paths
	// that reach the catch-all still answer the JSON 404 above.
	ui := newUI()
	r.Get("/-/sign_in", ui.ServeHTTP)
	r.Get("/-/user_settings/*", ui.ServeHTTP)
	r.Get("/-/admin/*", ui.ServeHTTP)
	r.Get("/-/new/*", ui.ServeHTTP)
	// A package file's download from its project's page (GraphQL's downloadPath) has
	// the project's full path in front, so it is told apart from the UI's pages here.
	files := auth.MiddlewareWith(svc, sess.ended(rest.AuthPolicy, compat.Unauthorized, restMessage), rest.AuthPolicy)(rest.DownloadProjectFile(svc))
	r.Handle("/*", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := rest.ProjectFilePath(r.URL.Path); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			files.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	}))
	return r
}
