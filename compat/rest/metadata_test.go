package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestVersionAPI: GET /version and /metadata answer GitLab's metadata entity to
// signed-in callers and 401 to others (spec/requests/api/metadata_spec.rb: "returns
// 401 without a token"; /version mirrors /metadata since GitLab 15.5), and GraphQL's
// metadata is the same, null for anonymous callers.
func TestVersionAPI(t *testing.T) {
	build := registry.BuildInfo{Version: "v1.2.3", Revision: "0123456789ab", Date: "2026-12-01T00:00:00Z"}
	e := compattest.NewWithConfig(t, func(c *registry.Config) { c.Build = build })
	e.Group("acme", "public")
	e.Project("acme/app", "public", "")
	e.User("dev")
	_, deployToken := e.DeployToken("acme/app", "", "read_package_registry")
	cases := []struct {
		name    string
		headers []string
		want    int
	}{
		{"anonymous", nil, http.StatusUnauthorized},
		{"personal token, api", []string{"Private-Token", e.PAT("dev", "api")}, http.StatusOK},
		{"personal token, read_api", []string{"Private-Token", e.PAT("dev", "read_api")}, http.StatusOK},
		{"bearer", []string{"Authorization", "Bearer " + e.RootToken}, http.StatusOK},
		{"deploy token", []string{"Deploy-Token", deployToken}, http.StatusUnauthorized},
		{"wrong token", []string{"Private-Token", "glpat-not-a-token-at-all"}, http.StatusUnauthorized},
	}
	for _, path := range []string{"/api/v4/version", "/api/v4/metadata"} {
		for _, c := range cases {
			t.Run(path+"/"+c.name, func(t *testing.T) {
				res := e.Do("GET", path, nil, c.headers...)
				if res.Status != c.want {
					t.Fatalf("status %d, want %d: %s", res.Status, c.want, res.Body)
				}
				if c.want != http.StatusOK {
					return
				}
				var got map[string]any
				if err := json.Unmarshal(res.Body, &got); err != nil {
					t.Fatal(err)
				}
				kas, _ := got["kas"].(map[string]any)
				if got["version"] != "v1.2.3" || got["revision"] != "0123456789ab" || got["enterprise"] != false ||
					kas == nil || kas["enabled"] != false || kas["externalUrl"] != nil {
					t.Fatalf("body %s", res.Body)
				}
			})
		}
	}
	var out struct {
		Metadata *struct{ Version, Revision string }
	}
	if errs := e.GraphQL(`{ metadata { version revision kas { enabled } enterprise } }`, nil, &out,
		"Private-Token", e.PAT("dev", "read_api")); len(errs) > 0 || out.Metadata == nil || out.Metadata.Version != "v1.2.3" ||
		out.Metadata.Revision != "0123456789ab" {
		t.Fatalf("GraphQL metadata signed in: %v %+v", errs, out.Metadata)
	}
	out.Metadata = nil
	if errs := e.GraphQL(`{ metadata { version } }`, nil, &out); len(errs) > 0 || out.Metadata != nil {
		t.Fatalf("GraphQL metadata anonymous: %v %+v", errs, out.Metadata)
	}
}
