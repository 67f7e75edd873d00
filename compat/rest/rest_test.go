package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/compat/rest"
)

type pkgJSON struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	PackageType string `json:"package_type"`
	Status      string `json:"status"`
	ProjectPath string `json:"project_path"`
	Links       struct {
		WebPath       string `json:"web_path"`
		DeleteAPIPath string `json:"delete_api_path"`
	} `json:"_links"`
	Versions []pkgJSON `json:"versions"`
}

func decode[T any](t *testing.T, res *compattest.Response) T {
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

func names(pkgs []pkgJSON) string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+"@"+p.Version)
	}
	return strings.Join(out, " ")
}

func TestPackagesAPI(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	e.Group("acme/sub", "private")
	app := e.Project("acme/app", "private", "")
	e.Project("acme/sub/lib", "private", "")
	e.Project("acme/sub/secret", "private", "")
	e.User("dev")
	e.Member("dev", "acme/app", "developer")
	e.Member("dev", "acme/sub/lib", "reporter")
	dev := []string{"Private-Token", e.PAT("dev", "api")}
	root := []string{"Private-Token", e.RootToken}
	put := func(project, name, version string) {
		t.Helper()
		path := fmt.Sprintf("/api/v4/projects/%s/packages/generic/%s/%s/f.bin", strings.ReplaceAll(project, "/", "%2F"), name, version)
		if res := e.Do("PUT", path, strings.NewReader(name+version), root...); res.Status != 201 {
			t.Fatalf("put %s: %d %s", path, res.Status, res.Body)
		}
	}
	for _, v := range []string{"1.9.0", "1.10.0", "1.2.0", "1.10.0-rc.1"} {
		put("acme/app", "alpha", v)
	}
	put("acme/app", "beta", "0.1.0")
	put("acme/sub/lib", "gamma", "2.0.0")
	put("acme/sub/secret", "delta", "3.0.0")
	list := fmt.Sprintf("/api/v4/projects/%d/packages", app.ID)

	t.Run("project and group entities", func(t *testing.T) {
		p := decode[map[string]any](t, e.Do("GET", "/api/v4/projects/acme%2Fapp", nil, dev...))
		if p["id"] != float64(app.ID) || p["path_with_namespace"] != "acme/app" || p["visibility"] != "private" {
			t.Fatalf("project: %v", p)
		}
		g := decode[map[string]any](t, e.Do("GET", "/api/v4/groups/acme%2Fsub", nil, dev...))
		if g["full_path"] != "acme/sub" {
			t.Fatalf("group: %v", g)
		}
	})
	t.Run("version order is numeric, with pre-releases first", func(t *testing.T) {
		got := names(decode[[]pkgJSON](t, e.Do("GET", list+"?package_name=alpha&order_by=version", nil, dev...)))
		if want := "alpha@1.2.0 alpha@1.9.0 alpha@1.10.0-rc.1 alpha@1.10.0"; got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
		got = names(decode[[]pkgJSON](t, e.Do("GET", list+"?package_name=alpha&order_by=version&sort=desc", nil, dev...)))
		if want := "alpha@1.10.0 alpha@1.10.0-rc.1 alpha@1.9.0 alpha@1.2.0"; got != want {
			t.Fatalf("desc: got %s, want %s", got, want)
		}
	})
	t.Run("filters", func(t *testing.T) {
		cases := map[string]string{
			"?package_name=BET":                       "beta@0.1.0",
			"?package_version=1.9.0":                  "alpha@1.9.0",
			"?package_type=npm":                       "",
			"?order_by=name&sort=desc&package_name=a": "beta@0.1.0 alpha@1.10.0-rc.1 alpha@1.2.0 alpha@1.10.0 alpha@1.9.0", // ties: newest first
		}
		for q, want := range cases {
			if got := names(decode[[]pkgJSON](t, e.Do("GET", list+q, nil, dev...))); got != want {
				t.Errorf("%s: got %q, want %q", q, got, want)
			}
		}
	})
	t.Run("pagination headers", func(t *testing.T) {
		res := e.Do("GET", list+"?per_page=2&page=2&order_by=version", nil, dev...)
		got := decode[[]pkgJSON](t, res)
		if len(got) != 2 || res.Header.Get("X-Total") != "5" || res.Header.Get("X-Total-Pages") != "3" ||
			res.Header.Get("X-Page") != "2" || res.Header.Get("X-Next-Page") != "3" || res.Header.Get("X-Prev-Page") != "1" {
			t.Fatalf("headers: %v", res.Header)
		}
		if l := res.Header.Get("Link"); !strings.Contains(l, `rel="next"`) || !strings.Contains(l, "page=3") {
			t.Fatalf("Link: %s", l)
		}
	})
	t.Run("group lists only readable projects", func(t *testing.T) {
		got := decode[[]pkgJSON](t, e.Do("GET", "/api/v4/groups/acme/packages?order_by=name", nil, dev...))
		if n := names(got); n != "alpha@1.9.0 alpha@1.10.0 alpha@1.2.0 alpha@1.10.0-rc.1 beta@0.1.0 gamma@2.0.0" {
			t.Fatalf("dev sees %s", n)
		}
		if got[len(got)-1].ProjectPath != "acme/sub/lib" {
			t.Fatalf("project_path: %+v", got[len(got)-1])
		}
		got = decode[[]pkgJSON](t, e.Do("GET", "/api/v4/groups/acme/packages?exclude_subgroups=true&package_name=a", nil, root...))
		if n := names(got); strings.Contains(n, "gamma") || strings.Contains(n, "delta") {
			t.Fatalf("exclude_subgroups: %s", n)
		}
		if n := names(decode[[]pkgJSON](t, e.Do("GET", "/api/v4/groups/acme/packages?package_name=delta", nil, root...))); n != "delta@3.0.0" {
			t.Fatalf("admin: %s", n)
		}
	})
	t.Run("deploy tokens are not read by the general API: the caller is anonymous there", func(t *testing.T) {
		_, tok := e.DeployToken("acme/app", "", "read_package_registry")
		if res := e.Do("GET", list, nil, "Deploy-Token", tok); res.Status != 404 {
			t.Fatalf("got %d", res.Status)
		}
	})
	t.Run("details, files, file download and delete", func(t *testing.T) {
		pkgs := decode[[]pkgJSON](t, e.Do("GET", list+"?package_name=alpha&package_version=1.9.0", nil, dev...))
		id := pkgs[0].ID
		if pkgs[0].Links.DeleteAPIPath != "" {
			t.Fatalf("developer got a delete link: %+v", pkgs[0].Links)
		}
		d := decode[pkgJSON](t, e.Do("GET", fmt.Sprintf("%s/%d", list, id), nil, dev...))
		if d.Links.WebPath != fmt.Sprintf("/acme/app/-/packages/%d", id) || len(d.Versions) != 3 {
			t.Fatalf("details: %+v", d)
		}
		files := decode[[]map[string]any](t, e.Do("GET", fmt.Sprintf("%s/%d/package_files", list, id), nil, dev...))
		if len(files) != 1 || files[0]["file_name"] != "f.bin" {
			t.Fatalf("files: %v", files)
		}
		fid := int(files[0]["id"].(float64))
		dl := e.Do("GET", fmt.Sprintf("%s/%d/package_files/%d/download", list, id, fid), nil, dev...)
		if dl.Status != 200 || string(dl.Body) != "alpha1.9.0" {
			t.Fatalf("download: %d %q", dl.Status, dl.Body)
		}
		// Deleting needs Maintainer.
		if res := e.Do("DELETE", fmt.Sprintf("%s/%d/package_files/%d", list, id, fid), nil, dev...); res.Status != 403 {
			t.Fatalf("developer deleting a file: %d", res.Status)
		}
		if res := e.Do("DELETE", fmt.Sprintf("%s/%d/package_files/%d", list, id, fid), nil, root...); res.Status != 204 {
			t.Fatalf("delete file: %d %s", res.Status, res.Body)
		}
		if res := e.Do("GET", fmt.Sprintf("%s/%d/package_files/%d/download", list, id, fid), nil, dev...); res.Status != 404 {
			t.Fatalf("deleted file downloads: %d", res.Status)
		}
		if res := e.Do("DELETE", fmt.Sprintf("%s/%d", list, id), nil, root...); res.Status != 204 {
			t.Fatalf("delete package: %d", res.Status)
		}
		if res := e.Do("DELETE", fmt.Sprintf("%s/%d", list, id), nil, root...); res.Status != 404 {
			t.Fatalf("delete twice: %d", res.Status)
		}
		if got := names(decode[[]pkgJSON](t, e.Do("GET", list+"?package_name=alpha&order_by=version", nil, dev...))); strings.Contains(got, "1.9.0") {
			t.Fatalf("deleted package listed: %s", got)
		}
	})
	t.Run("plan limits", func(t *testing.T) {
		if res := e.Do("GET", "/api/v4/application/plan_limits", nil, dev...); res.Status != 403 {
			t.Fatalf("non-admin: %d", res.Status)
		}
		res := e.Do("PUT", "/api/v4/application/plan_limits?generic_packages_max_file_size=10", nil, root...)
		if got := decode[map[string]int64](t, res); got["generic_packages_max_file_size"] != 10 || got["npm_max_file_size"] != 500<<20 {
			t.Fatalf("limits: %v", got)
		}
		big := e.Do("PUT", "/api/v4/projects/acme%2Fapp/packages/generic/big/1.0.0/f.bin", strings.NewReader("eleven bytes"), root...)
		if big.Status != 413 {
			t.Fatalf("over the new limit: %d %s", big.Status, big.Body)
		}
		if res := e.Do("PUT", "/api/v4/application/plan_limits?npm_max_file_size=-1", nil, root...); res.Status != 400 {
			t.Fatalf("negative: %d", res.Status)
		}
	})
	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"?order_by=size", "?sort=up", "?package_type=zip", "?status=gone", "?page=0", "?per_page=x", "?include_versionless=maybe",
			// An OFFSET that overflows, or that no listing could reach, used to be a 500.
			"?page=9223372036854775807", "?page=1000000000&per_page=100"} {
			res := e.Do("GET", list+q, nil, dev...)
			// Grape: "is invalid" for a type, "does not have a valid value" for a value list.
			if res.Status != 400 || !strings.Contains(string(res.Body), "is invalid") && !strings.Contains(string(res.Body), "does not have a valid value") {
				t.Errorf("%s: %d %s", q, res.Status, res.Body)
			}
		}
		if res := e.Do("GET", list+"/abc", nil, dev...); res.Status != 400 {
			t.Errorf("package id abc: %d", res.Status)
		}
	})
}

func TestProjectFilePath(t *testing.T) {
	for _, c := range []struct {
		path, project string
		id            int
		ok            bool
	}{
		{"/g/p/-/package_files/12/download", "g/p", 12, true},
		{"/g/sub/p/-/package_files/3/download", "g/sub/p", 3, true},
		{"/g/p/-/package_files/x/download", "", 0, false},
		{"/g/p/-/package_files/0/download", "", 0, false},
		{"/-/package_files/1/download", "", 0, false},
		{"/g/p/-/package_files/1/2/download", "", 0, false},
		{"/g/p/-/packages/1", "", 0, false},
	} {
		project, id, ok := rest.ProjectFilePath(c.path)
		if project != c.project || id != c.id || ok != c.ok {
			t.Errorf("%s: %q %d %v, want %q %d %v", c.path, project, id, ok, c.project, c.id, c.ok)
		}
	}
}

// TestListTotalFollowsWrites: the capped total of a listing is kept between requests
// (registry's count cache); a publish, a deletion, or a filter other than the one
// counted must show in the next request's X-Total.
func TestListTotalFollowsWrites(t *testing.T) {
	e := compattest.New(t)
	app := e.Project("root/app", "private", "")
	root := []string{"Private-Token", e.RootToken}
	list := fmt.Sprintf("/api/v4/projects/%d/packages", app.ID)
	total := func(query string) string {
		t.Helper()
		res := e.Do("GET", list+query, nil, root...)
		if res.Status != http.StatusOK {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		return res.Header.Get("X-Total")
	}
	put := func(name string) {
		t.Helper()
		path := fmt.Sprintf("/api/v4/projects/%d/packages/generic/%s/1.0.0/f.txt", app.ID, name)
		if res := e.Do("PUT", path, strings.NewReader("x"), root...); res.Status != http.StatusCreated {
			t.Fatalf("publish %s: %d %s", name, res.Status, res.Body)
		}
	}
	put("a")
	put("b")
	if got := total(""); got != "2" {
		t.Fatalf("X-Total %q, want 2", got)
	}
	if got := total("?package_name=a"); got != "1" {
		t.Fatalf("filtered X-Total %q, want 1", got)
	}
	put("c")
	if got := total(""); got != "3" {
		t.Fatalf("after a publish: X-Total %q, want 3", got)
	}
	pkgs := decode[[]pkgJSON](t, e.Do("GET", list+"?package_name=a", nil, root...))
	if res := e.Do("DELETE", fmt.Sprintf("%s/%d", list, pkgs[0].ID), nil, root...); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if got := total(""); got != "2" {
		t.Fatalf("after a deletion: X-Total %q, want 2", got)
	}
	if got := total("?package_name=a"); got != "0" {
		t.Fatalf("filtered after a deletion: X-Total %q, want 0", got)
	}
}
