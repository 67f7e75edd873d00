package server_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// GitLab's package registry rate limits (../shared/spec/gitlab-api.md F1;
// doc/administration/settings/package_registry_rate_limits.md): off by default,
// per IP without a valid credential and per user with one, on the package
// managers' paths only, answered 429 "Retry later" with Retry-After and the
// RateLimit-* headers.
func TestPackageAPIThrottles(t *testing.T) {
	e := compattest.New(t)
	p := e.Project("root/open", "public", "")
	e.User("alice")
	e.User("bob")
	alice := []string{"Private-Token", e.PAT("alice", "api")}
	bob := []string{"Private-Token", e.PAT("bob", "api")}
	root := []string{"Private-Token", e.RootToken}
	file := fmt.Sprintf("/api/v4/projects/%d/packages/generic/pkg/1.0.0/f.txt", p.ID)
	if res := e.Do("PUT", file, strings.NewReader("x"), root...); res.Status != 201 {
		t.Fatalf("publish: %d %s", res.Status, res.Body)
	}
	settings := func(t *testing.T, query string, want int) {
		t.Helper()
		if res := e.Do("PUT", "/api/v4/application/settings?"+query, nil, root...); res.Status != want {
			t.Fatalf("PUT settings %s: %d %s", query, res.Status, res.Body)
		}
	}
	get := func(path string, headers ...string) *compattest.Response { return e.Do("GET", path, nil, headers...) }

	t.Run("off by default", func(t *testing.T) {
		res := get("/api/v4/application/settings", root...)
		for _, want := range []string{`"throttle_unauthenticated_packages_api_enabled":false`,
			`"throttle_unauthenticated_packages_api_requests_per_period":800`,
			`"throttle_unauthenticated_packages_api_period_in_seconds":15`,
			`"throttle_authenticated_packages_api_enabled":false`,
			`"throttle_authenticated_packages_api_requests_per_period":1000`} {
			if !strings.Contains(string(res.Body), want) {
				t.Errorf("settings %s lack %s", res.Body, want)
			}
		}
		for i := range 50 {
			if res := get(file); res.Status != 200 {
				t.Fatalf("request %d: %d", i, res.Status)
			}
		}
	})

	t.Run("limits are validated", func(t *testing.T) {
		for _, q := range []string{"throttle_unauthenticated_packages_api_requests_per_period=0",
			"throttle_authenticated_packages_api_period_in_seconds=-1",
			"throttle_authenticated_packages_api_requests_per_period=many"} {
			settings(t, q, 400)
		}
		if res := e.Do("PUT", "/api/v4/application/settings?throttle_unauthenticated_packages_api_enabled=true", nil, alice...); res.Status != 403 {
			t.Errorf("a user changed the throttles: %d", res.Status)
		}
	})

	t.Run("unauthenticated, per IP", func(t *testing.T) {
		settings(t, "throttle_unauthenticated_packages_api_enabled=true&throttle_unauthenticated_packages_api_requests_per_period=3&throttle_unauthenticated_packages_api_period_in_seconds=60", 200)
		defer settings(t, "throttle_unauthenticated_packages_api_enabled=false", 200)
		// A refused credential counts as unauthenticated: guessing tokens is throttled.
		if res := get(file, "Private-Token", "glpat-wrong"); res.Status != 401 {
			t.Fatalf("wrong token: %d", res.Status)
		}
		for i := range 2 {
			if res := get(file); res.Status != 200 {
				t.Fatalf("anonymous request %d: %d", i, res.Status)
			}
		}
		res := get(file)
		if res.Status != 429 || string(res.Body) != "Retry later\n" {
			t.Fatalf("4th anonymous request: %d %q", res.Status, res.Body)
		}
		for h, want := range map[string]string{"Retry-After": "60", "RateLimit-Name": "throttle_unauthenticated_packages_api",
			"RateLimit-Limit": "3", "RateLimit-Remaining": "0"} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		if res.Header.Get("RateLimit-ResetTime") == "" || res.Header.Get("RateLimit-Reset") == "" {
			t.Errorf("no reset headers: %v", res.Header)
		}
		if res := get(file, "Private-Token", "glpat-wrong"); res.Status != 429 {
			t.Errorf("wrong token past the limit: %d", res.Status)
		}
		// Signed-in users, the Packages REST API and other APIs are not this rule's.
		if res := get(file, alice...); res.Status != 200 {
			t.Errorf("alice: %d", res.Status)
		}
		if res := get(fmt.Sprintf("/api/v4/projects/%d/packages", p.ID)); res.Status != 200 {
			t.Errorf("Packages REST API: %d", res.Status)
		}
		if res := get("/api/v4/projects/" + fmt.Sprint(p.ID)); res.Status != 200 {
			t.Errorf("project API: %d", res.Status)
		}
		// A changed rule starts counting again.
		settings(t, "throttle_unauthenticated_packages_api_requests_per_period=5", 200)
		if res := get(file); res.Status != 200 {
			t.Errorf("after raising the limit: %d", res.Status)
		}
	})

	t.Run("authenticated, per user", func(t *testing.T) {
		settings(t, "throttle_authenticated_packages_api_enabled=true&throttle_authenticated_packages_api_requests_per_period=2&throttle_authenticated_packages_api_period_in_seconds=60", 200)
		defer settings(t, "throttle_authenticated_packages_api_enabled=false", 200)
		for i := range 2 {
			if res := get(file, alice...); res.Status != 200 {
				t.Fatalf("alice %d: %d", i, res.Status)
			}
		}
		res := get(file, alice...)
		if res.Status != 429 || res.Header.Get("RateLimit-Name") != "throttle_authenticated_packages_api" {
			t.Fatalf("alice past the limit: %d %v", res.Status, res.Header)
		}
		// Another token of the same user shares the count; another user does not.
		if res := get(file, "Authorization", "Basic "+basic("alice", e.PAT("alice", "read_api"))); res.Status != 429 {
			t.Errorf("alice's second token: %d", res.Status)
		}
		if res := get(file, bob...); res.Status != 200 {
			t.Errorf("bob: %d", res.Status)
		}
		if res := get(file); res.Status != 200 {
			t.Errorf("anonymous: %d", res.Status)
		}
		// Uploads are package API requests too.
		if res := e.Do("PUT", file, strings.NewReader("y"), alice...); res.Status != 429 {
			t.Errorf("alice's upload past the limit: %d", res.Status)
		}
	})

	t.Run("GraphQL sets and reads the rules", func(t *testing.T) {
		type rule struct {
			Enabled           bool
			RequestsPerPeriod int
			PeriodInSeconds   int
		}
		var out struct {
			UpdateInstanceSettings struct {
				InstanceSettings struct {
					UnauthenticatedPackagesAPI rule `json:"unauthenticatedPackagesApi"`
					AuthenticatedPackagesAPI   rule `json:"authenticatedPackagesApi"`
				}
				Errors []string
			}
		}
		errs := e.GraphQL(`mutation { updateInstanceSettings(input: {authenticatedPackagesApi: {requestsPerPeriod: 7, periodInSeconds: 30}}) {
			instanceSettings { unauthenticatedPackagesApi { enabled requestsPerPeriod periodInSeconds }
				authenticatedPackagesApi { enabled requestsPerPeriod periodInSeconds } } errors } }`, nil, &out, root...)
		got := out.UpdateInstanceSettings.InstanceSettings
		if len(errs) > 0 || got.AuthenticatedPackagesAPI != (rule{RequestsPerPeriod: 7, PeriodInSeconds: 30}) ||
			got.UnauthenticatedPackagesAPI.RequestsPerPeriod != 5 {
			t.Fatalf("GraphQL: %v %+v", errs, out)
		}
		errs = e.GraphQL(`mutation { updateInstanceSettings(input: {authenticatedPackagesApi: {requestsPerPeriod: 0}}) { errors } }`, nil, &out, root...)
		if len(errs) == 0 && len(out.UpdateInstanceSettings.Errors) == 0 {
			t.Errorf("GraphQL took a limit of 0")
		}
	})

	t.Run("concurrent requests never exceed the limit", func(t *testing.T) {
		settings(t, "throttle_unauthenticated_packages_api_enabled=true&throttle_unauthenticated_packages_api_requests_per_period=10&throttle_unauthenticated_packages_api_period_in_seconds=120", 200)
		defer settings(t, "throttle_unauthenticated_packages_api_enabled=false", 200)
		var mu sync.Mutex
		counts := map[int]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 5 {
					res := get(file)
					mu.Lock()
					counts[res.Status]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if counts[200] != 10 || counts[429] != 30 {
			t.Errorf("40 requests against a limit of 10: %v", counts)
		}
	})
}

// Another replica picks up changed rules within the settings' bound (5 s): replica
// b runs on a clock the test moves.
func TestPackageAPIThrottlesReachOtherReplicas(t *testing.T) {
	a := compattest.New(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := compattest.StartWithConfig(t, a.DatabaseURL, a.StorageURL, func(c *registry.Config) { c.Now = clock })
	p := a.Project("root/open", "public", "")
	file := fmt.Sprintf("/api/v4/projects/%d/packages/generic/pkg/1.0.0/f.txt", p.ID)
	if res := a.Do("PUT", file, strings.NewReader("x"), "Private-Token", a.RootToken); res.Status != 201 {
		t.Fatalf("publish: %d", res.Status)
	}
	if res := b.Do("GET", file, nil); res.Status != 200 { // b reads the rules: off
		t.Fatalf("b: %d", res.Status)
	}
	if res := a.Do("PUT", "/api/v4/application/settings?throttle_unauthenticated_packages_api_enabled=true&throttle_unauthenticated_packages_api_requests_per_period=1&throttle_unauthenticated_packages_api_period_in_seconds=60",
		nil, "Private-Token", a.RootToken); res.Status != 200 {
		t.Fatalf("settings: %d", res.Status)
	}
	for range 3 { // within the bound b may still serve the old rules
		b.Do("GET", file, nil)
	}
	mu.Lock()
	now = now.Add(5 * time.Second)
	mu.Unlock()
	b.Do("GET", file, nil)
	if res := b.Do("GET", file, nil); res.Status != 429 {
		t.Errorf("b 5 s after the change: %d", res.Status)
	}
}

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
