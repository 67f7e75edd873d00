// Package compattest starts a real registry for protocol tests: a database (SQLite in
// a temporary directory, or a fresh schema on the Postgres named by
// TEST_DATABASE_URL), file storage in a temporary directory, and the full HTTP
// surface on a free 127.0.0.1 port. Everything it starts stops when the test ends.
package compattest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	_ "github.com/lib/pq"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
	"github.com/pkgreg/registry/server"
)

// Env is one running registry.
type Env struct {
	T         testing.TB
	Svc       *registry.Service
	DB        *database.DB
	URL       string // base URL of the HTTP server
	RootToken string // api-scoped token of the administrator root
	Admin     context.Context
	// DatabaseURL and StorageURL let a second replica share this one's state.
	DatabaseURL, StorageURL string
	// Blobs is the server's storage, for tests that look at what it holds.
	Blobs *registry.Blobs
	// Router is the server's mount table, for tests that list its routes.
	Router   chi.Routes
	routesMu sync.Mutex
	hit      map[string]bool // "METHOD pattern" of every request the server routed
	headNext bool            // the next GET is sent as HEAD (Head)
}

// New starts a registry with its own database and storage.
func New(t testing.TB, opts ...database.Option) *Env {
	t.Helper()
	return NewWithConfig(t, nil, opts...)
}

// NewCounted starts a registry whose SQL statements are counted.
func NewCounted(t testing.TB) (*Env, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	e := New(t, database.LogStatements(func(line string) {
		if strings.Contains(line, "Query: query=") || strings.Contains(line, "Exec: query=") {
			n.Add(1)
		}
	}))
	return e, &n
}

// NewWithConfig starts a registry with its own database and storage, whose service
// configuration cfg adjusts (a short deadline, a test clock).
func NewWithConfig(t testing.TB, cfg func(*registry.Config), opts ...database.Option) *Env {
	t.Helper()
	dbURL := DatabaseURL(t)
	storage := "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "storage"))
	return StartWithConfig(t, dbURL, storage, cfg, opts...)
}

// GraphQL posts a query to /api/graphql with the given headers and decodes the
// response's data into out (when non-nil). It returns the GraphQL errors' messages.
func (e *Env) GraphQL(query string, vars map[string]any, out any, headers ...string) []string {
	e.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	res := e.Do("POST", "/api/graphql", bytes.NewReader(body), append([]string{"Content-Type", "application/json"}, headers...)...)
	if res.Status != http.StatusOK {
		e.T.Fatalf("graphql: HTTP %d: %s", res.Status, res.Body)
	}
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(res.Body, &r); err != nil {
		e.T.Fatalf("graphql: %v: %s", err, res.Body)
	}
	if out != nil && len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.T.Fatalf("graphql data: %v: %s", err, r.Data)
		}
	}
	var msgs []string
	for _, m := range r.Errors {
		msgs = append(msgs, m.Message)
	}
	return msgs
}

// Start starts a registry on an existing database and storage (a replica). Options
// go to the ent client (a query counter, say).
func Start(t testing.TB, dbURL, storageURL string, opts ...database.Option) *Env {
	t.Helper()
	return StartWithConfig(t, dbURL, storageURL, nil, opts...)
}

// StartWithConfig is Start with the service configuration adjusted by cfg.
func StartWithConfig(t testing.TB, dbURL, storageURL string, cfg func(*registry.Config), opts ...database.Option) *Env {
	t.Helper()
	return StartWithLog(t, dbURL, storageURL, cfg, nil, opts...)
}

// StartWithLog is StartWithConfig with the service and server logging to log (nil:
// nowhere, or stderr with TEST_LOG set), for tests that check what is logged.
func StartWithLog(t testing.TB, dbURL, storageURL string, cfg func(*registry.Config), log *slog.Logger, opts ...database.Option) *Env {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbURL, opts...)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := registry.OpenBlobs(ctx, storageURL)
	if err != nil {
		t.Fatalf("open storage: %v", err)
	}
	t.Cleanup(func() { blobs.Close() })
	switch {
	case log != nil:
	case os.Getenv("TEST_LOG") != "":
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	default:
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Env{T: t, DB: db, DatabaseURL: dbURL, StorageURL: storageURL, Blobs: blobs}
	// The handler needs the external URL before the server exists: start unstarted.
	var handler http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	srv.Start()
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	conf := registry.Config{ExternalURL: srv.URL}
	if cfg != nil {
		cfg(&conf)
	}
	e.Svc = registry.New(db, blobs, conf, log)
	routes := server.Routes(e.Svc, log)
	e.Router, _ = routes.(chi.Routes)
	e.hit = map[string]bool{}
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A route context made here is the one the router fills in, so the pattern
		// that served the request can be read once it is done.
		rctx := chi.NewRouteContext()
		routes.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx)))
		if pattern := rctx.RoutePattern(); pattern != "" {
			e.routesMu.Lock()
			e.hit[r.Method+" "+pattern] = true
			e.routesMu.Unlock()
		}
	})
	e.RootToken, err = e.Svc.Bootstrap(ctx, "")
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	e.Admin, err = e.Svc.AdminContext(ctx)
	if err != nil {
		t.Fatalf("admin context: %v", err)
	}
	if e.RootToken == "" { // a replica of an instance that is already set up
		e.RootToken = e.PAT("root", "api")
	}
	return e
}

// DatabaseURL returns a fresh, empty database for one test: a new schema on the
// Postgres server of TEST_DATABASE_URL, or a SQLite file in a temporary directory.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return database.DefaultURL(t.TempDir())
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("postgres", base)
		if err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres reports whether the tests run on Postgres.
func Postgres() bool { return os.Getenv("TEST_DATABASE_URL") != "" }

func (e *Env) must(err error) {
	e.T.Helper()
	if err != nil {
		e.T.Fatal(err)
	}
}

// ProjectRow returns a project by path, as the administrator.
func (e *Env) ProjectRow(path string) *ent.Project { return e.project(path) }

// User creates a user.
func (e *Env) User(username string) *ent.User {
	e.T.Helper()
	u, err := e.Svc.CreateUser(e.Admin, registry.CreateUserInput{Username: username, Email: username + "@example.com"})
	e.must(err)
	return u
}

// Group creates a group (with its parents' path already existing).
func (e *Env) Group(fullPath, visibility string) *ent.Group {
	e.T.Helper()
	g, err := e.Svc.CreateGroup(e.Admin, registry.CreateGroupInput{FullPath: fullPath, Visibility: visibility})
	e.must(err)
	return g
}

// Project creates a project; accessLevel "" means private (follows visibility).
func (e *Env) Project(fullPath, visibility, accessLevel string) *ent.Project {
	e.T.Helper()
	p, err := e.Svc.CreateProject(e.Admin, registry.CreateProjectInput{FullPath: fullPath, Visibility: visibility,
		PackageRegistryAccessLevel: accessLevel})
	e.must(err)
	return p
}

// Member gives a user a role in a project or group path ("g/p" is tried as a project first).
func (e *Env) Member(username, path, role string) {
	e.T.Helper()
	in := registry.MembershipInput{Username: username, Role: role}
	if _, err := e.Svc.ProjectByRef(e.Admin, path); err == nil {
		in.ProjectPath = path
	} else {
		in.GroupPath = path
	}
	_, err := e.Svc.SetMembership(e.Admin, in)
	e.must(err)
}

// PAT creates a personal access token for a user.
func (e *Env) PAT(username string, scopes ...string) string {
	e.T.Helper()
	ctx, err := e.Svc.UserContext(e.Admin, username)
	e.must(err)
	t, err := e.Svc.CreatePersonalAccessToken(ctx, registry.CreatePersonalAccessTokenInput{Name: "test", Scopes: scopes})
	e.must(err)
	return t.Token
}

// DeployToken creates a deploy token for a project or group path; it returns the
// token's username and secret.
func (e *Env) DeployToken(projectPath, groupPath string, scopes ...string) (string, string) {
	e.T.Helper()
	t, err := e.Svc.CreateDeployToken(e.Admin, registry.DeployTokenInput{ProjectPath: projectPath, GroupPath: groupPath,
		Name: "deploy", Scopes: scopes})
	e.must(err)
	return t.Username, t.Token
}

// Job starts a CI job in a project as a user and returns its token and id.
func (e *Env) Job(projectPath, username string, pipelineIID int64) (string, int) {
	e.T.Helper()
	ctx, err := e.Svc.UserContext(e.Admin, username)
	e.must(err)
	j, err := e.Svc.CreateJob(ctx, registry.CreateJobInput{ProjectPath: projectPath, PipelineIID: pipelineIID,
		Ref: "main", SHA: strings.Repeat("ab", 20), Name: "publish"})
	e.must(err)
	return j.Token, j.ID
}

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Sent is how much of the request body the client managed to send.
	Sent int64
}

// RoutesHit lists the "METHOD pattern" of every request the server has routed.
func (e *Env) RoutesHit() map[string]bool {
	e.routesMu.Lock()
	defer e.routesMu.Unlock()
	out := make(map[string]bool, len(e.hit))
	for k := range e.hit {
		out[k] = true
	}
	return out
}

// countingReader counts what the client reads of a request body.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Do sends a request; headers come as name, value pairs.
func (e *Env) Do(method, path string, body io.Reader, headers ...string) *Response {
	e.T.Helper()
	var counted *countingReader
	if body != nil {
		counted = &countingReader{r: body}
	}
	var reqBody io.Reader
	if counted != nil {
		reqBody = counted
	}
	if method == http.MethodGet && e.headNext {
		method = http.MethodHead
	}
	req, err := http.NewRequest(method, e.URL+path, reqBody)
	e.must(err)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Basic" {
			user, pass, _ := strings.Cut(headers[i+1], ":")
			req.SetBasicAuth(user, pass)
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	if s, ok := body.(interface{ Len() int }); ok {
		req.ContentLength = int64(s.Len())
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	res, err := client.Do(req)
	e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	e.must(err)
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: b}
	if counted != nil {
		out.Sent = counted.n.Load()
	}
	return out
}

// TokenContext is a context acting as the holder of a token (personal, deploy or
// job), resolved as a request carrying it would be.
func (e *Env) TokenContext(secret string) context.Context {
	e.T.Helper()
	v, err := e.Svc.ResolveCredential(context.Background(), auth.Credential{Source: auth.FromAPIKey, Secret: secret})
	e.must(err)
	return auth.NewContext(context.Background(), v)
}
