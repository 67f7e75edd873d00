package generic_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// probe speaks the generic protocol (curl PUT and GET) for the shared suite.
type probe struct{}

func (probe) Type() registry.PackageType { return registry.PackageTypeGeneric }
func (probe) Levels() []compat.Level     { return []compat.Level{compat.ProjectLevel} }

func (probe) NewPkg(_, id string, content []byte) compattest.Pkg {
	return compattest.Pkg{Name: "pkg-" + strings.ReplaceAll(id, "_", "-"), Version: "1.0.0", File: "file.bin", Content: content}
}

func fileURL(project string, pkg compattest.Pkg) string {
	return "/api/v4/projects/" + url.PathEscape(project) + "/packages/generic/" + pkg.Name + "/" + pkg.Version + "/" + pkg.File
}

func (probe) Upload(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("PUT", fileURL(project, pkg), strings.NewReader(string(pkg.Content)), h...)
}

func (probe) UploadHidden(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("PUT", fileURL(project, pkg)+"?status=hidden", strings.NewReader(string(pkg.Content)), h...)
}

func (probe) UploadStatus() int { return http.StatusCreated }

func (probe) Download(e *compattest.Env, _ compat.Level, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("GET", fileURL(project, pkg), nil, h...)
}

// Index: generic packages have no index document.
func (probe) Index(*compattest.Env, compat.Level, string, compattest.Pkg, ...string) *compattest.Response {
	return nil
}

func (probe) Delete(*compattest.Env, string, compattest.Pkg, ...string) *compattest.Response {
	return nil
}
func (probe) DeleteStatus() int                      { return 0 }
func (probe) Duplicates() compattest.DuplicatePolicy { return compattest.DuplicatesBySetting }
func (probe) TooLargeStatus() int                    { return http.StatusRequestEntityTooLarge }
func (probe) GroupDenied(bool) int                   { return http.StatusNotFound }

// Unmatrixed: the matrix reaches every generic route.
func (probe) Unmatrixed() []string { return nil }

// TestFormatSuite runs the cases every format shares, and the authorization matrix,
// through the generic endpoints.
func TestFormatSuite(t *testing.T) { compattest.FormatSuite(t, probe{}) }
