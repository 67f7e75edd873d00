package generic_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestAuthorizationMatrix walks every visibility × registry access level × actor (role
// or token kind) × action through the generic endpoints and checks the exact status.
func TestAuthorizationMatrix(t *testing.T) {
	e := compattest.SetupMatrix(t)
	// One readable file per project, and one package per (project, actor) to delete.
	pkgIDs := map[string]int{}
	for _, p := range compattest.ProjectSpecs() {
		e.Publish(t, p.Path(), "readme", "1.0.0", "file.txt")
		for _, a := range compattest.Actors() {
			pkgIDs[p.Path()+"|"+a.Name] = e.Publish(t, p.Path(), "victim", strings.ReplaceAll(a.Name, " ", "-"), "file.txt")
		}
	}
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			t.Run(p.Path()+"/"+a.Name, func(t *testing.T) {
				h := a.Headers(e, p)
				base := "/api/v4/projects/" + strings.ReplaceAll(p.Path(), "/", "%2F") + "/packages"
				checks := []struct {
					action, method, path string
				}{
					{"read", "GET", base + "/generic/readme/1.0.0/file.txt"},
					{"create", "PUT", base + "/generic/new/1.0.0/" + strings.ReplaceAll(a.Name, " ", "-") + ".txt"},
					{"destroy", "DELETE", fmt.Sprintf("%s/%d", base, pkgIDs[p.Path()+"|"+a.Name])},
				}
				for _, c := range checks {
					want := compattest.Expected(a, p, c.action)
					if c.method == "DELETE" { // through the Packages API
						want = compattest.ExpectedREST(compattest.ThroughREST(a, h), p, c.action)
					}
					res := e.Do(c.method, c.path, strings.NewReader("data"), h...)
					if res.Status != want {
						t.Errorf("%s: got %d, want %d (%s)", c.action, res.Status, want, res.Body)
					}
					if res.Status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s: 401 without WWW-Authenticate", c.action)
					}
				}
			})
		}
	}
	// With the instance setting on, Guests pull from private projects too.
	on := true
	if _, err := e.Svc.UpdateInstanceSettings(e.Admin, registry.InstanceSettingsInput{GuestsMayPullPackages: &on}); err != nil {
		t.Fatal(err)
	}
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			want := compattest.ExpectedWith(a, p, "read", true)
			path := "/api/v4/projects/" + strings.ReplaceAll(p.Path(), "/", "%2F") + "/packages/generic/readme/1.0.0/file.txt"
			if res := e.Do("GET", path, nil, a.Headers(e, p)...); res.Status != want {
				t.Errorf("guests may pull: %s/%s: got %d, want %d", p.Path(), a.Name, res.Status, want)
			}
		}
	}
}
