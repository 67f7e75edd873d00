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

// BadInputs: the generic API carries the name, the version and the file path in the
// URL, each validated with GitLab's regexes, and stores the body as it comes. A
// file's encoded slash is a sub-path (GitLab's), so it is no bad input there; a
// 300-character file name is valid, one over the path's 1024 is not.
func (probe) BadInputs(e *compattest.Env, project string) []compattest.BadInput {
	base := "/api/v4/projects/" + url.PathEscape(project) + "/packages/generic/"
	var files []string
	for _, s := range compattest.BadSegments {
		if s != "a%2Fb" && len(s) < 300 {
			files = append(files, s, "dir/"+s)
		}
	}
	files = append(files, strings.Repeat("a", 1100), "~file", "file@")
	var out []compattest.BadInput
	add := func(what, path string) {
		for _, method := range []string{"PUT", "GET"} {
			out = append(out, compattest.BadInput{Name: method + " " + what + " " + path, Send: func(h ...string) *compattest.Response {
				var body *strings.Reader
				if method == "PUT" {
					body = strings.NewReader("bytes")
					return e.Do(method, base+path, body, h...)
				}
				return e.Do(method, base+path, nil, h...)
			}})
		}
	}
	for _, s := range compattest.BadSegments {
		add("name", s+"/1.0.0/file.bin")
		add("version", "pkg/"+s+"/file.bin")
	}
	for _, s := range files {
		add("file", "pkg/1.0.0/"+s)
	}
	return append(out, compattest.BadInput{Name: "truncated body", Send: func(h ...string) *compattest.Response {
		return e.Truncated("PUT", base+"pkg/1.0.0/cut.bin", []byte(strings.Repeat("x", 1<<16)), h...)
	}})
}
