package pypi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

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
