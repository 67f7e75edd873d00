package maven_test

// Black-box cases restating what GitLab's own specs assert about its Maven API
// (spec/requests/api/maven_packages_spec.rb, whose shared examples live in that file),
// with GitLab's current defaults: request forwarding to Maven Central off, no FIPS,
// the feature flags maven_central_request_forwarding and
// maven_remove_permissions_check_from_finder on. Where a request spec only asserts a
// status or a substring, the exact text comes from lib/api/maven_packages.rb and the
// services, and says so.
//
// Issue 13 ("Behave as GitLab does on the wire"): these run with make test.
//
// GitLab answers the instance level (/api/v4/packages/maven) only for a package
// named like its project's full path; the fixture names artifacts that way (groupId
// "acme", artifactId "app" in project acme/app), so the registry's tenant rule and
// GitLab's resolve the same project.

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// mavenSpecEnv is the fixture: a public group and project (acme/app), a private group
// and project (priv/app), and an internal project in a public group (pubgrp/app); a
// developer of acme and priv, a guest of both, a user who is a member of nothing.
type mavenSpecEnv struct {
	e                         *compattest.Env
	root                      []string
	devPAT, guestPAT, outPAT  string
	pubID, privID             int
	files                     map[string][]byte // path under the Maven root -> content
	privDeploy, privGrpDeploy [2]string         // username, secret
	writeOnlyDeploy           [2]string         // project deploy token with only write_package_registry
	privJob                   string
}

const (
	pubRel   = "acme/app/1.0/app-1.0.jar"
	pubPom   = "acme/app/1.0/app-1.0.pom"
	pubSnap  = "acme/app/1.0-SNAPSHOT/app-1.0-20180724.124855-1.jar"
	pubSnapM = "acme/app/1.0-SNAPSHOT/maven-metadata.xml"
	pubMeta  = "acme/app/maven-metadata.xml"
	privRel  = "priv/app/1.0/app-1.0.jar"
	privMeta = "priv/app/maven-metadata.xml"
	intRel   = "pubgrp/app/1.0/app-1.0.jar"
)

func newMavenSpecEnv(t *testing.T) *mavenSpecEnv {
	t.Helper()
	e := compattest.New(t)
	s := &mavenSpecEnv{e: e, root: []string{"Private-Token", e.RootToken}, files: map[string][]byte{}}
	e.Group("acme", "public")
	s.pubID = e.Project("acme/app", "public", "").ID
	e.Group("priv", "private")
	s.privID = e.Project("priv/app", "private", "").ID
	e.Group("pubgrp", "public")
	e.Project("pubgrp/app", "internal", "")
	for _, u := range []string{"dev", "guest", "outsider"} {
		e.User(u)
	}
	for _, g := range []string{"acme", "priv"} {
		e.Member("dev", g, "developer")
		e.Member("guest", g, "guest")
	}
	s.devPAT, s.guestPAT, s.outPAT = e.PAT("dev", "api"), e.PAT("guest", "api"), e.PAT("outsider", "api")
	s.privDeploy[0], s.privDeploy[1] = e.DeployToken("priv/app", "", "read_package_registry")
	s.privGrpDeploy[0], s.privGrpDeploy[1] = e.DeployToken("", "priv", "read_package_registry")
	s.writeOnlyDeploy[0], s.writeOnlyDeploy[1] = e.DeployToken("priv/app", "", "write_package_registry")
	s.privJob, _ = e.Job("priv/app", "dev", 1)
	for _, f := range []struct{ project, path string }{
		{"acme%2Fapp", pubRel}, {"acme%2Fapp", pubPom}, {"acme%2Fapp", pubSnap}, {"acme%2Fapp", pubSnapM}, {"acme%2Fapp", pubMeta},
		{"priv%2Fapp", privRel}, {"priv%2Fapp", privMeta}, {"pubgrp%2Fapp", intRel},
	} {
		body := []byte("content of " + f.path)
		if strings.HasSuffix(f.path, "maven-metadata.xml") {
			body = []byte("<metadata><groupId>acme</groupId><artifactId>app</artifactId></metadata>")
		}
		s.files[f.path] = body
		res := e.Do("PUT", "/api/v4/projects/"+f.project+"/packages/maven/"+f.path, strings.NewReader(string(body)), s.root...)
		if res.Status != 200 {
			t.Fatalf("setup PUT %s: %d %s", f.path, res.Status, res.Body)
		}
	}
	return s
}

// prefix is the Maven root of a level: "project" (of the path's own project),
// "group" (of its root group) or "instance".
func (s *mavenSpecEnv) prefix(level, path string) string {
	root, _, _ := strings.Cut(path, "/")
	switch level {
	case "project":
		return "/api/v4/projects/" + root + "%2Fapp/packages/maven/"
	case "group":
		return "/api/v4/groups/" + root + "/-/packages/maven/"
	}
	return "/api/v4/packages/maven/"
}

func mediaType(res *compattest.Response) string {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return mt
}

var levels = []string{"project", "group", "instance"}

// TestGitLabSpecMavenContentTypes: every file, maven-metadata.xml included, is served
// as application/octet-stream with its SHA-1 and MD5 in headers; .sha1 and .md5 paths
// answer the digest as text/plain.
func TestGitLabSpecMavenContentTypes(t *testing.T) {
	s := newMavenSpecEnv(t)
	for _, level := range levels {
		for _, path := range []string{pubRel, pubSnap, pubSnapM, pubMeta} {
			// spec/requests/api/maven_packages_spec.rb: 'successfully returning the file'
			// (200, media type application/octet-stream, x-checksum-sha1 and
			// x-checksum-md5 headers), for "a public project" at the instance, group and
			// project levels; its package_file is the version's maven-metadata.xml. The
			// headers carry the served file's digests (download_package_file! in
			// lib/api/helpers/packages/maven.rb).
			t.Run(level+" "+path, func(t *testing.T) {
				res := s.e.Do("GET", s.prefix(level, path)+path, nil)
				if res.Status != 200 {
					t.Fatalf("got %d %s, want 200", res.Status, res.Body)
				}
				if mt := mediaType(res); mt != "application/octet-stream" {
					t.Errorf("media type %q, want application/octet-stream", mt)
				}
				if got, want := res.Header.Get("X-Checksum-Sha1"), hexSum(res.Body, "sha1"); got != want {
					t.Errorf("X-Checksum-Sha1 %q, want %q (the served file's)", got, want)
				}
				if got, want := res.Header.Get("X-Checksum-Md5"), md5Hex(res.Body); got != want {
					t.Errorf("X-Checksum-Md5 %q, want %q (the served file's)", got, want)
				}
				// spec/requests/api/maven_packages_spec.rb: "returns sha1 of the file" and
				// (project level) "returns md5 of the file": 200, text/plain, the digest.
				for _, algo := range []string{"sha1", "md5"} {
					sum := s.e.Do("GET", s.prefix(level, path)+path+"."+algo, nil)
					want := hexSum(res.Body, "sha1")
					if algo == "md5" {
						want = md5Hex(res.Body)
					}
					if sum.Status != 200 || mediaType(sum) != "text/plain" || string(sum.Body) != want {
						t.Errorf(".%s: got %d %q %q, want 200 text/plain %q", algo, sum.Status, sum.Header.Get("Content-Type"), sum.Body, want)
					}
				}
			})
		}
	}
}

// TestGitLabSpecMavenMissingFiles: a file that is not there, asked for without
// credentials, is 404 on a public project or group (so Maven tries its next
// repository); private scopes challenge (401); the instance level answers 403 for a
// path no package has.
func TestGitLabSpecMavenMissingFiles(t *testing.T) {
	s := newMavenSpecEnv(t)
	tok := func(secret string) []string { return []string{"Private-Token", secret} }
	cases := []struct {
		name, url string
		headers   []string
		want      int
	}{
		// spec/requests/api/maven_packages_spec.rb: 'forwarding package requests' with
		// forward false and the package not in the project: 'package not found' (404),
		// at project and group level, sent without credentials on the public project.
		{"project, public, anonymous, file not in the version", "/api/v4/projects/acme%2Fapp/packages/maven/acme/app/1.0/app-1.0-sources.jar", nil, 404},
		{"project, public, anonymous, unknown version", "/api/v4/projects/acme%2Fapp/packages/maven/acme/app/9.9/app-9.9.jar", nil, 404},
		{"project, public, anonymous, unknown artifact", "/api/v4/projects/acme%2Fapp/packages/maven/acme/nothing/1.0/nothing-1.0.jar", nil, 404},
		{"group, public, anonymous, file not in the version", "/api/v4/groups/acme/-/packages/maven/acme/app/1.0/app-1.0-sources.jar", nil, 404},
		{"group, public, anonymous, unknown artifact", "/api/v4/groups/acme/-/packages/maven/acme/nothing/1.0/nothing-1.0.jar", nil, 404},
		{"group, public, anonymous, unknown artifact metadata", "/api/v4/groups/acme/-/packages/maven/acme/nothing/maven-metadata.xml", nil, 404},
		// GET .../packages/maven: "internal project", 'getting a file for a group' in a
		// public group, "forwards download when no private token": 401 (the file
		// exists, in a project anonymous callers cannot read).
		{"group, public group, internal project, anonymous, existing file", "/api/v4/groups/pubgrp/-/packages/maven/" + intRel, nil, 401},
		// "private project": "denies download when no private token" (401), at every level.
		{"project, private, anonymous, existing file", "/api/v4/projects/priv%2Fapp/packages/maven/" + privRel, nil, 401},
		{"project, private, anonymous, missing file", "/api/v4/projects/priv%2Fapp/packages/maven/priv/app/1.0/app-1.0-sources.jar", nil, 401},
		{"group, private, anonymous, existing file", "/api/v4/groups/priv/-/packages/maven/" + privRel, nil, 401},
		{"instance, private, anonymous, existing file", "/api/v4/packages/maven/" + privRel, nil, 401},
		// 'getting a file' at instance level, "with a non existing maven path"
		// (foo/bar/1.2.3): 403, on public, internal and private projects, with or
		// without a token (lib/api/maven_packages.rb: forbidden! unless the path exists).
		{"instance, anonymous, path no package has", "/api/v4/packages/maven/foo/bar/1.2.3/bar-1.2.3.jar", nil, 403},
		{"instance, developer, path no package has", "/api/v4/packages/maven/foo/bar/1.2.3/bar-1.2.3.jar", tok(s.devPAT), 403},
		{"instance, anonymous, unknown version of a public artifact", "/api/v4/packages/maven/acme/app/9.9/app-9.9.jar", nil, 403},
		{"instance, anonymous, unknown artifact metadata", "/api/v4/packages/maven/acme/nothing/maven-metadata.xml", nil, 403},
		// lib/api/maven_packages.rb (instance level): the path exists, the project is
		// readable, the file is not in the package: PackageFileFinder#execute! is a 404.
		{"instance, public, anonymous, file not in the version", "/api/v4/packages/maven/acme/app/1.0/app-1.0-sources.jar", nil, 404},
		// "private project" at instance level, 'when allow_guest_plus_roles_to_pull_packages
		// is disabled', "denies download when not enough permissions": 403; an outsider
		// fails the same authorize_read_package!(project) (lib/api/maven_packages.rb).
		{"instance, private, guest", "/api/v4/packages/maven/" + privRel, tok(s.guestPAT), 403},
		{"instance, private, outsider", "/api/v4/packages/maven/" + privRel, tok(s.outPAT), 403},
		{"instance, private, outsider, path no package has", "/api/v4/packages/maven/priv/app/9.9/app-9.9.jar", tok(s.outPAT), 403},
		// Same context at group and project level: 403 for a guest.
		{"group, private, guest", "/api/v4/groups/priv/-/packages/maven/" + privRel, tok(s.guestPAT), 403},
		{"project, private, guest", "/api/v4/projects/priv%2Fapp/packages/maven/" + privRel, tok(s.guestPAT), 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.e.Do("GET", c.url, nil, c.headers...)
			if res.Status != c.want {
				t.Errorf("GET %s: got %d %s, want %d", c.url, res.Status, res.Body, c.want)
			}
			if c.want == 404 && !strings.Contains(string(res.Body), "404") {
				t.Errorf("GET %s: body %s", c.url, res.Body)
			}
		})
	}
	// 'forwarding package requests', forward false: the project's 404 is GitLab's
	// not_found!('Package') (lib/api/maven_packages.rb).
	t.Run("project 404 message", func(t *testing.T) {
		res := s.e.Do("GET", "/api/v4/projects/acme%2Fapp/packages/maven/acme/app/1.0/app-1.0-sources.jar", nil)
		if want := `{"message":"404 Package Not Found"}`; res.Status != 404 || strings.TrimSpace(string(res.Body)) != want {
			t.Errorf("got %d %s, want 404 %s", res.Status, res.Body, want)
		}
	})
}

// TestGitLabSpecMavenDownloadCredentials: the tokens a private project's files are
// read with, at the three levels, and what a wrong one answers.
func TestGitLabSpecMavenDownloadCredentials(t *testing.T) {
	s := newMavenSpecEnv(t)
	finished, jobID := s.e.Job("priv/app", "dev", 2)
	if err := s.e.Svc.FinishJob(s.e.Admin, jobID, "failed"); err != nil {
		t.Fatal(err)
	}
	type row struct {
		name    string
		headers []string
		query   string
		want    int
	}
	for _, level := range levels {
		deploy := s.privDeploy
		if level == "group" {
			deploy = s.privGrpDeploy // "with group deploy token"
		}
		rows := []row{
			// spec/requests/api/maven_packages_spec.rb: 'downloads with a personal access
			// token' (private project: not_found_response is :unauthorized; a wrong
			// Private-Token header is 401 whatever the project).
			{"PAT header, valid", []string{"Private-Token", s.devPAT}, "", 200},
			{"PAT header, invalid", []string{"Private-Token", "not_valid"}, "", 401},
			{"PAT basic, valid", []string{"Basic", "dev:" + s.devPAT}, "", 200},
			{"PAT basic, invalid", []string{"Basic", "dev:not_valid"}, "", 401},
			// 'downloads with a deploy token', including "with only write_package_registry scope".
			{"deploy token header, valid", []string{"Deploy-Token", deploy[1]}, "", 200},
			{"deploy token header, invalid", []string{"Deploy-Token", "not_valid"}, "", 401},
			{"deploy token basic, valid", []string{"Basic", deploy[0] + ":" + deploy[1]}, "", 200},
			{"deploy token basic, invalid", []string{"Basic", deploy[0] + ":not_valid"}, "", 401},
			// 'downloads with a job token': job_token parameter or Basic gitlab-ci-token;
			// a finished job's token is 401.
			{"job token param, valid", nil, "?job_token=" + s.privJob, 200},
			{"job token param, invalid", nil, "?job_token=not_valid", 401},
			{"job token basic, valid", []string{"Basic", "gitlab-ci-token:" + s.privJob}, "", 200},
			{"job token basic, invalid", []string{"Basic", "gitlab-ci-token:not_valid"}, "", 401},
			{"job token param, finished job", nil, "?job_token=" + finished, 401},
			{"job token basic, finished job", []string{"Basic", "gitlab-ci-token:" + finished}, "", 401},
		}
		if level != "group" {
			rows = append(rows, row{"deploy token with only write_package_registry", []string{"Deploy-Token", s.writeOnlyDeploy[1]}, "", 200})
		}
		for _, r := range rows {
			t.Run(level+": "+r.name, func(t *testing.T) {
				url := s.prefix(level, privRel) + privRel + r.query
				res := s.e.Do("GET", url, nil, r.headers...)
				if res.Status != r.want {
					t.Errorf("GET %s: got %d %s, want %d", url, res.Status, res.Body, r.want)
				}
				if r.want == 200 && string(res.Body) != string(s.files[privRel]) {
					t.Errorf("GET %s: body %q", url, res.Body)
				}
			})
		}
		// On the public project, a wrong Basic password or a deploy token that does not
		// exist leaves the caller anonymous, who may read (the comment in 'downloads
		// with a personal access token': only header PATs are validated; 'downloads with
		// a deploy token': an invalid token gets the anonymous answer). A wrong
		// Private-Token header or job token is 401.
		for _, r := range []row{
			{"public, PAT basic, invalid", []string{"Basic", "dev:not_valid"}, "", 200},
			{"public, deploy token header, invalid", []string{"Deploy-Token", "not_valid"}, "", 200},
			{"public, PAT header, invalid", []string{"Private-Token", "not_valid"}, "", 401},
			{"public, job token basic, invalid", []string{"Basic", "gitlab-ci-token:not_valid"}, "", 401},
		} {
			t.Run(level+": "+r.name, func(t *testing.T) {
				url := s.prefix(level, pubRel) + pubRel
				if res := s.e.Do("GET", url, nil, r.headers...); res.Status != r.want {
					t.Errorf("GET %s: got %d %s, want %d", url, res.Status, res.Body, r.want)
				}
			})
		}
	}
	// "private project", 'getting a file' with allow_guest_plus_roles_to_pull_packages
	// on (newer GitLab's default): the guest's download succeeds at every level.
	t.Run("guest with guests allowed to pull", func(t *testing.T) {
		if res := s.e.Do("PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=true", nil, s.root...); res.Status != 200 {
			t.Fatalf("settings: %d %s", res.Status, res.Body)
		}
		defer s.e.Do("PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=false", nil, s.root...)
		for _, level := range levels {
			if res := s.e.Do("GET", s.prefix(level, privRel)+privRel, nil, "Private-Token", s.guestPAT); res.Status != 200 {
				t.Errorf("%s: got %d %s, want 200", level, res.Status, res.Body)
			}
		}
	})
}

// TestGitLabSpecMavenInvalidParams: paths and file names that are not valid file
// paths are 400 with Grape's validation text.
func TestGitLabSpecMavenInvalidParams(t *testing.T) {
	s := newMavenSpecEnv(t)
	for _, level := range levels {
		// spec/requests/api/maven_packages_spec.rb: 'rejecting request with invalid params'.
		for _, c := range []struct{ name, rest, err string }{
			{"invalid maven path", "foo/bar/%0d%0ahttp:/%2fexample.com/maven-metadata.xml", "path should be a valid file path"},
			{"invalid file name", "acme/app/1.0-SNAPSHOT/%0d%0ahttp:/%2fexample.com", "file_name should be a valid file path"},
		} {
			t.Run(level+": "+c.name, func(t *testing.T) {
				res := s.e.Do("GET", s.prefix(level, "acme/app")+c.rest, nil, "Private-Token", s.devPAT)
				var body struct {
					Error string `json:"error"`
				}
				_ = json.Unmarshal(res.Body, &body)
				if res.Status != 400 || !strings.Contains(body.Error, c.err) {
					t.Errorf("got %d %s, want 400 with error containing %q", res.Status, res.Body, c.err)
				}
			})
		}
	}
	// 'PUT .../:file_name/authorize' and 'PUT .../:file_name': "rejects a malicious request".
	t.Run("malicious upload path", func(t *testing.T) {
		url := fmt.Sprintf("/api/v4/projects/%d/packages/maven/acme/app/1.0-SNAPSHOT/%%2e%%2e%%2f.ssh%%2fauthorized_keys", s.pubID)
		if res := s.e.Do("PUT", url, strings.NewReader("x"), "Private-Token", s.devPAT); res.Status != 400 {
			t.Errorf("got %d %s, want 400", res.Status, res.Body)
		}
	})
}

// TestGitLabSpecMavenUpload: PUT at project level.
func TestGitLabSpecMavenUpload(t *testing.T) {
	s := newMavenSpecEnv(t)
	base := fmt.Sprintf("/api/v4/projects/%d/packages/maven/", s.pubID)
	put := func(path, body string, headers ...string) *compattest.Response {
		return s.e.Do("PUT", base+path, strings.NewReader(body), headers...)
	}
	job, _ := s.e.Job("acme/app", "dev", 3)
	finished, finishedID := s.e.Job("acme/app", "dev", 4)
	if err := s.e.Svc.FinishJob(s.e.Admin, finishedID, "failed"); err != nil {
		t.Fatal(err)
	}
	_, rw := s.e.DeployToken("acme/app", "", "write_package_registry")
	rwUser, rw2 := s.e.DeployToken("acme/app", "", "write_package_registry")
	n := 0
	next := func() string {
		n++
		return fmt.Sprintf("acme/app/2.%d/app-2.%d.jar", n, n)
	}
	cases := []struct {
		name    string
		headers []string
		query   string
		want    int
	}{
		// spec/requests/api/maven_packages_spec.rb: 'PUT /api/v4/projects/:id/packages/maven/*path/:file_name'.
		{"without a token", nil, "", 401},
		{"with a developer's token", []string{"Private-Token", s.devPAT}, "", 200},
		{"with a running job's token", nil, "?job_token=" + job, 200},
		{"with a finished job's token", nil, "?job_token=" + finished, 401},
		{"with a deploy token", []string{"Deploy-Token", rw}, "", 200},
		// "with basic auth": personal access token, deploy token, job token.
		{"basic, personal access token", []string{"Basic", "dev:" + s.devPAT}, "", 200},
		{"basic, deploy token", []string{"Basic", rwUser + ":" + rw2}, "", 200},
		{"basic, job token", []string{"Basic", "gitlab-ci-token:" + job}, "", 200},
		// 'PUT .../authorize': "rejects request without a valid token" (401) and
		// "rejects request without a valid permission" (a guest: 403).
		{"with an invalid token", []string{"Private-Token", "foo"}, "", 401},
		{"as a guest", []string{"Private-Token", s.guestPAT}, "", 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := next()
			if res := s.e.Do("PUT", base+path+c.query, strings.NewReader("jar"), c.headers...); res.Status != c.want {
				t.Errorf("PUT %s: got %d %s, want %d", path, res.Status, res.Body, c.want)
			}
		})
	}
	dev := []string{"Private-Token", s.devPAT}
	// "file name is too long": 400, message including 'File name is too long'; the
	// service's error goes through bad_request! (lib/api/maven_packages.rb), which
	// prefixes "400 Bad request - ".
	t.Run("file name too long", func(t *testing.T) {
		res := put("acme/app/3.0/"+strings.Repeat("a", 5001)+".jar", "x", dev...)
		if want := `{"message":"400 Bad request - File name is too long"}`; res.Status != 400 || strings.TrimSpace(string(res.Body)) != want {
			t.Errorf("got %d %s, want 400 %s", res.Status, res.Body, want)
		}
	})
	// "version is not correct" ('$%123'): 400 with a message including 'Validation
	// failed' (the model's validation through Packages::Maven::CreatePackageService and
	// bad_request!).
	t.Run("version is not correct", func(t *testing.T) {
		res := put("acme/app/$123/app-3.1.jar", "x", dev...)
		var body struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(res.Body, &body)
		if res.Status != 400 || !strings.HasPrefix(body.Message, "400 Bad request - Validation failed: ") || !strings.Contains(body.Message, "Version is invalid") {
			t.Errorf(`got %d %s, want 400 {"message":"400 Bad request - Validation failed: ... Version is invalid ..."}`, res.Status, res.Body)
		}
	})
	// "for sha1 file": 204 when it matches; "for md5 file": 200 with an empty body.
	t.Run("checksum uploads", func(t *testing.T) {
		if res := put(pubRel+".sha1", hexSum(s.files[pubRel], "sha1"), dev...); res.Status != 204 {
			t.Errorf("sha1: got %d %s, want 204", res.Status, res.Body)
		}
		if res := put(pubRel+".md5", md5Hex(s.files[pubRel]), dev...); res.Status != 200 || len(res.Body) != 0 {
			t.Errorf("md5: got %d %q, want 200 and an empty body", res.Status, res.Body)
		}
	})

	// "when package duplicates are not allowed".
	settings := func(allowed bool, regex string) {
		t.Helper()
		q := fmt.Sprintf(`mutation { updateNamespacePackageSettings(input: {namespacePath: "acme", mavenDuplicatesAllowed: %t, mavenDuplicateExceptionRegex: %q}) { errors } }`, allowed, regex)
		if errs := s.e.GraphQL(q, nil, nil, "Authorization", "Bearer "+s.e.RootToken); len(errs) > 0 {
			t.Fatalf("settings: %v", errs)
		}
	}
	settings(false, "")
	t.Run("duplicates not allowed: the same file again", func(t *testing.T) {
		res := put(pubRel, "again", dev...)
		if want := `{"message":"400 Bad request - Duplicate package is not allowed"}`; res.Status != 400 || strings.TrimSpace(string(res.Body)) != want {
			t.Errorf("got %d %s, want 400 %s", res.Status, res.Body, want)
		}
	})
	t.Run("duplicates not allowed: a similar SNAPSHOT file name with a classifier", func(t *testing.T) {
		if res := put("acme/app/1.0-SNAPSHOT/app-1.0-20180724.124855-1-javadoc.jar", "javadoc", dev...); res.Status != 200 {
			t.Errorf("got %d %s, want 200", res.Status, res.Body)
		}
	})
	t.Run("duplicates not allowed: the versionless package takes metadata again", func(t *testing.T) {
		if res := put(pubMeta, "<metadata/>", dev...); res.Status != 200 {
			t.Errorf("got %d %s, want 200", res.Status, res.Body)
		}
	})
	// "when uploading to the versionless package which contains metadata about all
	// versions": a jar PUT at the artifact-level path (no version directory) joins the
	// versionless package of that path, and is stored even with duplicates refused.
	t.Run("jar at the artifact-level path", func(t *testing.T) {
		for i := range 2 {
			if res := put("acme/app/app-1.0-20180724.124855-1.jar", "artifact-level jar", dev...); res.Status != 200 {
				t.Fatalf("PUT #%d: got %d %s, want 200", i+1, res.Status, res.Body)
			}
		}
		res := s.e.Do("GET", base+"acme/app/app-1.0-20180724.124855-1.jar", nil, dev...)
		if res.Status != 200 || string(res.Body) != "artifact-level jar" {
			t.Errorf("GET: got %d %q, want 200 with the jar", res.Status, res.Body)
		}
		list := s.e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_type=maven&include_versionless=true", s.pubID), nil, s.root...)
		var pkgs []struct {
			ID      int    `json:"id"`
			Name    string `json:"name"`
			Version string `json:"version"`
		}
		if err := json.Unmarshal(list.Body, &pkgs); err != nil {
			t.Fatalf("list: %d %s", list.Status, list.Body)
		}
		var versionless int
		for _, p := range pkgs {
			if p.Name == "acme/app" && p.Version == "" {
				versionless = p.ID
			}
			if p.Name == "acme" {
				t.Errorf("the jar made a package %q version %q", p.Name, p.Version)
			}
		}
		if versionless == 0 {
			t.Fatalf("no versionless package acme/app in %s", list.Body)
		}
		files := s.e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages/%d/package_files", s.pubID, versionless), nil, s.root...)
		if !strings.Contains(string(files.Body), `"file_name":"app-1.0-20180724.124855-1.jar"`) {
			t.Errorf("the versionless package's files do not hold the jar: %s", files.Body)
		}
	})
	settings(false, ".*")
	t.Run("duplicates not allowed, the name matches the exception regex", func(t *testing.T) {
		if res := put(pubRel, "again", dev...); res.Status != 200 {
			t.Errorf("got %d %s, want 200", res.Status, res.Body)
		}
	})
}

// TestGitLabSpecMavenDownloadBumpsLastDownloadedAt: a GET of a file sets the package's
// last_downloaded_at (shown by the Packages API); a HEAD does not.
func TestGitLabSpecMavenDownloadBumpsLastDownloadedAt(t *testing.T) {
	s := newMavenSpecEnv(t)
	lastDownloaded := func(version string) any {
		t.Helper()
		res := s.e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_type=maven&package_version=%s", s.pubID, version), nil, s.root...)
		var pkgs []map[string]any
		if err := json.Unmarshal(res.Body, &pkgs); err != nil {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		for _, p := range pkgs {
			if p["version"] == version {
				return p["last_downloaded_at"]
			}
		}
		t.Fatalf("no package version %s in %s", version, res.Body)
		return nil
	}
	// spec/requests/api/maven_packages_spec.rb: 'bumping the package last downloaded at
	// field' in 'getting a file' (instance), 'getting a file for a group' and the project
	// level; lib/api/helpers/packages/maven.rb: download_package_file! touches it
	// "unless request.head?".
	for i, level := range levels {
		t.Run(level, func(t *testing.T) {
			version := fmt.Sprintf("5.%d", i)
			path := fmt.Sprintf("acme/app/%s/app-%s.jar", version, version)
			if res := s.e.Do("PUT", "/api/v4/projects/acme%2Fapp/packages/maven/"+path, strings.NewReader(path), s.root...); res.Status != 200 {
				t.Fatalf("PUT: %d %s", res.Status, res.Body)
			}
			if res := s.e.Do("HEAD", s.prefix(level, path)+path, nil); res.Status != 200 {
				t.Fatalf("HEAD: %d", res.Status)
			}
			// Download counts are tallied and written in batches (registry/downloads.go):
			// flush them before reading what the Packages API shows.
			s.e.FlushDownloads()
			if v := lastDownloaded(version); v != nil {
				t.Errorf("last_downloaded_at after a HEAD: %v, want null", v)
			}
			if res := s.e.Do("GET", s.prefix(level, path)+path, nil); res.Status != 200 {
				t.Fatalf("GET: %d %s", res.Status, res.Body)
			}
			s.e.FlushDownloads()
			if v, ok := lastDownloaded(version).(string); !ok || v == "" {
				t.Errorf("last_downloaded_at after a GET: %v, want a time", lastDownloaded(version))
			}
		})
	}
}
