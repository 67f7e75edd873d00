package pypi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/compat/pypi"
	"github.com/pkgreg/registry/registry"
)

// probe speaks PyPI's protocol (twine's upload, the simple index and its file
// links) for the shared suite.
type probe struct{}

func (probe) Type() registry.PackageType             { return registry.PackageTypePyPI }
func (probe) Levels() []compat.Level                 { return []compat.Level{compat.ProjectLevel, compat.GroupLevel} }
func (probe) NormalizedName(name string) string      { return pypi.NormalizeName(name) }
func (probe) UploadStatus() int                      { return http.StatusCreated }
func (probe) DeleteStatus() int                      { return 0 }
func (probe) Duplicates() compattest.DuplicatePolicy { return compattest.DuplicatesRefused }
func (probe) TooLargeStatus() int                    { return http.StatusRequestEntityTooLarge }
func (probe) GroupDenied(bool) int                   { return http.StatusNotFound }

func (probe) NewPkg(_, id string, content []byte) compattest.Pkg {
	name := "pkg-" + strings.NewReplacer("_", "-", ".", "-").Replace(id)
	return compattest.Pkg{Name: name, Version: "1.0", File: name + "-1.0.tar.gz", Content: content}
}

func endpoint(level compat.Level, ref string) string {
	if level == compat.GroupLevel {
		return "/api/v4/groups/" + url.PathEscape(ref) + "/-/packages/pypi"
	}
	return "/api/v4/projects/" + url.PathEscape(ref) + "/packages/pypi"
}

func (probe) upload(e *compattest.Env, project string, pkg compattest.Pkg, sha string, h ...string) *compattest.Response {
	d := dist{name: pkg.Name, version: pkg.Version, file: pkg.File, content: pkg.Content}
	parts := d.fields(false)
	for i, p := range parts {
		if p.name == "sha256_digest" && sha != "" {
			parts[i].value = sha
		}
	}
	body, ct := form(parts...)
	return e.Do("POST", endpoint(compat.ProjectLevel, project), body, append([]string{"Content-Type", ct}, h...)...)
}

func (p probe) Upload(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return p.upload(e, project, pkg, "", h...)
}

func (p probe) UploadBadDigest(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return p.upload(e, project, pkg, sum256([]byte("other bytes")), h...)
}

func (probe) Download(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("GET", endpoint(level, ref)+"/files/"+sum256(pkg.Content)+"/"+pkg.File, nil, h...)
}

func (probe) Index(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("GET", endpoint(level, ref)+"/simple/"+pypi.NormalizeName(pkg.Name)+"/", nil, h...)
}

func (probe) Delete(*compattest.Env, string, compattest.Pkg, ...string) *compattest.Response {
	return nil
}

// Unmatrixed are PyPI's routes the matrix does not reach, covered by
// TestPyPIProtocol and TestPyPIClients: the root index and the project page without
// its trailing slash.
func (probe) Unmatrixed() []string {
	var out []string
	for _, prefix := range []string{"/api/v4/projects/{id}/packages/pypi", "/api/v4/groups/{id}/-/packages/pypi"} {
		out = append(out, "GET "+prefix+"/simple", "GET "+prefix+"/simple/", "GET "+prefix+"/simple/{package_name}")
	}
	return out
}

// TestFormatSuite runs the cases every format shares, and the authorization matrix,
// through PyPI's own endpoints at project and group level.
func TestFormatSuite(t *testing.T) { compattest.FormatSuite(t, probe{}) }

// BadInputs: twine carries the name, the version and the digests as multipart
// fields and the file name in the content part's header; downloads name a digest
// and a file in the URL. A file name with a slash is no bad input: the multipart
// reader keeps its last element, as GitLab's upload handling does. GitLab stores a
// wheel it cannot open, and so does this registry (without core metadata): an
// archive that is no archive, or a bomb, is no bad input of PyPI's upload.
func (probe) BadInputs(e *compattest.Env, project string) []compattest.BadInput {
	base := endpoint(compat.ProjectLevel, project)
	content := []byte("sdist bytes")
	ok := dist{name: "bad", version: "1.0", file: "bad-1.0.tar.gz", content: content}
	var out []compattest.BadInput
	upload := func(what string, d dist, edit func([]part) []part) {
		parts := d.fields(false)
		if edit != nil {
			parts = edit(parts)
		}
		body, ct := form(parts...)
		b := body.Bytes()
		out = append(out, compattest.BadInput{Name: what, Send: func(h ...string) *compattest.Response {
			return e.Do("POST", base, strings.NewReader(string(b)), append([]string{"Content-Type", ct}, h...)...)
		}})
	}
	set := func(name, value string) func([]part) []part {
		return func(ps []part) []part {
			for i := range ps {
				if ps[i].name == name {
					ps[i].value = value
				}
			}
			return ps
		}
	}
	drop := func(name string) func([]part) []part {
		return func(ps []part) []part {
			var out []part
			for _, p := range ps {
				if p.name != name {
					out = append(out, p)
				}
			}
			return out
		}
	}
	for _, v := range compattest.BadValues {
		d := ok
		d.name = v
		upload("name "+v, d, nil)
		d = ok
		d.version = v
		upload("version "+v, d, nil)
		if !strings.Contains(v, "/") {
			d = ok
			d.file = v
			upload("file name "+v, d, nil)
		}
	}
	for _, f := range []string{"bad-1.0.tar.gz.metadata", strings.Repeat("a", 300) + ".tar.gz", "-bad-1.0.tar.gz"} {
		d := ok
		d.file = f
		upload("file name "+f, d, nil)
	}
	upload("sha256 of other bytes", ok, set("sha256_digest", sum256([]byte("other"))))
	upload("md5 of other bytes", ok, set("md5_digest", sumMD5([]byte("other"))))
	upload("sha256 not hex", ok, set("sha256_digest", strings.Repeat("z", 64)))
	upload("sha256 too short", ok, set("sha256_digest", "abc"))
	upload("md5 too long", ok, set("md5_digest", strings.Repeat("0", 40)))
	upload("no name", ok, drop("name"))
	upload("no version", ok, drop("version"))
	upload("no content", ok, drop("content"))
	body, ct := form(ok.fields(false)...)
	whole := body.Bytes()
	send := func(what string, b []byte, ct string) {
		out = append(out, compattest.BadInput{Name: what, Send: func(h ...string) *compattest.Response {
			return e.Do("POST", base, strings.NewReader(string(b)), append([]string{"Content-Type", ct}, h...)...)
		}})
	}
	send("multipart cut in half", whole[:len(whole)/2], ct)
	send("not multipart", []byte("name=bad&version=1.0"), "application/x-www-form-urlencoded")
	send("multipart without a boundary", whole, "multipart/form-data")
	send("multipart with another boundary", whole, "multipart/form-data; boundary=other")
	for _, s := range compattest.BadSegments {
		for what, path := range map[string]string{
			"digest": "/files/" + s + "/bad-1.0.tar.gz", "file": "/files/" + sum256(content) + "/" + s,
			"simple": "/simple/" + s + "/",
		} {
			out = append(out, compattest.BadInput{Name: "GET " + what + " " + s, Send: func(h ...string) *compattest.Response {
				return e.Do("GET", base+path, nil, h...)
			}})
		}
	}
	return append(out, compattest.BadInput{Name: "truncated body", Send: func(h ...string) *compattest.Response {
		return e.Truncated("POST", base, whole, append([]string{"Content-Type", ct}, h...)...)
	}})
}

// TestWheelBombs: a wheel whose METADATA inflates to 128 MiB (declared, or hidden
// behind a declared kilobyte) is published as GitLab publishes a wheel it cannot
// read: quickly, whole, and without core metadata; the read stops at the bound.
func TestWheelBombs(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	e.Project("acme/app", "private", "")
	root := []string{"Private-Token", e.RootToken}
	for i, wheel := range [][]byte{
		compattest.ZipBomb("bomb-1.0.dist-info/METADATA", nil),
		compattest.ZipBombLying("bomb-1.0.dist-info/METADATA", nil),
	} {
		d := dist{name: "bomb", version: "1." + string(rune('0'+i)), content: wheel}
		d.file = "bomb-" + d.version + "-py3-none-any.whl"
		start := time.Now()
		body, ct := form(d.fields(false)...)
		res := e.Do("POST", endpoint(compat.ProjectLevel, "acme/app"), body, append([]string{"Content-Type", ct}, root...)...)
		if res.Status != http.StatusCreated {
			t.Fatalf("%s: %d %s", d.file, res.Status, res.Body)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s took %s", d.file, took)
		}
		if res := e.Do("GET", endpoint(compat.ProjectLevel, "acme/app")+"/files/"+sum256(wheel)+"/"+d.file+".metadata", nil, root...); res.Status != http.StatusNotFound {
			t.Errorf("%s: core metadata %d", d.file, res.Status)
		}
		if res := e.Do("GET", endpoint(compat.ProjectLevel, "acme/app")+"/files/"+sum256(wheel)+"/"+d.file, nil, root...); res.Status != http.StatusOK || len(res.Body) != len(wheel) {
			t.Errorf("%s: download %d, %d bytes", d.file, res.Status, len(res.Body))
		}
	}
}
