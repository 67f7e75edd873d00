package rest_test

// Black-box cases taken from GitLab's own request specs for the Packages REST API
// (spec/requests/api/project_packages_spec.rb, group_packages_spec.rb,
// package_files_spec.rb, the shared examples in
// spec/support/shared_examples/requests/api/packages_shared_examples.rb, and the code
// they exercise: lib/api/project_packages.rb, group_packages.rb, package_files.rb,
// lib/api/entities/package.rb). Each case names the example it comes from.

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
)

// grsEnv is the shared fixture: a private group with a private project and a
// subgroup project, a public group with a public project, and users in each role.
type grsEnv struct {
	*compattest.Env
	app, lib, pub   int    // project ids: acme/app (private), acme/sub/lib (private), open/pub (public)
	appPkg, libPkg  int    // a generic package in acme/app and in acme/sub/lib
	pubPkg, pubFile int    // a generic package in open/pub and its file
	appFile         int    // the file of appPkg
	dev, rep, guest string // personal access tokens (members of acme/app)
	maint, stranger string
}

func grsSetup(t *testing.T) *grsEnv {
	t.Helper()
	e := compattest.New(t)
	e.Group("acme", "private")
	e.Group("acme/sub", "private")
	e.Group("open", "public")
	g := &grsEnv{Env: e}
	g.app = e.Project("acme/app", "private", "").ID
	g.lib = e.Project("acme/sub/lib", "private", "").ID
	g.pub = e.Project("open/pub", "public", "").ID
	for u, role := range map[string]string{"dev": "developer", "rep": "reporter", "guest": "guest", "maint": "maintainer"} {
		e.User(u)
		e.Member(u, "acme/app", role)
	}
	e.User("stranger")
	g.dev, g.rep, g.guest = e.PAT("dev", "api"), e.PAT("rep", "api"), e.PAT("guest", "api")
	g.maint, g.stranger = e.PAT("maint", "api"), e.PAT("stranger", "api")
	g.appPkg, g.appFile = grsPut(t, e, g.app, "apppkg", "1.0.0", "f.bin")
	g.libPkg, _ = grsPut(t, e, g.lib, "libpkg", "1.0.0", "f.bin")
	g.pubPkg, g.pubFile = grsPut(t, e, g.pub, "pubpkg", "1.0.0", "f.bin")
	return g
}

// grsPut uploads a generic file as root and returns its package id and file id.
func grsPut(t *testing.T, e *compattest.Env, project int, name, version, file string, headers ...string) (int, int) {
	t.Helper()
	if headers == nil {
		headers = []string{"Private-Token", e.RootToken}
	}
	path := fmt.Sprintf("/api/v4/projects/%d/packages/generic/%s/%s/%s?select=package_file", project, name, version, file)
	res := e.Do("PUT", path, strings.NewReader(name+version+file), headers...)
	var f struct {
		ID        int `json:"id"`
		PackageID int `json:"package_id"`
	}
	if res.Status != 200 || json.Unmarshal(res.Body, &f) != nil {
		t.Fatalf("put %s: %d %s", path, res.Status, res.Body)
	}
	return f.PackageID, f.ID
}

func grsBody(res *compattest.Response) string { return strings.TrimSpace(string(res.Body)) }

func grsDecode[T any](t *testing.T, res *compattest.Response) T {
	t.Helper()
	var v T
	if res.Status != http.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
	return v
}

func grsIDs(items []map[string]any) []int {
	out := []int{}
	for _, it := range items {
		if id, ok := it["id"].(float64); ok {
			out = append(out, int(id))
		}
	}
	return out
}

// TestGitLabSpecPackagesAccess covers who gets what status from each endpoint.
func TestGitLabSpecPackagesAccess(t *testing.T) {
	g := grsSetup(t)
	app := fmt.Sprintf("/api/v4/projects/%d", g.app)
	pub := fmt.Sprintf("/api/v4/projects/%d", g.pub)
	pat := func(tok string) []string { return []string{"Private-Token", tok} }
	appPkg := fmt.Sprintf("%s/packages/%d", app, g.appPkg)
	pubPkg := fmt.Sprintf("%s/packages/%d", pub, g.pubPkg)
	cases := []struct {
		name         string
		method, path string
		headers      []string
		want         int
		body         string // exact body, when GitLab's is fixed
	}{
		// spec/requests/api/project_packages_spec.rb: GET /projects/:id/packages, "project is private",
		// "for unauthenticated user": 'rejects packages access', :project, :no_type, :not_found.
		// find_project! answers not_found!('Project').
		{"private list, anonymous", "GET", app + "/packages", nil, 404, `{"message":"404 Project Not Found"}`},
		{"private list, non-member", "GET", app + "/packages", pat(g.stranger), 404, `{"message":"404 Project Not Found"}`},
		// spec/requests/api/project_packages_spec.rb: 'rejects packages access', :project, :guest, :forbidden
		{"private list, guest", "GET", app + "/packages", pat(g.guest), 403, ""},
		// spec/requests/api/project_packages_spec.rb: 'returns packages' for reporter, developer, maintainer
		{"private list, reporter", "GET", app + "/packages", pat(g.rep), 200, ""},
		{"private list, developer", "GET", app + "/packages", pat(g.dev), 200, ""},
		{"private list, maintainer", "GET", app + "/packages", pat(g.maint), 200, ""},
		// spec/requests/api/project_packages_spec.rb: "project is public": 'returns packages', :project, :no_type
		{"public list, anonymous", "GET", pub + "/packages", nil, 200, ""},
		{"public list, non-member", "GET", pub + "/packages", pat(g.stranger), 200, ""},

		// spec/requests/api/project_packages_spec.rb: GET /projects/:id/packages/:package_id
		// "returns 404 for non authenticated user" / "for a user without access to the project"
		{"private details, anonymous", "GET", appPkg, nil, 404, `{"message":"404 Project Not Found"}`},
		{"private details, non-member", "GET", appPkg, pat(g.stranger), 404, ""},
		{"private details, developer", "GET", appPkg, pat(g.dev), 200, ""},
		{"public details, anonymous", "GET", pubPkg, nil, 200, ""},
		// spec/requests/api/project_packages_spec.rb: "returns 404 when the package does not exist"
		// and "returns 404 for the package from a different project"
		{"details of package 0", "GET", app + "/packages/0", pat(g.dev), 404, ""},
		{"details of another project's package", "GET", fmt.Sprintf("%s/packages/%d", app, g.libPkg), pat(g.RootToken), 404, ""},

		// spec/requests/api/package_files_spec.rb: "when project is private": "returns 404 for non
		// authenticated user", "returns 404 for a user without access to the project"
		{"private files, anonymous", "GET", appPkg + "/package_files", nil, 404, `{"message":"404 Project Not Found"}`},
		{"private files, non-member", "GET", appPkg + "/package_files", pat(g.stranger), 404, ""},
		{"private files, developer", "GET", appPkg + "/package_files", pat(g.dev), 200, ""},
		// spec/requests/api/package_files_spec.rb: "when project is public": "returns 200"; "returns 404 if package does not exist"
		{"public files, anonymous", "GET", pubPkg + "/package_files", nil, 200, ""},
		{"files of package 0", "GET", pub + "/packages/0/package_files", nil, 404, ""},

		// spec/requests/api/project_packages_spec.rb: GET .../pipelines table
		{"private pipelines, anonymous", "GET", appPkg + "/pipelines", nil, 404, `{"message":"404 Project Not Found"}`},
		{"private pipelines, non-member", "GET", appPkg + "/pipelines", pat(g.stranger), 404, ""},
		{"private pipelines, guest", "GET", appPkg + "/pipelines", pat(g.guest), 403, ""},
		{"private pipelines, developer", "GET", appPkg + "/pipelines", pat(g.dev), 200, ""},
		{"private pipelines, invalid PAT", "GET", appPkg + "/pipelines", pat("invalid-token123"), 401, ""},
		{"private pipelines, invalid job token", "GET", appPkg + "/pipelines", []string{"Job-Token", "invalid-token123"}, 401, ""},
		{"public pipelines, anonymous", "GET", pubPkg + "/pipelines", nil, 200, ""},
		{"public pipelines, non-member", "GET", pubPkg + "/pipelines", pat(g.stranger), 200, ""},
		{"public pipelines, invalid PAT", "GET", pubPkg + "/pipelines", pat("invalid-token123"), 401, ""},
		{"public pipelines, invalid job token", "GET", pubPkg + "/pipelines", []string{"Job-Token", "invalid-token123"}, 401, ""},
		// spec/requests/api/project_packages_spec.rb: "when the package does not exist" (pipelines)
		{"pipelines of package 0", "GET", pub + "/packages/0/pipelines", nil, 404, ""},

		// spec/requests/api/package_files_spec.rb: GET .../package_files/:package_file_id/download
		{"private file download, anonymous", "GET", fmt.Sprintf("%s/package_files/%d/download", appPkg, g.appFile), nil, 404, ""},
		{"private file download, non-member", "GET", fmt.Sprintf("%s/package_files/%d/download", appPkg, g.appFile), pat(g.stranger), 404, ""},
		{"public file download, anonymous", "GET", fmt.Sprintf("%s/package_files/%d/download", pubPkg, g.pubFile), nil, 200, ""},
		// spec/requests/api/package_files_spec.rb: 'resource not found'
		{"file download of package 0", "GET", fmt.Sprintf("%s/packages/0/package_files/%d/download", pub, g.pubFile), nil, 404, ""},
		{"file download of file 0", "GET", pubPkg + "/package_files/0/download", nil, 404, ""},

		// spec/requests/api/project_packages_spec.rb: DELETE, "project is public": "returns 403 for non
		// authenticated user" and "for a user without access to the project"
		{"public delete, anonymous", "DELETE", pubPkg, nil, 403, ""},
		{"public delete, non-member", "DELETE", pubPkg, pat(g.stranger), 403, ""},
		// spec/requests/api/project_packages_spec.rb: DELETE, "project is private"
		{"private delete, anonymous", "DELETE", appPkg, nil, 404, ""},
		{"private delete, non-member", "DELETE", appPkg, pat(g.stranger), 404, ""},
		{"private delete, developer", "DELETE", appPkg, pat(g.dev), 403, ""},
		{"private delete of package 0, maintainer", "DELETE", app + "/packages/0", pat(g.maint), 404, ""},
		{"private delete of another project's package, root", "DELETE", fmt.Sprintf("%s/packages/%d", app, g.libPkg), pat(g.RootToken), 404, ""},
		// spec/requests/api/package_files_spec.rb: DELETE, "when project is public": "returns 403 for non
		// authenticated user", "for a user without access to the project"
		{"public file delete, anonymous", "DELETE", fmt.Sprintf("%s/package_files/%d", pubPkg, g.pubFile), nil, 403, ""},
		{"public file delete, non-member", "DELETE", fmt.Sprintf("%s/package_files/%d", pubPkg, g.pubFile), pat(g.stranger), 403, ""},
		// spec/requests/api/package_files_spec.rb: DELETE, "when project is private"
		{"private file delete, anonymous", "DELETE", fmt.Sprintf("%s/package_files/%d", appPkg, g.appFile), nil, 404, ""},
		{"private file delete, non-member", "DELETE", fmt.Sprintf("%s/package_files/%d", appPkg, g.appFile), pat(g.stranger), 404, ""},
		{"private file delete, developer", "DELETE", fmt.Sprintf("%s/package_files/%d", appPkg, g.appFile), pat(g.dev), 403, ""},
		{"private file delete of file 999999, maintainer", "DELETE", appPkg + "/package_files/999999", pat(g.maint), 404, ""},

		// spec/requests/api/group_packages_spec.rb: "with private group", "with unauthenticated user":
		// 'rejects packages access', :group, :no_type, :not_found (find_group! → not_found!('Group')).
		{"private group list, anonymous", "GET", "/api/v4/groups/acme/packages", nil, 404, `{"message":"404 Group Not Found"}`},
		{"private group list by id, anonymous", "GET", "/api/v4/groups/acme%2Fsub/packages", nil, 404, `{"message":"404 Group Not Found"}`},
		{"private group list, non-member", "GET", "/api/v4/groups/acme/packages", pat(g.stranger), 404, `{"message":"404 Group Not Found"}`},
		// spec/requests/api/group_packages_spec.rb: "with public group", "with unauthenticated user"
		{"public group list, anonymous", "GET", "/api/v4/groups/open/packages", nil, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := g.Do(c.method, c.path, nil, c.headers...)
			if res.Status != c.want {
				t.Fatalf("%s %s: got %d %s, want %d", c.method, c.path, res.Status, res.Body, c.want)
			}
			if c.body != "" && grsBody(res) != c.body {
				t.Fatalf("%s %s: body %s, want %s", c.method, c.path, res.Body, c.body)
			}
		})
	}
}

// TestGitLabSpecPackagesIgnoredCredentials covers credentials the Packages API does
// not take: GitLab does not read them at all, so the request is anonymous.
func TestGitLabSpecPackagesIgnoredCredentials(t *testing.T) {
	g := grsSetup(t)
	_, privDT := g.DeployToken("acme/app", "", "read_package_registry")
	_, pubDT := g.DeployToken("open/pub", "", "read_package_registry")
	cases := []struct {
		name    string
		path    string
		headers []string
		want    int
	}{
		// lib/api/project_packages.rb routes set only `job_token_allowed: true`: HTTP Basic is not a
		// credential there (no basic_auth_personal_access_token), so wrong Basic credentials leave
		// the request anonymous: a public project's list is served ('returns packages', :project,
		// :no_type), a private one is hidden (404, as for an anonymous caller).
		{"public list, wrong basic", fmt.Sprintf("/api/v4/projects/%d/packages", g.pub), []string{"Basic", "invalid user:invalid password"}, 200},
		{"public list, valid token as basic", fmt.Sprintf("/api/v4/projects/%d/packages", g.pub), []string{"Basic", "dev:" + g.dev}, 200},
		{"private list, wrong basic", fmt.Sprintf("/api/v4/projects/%d/packages", g.app), []string{"Basic", "invalid user:invalid password"}, 404},
		{"public group list, wrong basic", "/api/v4/groups/open/packages", []string{"Basic", "invalid user:invalid password"}, 200},
		// The same routes set no deploy_token_allowed: a Deploy-Token header is not read
		// (Gitlab::Auth::AuthFinders#deploy_token_from_request), so the caller is anonymous.
		{"public list, deploy token", fmt.Sprintf("/api/v4/projects/%d/packages", g.pub), []string{"Deploy-Token", pubDT}, 200},
		{"private list, deploy token", fmt.Sprintf("/api/v4/projects/%d/packages", g.app), []string{"Deploy-Token", privDT}, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if res := g.Do("GET", c.path, nil, c.headers...); res.Status != c.want {
				t.Fatalf("got %d %s, want %d", res.Status, res.Body, c.want)
			}
		})
	}
}

// grsPublishTypes creates, in this order, a generic, a maven and an npm package in a
// new project of acme and returns the project id and the package ids by type.
func grsPublishTypes(t *testing.T, g *grsEnv, project string) (int, map[string]int) {
	t.Helper()
	root := []string{"Private-Token", g.RootToken}
	pid := g.Project(project, "private", "").ID
	ids := map[string]int{}
	ids["generic"], _ = grsPut(t, g.Env, pid, "zeta", "1.0.0", "z.bin")
	time.Sleep(5 * time.Millisecond)
	maven := fmt.Sprintf("/api/v4/projects/%d/packages/maven/com/acme/mid/1.0.0/mid-1.0.0.jar", pid)
	if res := g.Do("PUT", maven, strings.NewReader("jar"), root...); res.Status != 200 {
		t.Fatalf("maven: %d %s", res.Status, res.Body)
	}
	time.Sleep(5 * time.Millisecond)
	tgz := []byte("tarball")
	sum := sha1.Sum(tgz)
	doc := map[string]any{
		"name": "@acme/alpha", "dist-tags": map[string]any{"latest": "1.0.0"},
		"versions": map[string]any{"1.0.0": map[string]any{"name": "@acme/alpha", "version": "1.0.0",
			"dist": map[string]any{"shasum": hex.EncodeToString(sum[:]), "tarball": "http://example.invalid/alpha-1.0.0.tgz"}}},
		"_attachments": map[string]any{"@acme/alpha-1.0.0.tgz": map[string]any{"content_type": "application/octet-stream",
			"data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}},
	}
	body, _ := json.Marshal(doc)
	npm := fmt.Sprintf("/api/v4/projects/%d/packages/npm/@acme%%2falpha", pid)
	if res := g.Do("PUT", npm, strings.NewReader(string(body)), "Authorization", "Bearer "+g.RootToken, "Content-Type", "application/json"); res.Status != 200 {
		t.Fatalf("npm: %d %s", res.Status, res.Body)
	}
	list := grsDecode[[]map[string]any](t, g.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?per_page=100", pid), nil, root...))
	for _, p := range list {
		ids[p["package_type"].(string)] = int(p["id"].(float64))
	}
	if len(ids) != 3 {
		t.Fatalf("packages: %v", list)
	}
	return pid, ids
}

// TestGitLabSpecPackagesOrderByType covers order_by=type: Packages::Package's
// order_type scope is `reorder(package_type: :asc)` on the integer enum (maven 1, npm 2,
// conan 3, nuget 4, pypi 5, composer 6, generic 7, ...), not the type's name.
func TestGitLabSpecPackagesOrderByType(t *testing.T) {
	g := grsSetup(t)
	root := []string{"Private-Token", g.RootToken}
	pid, ids := grsPublishTypes(t, g, "acme/types")
	asc := []int{ids["maven"], ids["npm"], ids["generic"]}
	desc := []int{ids["generic"], ids["npm"], ids["maven"]}
	for _, c := range []struct {
		name, path string
		want       []int
	}{
		// spec/requests/api/project_packages_spec.rb: it_behaves_like 'package sorting', 'type'
		{"project asc", fmt.Sprintf("/api/v4/projects/%d/packages?order_by=type&sort=asc", pid), asc},
		{"project desc", fmt.Sprintf("/api/v4/projects/%d/packages?order_by=type&sort=desc", pid), desc},
		{"project default sort is asc", fmt.Sprintf("/api/v4/projects/%d/packages?order_by=type", pid), asc},
		// spec/requests/api/group_packages_spec.rb: it_behaves_like 'package sorting', 'type'
		{"group asc", "/api/v4/groups/acme/packages?order_by=type&sort=asc&package_name=a", asc},
		{"group desc", "/api/v4/groups/acme/packages?order_by=type&sort=desc&package_name=a", desc},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := grsIDs(grsDecode[[]map[string]any](t, g.Do("GET", c.path, nil, root...)))
			// The group list also holds the fixture's other packages: keep these three.
			var mine []int
			for _, id := range got {
				if id == ids["maven"] || id == ids["npm"] || id == ids["generic"] {
					mine = append(mine, id)
				}
			}
			if fmt.Sprint(mine) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v (maven %d, npm %d, generic %d)", mine, c.want, ids["maven"], ids["npm"], ids["generic"])
			}
		})
	}
}

// TestGitLabSpecPackagesSorting covers the other orders and their tie-breakers.
func TestGitLabSpecPackagesSorting(t *testing.T) {
	g := grsSetup(t)
	root := []string{"Private-Token", g.RootToken}
	g.Group("sorted", "public")
	a := g.Project("sorted/project-a", "public", "").ID
	b := g.Project("sorted/project-b", "public", "").ID
	// spec/requests/api/group_packages_spec.rb "with sorting": package3 (created first,
	// version 1.1.1, name zzz), then package1 (3.1.0, foo1) and package2 (2.0.4, nuget-ish name)
	// in project A, then package4 in project B.
	p3, _ := grsPut(t, g.Env, a, "zzz", "1.1.1", "f.bin")
	time.Sleep(5 * time.Millisecond)
	p1, _ := grsPut(t, g.Env, a, "foo1", "3.1.0", "f.bin")
	time.Sleep(5 * time.Millisecond)
	p2, _ := grsPut(t, g.Env, a, "nugetpkg", "2.0.4", "f.bin")
	time.Sleep(5 * time.Millisecond)
	p4, _ := grsPut(t, g.Env, b, "bar", "3.1.0", "f.bin")
	reverse := func(s []int) []int {
		out := make([]int, len(s))
		for i, v := range s {
			out[len(s)-1-i] = v
		}
		return out
	}
	cases := []struct {
		name, base, orderBy string
		asc                 []int
	}{
		// spec/requests/api/project_packages_spec.rb: 'package sorting' name / created_at / version
		{"project name", fmt.Sprintf("/api/v4/projects/%d/packages", a), "name", []int{p1, p2, p3}},
		{"project created_at", fmt.Sprintf("/api/v4/projects/%d/packages", a), "created_at", []int{p3, p1, p2}},
		{"project version", fmt.Sprintf("/api/v4/projects/%d/packages", a), "version", []int{p3, p2, p1}},
		// spec/requests/api/group_packages_spec.rb: 'package sorting' project_path: by the project's
		// path, ties by id in the same direction ([package1, package2, package3, package4] asc).
		{"group project_path", "/api/v4/groups/sorted/packages", "project_path", []int{p3, p1, p2, p4}},
		{"group created_at", "/api/v4/groups/sorted/packages", "created_at", []int{p3, p1, p2, p4}},
	}
	for _, c := range cases {
		for _, sort := range []string{"asc", "desc"} {
			t.Run(c.name+" "+sort, func(t *testing.T) {
				want := c.asc
				if sort == "desc" {
					want = reverse(c.asc)
				}
				got := grsIDs(grsDecode[[]map[string]any](t, g.Do("GET", c.base+"?order_by="+c.orderBy+"&sort="+sort, nil, root...)))
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("got %v, want %v", got, want)
				}
			})
		}
	}
	// spec/requests/api/group_packages_spec.rb: "without sorting params": created_at asc
	t.Run("group default order", func(t *testing.T) {
		got := grsIDs(grsDecode[[]map[string]any](t, g.Do("GET", "/api/v4/groups/sorted/packages", nil)))
		if want := []int{p3, p1, p2, p4}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	// lib/api/entities/package.rb: project_id and project_path only in group lists.
	t.Run("group entries carry project_id and project_path", func(t *testing.T) {
		got := grsDecode[[]map[string]any](t, g.Do("GET", "/api/v4/groups/sorted/packages?order_by=project_path", nil))
		last := got[len(got)-1]
		if last["project_path"] != "sorted/project-b" || last["project_id"] != float64(b) {
			t.Fatalf("entry: %v", last)
		}
		proj := grsDecode[[]map[string]any](t, g.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages", a), nil))
		if _, ok := proj[0]["project_path"]; ok {
			t.Fatalf("project list entry has project_path: %v", proj[0])
		}
	})
}

// TestGitLabSpecPackagesParameterValidation covers Grape's messages for bad parameters.
func TestGitLabSpecPackagesParameterValidation(t *testing.T) {
	g := grsSetup(t)
	dev := []string{"Private-Token", g.dev}
	app := fmt.Sprintf("/api/v4/projects/%d", g.app)
	pkg := fmt.Sprintf("%s/packages/%d", app, g.appPkg)
	// lib/api/project_packages.rb, group_packages.rb, package_files.rb declare these with
	// `values:` (Grape's message: "<param> does not have a valid value") or a type
	// (coercion failure: "<param> is invalid"); Grape's errors are {"error": ...}.
	cases := []struct {
		name, path string
		want       string
	}{
		// spec/requests/api/packages_shared_examples.rb 'with status param': "bad status param" → 400
		{"status", app + "/packages?status=invalid", "status does not have a valid value"},
		// spec/requests/api/group_packages_spec.rb: "does not accept non supported package_type value"
		{"group package_type", "/api/v4/groups/acme/packages?package_type=foo", "package_type does not have a valid value"},
		{"project package_type", app + "/packages?package_type=foo", "package_type does not have a valid value"},
		{"order_by", app + "/packages?order_by=size", "order_by does not have a valid value"},
		// lib/api/project_packages.rb: order_by values are created_at name version type (no project_path)
		{"project order_by project_path", app + "/packages?order_by=project_path", "order_by does not have a valid value"},
		{"group order_by", "/api/v4/groups/acme/packages?order_by=size", "order_by does not have a valid value"},
		{"sort", app + "/packages?sort=up", "sort does not have a valid value"},
		{"group sort", "/api/v4/groups/acme/packages?sort=up", "sort does not have a valid value"},
		{"group status", "/api/v4/groups/acme/packages?status=gone", "status does not have a valid value"},
		{"include_versionless", app + "/packages?include_versionless=maybe", "include_versionless is invalid"},
		{"exclude_subgroups", "/api/v4/groups/acme/packages?exclude_subgroups=maybe", "exclude_subgroups is invalid"},
		{"package_id", app + "/packages/abc", "package_id is invalid"},
		// lib/api/package_files.rb: order_by values id created_at file_name; sort asc desc
		{"files order_by", pkg + "/package_files?order_by=size", "order_by does not have a valid value"},
		{"files sort", pkg + "/package_files?sort=sideways", "sort does not have a valid value"},
		// spec/requests/api/project_packages_spec.rb: 'returns an error about the invalid per_page value'
		// (per_page values 1..20 on /pipelines)
		{"pipelines per_page -2", pkg + "/pipelines?per_page=-2", "per_page does not have a valid value"},
		{"pipelines per_page 21", pkg + "/pipelines?per_page=21", "per_page does not have a valid value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := g.Do("GET", c.path, nil, dev...)
			if want := `{"error":"` + c.want + `"}`; res.Status != 400 || grsBody(res) != want {
				t.Fatalf("got %d %s, want 400 %s", res.Status, res.Body, want)
			}
		})
	}
	// spec/requests/api/packages_shared_examples.rb 'with versionless packages': truthy and
	// falsy forms of include_versionless are accepted.
	for _, v := range []string{"true", "1", "false", "", "0"} {
		if res := g.Do("GET", app+"/packages?include_versionless="+v, nil, dev...); res.Status != 200 {
			t.Errorf("include_versionless=%q: %d %s", v, res.Status, res.Body)
		}
	}
	// spec/requests/api/project_packages_spec.rb: "with valid per_page value" (11) on /pipelines;
	// lib/api/package_files.rb: every declared order is accepted.
	for _, path := range []string{pkg + "/pipelines?per_page=11", pkg + "/pipelines?per_page=20", pkg + "/pipelines?per_page=1",
		pkg + "/package_files?order_by=id&sort=desc", pkg + "/package_files?order_by=created_at", pkg + "/package_files?order_by=file_name",
		"/api/v4/groups/acme/packages?order_by=project_path&sort=desc"} {
		if res := g.Do("GET", path, nil, dev...); res.Status != 200 {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
}

// TestGitLabSpecPackageBuildInfo covers pipelines on packages, versions and files.
func TestGitLabSpecPackageBuildInfo(t *testing.T) {
	g := grsSetup(t)
	dev := []string{"Private-Token", g.dev}
	job1, _ := g.Job("acme/app", "dev", 1)
	job2, _ := g.Job("acme/app", "dev", 2)
	built, _ := grsPut(t, g.Env, g.app, "built", "1.0.0", "a.bin", "Job-Token", job1)
	grsPut(t, g.Env, g.app, "built", "1.0.0", "b.bin", "Job-Token", job2)
	other, _ := grsPut(t, g.Env, g.app, "built", "2.0.0", "c.bin", "Job-Token", job1)
	app := fmt.Sprintf("/api/v4/projects/%d", g.app)
	pipelines := grsDecode[[]map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d/pipelines", app, built), nil, dev...))

	// spec/requests/api/project_packages_spec.rb: 'returns package pipelines': every pipeline of
	// the package, newest (highest id) first, in the pipeline schema.
	t.Run("pipelines endpoint", func(t *testing.T) {
		if len(pipelines) != 2 {
			t.Fatalf("pipelines: %v", pipelines)
		}
		if pipelines[0]["id"].(float64) <= pipelines[1]["id"].(float64) {
			t.Fatalf("not newest first: %v", grsIDs(pipelines))
		}
		for _, p := range pipelines {
			for _, k := range []string{"id", "iid", "project_id", "sha", "ref", "status", "source", "created_at", "updated_at", "web_url", "user"} {
				if _, ok := p[k]; !ok {
					t.Errorf("pipeline lacks %q: %v", k, p)
				}
			}
			// lib/api/entities/ci/pipeline_basic.rb: web_url is project_pipeline_url(project, pipeline).
			if want := fmt.Sprintf("%s/acme/app/-/pipelines/%d", g.URL, int(p["id"].(float64))); p["web_url"] != want {
				t.Errorf("web_url %v, want %s", p["web_url"], want)
			}
			// lib/api/entities/package/pipeline.rb: user is a UserBasic (id, username, name, state, avatar_url, web_url).
			u, _ := p["user"].(map[string]any)
			if u["username"] != "dev" || u["web_url"] != g.URL+"/dev" {
				t.Errorf("user %v", u)
			}
			if _, ok := u["avatar_url"]; !ok {
				t.Errorf("user lacks avatar_url: %v", u)
			}
		}
	})
	newest := pipelines[0]["id"]

	// lib/api/entities/package.rb (current): `pipeline` is the last build info's pipeline;
	// `pipelines` is exposed when the package has pipelines, as an empty list
	// (EMPTY_PIPELINES) — the list lives at GET .../pipelines.
	// spec/requests/api/project_packages_spec.rb: "with pipeline": 'package_with_build' schema.
	check := func(t *testing.T, p map[string]any) {
		t.Helper()
		pl, ok := p["pipeline"].(map[string]any)
		if !ok || pl["id"] != newest {
			t.Errorf("pipeline = %v, want the newest pipeline %v", p["pipeline"], newest)
		}
		list, ok := p["pipelines"].([]any)
		if !ok || len(list) != 0 {
			t.Errorf("pipelines = %#v, want present and empty", p["pipelines"])
		}
	}
	t.Run("details keep pipelines empty", func(t *testing.T) {
		check(t, grsDecode[map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d", app, built), nil, dev...)))
	})
	t.Run("list entries keep pipelines empty", func(t *testing.T) {
		list := grsDecode[[]map[string]any](t, g.Do("GET", app+"/packages?package_name=built&package_version=1.0.0", nil, dev...))
		if len(list) != 1 {
			t.Fatalf("list: %v", list)
		}
		check(t, list[0])
		if _, ok := list[0]["versions"]; ok {
			t.Errorf("a list entry has versions (lib/api/entities/package.rb: unless collection): %v", list[0])
		}
	})
	// lib/api/entities/package.rb: without pipelines neither key is exposed.
	t.Run("a package without pipelines has neither key", func(t *testing.T) {
		d := grsDecode[map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d", app, g.appPkg), nil, dev...))
		if _, ok := d["pipeline"]; ok {
			t.Errorf("pipeline present: %v", d)
		}
		if _, ok := d["pipelines"]; ok {
			t.Errorf("pipelines present: %v", d)
		}
	})
	// lib/api/entities/package_version.rb: each version shows its last build info's pipeline.
	t.Run("versions carry their pipeline", func(t *testing.T) {
		d := grsDecode[map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d", app, built), nil, dev...))
		vs, _ := d["versions"].([]any)
		if len(vs) != 1 {
			t.Fatalf("versions: %v", d["versions"])
		}
		v := vs[0].(map[string]any)
		if v["id"] != float64(other) || v["version"] != "2.0.0" {
			t.Fatalf("version: %v", v)
		}
		if pl, ok := v["pipeline"].(map[string]any); !ok || pl["id"] == nil {
			t.Errorf("version pipeline: %v", v["pipeline"])
		}
	})
	// spec/requests/api/package_files_spec.rb: "with build info", "includes pipeline information".
	t.Run("files carry their pipelines", func(t *testing.T) {
		files := grsDecode[[]map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d/package_files", app, built), nil, dev...))
		if len(files) != 2 {
			t.Fatalf("files: %v", files)
		}
		for _, f := range files {
			if list, ok := f["pipelines"].([]any); !ok || len(list) == 0 {
				t.Errorf("file %v has no pipelines", f["file_name"])
			}
		}
		plain := grsDecode[[]map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d/package_files", app, g.appPkg), nil, dev...))
		if _, ok := plain[0]["pipelines"]; ok {
			t.Errorf("a file without build info has pipelines: %v", plain[0])
		}
	})
	// spec/requests/api/project_packages_spec.rb: 'an endpoint with keyset pagination' (pipelines):
	// per_page=1 gives the newest, a Link rel="next" leads to the next one, and the offset
	// pagination headers are absent.
	t.Run("pipelines keyset pagination", func(t *testing.T) {
		res := g.Do("GET", fmt.Sprintf("%s/packages/%d/pipelines?per_page=1", app, built), nil, dev...)
		first := grsDecode[[]map[string]any](t, res)
		if len(first) != 1 || first[0]["id"] != newest {
			t.Fatalf("first page: %v", grsIDs(first))
		}
		if h := res.Header.Get("X-Total"); h != "" {
			t.Errorf("X-Total on a keyset page: %q", h)
		}
		m := regexp.MustCompile(`<([^>]+)>; rel="next"`).FindStringSubmatch(res.Header.Get("Link"))
		if m == nil {
			t.Fatalf("no rel=next in Link %q", res.Header.Get("Link"))
		}
		next, err := url.Parse(m[1])
		if err != nil || next.Query().Get("cursor") == "" {
			t.Fatalf("next link %q", m[1])
		}
		res = g.Do("GET", next.RequestURI(), nil, dev...)
		second := grsDecode[[]map[string]any](t, res)
		if len(second) != 1 || second[0]["id"] != pipelines[1]["id"] {
			t.Fatalf("second page: %v", grsIDs(second))
		}
		if l := res.Header.Get("Link"); strings.Contains(l, `rel="next"`) {
			t.Errorf("last page links a next one: %s", l)
		}
	})
}

// TestGitLabSpecPackageDetails covers the single package and its links.
func TestGitLabSpecPackageDetails(t *testing.T) {
	g := grsSetup(t)
	app := fmt.Sprintf("/api/v4/projects/%d", g.app)
	// spec/requests/api/project_packages_spec.rb: "user is a maintainer": 'destroy url'
	t.Run("maintainers get the delete link", func(t *testing.T) {
		d := grsDecode[map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d", app, g.appPkg), nil, "Private-Token", g.maint))
		links, _ := d["_links"].(map[string]any)
		want := fmt.Sprintf("%s/api/v4/projects/%d/packages/%d", g.URL, g.app, g.appPkg)
		if links["delete_api_path"] != want || links["web_path"] != fmt.Sprintf("/acme/app/-/packages/%d", g.appPkg) {
			t.Fatalf("links %v", links)
		}
		list := grsDecode[[]map[string]any](t, g.Do("GET", app+"/packages", nil, "Private-Token", g.maint))
		if l, _ := list[0]["_links"].(map[string]any); l["delete_api_path"] == nil {
			t.Fatalf("list links %v", l)
		}
	})
	// spec/requests/api/project_packages_spec.rb: "user is a developer": 'no destroy url'
	t.Run("developers do not", func(t *testing.T) {
		d := grsDecode[map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d", app, g.appPkg), nil, "Private-Token", g.dev))
		if links, _ := d["_links"].(map[string]any); links["delete_api_path"] != nil {
			t.Fatalf("links %v", links)
		}
	})
	// spec/requests/api/project_packages_spec.rb: 'single package schema' requires name, version,
	// package_type, status, _links (web_path) and versions; the entity also exposes created_at,
	// last_downloaded_at and tags.
	t.Run("shape", func(t *testing.T) {
		d := grsDecode[map[string]any](t, g.Do("GET", fmt.Sprintf("%s/packages/%d", app, g.appPkg), nil, "Private-Token", g.dev))
		for _, k := range []string{"id", "name", "version", "package_type", "status", "_links", "created_at", "last_downloaded_at", "tags", "versions"} {
			if _, ok := d[k]; !ok {
				t.Errorf("details lack %q: %v", k, d)
			}
		}
		if _, ok := d["versions"].([]any); !ok {
			t.Errorf("versions is not a list: %v", d["versions"])
		}
	})
	// spec/requests/api/project_packages_spec.rb: "when package has no default status": 404
	// (lib/api/project_packages.rb: 404 unless package.detailed_info?, i.e. default or deprecated).
	// A hidden package is listed with status=hidden but has no details and no web_path
	// (lib/api/entities/package.rb: web_path only if detailed_info?).
	t.Run("hidden package", func(t *testing.T) {
		if res := g.Do("PUT", app+"/packages/generic/secret/1.0.0/s.bin?status=hidden", strings.NewReader("s"), "Private-Token", g.RootToken); res.Status != 201 {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		list := grsDecode[[]map[string]any](t, g.Do("GET", app+"/packages?status=hidden", nil, "Private-Token", g.dev))
		if len(list) != 1 || list[0]["status"] != "hidden" {
			t.Fatalf("hidden list: %v", list)
		}
		if links, _ := list[0]["_links"].(map[string]any); links["web_path"] != nil {
			t.Errorf("hidden package has a web_path: %v", links)
		}
		id := int(list[0]["id"].(float64))
		if res := g.Do("GET", fmt.Sprintf("%s/packages/%d", app, id), nil, "Private-Token", g.dev); res.Status != 404 {
			t.Errorf("hidden details: %d %s", res.Status, res.Body)
		}
		if res := g.Do("GET", fmt.Sprintf("%s/packages/%d/pipelines", app, id), nil, "Private-Token", g.dev); res.Status != 404 {
			t.Errorf("hidden pipelines: %d %s", res.Status, res.Body)
		}
		// spec/requests/api/packages_shared_examples.rb 'with status param': "no status param"
		for _, p := range grsDecode[[]map[string]any](t, g.Do("GET", app+"/packages", nil, "Private-Token", g.dev)) {
			if p["status"] == "hidden" {
				t.Errorf("hidden package listed by default: %v", p)
			}
		}
	})
}

// TestGitLabSpecPackageFiles covers the files list and the file download.
func TestGitLabSpecPackageFiles(t *testing.T) {
	g := grsSetup(t)
	dev := []string{"Private-Token", g.dev}
	app := fmt.Sprintf("/api/v4/projects/%d", g.app)
	// spec/requests/api/package_files_spec.rb "with sorting params": beta.txt, alpha.txt, gamma.txt
	// (created in that order here, so created_at follows the ids).
	pkg, beta := grsPut(t, g.Env, g.app, "sorted", "1.0.0", "beta.txt")
	time.Sleep(5 * time.Millisecond)
	_, alpha := grsPut(t, g.Env, g.app, "sorted", "1.0.0", "alpha.txt")
	time.Sleep(5 * time.Millisecond)
	_, gamma := grsPut(t, g.Env, g.app, "sorted", "1.0.0", "gamma.txt")
	files := fmt.Sprintf("%s/packages/%d/package_files", app, pkg)
	for _, c := range []struct {
		orderBy, sort string
		want          []int
	}{
		{"id", "asc", []int{beta, alpha, gamma}},
		{"id", "desc", []int{gamma, alpha, beta}},
		{"file_name", "asc", []int{alpha, beta, gamma}},
		{"file_name", "desc", []int{gamma, beta, alpha}},
		{"created_at", "asc", []int{beta, alpha, gamma}},
		{"created_at", "desc", []int{gamma, alpha, beta}},
		{"", "", []int{beta, alpha, gamma}}, // default: id asc
	} {
		t.Run("order "+c.orderBy+" "+c.sort, func(t *testing.T) {
			res := g.Do("GET", files+"?order_by="+c.orderBy+"&sort="+c.sort, nil, dev...)
			if got := grsIDs(grsDecode[[]map[string]any](t, res)); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	// spec/requests/api/package_files_spec.rb "with pagination params": expect_paginated_array_response
	// checks include_pagination_headers (X-Total, X-Total-Pages, X-Per-Page, X-Page, X-Next-Page,
	// X-Prev-Page, Link).
	t.Run("pagination", func(t *testing.T) {
		res := g.Do("GET", files+"?page=1&per_page=2", nil, dev...)
		if got := grsIDs(grsDecode[[]map[string]any](t, res)); fmt.Sprint(got) != fmt.Sprint([]int{beta, alpha}) {
			t.Fatalf("page 1: %v", got)
		}
		for k, v := range map[string]string{"X-Total": "3", "X-Total-Pages": "2", "X-Per-Page": "2", "X-Page": "1", "X-Next-Page": "2", "X-Prev-Page": ""} {
			if _, ok := res.Header[http.CanonicalHeaderKey(k)]; !ok || res.Header.Get(k) != v {
				t.Errorf("%s = %q (present %v), want %q", k, res.Header.Get(k), ok, v)
			}
		}
		if res.Header.Get("Link") == "" {
			t.Errorf("no Link header")
		}
		res = g.Do("GET", files+"?page=2&per_page=2", nil, dev...)
		if got := grsIDs(grsDecode[[]map[string]any](t, res)); fmt.Sprint(got) != fmt.Sprint([]int{gamma}) {
			t.Fatalf("page 2: %v", got)
		}
	})
	// lib/api/entities/package_file.rb: the file entity's fields.
	t.Run("shape", func(t *testing.T) {
		list := grsDecode[[]map[string]any](t, g.Do("GET", files, nil, dev...))
		for _, k := range []string{"id", "package_id", "created_at", "file_name", "size", "file_md5", "file_sha1", "file_sha256"} {
			if _, ok := list[0][k]; !ok {
				t.Errorf("file lacks %q: %v", k, list[0])
			}
		}
	})
	// spec/requests/api/package_files_spec.rb: 'allow to download package file':
	// media type application/octet-stream; lib/api/helpers.rb present_disk_file! formats the
	// disposition with ActionDispatch::Http::ContentDisposition.
	t.Run("download", func(t *testing.T) {
		res := g.Do("GET", fmt.Sprintf("%s/%d/download", files, alpha), nil, dev...)
		if res.Status != 200 || string(res.Body) != "sorted1.0.0alpha.txt" {
			t.Fatalf("download: %d %q", res.Status, res.Body)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("Content-Type = %q", ct)
		}
		if cd, want := res.Header.Get("Content-Disposition"), `attachment; filename="alpha.txt"; filename*=UTF-8''alpha.txt`; cd != want {
			t.Errorf("Content-Disposition = %q, want %q", cd, want)
		}
	})
	// spec/requests/api/package_files_spec.rb "with package files pending destruction": not listed,
	// and DELETE of such a file is 404 ("can not be accessed").
	t.Run("deleted files", func(t *testing.T) {
		if res := g.Do("DELETE", fmt.Sprintf("%s/%d", files, gamma), nil, "Private-Token", g.maint); res.Status != 204 {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		if got := grsIDs(grsDecode[[]map[string]any](t, g.Do("GET", files, nil, dev...))); fmt.Sprint(got) != fmt.Sprint([]int{beta, alpha}) {
			t.Fatalf("listed after delete: %v", got)
		}
		if res := g.Do("DELETE", fmt.Sprintf("%s/%d", files, gamma), nil, "Private-Token", g.maint); res.Status != 404 {
			t.Fatalf("delete again: %d %s", res.Status, res.Body)
		}
		if res := g.Do("GET", fmt.Sprintf("%s/%d/download", files, gamma), nil, dev...); res.Status != 404 {
			t.Fatalf("download deleted: %d", res.Status)
		}
	})
}

// TestGitLabSpecPackagesPaginationHeaders covers the offset pagination headers of the lists.
func TestGitLabSpecPackagesPaginationHeaders(t *testing.T) {
	g := grsSetup(t)
	root := []string{"Private-Token", g.RootToken}
	for i := 0; i < 3; i++ {
		grsPut(t, g.Env, g.app, fmt.Sprintf("paged%d", i), "1.0.0", "f.bin")
	}
	// spec/requests/api/project_packages_spec.rb / group_packages_spec.rb: 'returns paginated packages'
	// (expect_paginated_array_response: include_pagination_headers).
	for _, c := range []struct {
		name, path string
		total      string
	}{
		{"project", fmt.Sprintf("/api/v4/projects/%d/packages?per_page=2&page=2", g.app), "4"},
		{"group", "/api/v4/groups/acme/packages?per_page=2&page=2", "5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := g.Do("GET", c.path, nil, root...)
			if got := grsDecode[[]map[string]any](t, res); len(got) != 2 {
				t.Fatalf("page: %v", got)
			}
			for k, v := range map[string]string{"X-Total": c.total, "X-Total-Pages": "", "X-Per-Page": "2", "X-Page": "2", "X-Prev-Page": "1"} {
				if _, ok := res.Header[http.CanonicalHeaderKey(k)]; !ok || (v != "" && res.Header.Get(k) != v) {
					t.Errorf("%s = %q (present %v), want %q", k, res.Header.Get(k), ok, v)
				}
			}
			if _, ok := res.Header["X-Next-Page"]; !ok {
				t.Errorf("no X-Next-Page header")
			}
			if l := res.Header.Get("Link"); !strings.Contains(l, `rel="first"`) || !strings.Contains(l, `rel="last"`) || !strings.Contains(l, `rel="prev"`) {
				t.Errorf("Link %q", l)
			}
		})
	}
}
