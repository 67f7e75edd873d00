package nuget_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// world is a private group with two private projects, a Developer, a Maintainer
// and an outsider, each with a token.
type world struct {
	e                       *compattest.Env
	lib, app                int // project ids
	group                   int
	dev, maint, outsider    string
	devBasic, maintBasic    []string
	libRoot, appRoot, gRoot string
}

func newWorld(t *testing.T) *world {
	e := compattest.New(t)
	g := e.Group("acme", "private")
	lib := e.Project("acme/lib", "private", "")
	app := e.Project("acme/app", "private", "")
	for _, u := range []string{"dev", "maint", "outsider"} {
		e.User(u)
	}
	e.Member("dev", "acme", "developer")
	e.Member("maint", "acme", "maintainer")
	w := &world{e: e, lib: lib.ID, app: app.ID, group: g.ID,
		dev: e.PAT("dev", "api"), maint: e.PAT("maint", "api"), outsider: e.PAT("outsider", "api")}
	w.devBasic = []string{"Basic", "dev:" + w.dev}
	w.maintBasic = []string{"Basic", "maint:" + w.maint}
	w.libRoot = fmt.Sprintf("/api/v4/projects/%d/packages/nuget", w.lib)
	w.appRoot = fmt.Sprintf("/api/v4/projects/%d/packages/nuget", w.app)
	w.gRoot = fmt.Sprintf("/api/v4/groups/%d/-/packages/nuget", w.group)
	return w
}

// pushOK pushes a package into a project as the Developer (by API key) and fails
// the test unless it is created.
func (w *world) pushOK(t *testing.T, project int, id, version string, extra ...string) []byte {
	t.Helper()
	pkg := nupkg(t, id, nuspec(id, version, extra...), []byte(id+" "+version))
	if res := push(w.e, project, "", pkg, "X-NuGet-ApiKey", w.dev); res.Status != http.StatusCreated {
		t.Fatalf("push %s %s: %d %s", id, version, res.Status, res.Body)
	}
	return pkg
}

func decode(t *testing.T, res *compattest.Response, v any) {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", res.Status, res.Body)
	}
	if err := json.Unmarshal(res.Body, v); err != nil {
		t.Fatalf("%v: %s", err, res.Body)
	}
}

func wantStatus(t *testing.T, what string, res *compattest.Response, status int, body string) {
	t.Helper()
	if res.Status != status || !strings.Contains(string(res.Body), body) {
		t.Errorf("%s: got %d %s, want %d with %q", what, res.Status, res.Body, status, body)
	}
	if res.Status == http.StatusUnauthorized && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("%s: 401 without a Basic challenge", what)
	}
}

type serviceIndex struct {
	Version   string
	Resources []struct {
		ID   string `json:"@id"`
		Type string `json:"@type"`
	}
}

func TestServiceIndex(t *testing.T) {
	w := newWorld(t)
	e := w.e
	for _, c := range []struct {
		path  string
		count int
		root  string
	}{{w.libRoot + "/index.json", 9, w.libRoot}, {w.gRoot + "/index.json", 6, w.gRoot}, {w.libRoot + "/index", 9, w.libRoot}} {
		var idx serviceIndex
		// Anonymous, on a private project: the index names only the id's URLs, and
		// NuGet's push with only an API key reads it without credentials.
		decode(t, e.Do("GET", c.path, nil), &idx)
		if idx.Version != "3.0.0" || len(idx.Resources) != c.count {
			t.Fatalf("%s: %+v", c.path, idx)
		}
		types := map[string]string{}
		for _, r := range idx.Resources {
			types[r.Type] = r.ID
		}
		if types["SearchQueryService"] != e.URL+c.root+"/query" || types["RegistrationsBaseUrl/3.0.0-rc"] != e.URL+c.root+"/metadata" {
			t.Errorf("%s: %v", c.path, types)
		}
		if c.count == 9 && (types["PackageBaseAddress/3.0.0"] != e.URL+c.root+"/download" ||
			types["PackagePublish/2.0.0"] != e.URL+c.root || types["SymbolPackagePublish/4.9.0"] != e.URL+c.root+"/symbolpackage") {
			t.Errorf("%s: %v", c.path, types)
		}
	}
	// The same document for an id that does not exist: it says nothing about projects.
	a := e.Do("GET", w.libRoot+"/index.json", nil)
	b := e.Do("GET", "/api/v4/projects/999999/packages/nuget/index.json", nil)
	if b.Status != http.StatusOK || string(b.Body) != strings.ReplaceAll(string(a.Body), fmt.Sprintf("/%d/", w.lib), "/999999/") {
		t.Errorf("unknown id: %d %s", b.Status, b.Body)
	}
	if res := e.Do("HEAD", w.libRoot+"/index.json", nil); res.Status != http.StatusOK || len(res.Body) != 0 {
		t.Errorf("HEAD: %d %q", res.Status, res.Body)
	}
	// Ids are numbers, as GitLab's NuGet routes take them.
	for _, id := range []string{"acme%2Flib", "0", "00012", "abc", "%20"} {
		wantStatus(t, "id "+id, e.Do("GET", "/api/v4/projects/"+id+"/packages/nuget/index.json", nil), http.StatusBadRequest, "id is invalid")
	}
}

func TestPushCredentials(t *testing.T) {
	w := newWorld(t)
	e := w.e
	pkg := func(v string) []byte { return nupkg(t, "Acme.Creds", nuspec("Acme.Creds", v), []byte(v)) }
	deployUser, deploySecret := e.DeployToken("acme/lib", "", "read_package_registry", "write_package_registry")
	_, readOnly := e.DeployToken("acme/lib", "", "read_package_registry")
	job, _ := e.Job("acme/lib", "dev", 1)
	for _, c := range []struct {
		name    string
		headers []string
		status  int
		body    string
	}{
		{"api key PAT", []string{"X-NuGet-ApiKey", w.dev}, http.StatusCreated, "201 Created"},
		{"basic PAT", w.devBasic, http.StatusCreated, ""},
		{"api key deploy token", []string{"X-NuGet-ApiKey", deploySecret}, http.StatusCreated, ""},
		{"basic deploy token", []string{"Basic", deployUser + ":" + deploySecret}, http.StatusCreated, ""},
		{"api key job token", []string{"X-NuGet-ApiKey", job}, http.StatusCreated, ""},
		{"basic job token", []string{"Basic", "gitlab-ci-token:" + job}, http.StatusCreated, ""},
		{"both", append([]string{"X-NuGet-ApiKey", w.dev}, w.devBasic...), http.StatusBadRequest, "Found more than one set of credentials"},
		{"bad api key", []string{"X-NuGet-ApiKey", "glpat-nope"}, http.StatusUnauthorized, "401 Unauthorized"},
		{"anonymous", nil, http.StatusUnauthorized, ""},
		{"read-only deploy token", []string{"X-NuGet-ApiKey", readOnly}, http.StatusForbidden, ""},
		{"outsider", []string{"X-NuGet-ApiKey", w.outsider}, http.StatusNotFound, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := push(e, w.lib, "", pkg("1.0."+fmt.Sprint(len(c.name))), c.headers...)
			wantStatus(t, c.name, res, c.status, c.body)
		})
	}
	// The API key counts on the write routes only; reads take Basic.
	wantStatus(t, "read with an API key", e.Do("GET", w.libRoot+"/metadata/acme.creds/index.json", nil, "X-NuGet-ApiKey", w.dev),
		http.StatusUnauthorized, "")
}

// Every bad package is a 400 naming the problem, and leaves nothing behind.
func TestPushRefusals(t *testing.T) {
	w := newWorld(t)
	e := w.e
	deflated := zipDeflated(t, "Bomb.nuspec", []byte(nuspec("Bomb", "1.0.0")+strings.Repeat(" ", 8<<20)))
	for _, c := range []struct {
		name string
		body []byte
		file string
		want string
	}{
		{"not a zip", []byte("hello"), "package.nupkg", "nuspec file not found"},
		{"no nuspec", zipOf(t, map[string][]byte{"lib/a.dll": []byte("x")}), "package.nupkg", "nuspec file not found"},
		{"zip bomb", deflated, "package.nupkg", "nuspec file too big"},
		{"invalid XML", zipOf(t, map[string][]byte{"A.nuspec": []byte("<package><metadata>")}), "package.nupkg", "not valid XML"},
		{"over-long field", nupkg(t, "A", strings.Replace(nuspec("A", "1.0.0"), "A package for tests.", strings.Repeat("d", 4001), 1), nil),
			"package.nupkg", "Description is too long"},
		{"bad version", nupkg(t, "A", nuspec("A", "01.0"), nil), "package.nupkg", "Version is invalid"},
		{"other id than the file name", nupkg(t, "A", nuspec("A", "1.0.0"), nil), "B.1.0.0.nupkg", "does not match the package's nuspec"},
		{"symbol package to the package endpoint", zipOf(t, map[string][]byte{"A.nuspec": []byte(symbolNuspec("A", "1.0.0"))}),
			"package.nupkg", "is a symbol package"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, ct := pushBody(t, c.file, c.body)
			res := e.Do("PUT", w.libRoot+"/", body, "Content-Type", ct, "X-NuGet-ApiKey", w.dev)
			wantStatus(t, c.name, res, http.StatusBadRequest, c.want)
		})
	}
	res := e.Do("PUT", w.libRoot, strings.NewReader("x"), "Content-Type", "application/octet-stream", "X-NuGet-ApiKey", w.dev)
	wantStatus(t, "not multipart", res, http.StatusBadRequest, "multipart")
	body, ct := pushBody(t, "package.nupkg", nil)
	wantStatus(t, "no package part", e.Do("PUT", w.libRoot, strings.NewReader(strings.Replace(body.String(), "name=package", "name=other", 1)),
		"Content-Type", ct, "X-NuGet-ApiKey", w.dev), http.StatusBadRequest, "package is missing")
	vs, err := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: e.ProjectRow("acme/lib")},
		Type: registry.PackageTypeNuGet, Statuses: []registry.Status{registry.StatusDefault, registry.StatusHidden, registry.StatusError, registry.StatusProcessing}})
	if err != nil || len(vs) != 0 {
		t.Fatalf("refused pushes left versions: %v %v", vs, err)
	}
	// Over the size limit: GitLab's 400.
	if err := e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeNuGet, 1024); err != nil {
		t.Fatal(err)
	}
	big := nupkg(t, "Big", nuspec("Big", "1.0.0"), bytes.Repeat([]byte("x"), 4096))
	wantStatus(t, "too large", push(e, w.lib, "", big, "X-NuGet-ApiKey", w.dev), http.StatusBadRequest, "400 Bad request - File is too large")
}

// zipDeflated is an archive of one compressed entry.
func zipDeflated(t *testing.T, name string, content []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	f, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(content) //nolint:errcheck
	zw.Close()
	return b.Bytes()
}

type registration struct {
	Count int
	Items []struct {
		ID    string `json:"@id"`
		Lower string
		Upper string
		Count int
		Items []leafDoc
	}
}

type leafDoc struct {
	ID             string `json:"@id"`
	PackageContent string
	CatalogEntry   struct {
		ID               string `json:"@id"`
		Name             string `json:"id"`
		Version          string
		Authors          string
		Description      string
		Summary          string
		Tags             string
		ProjectURL       string
		PackageContent   string
		Published        string
		DependencyGroups []struct {
			ID              string `json:"@id"`
			Type            string `json:"@type"`
			TargetFramework string
			Dependencies    []struct {
				ID    string `json:"@id"`
				Name  string `json:"id"`
				Range string
			}
		}
	}
}

func TestRegistrationAndDownload(t *testing.T) {
	w := newWorld(t)
	e := w.e
	w.pushOK(t, w.lib, "Acme.Hello", "1.0", `<projectUrl>https://example.com/hello</projectUrl>`, `<tags>json http</tags>`,
		`<dependencies><group targetFramework=".NETStandard2.0"><dependency id="Newtonsoft.Json" version="12.0.3"/></group>
		 <group targetFramework="net6.0"/></dependencies>`)
	second := w.pushOK(t, w.lib, "Acme.Hello", "1.10.0-beta+build.7")
	w.pushOK(t, w.lib, "Acme.Hello", "1.9.0")

	var reg registration
	// Names are case-insensitive; reads take Basic credentials.
	decode(t, e.Do("GET", w.libRoot+"/metadata/ACME.HELLO/index.json", nil, w.devBasic...), &reg)
	if reg.Count != 1 || len(reg.Items) != 1 {
		t.Fatalf("%+v", reg)
	}
	page := reg.Items[0]
	if page.Count != 3 || len(page.Items) != 3 || page.Lower != "1.0" || page.Upper != "1.10.0-beta+build.7" {
		t.Fatalf("page: count %d lower %s upper %s", page.Count, page.Lower, page.Upper)
	}
	newest, oldest := page.Items[0], page.Items[2]
	if newest.CatalogEntry.Version != "1.9.0" || oldest.CatalogEntry.Version != "1.0" || page.ID != newest.ID {
		t.Fatalf("order: %s .. %s, page id %s", newest.CatalogEntry.Version, oldest.CatalogEntry.Version, page.ID)
	}
	ce := oldest.CatalogEntry
	wantLeaf := e.URL + w.libRoot + "/metadata/Acme.Hello/1.0.json"
	if oldest.ID != wantLeaf || ce.ID != wantLeaf || ce.Name != "Acme.Hello" || ce.Authors != "Acme" ||
		ce.Summary != "A package for tests." || ce.Tags != "json http" || ce.ProjectURL != "https://example.com/hello" ||
		oldest.PackageContent != e.URL+w.libRoot+"/download/Acme.Hello/1.0/acme.hello.1.0.nupkg" || ce.Published == "" {
		t.Fatalf("leaf: %+v", oldest)
	}
	if g := ce.DependencyGroups; len(g) != 2 || g[0].TargetFramework != ".NETStandard2.0" ||
		g[0].ID != wantLeaf+"#dependencyGroup/.netstandard2.0" || g[0].Type != "PackageDependencyGroup" ||
		len(g[0].Dependencies) != 1 || g[0].Dependencies[0].Name != "Newtonsoft.Json" || g[0].Dependencies[0].Range != "12.0.3" ||
		g[0].Dependencies[0].ID != wantLeaf+"#dependencyGroup/.netstandard2.0/newtonsoft.json" ||
		g[1].TargetFramework != "net6.0" || len(g[1].Dependencies) != 0 {
		t.Fatalf("dependency groups: %+v", g)
	}

	// Leaves by the normalised version: 1.0 is 1.0.0, build metadata is ignored.
	for _, v := range []string{"1.0.0", "1.0", "1.0.0.0"} {
		var l leafDoc
		decode(t, e.Do("GET", w.libRoot+"/metadata/acme.hello/"+v+".json", nil, w.devBasic...), &l)
		if l.CatalogEntry.Version != "1.0" {
			t.Errorf("leaf %s: %+v", v, l.CatalogEntry)
		}
	}
	var beta leafDoc
	decode(t, e.Do("GET", w.libRoot+"/metadata/acme.hello/1.10.0-beta.json", nil, w.devBasic...), &beta)
	if beta.CatalogEntry.Version != "1.10.0-beta+build.7" {
		t.Errorf("leaf without build metadata: %+v", beta.CatalogEntry)
	}
	wantStatus(t, "unknown version", e.Do("GET", w.libRoot+"/metadata/acme.hello/2.0.0.json", nil, w.devBasic...),
		http.StatusNotFound, "404 Package Not Found")
	wantStatus(t, "unknown package", e.Do("GET", w.libRoot+"/metadata/nope/index.json", nil, w.devBasic...),
		http.StatusNotFound, "404 Packages Not Found")

	// The flat container: normalised versions, lowest first.
	var list struct{ Versions []string }
	decode(t, e.Do("GET", w.libRoot+"/download/acme.hello/index.json", nil, w.devBasic...), &list)
	if strings.Join(list.Versions, " ") != "1.0.0 1.9.0 1.10.0-beta" {
		t.Errorf("versions: %v", list.Versions)
	}
	// Downloads by the URL the client builds, and by the registration's URL.
	for _, u := range []string{w.libRoot + "/download/acme.hello/1.10.0-beta/acme.hello.1.10.0-beta.nupkg",
		strings.TrimPrefix(beta.PackageContent, e.URL)} {
		res := e.Do("GET", u, nil, w.devBasic...)
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, second) || res.Header.Get("Location") != "" {
			t.Errorf("download %s: %d", u, res.Status)
		}
	}
	wantStatus(t, "other file name", e.Do("GET", w.libRoot+"/download/acme.hello/1.9.0/other.1.9.0.nupkg", nil, w.devBasic...),
		http.StatusNotFound, "")
	wantStatus(t, "not a package", e.Do("GET", w.libRoot+"/download/acme.hello/1.9.0/acme.hello.1.9.0.xls", nil, w.devBasic...),
		http.StatusNotFound, "")

	// Documents carry an ETag and answer 304 while nothing changed.
	first := e.Do("GET", w.libRoot+"/metadata/acme.hello/index.json", nil, w.devBasic...)
	tag := first.Header.Get("ETag")
	if res := e.Do("GET", w.libRoot+"/metadata/acme.hello/index.json", nil, append(w.devBasic, "If-None-Match", tag)...); res.Status != http.StatusNotModified {
		t.Errorf("revalidation: %d", res.Status)
	}
	w.pushOK(t, w.lib, "Acme.Hello", "2.0.0")
	if res := e.Do("GET", w.libRoot+"/metadata/acme.hello/index.json", nil, append(w.devBasic, "If-None-Match", tag)...); res.Status != http.StatusOK {
		t.Errorf("after a push: %d", res.Status)
	}

	// Private: anonymous gets the challenge, an outsider 404.
	wantStatus(t, "anonymous", e.Do("GET", w.libRoot+"/metadata/acme.hello/index.json", nil), http.StatusUnauthorized, "")
	wantStatus(t, "outsider", e.Do("GET", w.libRoot+"/metadata/acme.hello/index.json", nil, "Basic", "outsider:"+w.outsider),
		http.StatusNotFound, "")
}

// The metadata documents show the newest 300 versions.
func TestRegistrationCap(t *testing.T) {
	w := newWorld(t)
	e := w.e
	p := e.ProjectRow("acme/lib")
	for i := 0; i < 302; i++ {
		_, err := e.Svc.PublishFile(e.Admin, registry.PublishFileInput{Project: p, Type: registry.PackageTypeNuGet,
			Name: "Many", NormalizedName: "many", Version: fmt.Sprintf("1.0.%d", i), FileName: fmt.Sprintf("many.1.0.%d.nupkg", i),
			Body: strings.NewReader("x"), Size: -1,
			Properties: []registry.Property{{Name: "nuget.normalized_version", Value: fmt.Sprintf("1.0.%d", i)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	var reg registration
	decode(t, e.Do("GET", w.libRoot+"/metadata/many/index.json", nil, w.devBasic...), &reg)
	if got := reg.Items[0]; got.Count != 300 || got.Lower != "1.0.2" || got.Upper != "1.0.301" {
		t.Fatalf("count %d lower %s upper %s", got.Count, got.Lower, got.Upper)
	}
}

type searchDoc struct {
	TotalHits int
	Data      []struct {
		Name     string `json:"id"`
		Version  string
		Authors  string
		Verified bool
		Tags     string
		Versions []struct{ Version string }
	}
}

func TestSearch(t *testing.T) {
	w := newWorld(t)
	e := w.e
	w.pushOK(t, w.lib, "Dummy.PackageA", "1.0.0", "<tags>a b</tags>")
	for i := 0; i < 12; i++ {
		w.pushOK(t, w.lib, "Dummy.PackageB", fmt.Sprintf("1.%d.0", i))
	}
	w.pushOK(t, w.lib, "Dummy.PackageC", "5.0.5-alpha")
	w.pushOK(t, w.app, "Foo.BarE", "1.0.0")
	search := func(root, query string) searchDoc {
		var d searchDoc
		decode(t, e.Do("GET", root+"/query?"+query, nil, w.devBasic...), &d)
		return d
	}
	names := func(d searchDoc) string {
		var out []string
		for _, h := range d.Data {
			out = append(out, fmt.Sprintf("%s@%s/%d", h.Name, h.Version, len(h.Versions)))
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct{ root, query, want string }{
		{w.libRoot, "q=uMmY", "Dummy.PackageA@1.0.0/1 Dummy.PackageB@1.11.0/10 Dummy.PackageC@5.0.5-alpha/1"},
		{w.libRoot, "q=dummy&prerelease=false", "Dummy.PackageA@1.0.0/1 Dummy.PackageB@1.11.0/10"},
		{w.libRoot, "q=dummy&skip=1&take=1", "Dummy.PackageB@1.11.0/10"},
		// As dotnet package search and Visual Studio send it.
		{w.libRoot, "q=PackageC&skip=0&take=26&prerelease=true&semVerLevel=2.0.0", "Dummy.PackageC@5.0.5-alpha/1"},
		{w.libRoot, "", "Dummy.PackageA@1.0.0/1 Dummy.PackageB@1.11.0/10 Dummy.PackageC@5.0.5-alpha/1"},
		{w.gRoot, "q=", "Dummy.PackageA@1.0.0/1 Dummy.PackageB@1.11.0/10 Dummy.PackageC@5.0.5-alpha/1 Foo.BarE@1.0.0/1"},
		{w.gRoot, "q=bar", "Foo.BarE@1.0.0/1"},
		{w.libRoot, "q=nothing", ""},
	} {
		if got := names(search(c.root, c.query)); got != c.want {
			t.Errorf("%s?%s: got %q, want %q", c.root, c.query, got, c.want)
		}
	}
	if d := search(w.libRoot, "q=dummy&take=1"); d.TotalHits != 3 || len(d.Data) != 1 || !d.Data[0].Verified ||
		d.Data[0].Authors != "Acme" || d.Data[0].Tags != "a b" {
		t.Errorf("totalHits counts every name: %+v", d)
	}
	if d := search(w.libRoot, "take=1000"); len(d.Data) != 3 {
		t.Errorf("take is capped at 30: %+v", d)
	}
	for _, q := range []string{"skip=-1", "take=0", "take=x", "prerelease=maybe"} {
		wantStatus(t, q, e.Do("GET", w.libRoot+"/query?"+q, nil, w.devBasic...), http.StatusBadRequest, "is invalid")
	}
	// A group search shows only what the caller may read.
	e.Member("outsider", "acme/app", "reporter")
	var d searchDoc
	decode(t, e.Do("GET", w.gRoot+"/query", nil, "Basic", "outsider:"+w.outsider), &d)
	if names(d) != "Foo.BarE@1.0.0/1" {
		t.Errorf("outsider's group search: %q", names(d))
	}
}

func TestDuplicatesAndDelete(t *testing.T) {
	w := newWorld(t)
	e := w.e
	w.pushOK(t, w.lib, "Acme.Dup", "1.0.0")
	w.pushOK(t, w.lib, "Acme.Dup", "1.0.0") // allowed by default: a new file
	var out struct{ UpdateNamespacePackageSettings struct{ Errors []string } }
	if errs := e.GraphQL(`mutation { updateNamespacePackageSettings(input: {namespacePath: "acme", nugetDuplicatesAllowed: false,
		nugetDuplicateExceptionRegex: "Acme\\.Exempt.*"}) { errors } }`, nil, &out, "Private-Token", e.RootToken); len(errs) > 0 {
		t.Fatal(errs)
	}
	again := nupkg(t, "Acme.Dup", nuspec("Acme.Dup", "1.0"), []byte("again")) // 1.0 is 1.0.0
	wantStatus(t, "duplicate", push(e, w.lib, "", again, "X-NuGet-ApiKey", w.dev), http.StatusConflict,
		"A package with the same name and version already exists")
	w.pushOK(t, w.lib, "Acme.Exempt", "1.0.0")
	w.pushOK(t, w.lib, "Acme.Exempt", "1.0.0")

	// Delete: a Maintainer's; a Developer may not.
	wantStatus(t, "developer", e.Do("DELETE", w.libRoot+"/Acme.Dup/1.0.0", nil, "X-NuGet-ApiKey", w.dev), http.StatusForbidden, "")
	wantStatus(t, "bad name", e.Do("DELETE", w.libRoot+"/..%2F../1.0.0", nil, "X-NuGet-ApiKey", w.maint), http.StatusBadRequest, "")
	if res := e.Do("DELETE", w.libRoot+"/acme.dup/1.0", nil, "X-NuGet-ApiKey", w.maint); res.Status != http.StatusNoContent {
		t.Fatalf("maintainer delete: %d %s", res.Status, res.Body)
	}
	wantStatus(t, "deleted leaf", e.Do("GET", w.libRoot+"/metadata/acme.dup/1.0.0.json", nil, w.devBasic...), http.StatusNotFound, "")
	wantStatus(t, "deleted file", e.Do("GET", w.libRoot+"/download/acme.dup/1.0.0/acme.dup.1.0.0.nupkg", nil, w.devBasic...), http.StatusNotFound, "")
	wantStatus(t, "again", e.Do("DELETE", w.libRoot+"/acme.dup/1.0.0", nil, w.maintBasic...), http.StatusNotFound, "")
	// Gone from the duplicate check too: the version can be pushed again.
	w.pushOK(t, w.lib, "Acme.Dup", "1.0.0")
}

func TestSymbols(t *testing.T) {
	w := newWorld(t)
	e := w.e
	w.pushOK(t, w.lib, "Acme.Hello", "1.0.0")
	snupkg := zipOf(t, map[string][]byte{"Acme.Hello.nuspec": []byte(symbolNuspec("Acme.Hello", "1.0.0")),
		"lib/net6.0/Acme.Hello.pdb": fakePDB()})
	if res := push(e, w.lib, "symbolpackage", snupkg, "X-NuGet-ApiKey", w.dev); res.Status != http.StatusCreated {
		t.Fatalf("symbol push: %d %s", res.Status, res.Body)
	}
	orphan := zipOf(t, map[string][]byte{"Other.nuspec": []byte(symbolNuspec("Other", "1.0.0"))})
	wantStatus(t, "no matching package", push(e, w.lib, "symbolpackage/", orphan, "X-NuGet-ApiKey", w.dev),
		http.StatusBadRequest, "matching package does not exist")
	wantStatus(t, "a package to the symbol endpoint", push(e, w.lib, "symbolpackage", nupkg(t, "Acme.Hello", nuspec("Acme.Hello", "1.0.0"), nil),
		"X-NuGet-ApiKey", w.dev), http.StatusBadRequest, "not a symbol package")
	// The .snupkg is downloadable next to the .nupkg.
	if res := e.Do("GET", w.libRoot+"/download/acme.hello/1.0.0/acme.hello.1.0.0.snupkg", nil, w.devBasic...); !bytes.Equal(res.Body, snupkg) {
		t.Fatalf("snupkg download: %d", res.Status)
	}

	sym := func(root, file, sig, sum string, h ...string) *compattest.Response {
		if sum != "" {
			h = append(h, "Symbolchecksum", "SHA256:"+sum)
		}
		return e.Do("GET", root+"/symbolfiles/"+file+"/"+sig+"/"+file, nil, h...)
	}
	wantStatus(t, "symbol server off", sym(w.libRoot, "acme.hello.pdb", fakeSignature, fakeChecksum, w.devBasic...), http.StatusForbidden, "")
	if errs := e.GraphQL(`mutation { updateNamespacePackageSettings(input: {namespacePath: "acme", nugetSymbolServerEnabled: true}) {
		packageSettings { nugetSymbolServerEnabled } errors } }`, nil, nil, "Private-Token", e.RootToken); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, c := range []struct{ root, file, sig string }{
		{w.libRoot, "acme.hello.pdb", fakeSignature}, {w.libRoot, "Acme.Hello.PDB", strings.ToUpper(fakeSignature)},
		{w.gRoot, "acme.hello.pdb", fakeSignature},
	} {
		res := sym(c.root, c.file, c.sig, fakeChecksum, w.devBasic...)
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, fakePDB()) {
			t.Errorf("%s %s: %d %s", c.root, c.file, res.Status, res.Body)
		}
	}
	wantStatus(t, "wrong checksum", sym(w.libRoot, "acme.hello.pdb", fakeSignature, strings.Repeat("0", 64), w.devBasic...), http.StatusNotFound, "404 Symbol Not Found")
	wantStatus(t, "no checksum", sym(w.libRoot, "acme.hello.pdb", fakeSignature, "", w.devBasic...), http.StatusBadRequest, "Missing checksum header")
	wantStatus(t, "another project", sym(w.appRoot, "acme.hello.pdb", fakeSignature, fakeChecksum, w.devBasic...), http.StatusNotFound, "")
	wantStatus(t, "different file names", e.Do("GET", w.libRoot+"/symbolfiles/a.pdb/"+fakeSignature+"/b.pdb", nil,
		append(w.devBasic, "Symbolchecksum", "SHA256:"+fakeChecksum)...), http.StatusBadRequest, "same_file_name")
	wantStatus(t, "anonymous on a private project", sym(w.libRoot, "acme.hello.pdb", fakeSignature, fakeChecksum), http.StatusUnauthorized, "")
}

// GraphQL and the Packages API show what the nuspec said.
func TestMetadataSurfaces(t *testing.T) {
	w := newWorld(t)
	e := w.e
	w.pushOK(t, w.lib, "Acme.Meta", "1.2.3", `<projectUrl>https://example.com/p</projectUrl>`, `<iconUrl>https://example.com/i.png</iconUrl>`,
		`<tags>one two</tags>`, `<dependencies><dependency id="Castle.Core" version="4.4.1"/>
		<group targetFramework="net6.0"><dependency id="Newtonsoft.Json" version="[13.0.1, )"/></group></dependencies>`)
	var out struct {
		Project struct {
			Packages struct {
				Nodes []struct {
					ID       string
					NugetURL string
					Tags     struct{ Nodes []struct{ Name string } }
					Metadata struct {
						ID         string
						ProjectURL *string
						IconURL    *string
						LicenseURL *string
					}
					DependencyLinks struct {
						Count int
						Nodes []struct {
							DependencyType string
							Dependency     struct{ Name, VersionPattern string }
							Metadata       *struct{ TargetFramework string }
						}
					}
				}
			}
		}
	}
	errs := e.GraphQL(`{ project(fullPath: "acme/lib") { packages(first: 5) { nodes { id nugetUrl tags { nodes { name } }
		metadata { ... on NugetMetadata { id projectUrl iconUrl licenseUrl } }
		dependencyLinks { count nodes { dependencyType dependency { name versionPattern }
		  metadata { ... on NugetDependencyLinkMetadata { targetFramework } } } } } } } }`, nil, &out, w.devBasic...)
	if len(errs) > 0 || len(out.Project.Packages.Nodes) != 1 {
		t.Fatalf("%v %+v", errs, out)
	}
	p := out.Project.Packages.Nodes[0]
	m := p.Metadata
	if m.ID == "" || m.ProjectURL == nil || *m.ProjectURL != "https://example.com/p" || m.IconURL == nil || m.LicenseURL != nil {
		t.Errorf("metadata: %+v", m)
	}
	if p.NugetURL != e.URL+w.libRoot+"/index.json" || len(p.Tags.Nodes) != 2 {
		t.Errorf("url and tags: %+v", p)
	}
	d := p.DependencyLinks
	if d.Count != 2 || d.Nodes[0].Dependency.Name != "Castle.Core" || d.Nodes[0].Metadata != nil ||
		d.Nodes[0].DependencyType != "DEPENDENCIES" || d.Nodes[1].Dependency.VersionPattern != "[13.0.1, )" ||
		d.Nodes[1].Metadata == nil || d.Nodes[1].Metadata.TargetFramework != "net6.0" {
		t.Errorf("dependency links: %+v", d)
	}
	res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_type=nuget", w.lib), nil, "Private-Token", w.dev)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"name":"one"`) || !strings.Contains(string(res.Body), `"version":"1.2.3"`) {
		t.Errorf("REST: %d %s", res.Status, res.Body)
	}
	// A push of the same version replaces its metadata and tags.
	w.pushOK(t, w.lib, "Acme.Meta", "1.2.3", `<tags>three</tags>`)
	res = e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_type=nuget", w.lib), nil, "Private-Token", w.dev)
	if strings.Contains(string(res.Body), `"name":"one"`) || !strings.Contains(string(res.Body), `"name":"three"`) {
		t.Errorf("tags after a second push: %s", res.Body)
	}
}

// TestDotnetRestoreRequests follows the service index as dotnet restore does (the
// dotnet CLI cannot be installed here): the flat container's version list, then
// the lowercased package URL it builds, with Basic credentials from nuget.config.
// https://learn.microsoft.com/en-us/nuget/api/package-base-address-resource
func TestDotnetRestoreRequests(t *testing.T) {
	w := newWorld(t)
	e := w.e
	pkg := w.pushOK(t, w.lib, "Acme.Dotnet", "2.1.0-Preview.1")
	for _, root := range []string{w.libRoot, w.gRoot} {
		var idx serviceIndex
		decode(t, e.Do("GET", root+"/index.json", nil), &idx)
		base := ""
		for _, r := range idx.Resources {
			if r.Type == "PackageBaseAddress/3.0.0" {
				base = strings.TrimPrefix(r.ID, e.URL)
			}
		}
		if root == w.gRoot {
			if base != "" {
				t.Fatalf("a group index names a download: %s", base)
			}
			continue // restore from a group source reads registrations (TestNuGetClient)
		}
		var list struct{ Versions []string }
		decode(t, e.Do("GET", base+"/acme.dotnet/index.json", nil, w.devBasic...), &list)
		if len(list.Versions) != 1 || list.Versions[0] != "2.1.0-preview.1" {
			t.Fatalf("versions: %v", list.Versions)
		}
		v := list.Versions[0]
		res := e.Do("GET", base+"/acme.dotnet/"+v+"/acme.dotnet."+v+".nupkg", nil, w.devBasic...)
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, pkg) {
			t.Fatalf("download: %d", res.Status)
		}
	}
}
