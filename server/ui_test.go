package server_test

import (
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/frontend"
)

// TestUIRoutes checks that the UI's catch-all serves pages without shadowing the API.
func TestUIRoutes(t *testing.T) {
	e := compattest.New(t)
	_, built := frontend.Files()
	for _, c := range []struct {
		method, path string
		status       int
		contentType  string
	}{
		{"GET", "/", 200, "text/html"},
		{"GET", "/acme/tools/-/packages?search=x", 200, "text/html"},
		{"GET", "/acme/tools/-/packages/12", 200, "text/html"},
		{"GET", "/-/sign_in", 200, "text/html"},
		{"GET", "/-/user_settings/personal_access_tokens", 200, "text/html"},
		{"GET", "/-/admin/users", 200, "text/html"},
		{"GET", "/api", 404, "application/json"},
		{"GET", "/api/v5/anything", 404, "application/json"},
		{"GET", "/api/v4/no/such/route", 404, "application/json"},
		{"GET", "/-/no-such-page", 404, "application/json"},
		{"POST", "/acme/tools", 404, "application/json"},
		{"GET", "/-/health", 200, "application/json"},
		{"GET", "/-/session", 200, "application/json"},
	} {
		res := e.Do(c.method, c.path, nil)
		if res.Status != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), c.contentType) {
			t.Errorf("%s %s: %d %q, want %d %s", c.method, c.path, res.Status, res.Header.Get("Content-Type"), c.status, c.contentType)
		}
	}
	page := e.Do("GET", "/acme", nil)
	if page.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(page.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("page headers: %v", page.Header)
	}
	if built {
		i := strings.Index(string(page.Body), "/assets/")
		if i < 0 {
			t.Fatalf("no asset in index.html: %s", page.Body)
		}
		asset := string(page.Body[i:])
		asset = asset[:strings.IndexAny(asset, `"'`)]
		res := e.Do("GET", asset, nil)
		if res.Status != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %q", asset, res.Status, res.Header.Get("Cache-Control"))
		}
		if res := e.Do("GET", "/assets/old-build.js", nil); res.Status != 404 {
			t.Errorf("missing asset: %d", res.Status)
		}
	}
}
