package pypi_test

// Black-box cases restating what GitLab's own specs assert about its PyPI API, with
// GitLab's current defaults (request forwarding off, no FIPS). Each case names the
// spec it comes from. Where GitLab's request specs only assert a status, the exact
// message comes from the service spec and lib/api/pypi_packages.rb, and says so.
//
// Guests on private projects: this registry's default is GitLab's permission table
// (Reporter pulls); the instance setting allow_guest_plus_roles_to_pull_packages turns
// on newer GitLab's guest pulling, whose spec rows are checked with it on.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// specEnv is the fixture of GitLab's pypi_packages_spec.rb: a public and a private
// group, each with one project holding the package "Dummy-Package" 1.0.0; a developer
// and a guest of both groups; a user who is a member of nothing; a project deploy
// token and a running job in each project.
type specEnv struct {
	e                  *compattest.Env
	pub, priv          specScope
	devPAT, guestPAT   string
	outsiderPAT        string
	file               string // file name of Dummy-Package 1.0.0
	content            []byte
	root               []string
	pubProjectID       int
	privProjectID      int
	pubGroupID         int
	privGroupID        int
	pubJob, privJob    string
	pubDeploy          [2]string // project deploy token: username, secret
	privDeploy         [2]string
	privGroupDeploy    [2]string // group deploy token of the private group
	pubGroupDeploy     [2]string
	publicRegistryPath string // a private project whose registry is public
}

// specScope is one project and its group: their endpoint prefixes.
type specScope struct {
	project, group string
}

func newSpecEnv(t *testing.T) *specEnv {
	t.Helper()
	e := compattest.New(t)
	s := &specEnv{e: e, root: []string{"Basic", "root:" + e.RootToken}, file: "dummy_package-1.0.0.tar.gz",
		content: []byte("Dummy-Package 1.0.0 sdist")}
	pg := e.Group("pub", "public")
	pp := e.Project("pub/app", "public", "")
	vg := e.Group("priv", "private")
	vp := e.Project("priv/app", "private", "")
	// A private project whose registry is public, in a group of its own so that it
	// stays out of the private group's index.
	e.Group("open", "private")
	e.Project("open/app", "private", "public")
	s.pubProjectID, s.privProjectID, s.pubGroupID, s.privGroupID = pp.ID, vp.ID, pg.ID, vg.ID
	s.pub = specScope{fmt.Sprintf("/api/v4/projects/%d/packages/pypi", pp.ID), fmt.Sprintf("/api/v4/groups/%d/-/packages/pypi", pg.ID)}
	s.priv = specScope{fmt.Sprintf("/api/v4/projects/%d/packages/pypi", vp.ID), fmt.Sprintf("/api/v4/groups/%d/-/packages/pypi", vg.ID)}
	s.publicRegistryPath = "/api/v4/projects/open%2Fapp/packages/pypi"
	for _, u := range []string{"dev", "guest", "outsider"} {
		e.User(u)
	}
	for _, g := range []string{"pub", "priv"} {
		e.Member("dev", g, "developer")
		e.Member("guest", g, "guest")
	}
	s.devPAT, s.guestPAT, s.outsiderPAT = e.PAT("dev", "api"), e.PAT("guest", "api"), e.PAT("outsider", "api")
	s.pubJob, _ = e.Job("pub/app", "dev", 1)
	s.privJob, _ = e.Job("priv/app", "dev", 1)
	scopes := []string{"read_package_registry", "write_package_registry"}
	s.pubDeploy[0], s.pubDeploy[1] = e.DeployToken("pub/app", "", scopes...)
	s.privDeploy[0], s.privDeploy[1] = e.DeployToken("priv/app", "", scopes...)
	s.pubGroupDeploy[0], s.pubGroupDeploy[1] = e.DeployToken("", "pub", scopes...)
	s.privGroupDeploy[0], s.privGroupDeploy[1] = e.DeployToken("", "priv", scopes...)
	d := dist{name: "Dummy-Package", version: "1.0.0", file: s.file, content: s.content}
	for _, base := range []string{s.pub.project, s.priv.project, s.publicRegistryPath} {
		if res := s.upload(base, d, s.root...); res.Status != http.StatusCreated {
			t.Fatalf("setup upload to %s: %d %s", base, res.Status, res.Body)
		}
	}
	return s
}

func (s *specEnv) upload(base string, d dist, headers ...string) *compattest.Response {
	body, ct := form(d.fields(false)...)
	return s.e.Do("POST", base, body, append([]string{"Content-Type", ct}, headers...)...)
}

// reads are the three read endpoints of a prefix: the simple index, the package's
// simple page and its file.
func (s *specEnv) reads(prefix string) map[string]string {
	return map[string]string{
		"simple index":   prefix + "/simple",
		"simple package": prefix + "/simple/Dummy-Package",
		"file download":  prefix + "/files/" + sum256(s.content) + "/" + s.file,
	}
}

// served reports whether a read endpoint's body is what GitLab's shared examples look
// for: the package name in the index, the file name on the package page, the file's
// bytes from a download.
func (s *specEnv) served(endpoint string, body []byte) bool {
	switch endpoint {
	case "simple index":
		return strings.Contains(string(body), "Dummy-Package")
	case "simple package":
		return strings.Contains(string(body), s.file)
	}
	return string(body) == string(s.content)
}

// TestGitLabSpecPyPIReadCredentials: who may read the simple index, a package's
// simple page and a file, at project and group level. Wrong Basic credentials on a
// public project or group are ignored (the read proceeds anonymously), except a
// wrong job token sent as gitlab-ci-token.
func TestGitLabSpecPyPIReadCredentials(t *testing.T) {
	s := newSpecEnv(t)
	basic := func(user, secret string) []string { return []string{"Basic", user + ":" + secret} }
	type row struct {
		name    string
		headers []string
		want    int
	}
	// spec/support/shared_examples/requests/api/pypi_packages_shared_examples.rb:
	// 'pypi simple index API endpoint', 'pypi simple API endpoint' and 'pypi file
	// download endpoint', "with valid project" tables (member = the user is a member
	// of the project and its group; wrong token = Basic with the username and "wrong").
	publicRows := []row{
		{"public, developer, valid token", basic("dev", s.devPAT), 200},
		{"public, guest, valid token", basic("guest", s.guestPAT), 200},
		{"public, developer, wrong token", basic("dev", "wrong"), 200},
		{"public, guest, wrong token", basic("guest", "wrong"), 200},
		{"public, non-member, valid token", basic("outsider", s.outsiderPAT), 200},
		{"public, non-member, wrong token", basic("outsider", "wrong"), 200},
		{"public, anonymous", nil, 200},
	}
	privateRows := []row{
		{"private, developer, valid token", basic("dev", s.devPAT), 200},
		{"private, developer, wrong token", basic("dev", "wrong"), 401},
		{"private, guest, wrong token", basic("guest", "wrong"), 401},
		{"private, non-member, valid token", basic("outsider", s.outsiderPAT), 404},
		{"private, non-member, wrong token", basic("outsider", "wrong"), 401},
		{"private, anonymous", nil, 401},
	}
	// spec/support/shared_examples/requests/api/pypi_packages_shared_examples.rb:
	// 'pypi file download endpoint', "with deploy token headers" and "with job token
	// headers" on the spec's public project.
	publicFileRows := func(deploy [2]string) []row {
		return []row{
			{"public, deploy token, valid", basic(deploy[0], deploy[1]), 200},
			{"public, deploy token headers, invalid token foo:bar", basic("foo", "bar"), 200},
			{"public, job token, valid", basic("gitlab-ci-token", s.pubJob), 200},
			{"public, job token, invalid token", basic("gitlab-ci-token", "bar"), 401},
			{"public, job token, invalid user", basic("foo", s.pubJob), 200},
		}
	}
	// spec/support/shared_examples/requests/api/packages_shared_examples.rb: 'deploy
	// token for package GET requests' and 'job token for package GET requests' (the
	// project made private), used by pypi_packages_spec.rb for the simple endpoints.
	privateTokenRows := func(deploy [2]string) []row {
		return []row{
			{"private, deploy token, valid", basic(deploy[0], deploy[1]), 200},
			{"private, deploy token, invalid", basic(deploy[0], "bar"), 401},
			{"private, job token, valid", basic("gitlab-ci-token", s.privJob), 200},
			{"private, job token, invalid token", basic("gitlab-ci-token", "bar"), 401},
			{"private, job token, invalid user", basic("foo", s.privJob), 401},
		}
	}
	levels := []struct {
		level            string
		pub, priv        string
		pubDep, privDep  [2]string
		privateTokenRows bool
	}{
		{"project", s.pub.project, s.priv.project, s.pubDeploy, s.privDeploy, true},
		// spec/requests/api/pypi_packages_spec.rb: group endpoints use a group deploy token.
		{"group", s.pub.group, s.priv.group, s.pubGroupDeploy, s.privGroupDeploy, true},
	}
	for _, l := range levels {
		for endpoint, path := range s.reads(l.pub) {
			rows := publicRows
			if endpoint == "file download" {
				rows = append(append([]row{}, rows...), publicFileRows(l.pubDep)...)
			}
			for _, r := range rows {
				t.Run(l.level+" "+endpoint+": "+r.name, func(t *testing.T) {
					res := s.e.Do("GET", path, nil, r.headers...)
					if res.Status != r.want {
						t.Errorf("GET %s: got %d %s, want %d", path, res.Status, res.Body, r.want)
					}
					if r.want == 200 && res.Status == 200 && !s.served(endpoint, res.Body) {
						t.Errorf("GET %s: body %q does not list or hold the package", path, res.Body)
					}
				})
			}
		}
		for endpoint, path := range s.reads(l.priv) {
			rows := privateRows
			// GitLab's table without allow_guest_plus_roles_to_pull_packages (the
			// registry's default): Guests do not pull from private projects (403), and
			// at the group endpoints a Guest of the group is refused the same way
			// (app/policies/packages/policies/group_policy.rb: read_package is for
			// the group's Reporters).
			rows = append(append([]row{}, rows...), row{"private, guest, valid token (guests may not pull)", basic("guest", s.guestPAT), 403})
			if l.privateTokenRows {
				rows = append(append([]row{}, rows...), privateTokenRows(l.privDep)...)
			}
			for _, r := range rows {
				t.Run(l.level+" "+endpoint+": "+r.name, func(t *testing.T) {
					res := s.e.Do("GET", path, nil, r.headers...)
					if res.Status != r.want {
						t.Errorf("GET %s: got %d %s, want %d", path, res.Status, res.Body, r.want)
					}
				})
			}
		}
	}

	// spec/support/shared_examples/requests/api/pypi_packages_shared_examples.rb:
	// 'pypi simple API endpoint' rows "private | guest | true | true | success", with
	// allow_guest_plus_roles_to_pull_packages on (newer GitLab's default).
	t.Run("private, guest, valid token, guests may pull", func(t *testing.T) {
		set := s.e.Do("PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=true", nil, "Private-Token", s.e.RootToken)
		if set.Status != 200 {
			t.Fatalf("settings: %d %s", set.Status, set.Body)
		}
		defer s.e.Do("PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=false", nil, "Private-Token", s.e.RootToken)
		for _, prefix := range []string{s.priv.project, s.priv.group} {
			for endpoint, path := range s.reads(prefix) {
				if res := s.e.Do("GET", path, nil, basic("guest", s.guestPAT)...); res.Status != 200 {
					t.Errorf("%s %s: got %d %s, want 200", prefix, endpoint, res.Status, res.Body)
				}
			}
		}
	})

	// spec/support/shared_examples/requests/api/pypi_packages_shared_examples.rb:
	// 'allow access for everyone with public package_registry_access_level' (project
	// endpoints): a private project whose registry is public.
	for endpoint, path := range s.reads(s.publicRegistryPath) {
		for _, r := range []row{{"non-member", basic("outsider", s.outsiderPAT), 200}, {"anonymous", nil, 200}} {
			t.Run("private project, public registry, "+endpoint+": "+r.name, func(t *testing.T) {
				if res := s.e.Do("GET", path, nil, r.headers...); res.Status != r.want {
					t.Errorf("GET %s: got %d %s, want %d", path, res.Status, res.Body, r.want)
				}
			})
		}
	}
}

// TestGitLabSpecPyPIUnknownScopes: unknown project and group ids, and user namespaces
// at the group endpoints, are 404 to signed-in callers, as in GitLab. Anonymous
// callers get the 401 challenge a private project gives them (a deliberate
// difference, in the README): GitLab's 404 there tells a scanner which ids exist.
func TestGitLabSpecPyPIUnknownScopes(t *testing.T) {
	s := newSpecEnv(t)
	owner := []string{"Basic", "dev:" + s.devPAT}
	sha := sum256(s.content)
	cases := []struct {
		name, method, path string
	}{
		// spec/support/shared_examples/requests/api/pypi_packages_shared_examples.rb:
		// 'rejects PyPI access with unknown project id' / 'unknown PyPI scope id'.
		{"unknown project, simple index", "GET", "/api/v4/projects/1234567890/packages/pypi/simple"},
		{"unknown project, simple package", "GET", "/api/v4/projects/1234567890/packages/pypi/simple/Dummy-Package"},
		{"unknown project, file", "GET", "/api/v4/projects/1234567890/packages/pypi/files/" + sha + "/" + s.file},
		{"unknown project, upload", "POST", "/api/v4/projects/1234567890/packages/pypi"},
		// 'rejects PyPI access with unknown group id'.
		{"unknown group, simple index", "GET", "/api/v4/groups/1234567890/-/packages/pypi/simple"},
		{"unknown group, simple package", "GET", "/api/v4/groups/1234567890/-/packages/pypi/simple/Dummy-Package"},
		{"unknown group, file", "GET", "/api/v4/groups/1234567890/-/packages/pypi/files/" + sha + "/" + s.file},
		// 'a pypi user namespace endpoint': only groups are namespaces here, so a
		// user's namespace at the group endpoints is 404, for its owner too.
		{"user namespace, simple index", "GET", "/api/v4/groups/dev/-/packages/pypi/simple"},
		{"user namespace, simple package", "GET", "/api/v4/groups/dev/-/packages/pypi/simple/Dummy-Package"},
		{"user namespace, file", "GET", "/api/v4/groups/dev/-/packages/pypi/files/" + sha + "/" + s.file},
	}
	for _, c := range cases {
		for who, headers := range map[string][]string{"anonymous": nil, "authenticated": owner} {
			t.Run(c.name+", "+who, func(t *testing.T) {
				var res *compattest.Response
				if c.method == "POST" {
					d := dist{name: "sample-project", version: "1.0.0", file: "sample_project-1.0.0.tar.gz", content: []byte("x")}
					body, ct := form(d.fields(false)...)
					res = s.e.Do("POST", c.path, body, append([]string{"Content-Type", ct}, headers...)...)
				} else {
					res = s.e.Do("GET", c.path, nil, headers...)
				}
				want := http.StatusNotFound
				if who == "anonymous" {
					want = http.StatusUnauthorized
				}
				if res.Status != want {
					t.Errorf("%s %s: got %d %s, want %d", c.method, c.path, res.Status, res.Body, want)
				}
			})
		}
	}
	// spec/support/shared_examples/requests/api/pypi_packages_shared_examples.rb:
	// 'pypi simple API endpoint', "with a normalized package name" and "package request
	// forward" (forwarding off: a package not in the project is 404).
	t.Run("normalized package name", func(t *testing.T) {
		for _, name := range []string{"dummy-package", "dummy.package", "DUMMY_PACKAGE"} {
			res := s.e.Do("GET", s.pub.project+"/simple/"+name, nil, owner...)
			if res.Status != 200 || !strings.Contains(string(res.Body), s.file) {
				t.Errorf("%s: got %d %s", name, res.Status, res.Body)
			}
		}
	})
	t.Run("package not in the project, forwarding off", func(t *testing.T) {
		for _, prefix := range []string{s.pub.project, s.pub.group} {
			res := s.e.Do("GET", prefix+"/simple/barfoo", nil, owner...)
			if res.Status != 404 || !strings.Contains(string(res.Body), `"404 Package Not Found"`) {
				t.Errorf("%s: got %d %s", prefix, res.Status, res.Body)
			}
		}
	})
}

// TestGitLabSpecPyPIUploadCredentials: who may upload.
func TestGitLabSpecPyPIUploadCredentials(t *testing.T) {
	s := newSpecEnv(t)
	basic := func(user, secret string) []string { return []string{"Basic", user + ":" + secret} }
	n := 0
	next := func() dist {
		n++
		name := fmt.Sprintf("sample-project-%d", n)
		return dist{name: name, version: "1.0.0", file: strings.ReplaceAll(name, "-", "_") + "-1.0.0.tar.gz", content: []byte(name)}
	}
	cases := []struct {
		name    string
		base    string
		headers []string
		want    int
	}{
		// spec/requests/api/pypi_packages_spec.rb: 'POST /api/v4/projects/:id/packages/pypi',
		// "with valid project" table.
		{"public, developer, valid token", s.pub.project, basic("dev", s.devPAT), 201},
		{"public, guest, valid token", s.pub.project, basic("guest", s.guestPAT), 403},
		{"public, developer, wrong token", s.pub.project, basic("dev", "wrong"), 401},
		{"public, guest, wrong token", s.pub.project, basic("guest", "wrong"), 401},
		{"public, non-member, valid token", s.pub.project, basic("outsider", s.outsiderPAT), 403},
		{"public, non-member, wrong token", s.pub.project, basic("outsider", "wrong"), 401},
		{"public, anonymous", s.pub.project, nil, 401},
		{"private, developer, valid token", s.priv.project, basic("dev", s.devPAT), 201},
		{"private, guest, valid token", s.priv.project, basic("guest", s.guestPAT), 403},
		{"private, developer, wrong token", s.priv.project, basic("dev", "wrong"), 401},
		{"private, guest, wrong token", s.priv.project, basic("guest", "wrong"), 401},
		{"private, non-member, valid token", s.priv.project, basic("outsider", s.outsiderPAT), 404},
		{"private, non-member, wrong token", s.priv.project, basic("outsider", "wrong"), 401},
		{"private, anonymous", s.priv.project, nil, 401},
		// spec/support/shared_examples/requests/api/packages_shared_examples.rb:
		// 'deploy token for package uploads' and 'job token for package uploads'
		// (project made private; an invalid username is refused).
		{"deploy token, valid", s.priv.project, basic(s.privDeploy[0], s.privDeploy[1]), 201},
		{"deploy token, invalid", s.priv.project, basic(s.privDeploy[0], "bar"), 401},
		{"job token, valid", s.priv.project, basic("gitlab-ci-token", s.privJob), 201},
		{"job token, invalid token", s.priv.project, basic("gitlab-ci-token", "bar"), 401},
		{"job token, invalid user", s.priv.project, basic("foo", s.privJob), 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if res := s.upload(c.base, next(), c.headers...); res.Status != c.want {
				t.Errorf("got %d %s, want %d", res.Status, res.Body, c.want)
			}
		})
	}
}

// TestGitLabSpecPyPIUploadValidation: what an upload by a developer answers.
func TestGitLabSpecPyPIUploadValidation(t *testing.T) {
	s := newSpecEnv(t)
	dev := []string{"Basic", "dev:" + s.devPAT}
	set := func(d dist, name, value string) []part {
		ps := d.fields(false)
		for i := range ps {
			if ps[i].name == name {
				ps[i].value = value
			}
		}
		return ps
	}
	post := func(parts []part) *compattest.Response {
		body, ct := form(parts...)
		return s.e.Do("POST", s.priv.project, body, append([]string{"Content-Type", ct}, dev...)...)
	}
	sample := dist{name: "sample-project", version: "1.0.0", file: "sample_project-1.0.0.tar.gz", content: []byte("sample")}

	// spec/requests/api/pypi_packages_spec.rb: "with an invalid package" (name '.$/@!^*').
	t.Run("invalid name", func(t *testing.T) {
		if res := post(set(sample, "name", ".$/@!^*")); res.Status != 400 {
			t.Errorf("got %d %s, want 400", res.Status, res.Body)
		}
	})
	// spec/requests/api/pypi_packages_spec.rb: "with an invalid sha256" (63 hex digits and '%').
	t.Run("invalid sha256_digest", func(t *testing.T) {
		if res := post(set(sample, "sha256_digest", strings.Repeat("a", 63)+"%")); res.Status != 400 {
			t.Errorf("got %d %s, want 400", res.Status, res.Body)
		}
	})
	// spec/requests/api/pypi_packages_spec.rb: "without requires_python" and "without
	// md5_digest" are created.
	t.Run("without requires_python or md5_digest", func(t *testing.T) {
		for i, drop := range []string{"requires_python", "md5_digest"} {
			d := dist{name: "optional-fields", version: fmt.Sprintf("1.%d", i), file: fmt.Sprintf("optional_fields-1.%d.tar.gz", i), content: []byte(drop)}
			var ps []part
			for _, p := range d.fields(false) {
				if p.name != drop {
					ps = append(ps, p)
				}
			}
			if res := post(ps); res.Status != 201 {
				t.Errorf("without %s: got %d %s, want 201", drop, res.Status, res.Body)
			}
		}
	})
	// spec/requests/api/pypi_packages_spec.rb: "with existing package": a new file
	// joins the existing version (201).
	t.Run("new file in an existing version", func(t *testing.T) {
		d := dist{name: "Dummy-Package", version: "1.0.0", file: "dummy_package-1.0.0-py3-none-any.whl", content: []byte("not a zip")}
		if res := post(d.fields(false)); res.Status != 201 {
			t.Errorf("got %d %s, want 201", res.Status, res.Body)
		}
	})
	// spec/support/shared_examples/requests/api/pypi_packages_shared_examples.rb:
	// 'PyPI package creation' "with a pre-existing file" is a 400; the message is the
	// service's (spec/services/packages/pypi/create_package_service_spec.rb: 'Validation
	// failed: File name has already been taken') through bad_request! in
	// lib/api/pypi_packages.rb, which prefixes "400 Bad request - ".
	t.Run("pre-existing file name", func(t *testing.T) {
		d := dist{name: "Dummy-Package", version: "1.0.0", file: s.file, content: []byte("other bytes")}
		res := post(d.fields(false))
		want := `{"message":"400 Bad request - Validation failed: File name has already been taken"}`
		if res.Status != 400 || strings.TrimSpace(string(res.Body)) != want {
			t.Errorf("got %d %s, want 400 %s", res.Status, res.Body, want)
		}
	})
	// spec/requests/api/pypi_packages_spec.rb: "with existing package", "marked as
	// pending_destruction": the upload creates a new package (201). Deleting a
	// package through the Packages API marks it pending destruction.
	t.Run("existing package pending destruction", func(t *testing.T) {
		d := dist{name: "doomed", version: "1.0.0", file: "doomed-1.0.0.tar.gz", content: []byte("doomed")}
		if res := post(d.fields(false)); res.Status != 201 {
			t.Fatalf("first upload: %d %s", res.Status, res.Body)
		}
		list := s.e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_name=doomed", s.privProjectID), nil, "Private-Token", s.e.RootToken)
		var pkgs []struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(list.Body, &pkgs); err != nil || len(pkgs) != 1 {
			t.Fatalf("list: %d %s", list.Status, list.Body)
		}
		if res := s.e.Do("DELETE", fmt.Sprintf("/api/v4/projects/%d/packages/%d", s.privProjectID, pkgs[0].ID), nil, "Private-Token", s.e.RootToken); res.Status != 204 {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		if res := post(d.fields(false)); res.Status != 201 {
			t.Errorf("upload after deletion: got %d %s, want 201", res.Status, res.Body)
		}
	})
}

// TestGitLabSpecPyPIMetadataTruncation: over-long metadata fields are accepted and
// stored truncated as Rails' String#truncate does: the first max-3 characters and
// "...", max characters in all.
func TestGitLabSpecPyPIMetadataTruncation(t *testing.T) {
	s := newSpecEnv(t)
	dev := []string{"Basic", "dev:" + s.devPAT}
	// spec/requests/api/pypi_packages_spec.rb: "with a very long metadata field"
	// (field name, form parameter, Packages::Pypi::Metadatum::MAX_*_LENGTH).
	fields := []struct {
		graphQL, param string
		max            int
	}{
		{"requiredPython", "requires_python", 255},
		{"keywords", "keywords", 1024},
		{"metadataVersion", "metadata_version", 16},
		{"description", "description", 4000},
		{"summary", "summary", 255},
		{"descriptionContentType", "description_content_type", 128},
		{"authorEmail", "author_email", 2048},
	}
	for i, f := range fields {
		t.Run(f.param, func(t *testing.T) {
			name := fmt.Sprintf("long-meta-%d", i)
			d := dist{name: name, version: "1.0.0", file: fmt.Sprintf("long_meta_%d-1.0.0.tar.gz", i), content: []byte(name),
				extra: []part{field(f.param, strings.Repeat("x", f.max+1))}}
			body, ct := form(d.fields(false)...)
			res := s.e.Do("POST", s.priv.project, body, append([]string{"Content-Type", ct}, dev...)...)
			if res.Status != 201 {
				t.Fatalf("upload: got %d %s, want 201", res.Status, res.Body)
			}
			var out struct {
				Project struct {
					Packages struct {
						Nodes []struct{ Metadata map[string]*string }
					}
				}
			}
			q := `query($name: String) { project(fullPath: "priv/app") { packages(packageName: $name) { nodes { metadata { ... on PypiMetadata {
				requiredPython keywords metadataVersion description summary descriptionContentType authorEmail } } } } } }`
			if errs := s.e.GraphQL(q, map[string]any{"name": name}, &out, "Authorization", "Bearer "+s.e.RootToken); len(errs) > 0 {
				t.Fatalf("graphql: %v", errs)
			}
			if len(out.Project.Packages.Nodes) != 1 {
				t.Fatalf("packages: %+v", out)
			}
			got := out.Project.Packages.Nodes[0].Metadata[f.graphQL]
			want := strings.Repeat("x", f.max-3) + "..."
			if got == nil || *got != want {
				g := "<nil>"
				if got != nil {
					g = fmt.Sprintf("%d characters ending %q", len(*got), (*got)[max(0, len(*got)-5):])
				}
				t.Errorf("%s stored as %s, want %d characters ending \"xx...\"", f.graphQL, g, len(want))
			}
		})
	}
}

// TestGitLabSpecPyPIDownloadBumpsLastDownloadedAt: a file download sets the package's
// last_downloaded_at, shown by the Packages API.
func TestGitLabSpecPyPIDownloadBumpsLastDownloadedAt(t *testing.T) {
	s := newSpecEnv(t)
	lastDownloaded := func(projectID int, name string) any {
		t.Helper()
		res := s.e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_name=%s", projectID, name), nil, "Private-Token", s.e.RootToken)
		var pkgs []map[string]any
		if err := json.Unmarshal(res.Body, &pkgs); err != nil || len(pkgs) != 1 {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		return pkgs[0]["last_downloaded_at"]
	}
	// spec/requests/api/pypi_packages_spec.rb: 'pypi file download endpoint' at project
	// and group level, through 'PyPI package download' ->
	// spec/support/shared_examples/requests/api/packages_shared_examples.rb: 'bumping
	// the package last downloaded at field' (nil before, a time after).
	for i, prefix := range []string{s.pub.project, s.pub.group} {
		t.Run([]string{"project", "group"}[i], func(t *testing.T) {
			name := fmt.Sprintf("bumped-%d", i)
			d := dist{name: name, version: "1.0.0", file: name + "-1.0.0.tar.gz", content: []byte(name)}
			if res := s.upload(s.pub.project, d, s.root...); res.Status != 201 {
				t.Fatalf("upload: %d %s", res.Status, res.Body)
			}
			if v := lastDownloaded(s.pubProjectID, name); v != nil {
				t.Fatalf("last_downloaded_at before any download: %v", v)
			}
			if res := s.e.Do("GET", prefix+"/files/"+sum256(d.content)+"/"+d.file, nil); res.Status != 200 {
				t.Fatalf("download: %d %s", res.Status, res.Body)
			}
			// Downloads are tallied in memory and written by a flush (registry/downloads.go).
			if err := s.e.Svc.FlushDownloads(context.Background()); err != nil {
				t.Fatal(err)
			}
			if v, ok := lastDownloaded(s.pubProjectID, name).(string); !ok || v == "" {
				t.Errorf("last_downloaded_at after a download: %v, want a time", lastDownloaded(s.pubProjectID, name))
			}
		})
	}
}
