package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestAuthorizationMatrix walks every visibility × registry access level × actor
// through every endpoint of the Packages REST API and the project, group and
// instance-settings APIs, and checks the exact status GitLab's tables give. A REST
// route no request reaches fails the test.
func TestAuthorizationMatrix(t *testing.T) {
	e := compattest.SetupMatrix(t)
	readme := map[string]int{}
	for _, p := range compattest.ProjectSpecs() {
		readme[p.Path()] = e.Publish(t, p.Path(), "readme", "1.0.0", "file.txt")
	}
	victims := map[string][2]int{} // package to delete, package whose file to delete
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			slug := strings.ReplaceAll(a.Name, " ", "-")
			victims[p.Path()+"|"+a.Name] = [2]int{
				e.Publish(t, p.Path(), "victim", slug, "f.txt"),
				e.Publish(t, p.Path(), "victim-file", slug, "f.txt"),
			}
		}
	}
	admin := func(a compattest.Actor) int {
		switch {
		case a.Kind == "anon" || a.Kind == "job" || a.Kind == "deploy":
			return http.StatusUnauthorized // not a credential these APIs take
		case a.Admin && a.Write:
			return http.StatusOK
		}
		return http.StatusForbidden
	}
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			t.Run(p.Path()+"/"+a.Name, func(t *testing.T) {
				h := a.Headers(e, p)
				base := "/api/v4/projects/" + url.PathEscape(p.Path())
				eff := compattest.ThroughREST(a, h)
				hide := func(action string) int { return compattest.ExpectedREST(eff, p, action) }
				read, destroy := hide("read"), hide("destroy")
				see := compattest.ExpectedSee(eff, p)
				if see == http.StatusUnauthorized {
					see = http.StatusNotFound // the project itself stays hidden, even where its packages are public
				}
				list := read
				pkg := readme[p.Path()]
				file := e.FileOf(pkg)
				v := victims[p.Path()+"|"+a.Name]
				checks := []struct {
					method, path string
					want         int
				}{
					{"GET", base, see},
					{"GET", base + "/packages", list},
					{"GET", fmt.Sprintf("%s/packages/%d", base, pkg), read},
					{"GET", fmt.Sprintf("%s/packages/%d/package_files", base, pkg), read},
					{"GET", fmt.Sprintf("%s/packages/%d/package_files/%d/download", base, pkg, file), read},
					{"GET", fmt.Sprintf("%s/packages/%d/pipelines", base, pkg), read},
					{"DELETE", fmt.Sprintf("%s/packages/%d/package_files/%d", base, v[1], e.FileOf(v[1])), destroy},
					{"DELETE", fmt.Sprintf("%s/packages/%d", base, v[0]), destroy},
					{"GET", "/api/v4/groups/g", http.StatusOK},
					{"GET", "/api/v4/application/plan_limits", admin(eff)},
					{"PUT", "/api/v4/application/plan_limits?helm_max_file_size=5242880", admin(eff)},
					{"GET", "/api/v4/application/settings", admin(eff)},
					{"PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=false", admin(eff)},
				}
				for _, c := range checks {
					res := e.Do(c.method, c.path, nil, h...)
					if res.Status != c.want {
						t.Errorf("%s %s: got %d, want %d (%.200s)", c.method, c.path, res.Status, c.want, res.Body)
					}
					if res.Status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s: 401 without WWW-Authenticate", c.method, c.path)
					}
				}
				// The group listing shows this project's package exactly when it is readable.
				res := e.Do("GET", "/api/v4/groups/g/packages?package_name=readme&per_page=100", nil, h...)
				var pkgs []struct{ ID int }
				if err := json.Unmarshal(res.Body, &pkgs); res.Status != http.StatusOK || err != nil {
					t.Fatalf("group list: %d %s", res.Status, res.Body)
				}
				listed := false
				for _, x := range pkgs {
					listed = listed || x.ID == pkg
				}
				if listed != (read == http.StatusOK) {
					t.Errorf("group list shows the package: %v, readable: %v", listed, read == http.StatusOK)
				}
			})
		}
	}
	formats := []string{"/packages/generic", "/packages/npm", "/packages/pypi", "/packages/maven", "/packages/nuget"}
	e.RequireRoutesHitFunc(t, func(route string) bool {
		if !strings.HasPrefix(route, "/api/v4/") || strings.HasPrefix(route, "/api/v4/*") {
			return false
		}
		for _, f := range formats {
			if strings.Contains(route, f) {
				return false // each format's suite covers its routes
			}
		}
		return true
	}, // of no project or group: TestVersionAPI runs them with each kind of credential
		"GET /api/v4/version", "GET /api/v4/metadata")
}
