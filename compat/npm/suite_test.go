package npm_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// probe speaks npm's protocol (publish, tarball, packument, unpublish) for the
// shared suite. Names are scoped with the project's root namespace, so the group and
// instance endpoints find them (GitLab's naming convention).
type probe struct{}

func (probe) Type() registry.PackageType { return registry.PackageTypeNPM }
func (probe) Levels() []compat.Level {
	return []compat.Level{compat.ProjectLevel, compat.GroupLevel, compat.InstanceLevel}
}

func (probe) NewPkg(project, id string, content []byte) compattest.Pkg {
	root, _, _ := strings.Cut(project, "/")
	name := "@" + root + "/" + strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(id))
	return compattest.Pkg{Name: name, Version: "1.0.0", File: name + "-1.0.0.tgz", Content: content}
}

func endpoint(level compat.Level, ref string) string {
	switch level {
	case compat.ProjectLevel:
		return "/api/v4/projects/" + url.PathEscape(ref) + "/packages/npm"
	case compat.GroupLevel:
		return "/api/v4/groups/" + url.PathEscape(ref) + "/-/packages/npm"
	}
	return "/api/v4/packages/npm"
}

func escName(name string) string { return strings.Replace(name, "/", "%2f", 1) }

func bearer(h []string) []string {
	// npm sends the token as a Bearer header; the suite's actors may use others.
	return append([]string{"Content-Type", "application/json"}, h...)
}

func (probe) Upload(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	doc := publishDoc(pkg.Name, pkg.Version, pkg.Content, nil)
	return e.Do("PUT", endpoint(compat.ProjectLevel, project)+"/"+escName(pkg.Name), bytes.NewReader(doc), bearer(h)...)
}

func (probe) UploadBadDigest(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	doc := publishDoc(pkg.Name, pkg.Version, pkg.Content, func(_, manifest, _ map[string]any) {
		manifest["dist"].(map[string]any)["shasum"] = strings.Repeat("0", 40)
	})
	return e.Do("PUT", endpoint(compat.ProjectLevel, project)+"/"+escName(pkg.Name), bytes.NewReader(doc), bearer(h)...)
}

func (probe) UploadStatus() int { return http.StatusOK }

func (probe) Download(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("GET", endpoint(level, ref)+"/"+pkg.Name+"/-/"+pkg.File, nil, h...)
}

func (probe) Index(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("GET", endpoint(level, ref)+"/"+escName(pkg.Name), nil, h...)
}

// Delete is the tarball deletion that ends `npm unpublish name@version`.
func (probe) Delete(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("DELETE", endpoint(compat.ProjectLevel, project)+"/"+pkg.Name+"/-/"+pkg.File+"/-rev/1", nil, h...)
}

func (probe) DeleteStatus() int                      { return http.StatusOK }
func (probe) Duplicates() compattest.DuplicatePolicy { return compattest.DuplicatesRefused }
func (probe) TooLargeStatus() int                    { return http.StatusBadRequest } // GitLab's npm answer
func (probe) GroupDenied(bool) int                   { return http.StatusNotFound }

// RefusesAtGroupLevel: GitLab's npm namespace metadata answers a package nobody may
// read there with unauthorized! or forbidden!, so that npm sends its token.
func (probe) RefusesAtGroupLevel() {}

// UnchallengedDownloads: GitLab's npm tarball route answers 404 to anonymous callers
// who may not see the project.
func (probe) UnchallengedDownloads() {}

// Unmatrixed are npm's routes the matrix does not reach, covered by TestNPMProtocol
// and TestNPMClient instead: dist-tag changes at group and instance level, and the
// audit and search endpoints (POST), whose authorization is the same read of a scope.
func (probe) Unmatrixed() []string {
	var out []string
	for _, prefix := range []string{"/api/v4/groups/{id}/-/packages/npm/*", "/api/v4/packages/npm/*"} {
		out = append(out, "PUT "+prefix, "DELETE "+prefix, "POST "+prefix)
	}
	return append(out, "POST /api/v4/projects/{id}/packages/npm/*")
}

// TestFormatSuite runs the cases every format shares, and the authorization matrix,
// through npm's own endpoints at project, group and instance level.
func TestFormatSuite(t *testing.T) { compattest.FormatSuite(t, probe{}) }

// BadInputs: npm carries the name in the URL and again in the publish document,
// with the version, the dist digests and the tarball (base64, with its length)
// inside that JSON. GitLab stores the tarball without opening it at publish, and so
// does this registry: a tarball that is no archive, or a bomb, is no bad input of
// npm's publish.
func (probe) BadInputs(e *compattest.Env, project string) []compattest.BadInput {
	base := endpoint(compat.ProjectLevel, project) + "/"
	root, _, _ := strings.Cut(project, "/")
	good := "@" + root + "/bad"
	var out []compattest.BadInput
	publish := func(what, urlName, name, version string, edit func(doc, manifest, attachment map[string]any)) {
		doc := publishDoc(name, version, []byte("tarball bytes"), edit)
		out = append(out, compattest.BadInput{Name: what, Send: func(h ...string) *compattest.Response {
			return e.Do("PUT", base+urlName, bytes.NewReader(doc), bearer(h)...)
		}})
	}
	raw := func(what string, doc []byte) {
		out = append(out, compattest.BadInput{Name: what, Send: func(h ...string) *compattest.Response {
			return e.Do("PUT", base+escName(good), bytes.NewReader(doc), bearer(h)...)
		}})
	}
	for _, s := range compattest.BadSegments {
		publish("URL name "+s, s, s, "1.0.0", nil)
		publish("URL scoped name "+s, "@"+root+"%2f"+s, "@"+root+"/"+s, "1.0.0", nil)
		out = append(out, compattest.BadInput{Name: "GET tarball of " + s, Send: func(h ...string) *compattest.Response {
			return e.Do("GET", base+"@"+root+"/bad/-/"+s, nil, h...)
		}})
	}
	for _, v := range compattest.BadValues {
		publish("document name "+v, escName(good), "@"+root+"/"+v, "1.0.0", nil)
		publish("version "+v, escName(good), good, v, nil)
		publish("manifest name "+v, escName(good), good, "1.0.0", func(_, m, _ map[string]any) { m["name"] = v })
		publish("manifest version "+v, escName(good), good, "1.0.0", func(_, m, _ map[string]any) { m["version"] = v })
		publish("dist-tag "+v, escName(good), good, "1.0.0", func(d, _, _ map[string]any) {
			d["dist-tags"] = map[string]any{v: "1.0.0"}
		})
	}
	dist := func(key, value string) func(_, m, _ map[string]any) {
		return func(_, m, _ map[string]any) { m["dist"].(map[string]any)[key] = value }
	}
	publish("shasum of other bytes", escName(good), good, "1.0.0", dist("shasum", strings.Repeat("0", 40)))
	publish("shasum not hex", escName(good), good, "1.0.0", dist("shasum", strings.Repeat("z", 40)))
	publish("shasum too short", escName(good), good, "1.0.0", dist("shasum", "abc"))
	publish("integrity of other bytes", escName(good), good, "1.0.0", dist("integrity", "sha512-"+strings.Repeat("A", 86)+"=="))
	publish("integrity not base64", escName(good), good, "1.0.0", dist("integrity", "sha512-!!!"))
	publish("integrity with no algorithm", escName(good), good, "1.0.0", dist("integrity", "garbage"))
	publish("attachment not base64", escName(good), good, "1.0.0", func(_, _, a map[string]any) { a["data"] = "not base64!" })
	publish("attachment empty", escName(good), good, "1.0.0", func(_, _, a map[string]any) { a["data"] = "" })
	publish("attachment length wrong", escName(good), good, "1.0.0", func(_, _, a map[string]any) { a["length"] = 1 << 20 })
	publish("no attachment", escName(good), good, "1.0.0", func(d, _, _ map[string]any) { delete(d, "_attachments") })
	publish("two versions", escName(good), good, "1.0.0", func(d, m, _ map[string]any) {
		d["versions"].(map[string]any)["2.0.0"] = m
	})
	publish("manifest not an object", escName(good), good, "1.0.0", func(d, _, _ map[string]any) {
		d["versions"] = map[string]any{"1.0.0": "text"}
	})
	doc := publishDoc(good, "1.0.0", []byte("tarball bytes"), nil)
	raw("document cut in half", doc[:len(doc)/2])
	raw("document not JSON", []byte("not json"))
	raw("data after the document", append(append([]byte{}, doc...), "{}"...))
	raw("document a NUL", []byte("\x00"))
	return append(out, compattest.BadInput{Name: "truncated body", Send: func(h ...string) *compattest.Response {
		return e.Truncated("PUT", base+escName(good), doc, bearer(h)...)
	}})
}
