package server_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/metrics"
	"github.com/pkgreg/registry/registry"
)

// TestMetrics: requests by route pattern and status, package bytes up and down,
// index documents by cache result and garbage collections show at /-/metrics, which
// answers the machine itself and administrators only.
func TestMetrics(t *testing.T) {
	e := compattest.StartWithConfig(t, compattest.DatabaseURL(t), "mem://", func(c *registry.Config) { c.Metrics = metrics.New() })
	p := e.Project("root/app", "private", "")
	root := []string{"Private-Token", e.RootToken}
	path := "/api/v4/projects/root%2Fapp/packages/generic/tool/1.0.0/tool.bin"
	if res := e.Do("PUT", path, strings.NewReader(strings.Repeat("x", 1000)), root...); res.Status != 201 {
		t.Fatal(res.Status)
	}
	for range 2 {
		if res := e.Do("GET", path, nil, root...); res.Status != 200 {
			t.Fatal(res.Status)
		}
	}
	page := "/api/v4/projects/root%2Fapp/packages/pypi/simple/"
	for range 2 {
		e.Do("GET", page, nil, root...)
	}
	_ = p
	if _, err := e.Svc.CollectGarbage(e.Admin, 0); err != nil {
		t.Fatal(err)
	}
	res := e.Do("GET", "/-/metrics", nil)
	if res.Status != 200 {
		t.Fatalf("metrics from loopback: %d", res.Status)
	}
	body := string(res.Body)
	for _, want := range []string{
		`registry_http_requests_total{method="PUT",route="/api/v4/projects/{id}/packages/generic/{package_name}/{package_version}/*",status="201"} 1`,
		`registry_http_requests_total{method="GET",route="/api/v4/projects/{id}/packages/generic/{package_name}/{package_version}/*",status="200"} 2`,
		`registry_package_bytes_total{direction="upload"} 1000`,
		`registry_package_bytes_total{direction="download"} 2000`,
		`registry_document_cache_total{result="miss"} 1`,
		`registry_document_cache_total{result="hit"} 1`,
		`registry_gc_runs_total{result="done"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !regexp.MustCompile(`registry_http_request_duration_seconds_count\{method="GET",route="/api/v4/projects/\{id\}/packages/generic/`).MatchString(body) {
		t.Error("no latency histogram")
	}
	// From another machine: administrators only.
	mux := e.Router.(http.Handler)
	for _, c := range []struct {
		token string
		want  int
	}{{"", 404}, {e.PAT("root", "api"), 200}} {
		req := httptest.NewRequest("GET", "/-/metrics", nil)
		req.RemoteAddr = "192.0.2.7:4000"
		if c.token != "" {
			req.Header.Set("Private-Token", c.token)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("remote, token %t: %d, want %d", c.token != "", rec.Code, c.want)
		}
	}
}
