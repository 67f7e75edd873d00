package npm_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/compat/npm"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/registry"
	"github.com/pkgreg/registry/server"
)

// seedVersions publishes n versions (1.0.0, 1.0.1, ...) of name through the service.
func seedVersions(tb testing.TB, e *compattest.Env, projectPath, name string, n int) {
	tb.Helper()
	p, err := e.Svc.ProjectByRef(e.Admin, projectPath)
	if err != nil {
		tb.Fatal(err)
	}
	svc := npm.New(e.Svc).Service()
	for i := range n {
		v := fmt.Sprintf("1.%d.%d", i/100, i%100)
		tgz := []byte("tarball of " + name + "@" + v)
		s1 := sha1.Sum(tgz)
		up, err := e.Svc.BeginUpload(e.Admin, p, registry.PackageTypeNPM)
		if err != nil {
			tb.Fatal(err)
		}
		f, err := up.Receive(e.Admin, bytes.NewReader(tgz))
		if err != nil {
			tb.Fatal(err)
		}
		_, err = svc.Publish(e.Admin, npm.PublishInput{Upload: up, Tarball: f, Doc: &npm.Publish{
			Name: name, Version: v, SHA1: hex.EncodeToString(s1[:]),
			PackageJSON: map[string]any{"name": name, "version": v, "dependencies": map[string]any{"dep": "^1.0.0"}},
			DistTags:    map[string]string{"latest": v},
		}})
		up.Discard(e.Admin)
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// replica starts a second registry process on e's database and storage whose
// queries are counted.
func replica(tb testing.TB, e *compattest.Env) (string, *atomic.Int64) {
	tb.Helper()
	var queries atomic.Int64
	count := func(s string) {
		if strings.Contains(s, "Query: query=") || strings.Contains(s, "Exec: query=") {
			queries.Add(1)
		}
	}
	ctx := context.Background()
	db, err := database.Open(ctx, e.DatabaseURL, database.LogStatements(count))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	blobs, err := registry.OpenBlobs(ctx, e.StorageURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { blobs.Close() })
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	tb.Cleanup(srv.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	handler = server.Routes(registry.New(db, blobs, registry.Config{ExternalURL: srv.URL}, log), log)
	return srv.URL, &queries
}

func get(tb testing.TB, url, token string, headers ...string) (*http.Response, []byte) {
	tb.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// TestNPMPackumentQueries checks that a packument costs the same number of queries
// for 1 and 150 versions, fewer when cached, and that a replica's cache never serves
// a document older than the database.
func TestNPMPackumentQueries(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "internal")
	e.Project("acme/tools", "private", "")
	e.Project("acme/more", "internal", "")
	seedVersions(t, e, "acme/tools", "@acme/one", 1)
	seedVersions(t, e, "acme/tools", "@acme/many", 150)
	seedVersions(t, e, "acme/more", "@acme/two", 2)
	base, queries := replica(t, e)
	// The first authenticated request records the token's last use; not part of the cost.
	get(t, base+"/api/v4/packages/npm/-/whoami", e.RootToken)

	for _, ep := range []string{"/api/v4/projects/acme%2Ftools/packages/npm/", "/api/v4/groups/acme/-/packages/npm/", "/api/v4/packages/npm/"} {
		// The projects and groups the endpoint names come from the hot path's cache
		// once one request has read them; not part of a document's cost.
		get(t, base+ep+"@acme%2fnone", e.RootToken)
		// Each name: first request renders (cold), second is served from the cache.
		cost := map[string][2]int64{}
		for _, name := range []string{"@acme%2fone", "@acme%2fmany"} {
			var c [2]int64
			for round := range 2 {
				queries.Store(0)
				res, body := get(t, base+ep+name, e.RootToken)
				if res.StatusCode != 200 {
					t.Fatalf("%s%s: %d %s", ep, name, res.StatusCode, body)
				}
				c[round] = queries.Load()
			}
			cost[name] = c
		}
		one, many := cost["@acme%2fone"], cost["@acme%2fmany"]
		t.Logf("%s queries per request, cold/cached: 1 version %v, 150 versions %v", ep, one, many)
		if one != many {
			t.Errorf("%s: 1 version costs %v queries, 150 versions %v", ep, one, many)
		}
		if many[1] >= many[0] || many[1] > 6 {
			t.Errorf("%s: a cached packument costs %d queries, a rendered one %d", ep, many[1], many[0])
		}
	}

	// A change made through the other replica shows at once, here.
	ep := base + "/api/v4/packages/npm/@acme%2fmany"
	res, _ := get(t, ep, e.RootToken)
	etag := res.Header.Get("ETag")
	tag := e.Do("PUT", "/api/v4/projects/acme%2Ftools/packages/npm/-/package/@acme%2fmany/dist-tags/stable",
		strings.NewReader(`"1.0.5"`), "Authorization", "Bearer "+e.RootToken)
	if tag.Status != http.StatusNoContent {
		t.Fatalf("tag: %d %s", tag.Status, tag.Body)
	}
	res, body := get(t, ep, e.RootToken, "If-None-Match", etag)
	var doc struct {
		DistTags map[string]string `json:"dist-tags"`
		Versions map[string]struct{ Deprecated string }
	}
	if err := json.Unmarshal(body, &doc); err != nil || res.StatusCode != 200 || doc.DistTags["stable"] != "1.0.5" {
		t.Fatalf("after a tag on the other replica: %d %s", res.StatusCode, body)
	}
	p, _ := e.Svc.ProjectByRef(e.Admin, "acme/tools")
	svc := npm.New(e.Svc).Service()
	if err := svc.Deprecate(e.Admin, p, "@acme/many", map[string]string{"1.0.5": "gone"}); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, ep, e.RootToken)
	if err := json.Unmarshal(body, &doc); err != nil || doc.Versions["1.0.5"].Deprecated != "gone" {
		t.Fatalf("after deprecate on the other replica: %s", body)
	}
	if err := svc.Unpublish(e.Admin, p, npm.UnpublishInput{Name: "@acme/many", Versions: []string{"1.0.5"}}); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, ep, e.RootToken)
	doc.Versions, doc.DistTags = nil, nil
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Versions) != 149 || doc.DistTags["stable"] != "" {
		t.Fatalf("after unpublish on the other replica: %d versions, tags %v", len(doc.Versions), doc.DistTags)
	}
	// A viewer who may read less gets another document, not the cached one.
	e.User("guest")
	guest := e.PAT("guest", "read_api")
	res, body = get(t, base+"/api/v4/packages/npm/@acme%2ftwo", guest)
	if res.StatusCode != 200 {
		t.Fatalf("internal project, signed-in user: %d %s", res.StatusCode, body)
	}
	if res, _ := get(t, base+"/api/v4/packages/npm/@acme%2fmany", guest); res.StatusCode != 404 {
		t.Fatalf("private project to a stranger: %d", res.StatusCode)
	}
}

// TestPackumentEncodings: the packument (full and abbreviated) is sent in the coding
// the client prefers, each decoding to the same document, with Vary on every answer.
func TestPackumentEncodings(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	e.Project("acme/tools", "private", "")
	seedVersions(t, e, "acme/tools", "@acme/enc", 30)
	url := e.URL + "/api/v4/projects/acme%2Ftools/packages/npm/@acme%2fenc"
	for _, accept := range []string{"application/json", "application/vnd.npm.install-v1+json"} {
		res, plain := get(t, url, e.RootToken, "Accept", accept, "Accept-Encoding", "identity")
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s identity: %d %q", accept, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
		for _, c := range []struct {
			accept, coding string
			decode         func(io.Reader) (io.Reader, error)
		}{
			{"gzip", "gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
			{"gzip;q=0.5, br", "br", func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
		} {
			res, body := get(t, url, e.RootToken, "Accept", accept, "Accept-Encoding", c.accept)
			if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != c.coding || len(body) >= len(plain) {
				t.Fatalf("%s %s: %d %q, %d bytes of %d", accept, c.accept, res.StatusCode, res.Header.Get("Content-Encoding"), len(body), len(plain))
			}
			if !slices.Contains(res.Header.Values("Vary"), "Accept-Encoding") {
				t.Errorf("%s %s: Vary %q", accept, c.accept, res.Header.Values("Vary"))
			}
			r, err := c.decode(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if decoded, err := io.ReadAll(r); err != nil || !bytes.Equal(decoded, plain) {
				t.Errorf("%s %s: decodes to another document (%v)", accept, c.accept, err)
			}
			nm, _ := get(t, url, e.RootToken, "Accept", accept, "Accept-Encoding", c.accept, "If-None-Match", res.Header.Get("ETag"))
			if nm.StatusCode != http.StatusNotModified || !slices.Contains(nm.Header.Values("Vary"), "Accept-Encoding") {
				t.Errorf("%s %s revalidated: %d, Vary %q", accept, c.accept, nm.StatusCode, nm.Header.Values("Vary"))
			}
		}
	}
}

// BenchmarkPackument measures serving a packument of 1, 100 and 1,000 versions over
// HTTP: full GETs (cached after the first) and revalidations with If-None-Match. It
// reports requests per second and the 99th percentile latency.
func BenchmarkPackument(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		e := compattest.New(b)
		e.Group("acme", "private")
		e.Project("acme/tools", "private", "")
		seedVersions(b, e, "acme/tools", "@acme/bench", n)
		compattest.BenchDocument(b, fmt.Sprintf("versions=%d", n), e.URL+"/api/v4/groups/acme/-/packages/npm/@acme%2fbench", e.RootToken)
	}
}
