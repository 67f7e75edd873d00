package maven_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// probe speaks Maven's repository layout (PUT and GET of files under
// groupId/artifactId/version) for the shared suite. The groupId names the project's
// root namespace, so the instance endpoint resolves the artifact to its owner.
type probe struct{}

func (probe) Type() registry.PackageType { return registry.PackageTypeMaven }
func (probe) Levels() []compat.Level {
	return []compat.Level{compat.ProjectLevel, compat.GroupLevel, compat.InstanceLevel}
}
func (probe) UploadStatus() int                      { return http.StatusOK }
func (probe) DeleteStatus() int                      { return 0 }
func (probe) Duplicates() compattest.DuplicatePolicy { return compattest.DuplicatesBySetting }
func (probe) TooLargeStatus() int                    { return http.StatusRequestEntityTooLarge }

// GroupDenied is not asked: LevelDenied answers for Maven.
func (probe) GroupDenied(bool) int { return 0 }

// LevelDenied: GitLab's Maven API finds the package at group level, then authorizes
// its project, so the group level answers what the project level does (an anonymous
// caller is challenged: Maven sends credentials only after a 401). At instance level
// a refusal other than that challenge is 403, as is a path no package has
// (spec/requests/api/maven_packages_spec.rb, 'getting a file' at instance level).
func (probe) LevelDenied(level compat.Level, read int) int {
	if level == compat.InstanceLevel && read != http.StatusUnauthorized {
		return http.StatusForbidden
	}
	return read
}

func (probe) NewPkg(project, id string, content []byte) compattest.Pkg {
	root, _, _ := strings.Cut(project, "/")
	artifact := strings.NewReplacer("_", "-", ".", "-").Replace(id)
	return compattest.Pkg{Name: "com/" + root + "/" + artifact, Version: "1.0.0", File: artifact + "-1.0.0.jar", Content: content}
}

func endpoint(level compat.Level, ref string) string {
	switch level {
	case compat.ProjectLevel:
		return "/api/v4/projects/" + url.PathEscape(ref) + "/packages/maven"
	case compat.GroupLevel:
		return "/api/v4/groups/" + url.PathEscape(ref) + "/-/packages/maven"
	}
	return "/api/v4/packages/maven"
}

func (probe) Upload(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("PUT", endpoint(compat.ProjectLevel, project)+"/"+pkg.Name+"/"+pkg.Version+"/"+pkg.File,
		strings.NewReader(string(pkg.Content)), h...)
}

func (probe) Download(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("GET", endpoint(level, ref)+"/"+pkg.Name+"/"+pkg.Version+"/"+pkg.File, nil, h...)
}

func (probe) Index(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("GET", endpoint(level, ref)+"/"+pkg.Name+"/maven-metadata.xml", nil, h...)
}

func (probe) Delete(*compattest.Env, string, compattest.Pkg, ...string) *compattest.Response {
	return nil
}

// Unmatrixed: the matrix reaches every Maven route.
func (probe) Unmatrixed() []string { return nil }

// TestFormatSuite runs the cases every format shares, and the authorization matrix,
// through Maven's own endpoints at project, group and instance level.
func TestFormatSuite(t *testing.T) { compattest.FormatSuite(t, probe{}) }

// BadInputs: Maven carries the groupId, artifactId, version and file name as URL
// segments, and a file's digest as a checksum file PUT after it (GitLab answers a
// digest of other bytes 409, one that is no digest 400). Maven does not look inside
// what it stores, so archives are no inputs of its.
func (probe) BadInputs(e *compattest.Env, project string) []compattest.BadInput {
	base := endpoint(compat.ProjectLevel, project) + "/"
	root, _, _ := strings.Cut(project, "/")
	group := "com/" + root
	var out []compattest.BadInput
	put := func(what, path, body string) {
		out = append(out, compattest.BadInput{Name: "PUT " + what + " " + path, Send: func(h ...string) *compattest.Response {
			return e.Do("PUT", base+path, strings.NewReader(body), h...)
		}})
	}
	get := func(what, path string) {
		out = append(out, compattest.BadInput{Name: "GET " + what + " " + path, Send: func(h ...string) *compattest.Response {
			return e.Do("GET", base+path, nil, h...)
		}})
	}
	for _, s := range compattest.BadSegments {
		for what, path := range map[string]string{
			"groupId":    s + "/" + root + "/app/1.0.0/app-1.0.0.jar",
			"artifactId": group + "/" + s + "/1.0.0/app-1.0.0.jar",
			"version":    group + "/app/" + s + "/app-1.0.0.jar",
			"file":       group + "/app/1.0.0/" + s,
			"metadata":   group + "/" + s + "/maven-metadata.xml",
		} {
			if what == "file" && s == strings.Repeat("a", 300) {
				// GitLab takes Maven file names up to 5000 characters.
				path = group + "/app/1.0.0/" + strings.Repeat("a", 5000) + ".jar"
			}
			put(what, path, "bytes")
			get(what, path)
		}
	}
	// The suite's first package is there to check digests against.
	main := probe{}.NewPkg(project, "main", nil)
	jar := main.Name + "/" + main.Version + "/" + main.File
	for _, c := range []struct{ ext, body string }{
		{"sha1", strings.Repeat("0", 40)},            // a digest of other bytes: 409
		{"sha256", strings.Repeat("0", 64)},          // likewise
		{"sha512", strings.Repeat("0", 128)},         // likewise
		{"sha1", "not a digest"},                     // 400
		{"sha1", strings.Repeat("0", 39)},            // one character short
		{"md5", strings.Repeat("z", 32)},             // not hex
		{"sha1", strings.Repeat("0", 2000)},          // over the checksum body's bound
		{"sha1", "a\x00b"},                           // a NUL
		{"sha256", strings.Repeat("0", 64) + " a b"}, // more than a digest and a name
	} {
		put("checksum", jar+"."+c.ext, c.body)
	}
	put("checksum of no file", main.Name+"/"+main.Version+"/missing-1.0.0.jar.sha1", strings.Repeat("0", 40))
	return append(out, compattest.BadInput{Name: "truncated body", Send: func(h ...string) *compattest.Response {
		return e.Truncated("PUT", base+group+"/cut/1.0.0/cut-1.0.0.jar", []byte(strings.Repeat("x", 1<<16)), h...)
	}}, compattest.BadInput{Name: "truncated checksum", Send: func(h ...string) *compattest.Response {
		return e.Truncated("PUT", base+jar+".sha1", []byte(strings.Repeat("0", 40)), h...)
	}})
}
