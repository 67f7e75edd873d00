package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestAuthorizationMatrix walks every visibility × registry access level × actor
// through every endpoint of the Packages REST API and the project, group and
// instance-settings APIs, and checks the exact status GitLab's tables give. A REST
// route no request reaches fails the test.
func TestAuthorizationMatrix(t *testing.T) {
	e := matrix{compattest.SetupMatrix(t)}
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
	// A hook per project and actor for the reads, the change and the delete, and one
	// on the group per actor.
	hooks, groupHooks := map[string]int{}, map[string]int{}
	g, err := e.Svc.GroupByRef(e.Admin, "g")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range compattest.Actors() {
		for _, p := range compattest.ProjectSpecs() {
			hooks[p.Path()+"|"+a.Name] = e.hook(t, registry.Scope{Project: e.ProjectRow(p.Path())})
			groupHooks[p.Path()+"|"+a.Name] = e.hook(t, registry.Scope{Group: g})
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
				h := a.Headers(e.Matrix, p)
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
					// The project-page path GraphQL's downloadPath gives, under the same policy.
					{"GET", fmt.Sprintf("/%s/-/package_files/%d/download", p.Path(), file), read},
					{"GET", fmt.Sprintf("%s/packages/%d/pipelines", base, pkg), read},
					{"DELETE", fmt.Sprintf("%s/packages/%d/package_files/%d", base, v[1], e.FileOf(v[1])), destroy},
					{"DELETE", fmt.Sprintf("%s/packages/%d", base, v[0]), destroy},
					{"GET", "/api/v4/groups/g", http.StatusOK},
					{"GET", "/api/v4/application/plan_limits", admin(eff)},
					{"PUT", "/api/v4/application/plan_limits?helm_max_file_size=5242880", admin(eff)},
					{"GET", "/api/v4/application/settings", admin(eff)},
					{"PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=false", admin(eff)},
				}
				hook, groupHook := hooks[p.Path()+"|"+a.Name], groupHooks[p.Path()+"|"+a.Name]
				hookURL := "?url=" + url.QueryEscape("https://hooks.example.com/registry")
				for _, c := range []struct {
					base string
					hook int
					want func(int) int
				}{
					{base, hook, func(ok int) int { return maintainHooks(eff, p, ok) }},
					// Group g is public and the actors are members of its projects only.
					{"/api/v4/groups/g", groupHook, func(ok int) int { return maintainHooks(eff, compattest.ProjectSpec{Visibility: "public"}, ok, true) }},
				} {
					checks = append(checks, []struct {
						method, path string
						want         int
					}{
						{"GET", c.base + "/hooks", c.want(http.StatusOK)},
						{"POST", c.base + "/hooks" + hookURL, c.want(http.StatusCreated)},
						{"GET", fmt.Sprintf("%s/hooks/%d", c.base, c.hook), c.want(http.StatusOK)},
						{"GET", fmt.Sprintf("%s/hooks/%d/deliveries", c.base, c.hook), c.want(http.StatusOK)},
						{"PUT", fmt.Sprintf("%s/hooks/%d?enabled=false", c.base, c.hook), c.want(http.StatusOK)},
						{"DELETE", fmt.Sprintf("%s/hooks/%d", c.base, c.hook), c.want(http.StatusNoContent)},
					}...)
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

// maintainHooks is GitLab's answer for managing webhooks: Maintainers (and the
// administrator) with an api-scoped credential; CI job tokens are not a credential
// for it (401); everyone else 403 where they see the project (or pull from it) and
// 404 where they do not. Through REST, deploy tokens and Basic arrive anonymous
// (ThroughREST). inGroup: the role counts in the project only, not in the group.
func maintainHooks(a compattest.Actor, p compattest.ProjectSpec, ok int, inGroup ...bool) int {
	role := a.Role
	if len(inGroup) > 0 {
		role = 0
	}
	switch {
	case a.Kind == "job":
		return http.StatusUnauthorized
	case a.Kind == "user" && a.Write && (a.Admin || role >= 40):
		return ok
	case len(inGroup) > 0 || compattest.ExpectedSee(a, p) == http.StatusOK || compattest.Expected(a, p, "read") == http.StatusOK:
		return http.StatusForbidden
	}
	return http.StatusNotFound
}

type matrix struct{ *compattest.Matrix }

// hook adds a webhook as the administrator and returns its id.
func (e matrix) hook(t *testing.T, sc registry.Scope) int {
	t.Helper()
	u := "https://hooks.example.com/x"
	h, err := e.Svc.CreateWebhook(e.Admin, sc, registry.WebhookInput{URL: &u})
	if err != nil {
		t.Fatal(err)
	}
	return h.ID
}
