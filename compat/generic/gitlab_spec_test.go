package generic_test

// Black-box cases taken from GitLab's own request specs for the generic package
// registry (spec/requests/api/generic_packages_spec.rb, lib/api/generic_packages.rb
// and the helpers they use). Each case names the spec example it comes from. They
// assert GitLab's observable behaviour: status codes, exact messages where GitLab
// produces a fixed text, headers and the shapes scripts read.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// gsEnv is the fixture most cases share: a public and a private project with a
// developer, a guest and a stranger, deploy tokens and a CI job in each.
type gsEnv struct {
	*compattest.Env
	pub, priv, open                     string // API bases .../packages/generic
	dev, guest, stranger                string // personal access tokens
	devBasic, guestBasic, strangerBasic string // "user:token" for HTTP Basic
	pubJob, privJob                     string // job tokens (run by dev)
	dtRW, dtRO, dtWO                    string // deploy tokens of the private project
}

func gsSetup(t *testing.T) *gsEnv {
	t.Helper()
	e := compattest.New(t)
	e.Group("acme", "public")
	pub := e.Project("acme/pub", "public", "")
	priv := e.Project("acme/priv", "private", "")
	open := e.Project("acme/open", "private", "public") // "allow anyone to pull"
	for _, u := range []string{"dev", "guest", "stranger"} {
		e.User(u)
	}
	for _, p := range []string{"acme/pub", "acme/priv"} {
		e.Member("dev", p, "developer")
		e.Member("guest", p, "guest")
	}
	g := &gsEnv{Env: e,
		pub:  fmt.Sprintf("/api/v4/projects/%d/packages/generic", pub.ID),
		priv: fmt.Sprintf("/api/v4/projects/%d/packages/generic", priv.ID),
		open: fmt.Sprintf("/api/v4/projects/%d/packages/generic", open.ID),
	}
	g.dev, g.guest, g.stranger = e.PAT("dev", "api"), e.PAT("guest", "api"), e.PAT("stranger", "api")
	g.devBasic, g.guestBasic, g.strangerBasic = "dev:"+g.dev, "guest:"+g.guest, "stranger:"+g.stranger
	g.pubJob, _ = e.Job("acme/pub", "dev", 1)
	g.privJob, _ = e.Job("acme/priv", "dev", 1)
	_, g.dtRW = e.DeployToken("acme/priv", "", "read_package_registry", "write_package_registry")
	_, g.dtRO = e.DeployToken("acme/priv", "", "read_package_registry")
	_, g.dtWO = e.DeployToken("acme/priv", "", "write_package_registry")
	root := []string{"Private-Token", e.RootToken}
	for _, base := range []string{g.pub, g.priv, g.open} {
		if res := e.Do("PUT", base+"/mypackage/0.0.1/myfile.tar.gz", strings.NewReader("generic content"), root...); res.Status != http.StatusCreated {
			t.Fatalf("setup upload %s: %d %s", base, res.Status, res.Body)
		}
	}
	return g
}

// gsBody returns the body with its trailing newline removed.
func gsBody(res *compattest.Response) string { return strings.TrimSpace(string(res.Body)) }

// TestGitLabSpecGenericDownloadAuthentication is the authentication table of
// 'GET /api/v4/projects/:id/packages/generic/:package_name/:package_version/(*path)/:file_name'.
func TestGitLabSpecGenericDownloadAuthentication(t *testing.T) {
	g := gsSetup(t)
	file := "/mypackage/0.0.1/myfile.tar.gz"
	cases := []struct {
		name    string
		base    string
		headers []string
		want    int
	}{
		// spec/requests/api/generic_packages_spec.rb: GET "authentication", PUBLIC rows
		{"public developer PAT", g.pub, []string{"Private-Token", g.dev}, 200},
		{"public guest PAT", g.pub, []string{"Private-Token", g.guest}, 200},
		{"public developer basic", g.pub, []string{"Basic", g.devBasic}, 200},
		{"public guest basic", g.pub, []string{"Basic", g.guestBasic}, 200},
		{"public invalid PAT", g.pub, []string{"Private-Token", "wrong token"}, 401},
		// spec/requests/api/generic_packages_spec.rb: "PUBLIC | :developer | true | :invalid_user_basic_auth | :success"
		{"public member with invalid basic credentials", g.pub, []string{"Basic", "invalid user:invalid password"}, 200},
		{"public non-member PAT", g.pub, []string{"Private-Token", g.stranger}, 200},
		{"public non-member basic", g.pub, []string{"Basic", g.strangerBasic}, 200},
		// spec/requests/api/generic_packages_spec.rb: "PUBLIC | :guest | false | :invalid_user_basic_auth | :success"
		{"public invalid basic credentials of an unknown user", g.pub, []string{"Basic", "nobody:glpat-not-a-real-token-000"}, 200},
		// spec/requests/api/generic_packages_spec.rb: "PUBLIC | :anonymous | false | :none | :success"
		{"public anonymous", g.pub, nil, 200},
		{"public job token", g.pub, []string{"Job-Token", g.pubJob}, 200},
		{"public job basic", g.pub, []string{"Basic", "gitlab-ci-token:" + g.pubJob}, 200},
		{"public invalid job token", g.pub, []string{"Job-Token", "wrong token"}, 401},

		// spec/requests/api/generic_packages_spec.rb: GET "authentication", PRIVATE rows
		{"private developer PAT", g.priv, []string{"Private-Token", g.dev}, 200},
		{"private developer basic", g.priv, []string{"Basic", g.devBasic}, 200},
		{"private invalid PAT", g.priv, []string{"Private-Token", "wrong token"}, 401},
		{"private member invalid basic", g.priv, []string{"Basic", "invalid user:invalid password"}, 401},
		{"private non-member PAT", g.priv, []string{"Private-Token", g.stranger}, 404},
		{"private non-member basic", g.priv, []string{"Basic", g.strangerBasic}, 404},
		{"private anonymous", g.priv, nil, 401},
		{"private job token", g.priv, []string{"Job-Token", g.privJob}, 200},
		{"private job basic", g.priv, []string{"Basic", "gitlab-ci-token:" + g.privJob}, 200},
		{"private invalid job token", g.priv, []string{"Job-Token", "wrong token"}, 401},
		// Guests of a private project: lib/api/helpers/packages_helpers.rb
		// user_project_with_read_package answers forbidden! when the user may read the
		// project but not its packages (GitLab's permission table, the registry's default).
		{"private guest PAT (guest pulling off)", g.priv, []string{"Private-Token", g.guest}, 403},

		// spec/requests/api/generic_packages_spec.rb: GET deploy token rows
		{"deploy token rw", g.priv, []string{"Deploy-Token", g.dtRW}, 200},
		{"deploy token wo", g.priv, []string{"Deploy-Token", g.dtWO}, 200},
		{"deploy token ro", g.priv, []string{"Deploy-Token", g.dtRO}, 200},
		{"invalid deploy token", g.priv, []string{"Deploy-Token", "wrong token"}, 401},

		// spec/requests/api/generic_packages_spec.rb: "with access to package registry for everyone"
		{"private project, registry public, anonymous", g.open, nil, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := g.Do("GET", c.base+file, nil, c.headers...)
			if res.Status != c.want {
				t.Fatalf("got %d %s, want %d", res.Status, res.Body, c.want)
			}
			if c.want == 200 && string(res.Body) != "generic content" {
				t.Fatalf("body %q", res.Body)
			}
		})
	}
	// spec/requests/api/generic_packages_spec.rb: "PRIVATE | :guest | true | :personal_access_token | :success"
	// (newer GitLab lets guests pull; here behind the instance setting).
	t.Run("private guest PAT with guest pulling on", func(t *testing.T) {
		res := g.Do("PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=true", nil, "Private-Token", g.RootToken)
		if res.Status != 200 {
			t.Fatalf("setting: %d %s", res.Status, res.Body)
		}
		defer g.Do("PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=false", nil, "Private-Token", g.RootToken)
		for _, h := range [][]string{{"Private-Token", g.guest}, {"Basic", g.guestBasic}} {
			if res := g.Do("GET", g.priv+file, nil, h...); res.Status != 200 {
				t.Errorf("%s: got %d %s", h[0], res.Status, res.Body)
			}
		}
	})
}

// TestGitLabSpecGenericUploadAuthentication is the authentication table of
// 'PUT /api/v4/projects/:id/packages/generic/:package_name/:package_version/(*path)/:file_name'.
func TestGitLabSpecGenericUploadAuthentication(t *testing.T) {
	g := gsSetup(t)
	cases := []struct {
		name    string
		base    string
		headers []string
		want    int
	}{
		// spec/requests/api/generic_packages_spec.rb: PUT "authentication", PUBLIC rows
		{"public guest PAT", g.pub, []string{"Private-Token", g.guest}, 403},
		{"public guest basic", g.pub, []string{"Basic", g.guestBasic}, 403},
		{"public developer invalid PAT", g.pub, []string{"Private-Token", "wrong token"}, 401},
		{"public invalid basic", g.pub, []string{"Basic", "invalid user:invalid password"}, 401},
		{"public non-member PAT", g.pub, []string{"Private-Token", g.stranger}, 403},
		{"public non-member basic", g.pub, []string{"Basic", g.strangerBasic}, 403},
		{"public anonymous", g.pub, nil, 401},
		{"public invalid job token", g.pub, []string{"Job-Token", "wrong token"}, 401},
		{"public developer PAT", g.pub, []string{"Private-Token", g.dev}, 201},
		{"public developer basic", g.pub, []string{"Basic", g.devBasic}, 201},
		{"public job token", g.pub, []string{"Job-Token", g.pubJob}, 201},
		// spec/requests/api/generic_packages_spec.rb: PUT "authentication", PRIVATE rows
		{"private guest PAT", g.priv, []string{"Private-Token", g.guest}, 403},
		{"private guest basic", g.priv, []string{"Basic", g.guestBasic}, 403},
		{"private invalid PAT", g.priv, []string{"Private-Token", "wrong token"}, 401},
		{"private invalid basic", g.priv, []string{"Basic", "invalid user:invalid password"}, 401},
		{"private non-member PAT", g.priv, []string{"Private-Token", g.stranger}, 404},
		{"private non-member basic", g.priv, []string{"Basic", g.strangerBasic}, 404},
		{"private anonymous", g.priv, nil, 401},
		{"private invalid job token", g.priv, []string{"Job-Token", "wrong token"}, 401},
		{"private job token", g.priv, []string{"Job-Token", g.privJob}, 201},
		// spec/requests/api/generic_packages_spec.rb: PUT deploy token rows (and "when valid deploy token is used")
		{"deploy token ro", g.priv, []string{"Deploy-Token", g.dtRO}, 403},
		{"invalid deploy token", g.priv, []string{"Deploy-Token", "wrong token"}, 401},
		{"deploy token wo", g.priv, []string{"Deploy-Token", g.dtWO}, 201},
		{"deploy token rw", g.priv, []string{"Deploy-Token", g.dtRW}, 201},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := fmt.Sprintf("%s/mypackage/0.0.1/upload-%d.tar.gz", c.base, i)
			res := g.Do("PUT", path, strings.NewReader("x"), c.headers...)
			if res.Status != c.want {
				t.Fatalf("got %d %s, want %d", res.Status, res.Body, c.want)
			}
			if c.want == 201 && gsBody(res) != `{"message":"201 Created"}` {
				t.Fatalf("body %s", res.Body)
			}
		})
	}
}

// TestGitLabSpecGenericUploadParameters covers the upload's versions, file names,
// status and select parameters.
func TestGitLabSpecGenericUploadParameters(t *testing.T) {
	g := gsSetup(t)
	tok := []string{"Private-Token", g.dev}
	put := func(path string) *compattest.Response { return g.Do("PUT", g.pub+path, strings.NewReader("x"), tok...) }

	// spec/requests/api/generic_packages_spec.rb: "with a status" / "different versions"
	t.Run("versions", func(t *testing.T) {
		for _, c := range []struct {
			version string
			want    int
		}{
			{"1.3.350-20201230123456", 201}, {"1.2.3", 201}, {"1.2.3g", 201}, {"1.2", 201}, {"1.2.bananas", 201},
			{"v1.2.4-build", 201}, {"d50d836eb3de6177ce6c7a5482f27f9c2c84b672", 201},
			{"..1.2.3", 400}, {"1.2.3-4/../../", 400}, {"%2e%2e%2f1.2.3", 400},
		} {
			if res := put("/mypackage/" + c.version + "/myfile.tar.gz"); res.Status != c.want {
				t.Errorf("version %q: got %d %s, want %d", c.version, res.Status, res.Body, c.want)
			}
		}
	})
	// spec/requests/api/generic_packages_spec.rb: "with special characters in filename" and
	// "when filename contains @ or ~ symbol at beginning or end"
	t.Run("file names", func(t *testing.T) {
		for _, c := range []struct {
			file string
			want int
		}{
			{"my+file.tar.gz", 201}, {"my~file.tar.gz", 201}, {"myfile@1.1.tar.gz", 201},
			{"myfile1.1.tar.gz@", 400}, {"@myfile1.1.tar.gz", 400}, {"myfile.tar.gz~", 400}, {"~myfile.tar.gz", 400},
		} {
			if res := put("/special/1.0.0/" + c.file); res.Status != c.want {
				t.Errorf("file %q: got %d %s, want %d", c.file, res.Status, res.Body, c.want)
			}
		}
		// The created files are listed under their names.
		names := gsFileNames(t, g, "acme%2Fpub", "special")
		for _, want := range []string{"my+file.tar.gz", "my~file.tar.gz", "myfile@1.1.tar.gz"} {
			if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
				t.Errorf("file %q not listed: %v", want, names)
			}
		}
	})
	// spec/requests/api/generic_packages_spec.rb: "valid status" / "invalid status".
	// lib/api/generic_packages.rb declares `status, values: ALLOWED_STATUSES`: Grape's
	// values validator answers {"error":"status does not have a valid value"}.
	t.Run("status", func(t *testing.T) {
		if res := put("/hiddenpkg/0.0.1/myfile.tar.gz?status=hidden"); res.Status != 201 {
			t.Fatalf("hidden: %d %s", res.Status, res.Body)
		}
		res := put("/mypackage/0.0.1/other.tar.gz?status=processing")
		if res.Status != 400 || gsBody(res) != `{"error":"status does not have a valid value"}` {
			t.Fatalf("processing: %d %s", res.Status, res.Body)
		}
	})
	// spec/requests/api/generic_packages_spec.rb: "with select" (package_file: 200 and the
	// file object; invalid value: 400). `select, values: %w[package_file]` gives Grape's
	// values message.
	t.Run("select", func(t *testing.T) {
		res := put("/selectpkg/0.0.1/myfile.tar.gz?select=package_file")
		var f map[string]any
		if res.Status != 200 || json.Unmarshal(res.Body, &f) != nil || f["id"] == nil || f["file_name"] != "myfile.tar.gz" {
			t.Fatalf("package_file: %d %s", res.Status, res.Body)
		}
		for _, k := range []string{"id", "package_id", "created_at", "file_name", "size", "file_md5", "file_sha1", "file_sha256"} {
			if _, ok := f[k]; !ok {
				t.Errorf("package file lacks %q: %s", k, res.Body)
			}
		}
		res = put("/selectpkg/0.0.1/other.tar.gz?select=invalid_value")
		if res.Status != 400 || gsBody(res) != `{"error":"select does not have a valid value"}` {
			t.Fatalf("invalid_value: %d %s", res.Status, res.Body)
		}
	})
}

// TestGitLabSpecGenericPathSecurity covers 'application security' and the file_path
// validator's message.
func TestGitLabSpecGenericPathSecurity(t *testing.T) {
	g := gsSetup(t)
	tok := []string{"Private-Token", g.dev}
	// spec/requests/api/generic_packages_spec.rb: 'application security' / 'secure endpoint'
	// ('rejects malicious request': 400), for the upload and the download.
	for _, c := range []struct{ packageName, fileName string }{
		{"my-package/../", "myfile.tar.gz"},
		{"my-package%2f%2e%2e%2f", "myfile.tar.gz"},
		{"mypackage", "../.ssh%2fauthorized_keys"},
		{"mypackage", "%2e%2e%2f.ssh%2fauthorized_keys"},
	} {
		path := g.pub + "/" + c.packageName + "/0.0.1/" + c.fileName
		for _, method := range []string{"PUT", "GET"} {
			if res := g.Do(method, path, strings.NewReader("x"), tok...); res.Status != 400 {
				t.Errorf("%s %s: got %d %s, want 400", method, path, res.Status, res.Body)
			}
		}
	}
	// lib/api/generic_packages.rb declares package_name, path and file_name with
	// `file_path: true`; lib/api/validations/validators/file_path.rb answers
	// "<param> should be a valid file path" when Gitlab::PathTraversal finds a traversal
	// (a value that is "." or "..", or has a ".." segment) in the decoded value. The regexes
	// accept "..", so the file_path message is the only error (shared examples in
	// spec/support/shared_examples/requests/api/npm_packages_shared_examples.rb assert the same
	// {"error":"package_name should be a valid file path"} body for npm).
	for _, c := range []struct{ path, want string }{
		{"/%2E%2E/0.0.1/myfile.tar.gz", `{"error":"package_name should be a valid file path"}`},
		{"/%2E/0.0.1/myfile.tar.gz", `{"error":"package_name should be a valid file path"}`},
		{"/mypackage/0.0.1/%2E%2E", `{"error":"file_name should be a valid file path"}`},
		{"/mypackage/0.0.1/dir/%2E%2E/myfile.tar.gz", `{"error":"path should be a valid file path"}`},
		{"/mypackage/0.0.1/%2E%2E/myfile.tar.gz", `{"error":"path should be a valid file path"}`},
	} {
		for _, method := range []string{"PUT", "GET"} {
			res := g.Do(method, g.pub+c.path, strings.NewReader("x"), tok...)
			if res.Status != 400 || gsBody(res) != c.want {
				t.Errorf("%s %s: got %d %s, want 400 %s", method, c.path, res.Status, res.Body, c.want)
			}
		}
	}
}

// TestGitLabSpecGenericSubPath covers files uploaded under a directory path.
func TestGitLabSpecGenericSubPath(t *testing.T) {
	g := gsSetup(t)
	tok := []string{"Private-Token", g.dev}
	// spec/requests/api/generic_packages_spec.rb: "when file has path" (upload): the package file
	// is stored as URI.encode_uri_component("path/to/myfile.tar.gz") = "path%2Fto%2Fmyfile.tar.gz"
	// (lib/api/generic_packages.rb encoded_file_name), which is what every listing shows.
	res := g.Do("PUT", g.pub+"/subpkg/0.0.1/path/to/myfile.tar.gz?select=package_file", strings.NewReader("deep"), tok...)
	var f struct {
		FileName string `json:"file_name"`
	}
	if res.Status != 200 || json.Unmarshal(res.Body, &f) != nil {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	t.Run("select=package_file shows the stored name", func(t *testing.T) {
		if f.FileName != "path%2Fto%2Fmyfile.tar.gz" {
			t.Fatalf("file_name = %q", f.FileName)
		}
	})
	t.Run("package files list the stored name", func(t *testing.T) {
		if names := gsFileNames(t, g, "acme%2Fpub", "subpkg"); len(names) != 1 || names[0] != "path%2Fto%2Fmyfile.tar.gz" {
			t.Fatalf("listed %v", names)
		}
	})
	// spec/requests/api/generic_packages_spec.rb: "when file has path" (download): 200 by the path.
	t.Run("download by its path", func(t *testing.T) {
		res := g.Do("GET", g.pub+"/subpkg/0.0.1/path/to/myfile.tar.gz", nil, tok...)
		if res.Status != 200 || string(res.Body) != "deep" {
			t.Fatalf("got %d %q", res.Status, res.Body)
		}
		// lib/api/helpers.rb present_disk_file! formats the disposition from the uploader's
		// filename, which app/uploaders/packages/package_file_uploader.rb makes the stored
		// file_name ("path%2Fto%2Fmyfile.tar.gz"); ActionDispatch escapes its "%".
		want := `attachment; filename="path%252Fto%252Fmyfile.tar.gz"; filename*=UTF-8''path%252Fto%252Fmyfile.tar.gz`
		if cd := res.Header.Get("Content-Disposition"); cd != want {
			t.Errorf("Content-Disposition = %q, want %q", cd, want)
		}
	})
	t.Run("the same name without the path is another file", func(t *testing.T) {
		if res := g.Do("GET", g.pub+"/subpkg/0.0.1/myfile.tar.gz", nil, tok...); res.Status != 404 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
}

// TestGitLabSpecGenericDownloadHeaders covers the download's headers.
func TestGitLabSpecGenericDownloadHeaders(t *testing.T) {
	g := gsSetup(t)
	tok := []string{"Private-Token", g.dev}
	// spec/requests/api/generic_packages_spec.rb: "when direct download is disabled":
	// Content-Disposition is ActionDispatch::Http::ContentDisposition.format(disposition:
	// 'attachment', filename:), i.e. `attachment; filename="<name>"; filename*=UTF-8''<name>`,
	// with RFC 5987 escaping ('@' escaped in both, '+' and '~' kept). lib/api/helpers.rb
	// present_disk_file! sends the same header and application/octet-stream from local storage.
	for _, c := range []struct{ file, want string }{
		{"myfile.tar.gz", `attachment; filename="myfile.tar.gz"; filename*=UTF-8''myfile.tar.gz`},
		{"my+file.tar.gz", `attachment; filename="my+file.tar.gz"; filename*=UTF-8''my+file.tar.gz`},
		{"my~file.tar.gz", `attachment; filename="my~file.tar.gz"; filename*=UTF-8''my~file.tar.gz`},
		{"myfile@1.1.tar.gz", `attachment; filename="myfile%401.1.tar.gz"; filename*=UTF-8''myfile%401.1.tar.gz`},
	} {
		t.Run(c.file, func(t *testing.T) {
			path := g.pub + "/headers/1.0.0/" + c.file
			if res := g.Do("PUT", path, strings.NewReader("hello "+c.file), tok...); res.Status != 201 {
				t.Fatalf("upload: %d %s", res.Status, res.Body)
			}
			res := g.Do("GET", path, nil, tok...)
			if res.Status != 200 || string(res.Body) != "hello "+c.file {
				t.Fatalf("download: %d %q", res.Status, res.Body)
			}
			if cd := res.Header.Get("Content-Disposition"); cd != c.want {
				t.Errorf("Content-Disposition = %q, want %q", cd, c.want)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("Content-Type = %q", ct)
			}
			// lib/api/generic_packages.rb: SHA256_CHECKSUM_HEADER on the download.
			sum := sha256.Sum256([]byte("hello " + c.file))
			if h := res.Header.Get("X-Checksum-SHA256"); h != hex.EncodeToString(sum[:]) {
				t.Errorf("X-Checksum-SHA256 = %q", h)
			}
		})
	}
}

// TestGitLabSpecGenericDownloadLookups covers what the download finds.
func TestGitLabSpecGenericDownloadLookups(t *testing.T) {
	g := gsSetup(t)
	tok := []string{"Private-Token", g.dev}
	// spec/requests/api/generic_packages_spec.rb: "responds with 404 Not Found for non existing package"
	if res := g.Do("GET", g.pub+"/no-such-package/0.0.1/myfile.tar.gz", nil, tok...); res.Status != 404 {
		t.Errorf("missing package: %d", res.Status)
	}
	// spec/requests/api/generic_packages_spec.rb: "responds with 404 Not Found for non existing package file"
	if res := g.Do("GET", g.pub+"/mypackage/0.0.1/no-such-file", nil, tok...); res.Status != 404 {
		t.Errorf("missing file: %d", res.Status)
	}
	// spec/requests/api/generic_packages_spec.rb: "with package status" (hidden: success)
	if res := g.Do("PUT", g.pub+"/hidden/1.0.0/h.bin?status=hidden", strings.NewReader("h"), tok...); res.Status != 201 {
		t.Fatalf("hidden upload: %d %s", res.Status, res.Body)
	}
	if res := g.Do("GET", g.pub+"/hidden/1.0.0/h.bin", nil, tok...); res.Status != 200 {
		t.Errorf("hidden download: %d", res.Status)
	}
	// spec/requests/api/generic_packages_spec.rb: "when there is + sign is in filename"
	if res := g.Do("PUT", g.pub+"/plus/1.0.0/my+file.tar.gz", strings.NewReader("p"), tok...); res.Status != 201 {
		t.Fatalf("plus upload: %d %s", res.Status, res.Body)
	}
	if res := g.Do("GET", g.pub+"/plus/1.0.0/my+file.tar.gz", nil, tok...); res.Status != 200 || string(res.Body) != "p" {
		t.Errorf("plus download: %d %q", res.Status, res.Body)
	}
	// spec/requests/api/generic_packages_spec.rb: "bumping the package last downloaded at field"
	t.Run("download sets last_downloaded_at", func(t *testing.T) {
		if res := g.Do("GET", g.pub+"/mypackage/0.0.1/myfile.tar.gz", nil, tok...); res.Status != 200 {
			t.Fatalf("download: %d", res.Status)
		}
		res := g.Do("GET", "/api/v4/projects/acme%2Fpub/packages?package_name=mypackage", nil, tok...)
		var pkgs []map[string]any
		if err := json.Unmarshal(res.Body, &pkgs); err != nil || len(pkgs) != 1 {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		if pkgs[0]["last_downloaded_at"] == nil {
			t.Fatalf("last_downloaded_at not set after downloads: %s", res.Body)
		}
	})
}

// TestGitLabSpecGenericDuplicates covers "with existing package".
func TestGitLabSpecGenericDuplicates(t *testing.T) {
	g := gsSetup(t)
	tok := []string{"Private-Token", g.dev}
	path := g.pub + "/mypackage/1.2.3/myfile.tar.gz"
	if res := g.Do("PUT", path, strings.NewReader("first"), tok...); res.Status != 201 {
		t.Fatalf("existing: %d %s", res.Status, res.Body)
	}
	settings := func(t *testing.T, allowed bool, regex string) {
		t.Helper()
		var out struct {
			UpdateNamespacePackageSettings struct{ Errors []string } `json:"updateNamespacePackageSettings"`
		}
		errs := g.GraphQL(`mutation($a: Boolean!, $r: String) { updateNamespacePackageSettings(input: {namespacePath: "acme",
			genericDuplicatesAllowed: $a, genericDuplicateExceptionRegex: $r}) { errors } }`,
			map[string]any{"a": allowed, "r": regex}, &out, "Authorization", "Bearer "+g.RootToken)
		if len(errs) > 0 || len(out.UpdateNamespacePackageSettings.Errors) > 0 {
			t.Fatalf("settings: %v %v", errs, out.UpdateNamespacePackageSettings.Errors)
		}
	}
	// spec/requests/api/generic_packages_spec.rb: "with existing package": duplicates allowed by
	// default, one package, one more file.
	t.Run("default allows a duplicate", func(t *testing.T) {
		if res := g.Do("PUT", path, strings.NewReader("second"), tok...); res.Status != 201 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	// lib/api/generic_packages.rb: bad_request!('Duplicate package is not allowed'), rendered by
	// lib/api/helpers.rb bad_request! as "400 Bad request - <reason>".
	const refused = `{"message":"400 Bad request - Duplicate package is not allowed"}`
	for _, c := range []struct {
		name    string
		allowed bool
		regex   string
		want    int
	}{
		// spec/requests/api/generic_packages_spec.rb: "when package duplicates are not allowed"
		{"not allowed", false, "", 400},
		{"not allowed, regex matches the name", false, ".*age.*", 201},
		{"not allowed, regex matches the version", false, ".*2.3.*", 201},
		{"not allowed, regex matches neither", false, ".*zzz.*", 400},
		// spec/requests/api/generic_packages_spec.rb: "when package duplicates are allowed"
		{"allowed", true, "", 201},
		{"allowed, regex matches the name", true, ".*age.*", 400},
		{"allowed, regex matches the version", true, ".*2.3.*", 400},
		{"allowed, regex matches neither", true, ".*zzz.*", 201},
	} {
		t.Run(c.name, func(t *testing.T) {
			settings(t, c.allowed, c.regex)
			res := g.Do("PUT", path, strings.NewReader(c.name), tok...)
			if res.Status != c.want {
				t.Fatalf("got %d %s, want %d", res.Status, res.Body, c.want)
			}
			if c.want == 400 && gsBody(res) != refused {
				t.Errorf("body %s, want %s", res.Body, refused)
			}
		})
	}
	settings(t, true, "")
	// spec/requests/api/generic_packages_spec.rb: "marked as pending_destruction": a new package is created.
	t.Run("after the package is deleted, an upload creates a new package", func(t *testing.T) {
		list := "/api/v4/projects/acme%2Fpub/packages?package_name=mypackage&package_version=1.2.3"
		var before []struct{ ID int }
		res := g.Do("GET", list, nil, tok...)
		if err := json.Unmarshal(res.Body, &before); err != nil || len(before) != 1 {
			t.Fatalf("list: %s", res.Body)
		}
		if res := g.Do("DELETE", fmt.Sprintf("/api/v4/projects/acme%%2Fpub/packages/%d", before[0].ID), nil, "Private-Token", g.RootToken); res.Status != 204 {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		if res := g.Do("PUT", path, strings.NewReader("again"), tok...); res.Status != 201 {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		var after []struct{ ID int }
		res = g.Do("GET", list, nil, tok...)
		if err := json.Unmarshal(res.Body, &after); err != nil || len(after) != 1 || after[0].ID == before[0].ID {
			t.Fatalf("after: %s (before %v)", res.Body, before)
		}
		if res := g.Do("GET", path, nil, tok...); string(res.Body) != "again" {
			t.Fatalf("download: %d %q", res.Status, res.Body)
		}
	})
}

// gsFileNames lists the file names of the newest package called name in a project.
func gsFileNames(t *testing.T, g *gsEnv, projectRef, name string) []string {
	t.Helper()
	tok := []string{"Private-Token", g.RootToken}
	res := g.Do("GET", "/api/v4/projects/"+projectRef+"/packages?package_name="+url.QueryEscape(name), nil, tok...)
	var pkgs []struct {
		ID   int
		Name string
	}
	if err := json.Unmarshal(res.Body, &pkgs); err != nil {
		t.Fatalf("list %s: %d %s", name, res.Status, res.Body)
	}
	id := 0
	for _, p := range pkgs {
		if p.Name == name && p.ID > id {
			id = p.ID
		}
	}
	if id == 0 {
		t.Fatalf("no package %s: %s", name, res.Body)
	}
	res = g.Do("GET", fmt.Sprintf("/api/v4/projects/%s/packages/%d/package_files?per_page=100", projectRef, id), nil, tok...)
	var files []struct {
		FileName string `json:"file_name"`
	}
	if err := json.Unmarshal(res.Body, &files); err != nil {
		t.Fatalf("files %s: %d %s", name, res.Status, res.Body)
	}
	var out []string
	for _, f := range files {
		out = append(out, f.FileName)
	}
	return out
}
