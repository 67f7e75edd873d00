package nuget_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/compat/nuget"
	"github.com/pkgreg/registry/registry"
)

// probe speaks NuGet's protocol for the shared suite: NuGet.exe's push, the flat
// container download, the registration documents, and delete. A download does what
// the client's restore does: it reads the version's registration leaf from the
// project or group source, then downloads the file from the project (GitLab has no
// group download).
type probe struct{}

func (probe) Type() registry.PackageType             { return registry.PackageTypeNuGet }
func (probe) Levels() []compat.Level                 { return []compat.Level{compat.ProjectLevel, compat.GroupLevel} }
func (probe) NormalizedName(name string) string      { return strings.ToLower(name) }
func (probe) UploadStatus() int                      { return http.StatusCreated }
func (probe) DeleteStatus() int                      { return http.StatusNoContent }
func (probe) Duplicates() compattest.DuplicatePolicy { return compattest.DuplicatesBySetting }
func (probe) TooLargeStatus() int                    { return http.StatusBadRequest }
func (probe) GroupDenied(bool) int                   { return http.StatusNotFound }

func (probe) NewPkg(_, id string, content []byte) compattest.Pkg {
	name := "Pkg." + strings.NewReplacer("_", "-", "/", "-", " ", "-").Replace(id)
	return compattest.Pkg{Name: name, Version: "1.0.0", File: nuget.FileName(name, "1.0.0", ".nupkg"),
		Content: nupkgOf(name, "1.0.0", content)}
}

// nupkgOf builds a package outside a test (NewPkg has none at hand).
func nupkgOf(id, version string, content []byte) []byte {
	return nupkg(panicTB{}, id, nuspec(id, version), content)
}

type panicTB struct{ testing.TB }

func (panicTB) Helper()                      {}
func (panicTB) Fatal(args ...any)            { panic(fmt.Sprint(args...)) }
func (panicTB) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }

func projectRoot(e *compattest.Env, path string) string {
	return fmt.Sprintf("/api/v4/projects/%d/packages/nuget", e.ProjectRow(path).ID)
}

func groupRoot(e *compattest.Env, path string) string {
	g, err := e.Svc.GroupByRef(e.Admin, path)
	if err != nil {
		e.T.Fatal(err)
	}
	return fmt.Sprintf("/api/v4/groups/%d/-/packages/nuget", g.ID)
}

func (probe) Upload(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return push(e, e.ProjectRow(project).ID, "", pkg.Content, h...)
}

func (probe) Download(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	root := projectRoot
	if level == compat.GroupLevel {
		root = groupRoot
	}
	// As the client restores: the version's registration leaf, then its file.
	leaf := e.Do("GET", root(e, ref)+"/metadata/"+pkg.Name+"/"+pkg.Version+".json", nil, h...)
	if leaf.Status != http.StatusOK {
		return leaf
	}
	if level == compat.GroupLevel {
		// The leaf names the project; the probe knows it from the package's name.
		ref = projectOf(e, pkg)
	}
	lower := strings.ToLower(pkg.Name)
	return e.Do("GET", projectRoot(e, ref)+"/download/"+lower+"/"+pkg.Version+"/"+pkg.File, nil, h...)
}

// projectOf finds the project holding pkg (as the administrator).
func projectOf(e *compattest.Env, pkg compattest.Pkg) string {
	vs, err := e.Svc.Versions(e.Admin, registry.VersionQuery{Type: registry.PackageTypeNuGet,
		Name: strings.ToLower(pkg.Name), Tenant: registry.Tenant{}})
	if err != nil || len(vs) == 0 {
		e.T.Fatalf("no project holds %s: %v", pkg.Name, err)
	}
	return vs[0].Edges.Project.FullPath
}

func (probe) Index(e *compattest.Env, level compat.Level, ref string, pkg compattest.Pkg, h ...string) *compattest.Response {
	root := projectRoot
	if level == compat.GroupLevel {
		root = groupRoot
	}
	return e.Do("GET", root(e, ref)+"/metadata/"+strings.ToLower(pkg.Name)+"/index.json", nil, h...)
}

func (probe) Delete(e *compattest.Env, project string, pkg compattest.Pkg, h ...string) *compattest.Response {
	return e.Do("DELETE", projectRoot(e, project)+"/"+pkg.Name+"/"+pkg.Version, nil, h...)
}

// Unmatrixed are NuGet's routes the matrix does not reach, each covered by
// TestNuGetProtocol and TestNuGetClient: the service index, search, the version
// list, the other spellings of the metadata and push routes, symbols.
func (probe) Unmatrixed() []string {
	var out []string
	for _, prefix := range []string{"/api/v4/projects/{id}/packages/nuget", "/api/v4/groups/{id}/-/packages/nuget"} {
		for _, p := range []string{"/index", "/index.json", "/metadata/{package_name}/index", "/query",
			"/symbolfiles/{file_name}/{signature}/{same_file_name}"} {
			out = append(out, "GET "+prefix+p, "HEAD "+prefix+p)
		}
		out = append(out, "HEAD "+prefix+"/metadata/{package_name}/index.json")
	}
	p := "/api/v4/projects/{id}/packages/nuget"
	for _, r := range []string{"/download/{package_name}/index", "/download/{package_name}/index.json"} {
		out = append(out, "GET "+p+r, "HEAD "+p+r)
	}
	return append(out, "PUT "+p+"/v2", "PUT "+p+"/v2/", "PUT "+p+"/symbolpackage", "PUT "+p+"/symbolpackage/")
}

// TestFormatSuite runs the cases every format shares, and the authorization matrix,
// through NuGet's own endpoints at project and group level.
func TestFormatSuite(t *testing.T) { compattest.FormatSuite(t, probe{}) }

// BadInputs: NuGet carries the id and version inside the pushed .nupkg (a zip with
// a .nuspec manifest) and in the URL of downloads, metadata and deletes. The
// archive is opened at push, so what is no archive, a truncated one, one without a
// manifest and a manifest that is a bomb (declared or hidden) are all refused. Only
// the manifest is read: a bomb among the content files is stored as it came, as
// GitLab stores it, and is no bad input.
func (probe) BadInputs(e *compattest.Env, project string) []compattest.BadInput {
	id := e.ProjectRow(project).ID
	root := projectRoot(e, project)
	var out []compattest.BadInput
	pushOf := func(what string, pkg []byte) {
		out = append(out, compattest.BadInput{Name: "push " + what, Send: func(h ...string) *compattest.Response {
			return push(e, id, "", pkg, h...)
		}})
	}
	withNuspec := func(manifest string) []byte {
		return nupkg(panicTB{}, "Bad", manifest, []byte("content"))
	}
	for _, v := range compattest.BadValues {
		pushOf("id "+v, withNuspec(nuspec(v, "1.0.0")))
		pushOf("version "+v, withNuspec(nuspec("Bad", v)))
		pushOf("dependency "+v, withNuspec(nuspec("Bad", "1.0.0",
			`<dependencies><dependency id="`+strings.ReplaceAll(v, "\x00", "&#0;")+`" version="`+v+`" /></dependencies>`)))
	}
	good := withNuspec(nuspec("Bad", "1.0.0"))
	pushOf("not an archive", compattest.NotAnArchive)
	pushOf("an empty file", nil)
	pushOf("a truncated archive", good[:len(good)/2])
	pushOf("an archive without a manifest", zipOf(panicTB{}, map[string][]byte{"content/data.txt": []byte("x")}))
	pushOf("a manifest that is no XML", withNuspec("not xml"))
	pushOf("a manifest without an id", withNuspec(nuspec("", "1.0.0")))
	pushOf("a manifest bomb", compattest.ZipBomb("Bad.nuspec", nil))
	pushOf("a manifest bomb declaring 1 KiB", compattest.ZipBombLying("Bad.nuspec", nil))
	pushOf("entity expansion in the manifest", withNuspec(`<?xml version="1.0"?>
<!DOCTYPE package [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<package><metadata><id>Bad</id><version>1.0.0</version><authors>&c;</authors><description>x</description></metadata></package>`))
	body, ct := pushBody(panicTB{}, "package.nupkg", good)
	whole := body.Bytes()
	raw := func(what string, b []byte, ct string) {
		out = append(out, compattest.BadInput{Name: what, Send: func(h ...string) *compattest.Response {
			return e.Do("PUT", root, strings.NewReader(string(b)), append([]string{"Content-Type", ct}, h...)...)
		}})
	}
	raw("push not multipart", good, "application/octet-stream")
	raw("push multipart cut in half", whole[:len(whole)/2], ct)
	raw("push multipart without a boundary", whole, "multipart/form-data")
	for _, s := range compattest.BadSegments {
		for what, path := range map[string]string{
			"download name":    "/download/" + s + "/1.0.0/bad.1.0.0.nupkg",
			"download version": "/download/bad/" + s + "/bad.1.0.0.nupkg",
			"download file":    "/download/bad/1.0.0/" + s,
			"metadata name":    "/metadata/" + s + "/1.0.0.json",
			"metadata version": "/metadata/bad/" + s + ".json",
		} {
			out = append(out, compattest.BadInput{Name: "GET " + what + " " + s, Send: func(h ...string) *compattest.Response {
				return e.Do("GET", root+path, nil, h...)
			}})
		}
		for _, path := range []string{"/" + s + "/1.0.0", "/Bad/" + s} {
			out = append(out, compattest.BadInput{Name: "DELETE " + path, Send: func(h ...string) *compattest.Response {
				return e.Do("DELETE", root+path, nil, h...)
			}})
		}
	}
	return append(out, compattest.BadInput{Name: "truncated body", Send: func(h ...string) *compattest.Response {
		return e.Truncated("PUT", root, whole, append([]string{"Content-Type", ct}, h...)...)
	}})
}
