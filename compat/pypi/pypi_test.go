package pypi_test

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// part is one multipart field; file parts carry a file name.
type part struct {
	name, value, file string
}

func field(name, value string) part { return part{name: name, value: value} }

// form encodes parts as twine does (multipart/form-data) and returns the body and
// its content type.
func form(parts ...part) (*bytes.Buffer, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		if p.file != "" {
			w, _ := mw.CreateFormFile(p.name, p.file)
			w.Write([]byte(p.value))
			continue
		}
		mw.WriteField(p.name, p.value)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

// dist is a distribution file and the fields twine sends with it.
type dist struct {
	name, version, file string
	content             []byte
	extra               []part
}

func sum256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sumMD5(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// fields returns twine's fields for d, with the content part last (as twine sends it)
// or first.
func (d dist) fields(contentFirst bool) []part {
	ps := []part{field(":action", "file_upload"), field("protocol_version", "1"), field("name", d.name),
		field("version", d.version), field("metadata_version", "2.1"), field("summary", "A test package"),
		field("requires_python", ">=3.8"), field("md5_digest", sumMD5(d.content)),
		field("sha256_digest", sum256(d.content)), field("description", "# Hello"), field("keywords", "")}
	ps = append(ps, d.extra...)
	content := part{name: "content", value: string(d.content), file: d.file}
	if contentFirst {
		return append([]part{content}, ps...)
	}
	return append(ps, content)
}

// makeWheel builds a minimal wheel whose METADATA names the distribution.
func makeWheel(t *testing.T, name, version, requires string) ([]byte, string) {
	t.Helper()
	mod := strings.ReplaceAll(name, "-", "_")
	meta := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Python: >=3.8\n", name, version)
	if requires != "" {
		meta += "Requires-Dist: " + requires + "\n"
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for n, c := range map[string]string{
		mod + "/__init__.py": "VERSION = " + fmt.Sprintf("%q", version) + "\n",
		fmt.Sprintf("%s-%s.dist-info/METADATA", mod, version): meta,
		fmt.Sprintf("%s-%s.dist-info/WHEEL", mod, version):    "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
	} {
		w, _ := zw.Create(n)
		w.Write([]byte(c))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), meta
}

var anchorRe = regexp.MustCompile(`<a href="([^"#]+)#sha256=([0-9a-f]{64})"([^>]*)>([^<]+)</a>`)

// anchor is one link of a simple page.
type anchor struct {
	url, sha, attrs, file string
}

func anchors(body []byte) []anchor {
	var out []anchor
	for _, m := range anchorRe.FindAllStringSubmatch(string(body), -1) {
		out = append(out, anchor{m[1], m[2], m[3], m[4]})
	}
	return out
}

func TestPyPIProtocol(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	p := e.Project("acme/app", "private", "")
	e.User("alice")
	e.Member("alice", "acme/app", "developer")
	pat := e.PAT("alice", "api")
	basic := []string{"Basic", "__token__:" + pat}
	base := fmt.Sprintf("/api/v4/projects/%d/packages/pypi", p.ID)
	upload := func(parts []part, headers ...string) *compattest.Response {
		body, ct := form(parts...)
		return e.Do("POST", base, body, append([]string{"Content-Type", ct}, headers...)...)
	}

	whl, whlMeta := makeWheel(t, "hello-pkg", "1.0.0", "")
	wheel := dist{name: "Hello_Pkg", version: "1.0.0", file: "hello_pkg-1.0.0-py3-none-any.whl", content: whl,
		extra: []part{field("filetype", "bdist_wheel"), field("pyversion", "py3")}}
	sdist := dist{name: "Hello_Pkg", version: "1.0.0", file: "hello_pkg-1.0.0.tar.gz", content: []byte("sdist bytes"),
		extra: []part{field("filetype", "sdist"), field("pyversion", "source")}}

	t.Run("upload a wheel, fields first", func(t *testing.T) {
		res := upload(wheel.fields(false), basic...)
		if res.Status != http.StatusCreated || string(res.Body) != "{\"message\":\"201 Created\"}\n" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("upload an sdist into the same version, file first", func(t *testing.T) {
		if res := upload(sdist.fields(true), basic...); res.Status != http.StatusCreated {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("the same file name again is refused", func(t *testing.T) {
		again := sdist
		again.content = []byte("other bytes")
		res := upload(again.fields(false), basic...)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "File name has already been taken") {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})

	t.Run("concurrent uploads of one file name: one wins", func(t *testing.T) {
		w, _ := makeWheel(t, "race", "1.0", "")
		d := dist{name: "race", version: "1.0", file: "race-1.0-py3-none-any.whl", content: w}
		statuses := make(chan int, 6)
		var wg sync.WaitGroup
		for range cap(statuses) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- upload(d.fields(false), basic...).Status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[201] != 1 || count[400] != cap(statuses)-1 {
			t.Fatalf("statuses %v", count)
		}
		res := e.Do("GET", base+"/simple/race/", nil, basic...)
		if as := anchors(res.Body); len(as) != 1 || !strings.Contains(as[0].attrs, "data-core-metadata") {
			t.Fatalf("page %s", res.Body)
		}
	})
	t.Run("name and version are checked before the file is received", func(t *testing.T) {
		d := sdist
		d.name = "no good"
		ps := d.fields(false)
		res := upload(ps, basic...)
		if res.Status != 400 || !strings.Contains(string(res.Body), "name is invalid") {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		// name and version on either side of the file are fine.
		late := dist{name: "late", version: "1.0", file: "late-1.0.tar.gz", content: []byte("late")}
		ps = late.fields(true)
		ps[0], ps[3] = ps[3], ps[0] // name, content, ..., version
		if res := upload(ps, basic...); res.Status != 201 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})

	var page []anchor
	t.Run("project page (PEP 503) with hashes, requires-python and core metadata", func(t *testing.T) {
		res := e.Do("GET", base+"/simple/hello-pkg/", nil, basic...)
		if res.Status != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" || res.Header.Get("Vary") != "Accept" {
			t.Fatalf("got %d %v %s", res.Status, res.Header, res.Body)
		}
		page = anchors(res.Body)
		if len(page) != 2 || page[0].file != wheel.file || page[1].file != sdist.file {
			t.Fatalf("anchors %+v in %s", page, res.Body)
		}
		if page[0].sha != sum256(whl) || page[1].sha != sum256(sdist.content) {
			t.Errorf("hashes %+v", page)
		}
		wantURL := e.URL + base + "/files/" + sum256(whl) + "/" + wheel.file
		if page[0].url != wantURL {
			t.Errorf("url %s, want %s", page[0].url, wantURL)
		}
		metaAttr := fmt.Sprintf(`data-core-metadata="sha256=%s" data-dist-info-metadata="sha256=%[1]s"`, sum256([]byte(whlMeta)))
		if !strings.Contains(page[0].attrs, `data-requires-python="&gt;=3.8"`) || !strings.Contains(page[0].attrs, metaAttr) {
			t.Errorf("wheel attributes %q", page[0].attrs)
		}
		if strings.Contains(page[1].attrs, "core-metadata") || strings.Contains(string(res.Body), ".metadata<") {
			t.Errorf("sdist has core metadata or the metadata file is listed: %s", res.Body)
		}
		for _, name := range []string{"Hello_Pkg", "hello.pkg", "HELLO--PKG"} {
			if again := e.Do("GET", base+"/simple/"+name, nil, basic...); again.Status != 200 || !bytes.Equal(again.Body, res.Body) {
				t.Errorf("%s: %d", name, again.Status)
			}
		}
	})
	t.Run("project page (PEP 691 JSON)", func(t *testing.T) {
		res := e.Do("GET", base+"/simple/hello-pkg/", nil, append(basic, "Accept",
			"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01")...)
		var doc struct {
			Meta     map[string]string `json:"meta"`
			Name     string            `json:"name"`
			Versions []string          `json:"versions"`
			Files    []struct {
				Filename       string            `json:"filename"`
				URL            string            `json:"url"`
				Hashes         map[string]string `json:"hashes"`
				RequiresPython string            `json:"requires-python"`
				CoreMetadata   any               `json:"core-metadata"`
				Size           int64             `json:"size"`
			} `json:"files"`
		}
		if err := json.Unmarshal(res.Body, &doc); err != nil || res.Status != 200 ||
			res.Header.Get("Content-Type") != "application/vnd.pypi.simple.v1+json" || res.Header.Get("Vary") != "Accept" {
			t.Fatalf("got %d %v %s (%v)", res.Status, res.Header, res.Body, err)
		}
		if doc.Name != "hello-pkg" || len(doc.Files) != 2 || doc.Files[0].Hashes["sha256"] != sum256(whl) ||
			doc.Files[0].RequiresPython != ">=3.8" || doc.Files[0].Size != int64(len(whl)) ||
			fmt.Sprint(doc.Files[0].CoreMetadata) != fmt.Sprintf("map[sha256:%s]", sum256([]byte(whlMeta))) ||
			doc.Files[1].CoreMetadata != false || fmt.Sprint(doc.Versions) != "[1.0.0]" || doc.Meta["api-version"] != "1.1" {
			t.Errorf("document %s", res.Body)
		}
	})
	t.Run("root index as HTML and JSON", func(t *testing.T) {
		res := e.Do("GET", base+"/simple", nil, basic...)
		want := fmt.Sprintf(`<a href="%s%s/simple/hello-pkg/">Hello_Pkg</a>`, e.URL, base)
		if res.Status != 200 || !strings.Contains(string(res.Body), want) || res.Header.Get("Vary") != "Accept" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		res = e.Do("GET", base+"/simple/", nil, append(basic, "Accept", "application/vnd.pypi.simple.v1+json")...)
		if res.Status != 200 || string(res.Body) != "{\"meta\":{\"api-version\":\"1.1\"},\"projects\":[{\"name\":\"Hello_Pkg\"},{\"name\":\"late\"},{\"name\":\"race\"}]}\n" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("download the files and the wheel's core metadata", func(t *testing.T) {
		res := e.Do("GET", strings.TrimPrefix(page[0].url, e.URL), nil, basic...)
		if res.Status != 200 || !bytes.Equal(res.Body, whl) || res.Header.Get("X-Checksum-SHA256") != sum256(whl) {
			t.Fatalf("wheel: %d %v", res.Status, res.Header)
		}
		res = e.Do("GET", strings.TrimPrefix(page[0].url, e.URL)+".metadata", nil, basic...)
		if res.Status != 200 || string(res.Body) != whlMeta {
			t.Fatalf("metadata: %d %q", res.Status, res.Body)
		}
		res = e.Do("GET", strings.TrimPrefix(page[1].url, e.URL), nil, basic...)
		if res.Status != 200 || string(res.Body) != "sdist bytes" {
			t.Fatalf("sdist: %d %q", res.Status, res.Body)
		}
		if res := e.Do("HEAD", strings.TrimPrefix(page[1].url, e.URL), nil, basic...); res.Status != 200 {
			t.Fatalf("HEAD: %d", res.Status)
		}
		for _, path := range []string{
			base + "/files/" + sum256(whl) + "/" + sdist.file,                         // hash of another file
			base + "/files/" + sum256(sdist.content) + "/" + sdist.file + ".metadata", // sdists have none
			base + "/files/" + strings.Repeat("0", 64) + "/x.whl",
		} {
			if res := e.Do("GET", path, nil, basic...); res.Status != 404 {
				t.Errorf("%s: %d %s", path, res.Status, res.Body)
			}
		}
	})
	t.Run("metadata is stored on the version and the file", func(t *testing.T) {
		vs, err := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p},
			Type: registry.PackageTypePyPI, Name: "hello-pkg", With: registry.Edges{Files: true}})
		if err != nil || len(vs) != 1 {
			t.Fatalf("%v %v", vs, err)
		}
		var m map[string]any
		_ = json.Unmarshal(vs[0].Metadata, &m)
		if m["requires_python"] != ">=3.8" || m["summary"] != "A test package" || m["metadata_version"] != "2.1" ||
			m["description"] != "# Hello" || vs[0].Name != "Hello_Pkg" || vs[0].NormalizedName != "hello-pkg" {
			t.Errorf("version %s metadata %v", vs[0].Name, m)
		}
		files := map[string]map[string]any{}
		for _, f := range vs[0].Edges.Files {
			var fm map[string]any
			_ = json.Unmarshal(f.Metadata, &fm)
			files[f.FileName] = fm
		}
		if len(files) != 3 || files[wheel.file]["core_metadata_sha256"] != sum256([]byte(whlMeta)) ||
			files[wheel.file]["filetype"] != "bdist_wheel" || files[sdist.file]["python_version"] != "source" ||
			files[wheel.file+".metadata"]["core_metadata_of"] != wheel.file {
			t.Errorf("files %v", files)
		}
	})
	t.Run("packages REST API lists the package", func(t *testing.T) {
		res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_type=pypi", p.ID), nil, "Private-Token", pat)
		if res.Status != 200 || !strings.Contains(string(res.Body), `"name":"Hello_Pkg","version":"1.0.0","package_type":"pypi"`) {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("bad uploads are 4xx with a message", func(t *testing.T) {
		bad := func(mut func(ps []part) []part) []part { return mut(sdist.fields(false)) }
		set := func(name, value string) func([]part) []part {
			return func(ps []part) []part {
				out := []part{}
				for _, p := range ps {
					if p.name == name {
						p.value = value
					}
					out = append(out, p)
				}
				return out
			}
		}
		drop := func(name string) func([]part) []part {
			return func(ps []part) []part {
				out := []part{}
				for _, p := range ps {
					if p.name != name {
						out = append(out, p)
					}
				}
				return out
			}
		}
		renamed := func(file string) func([]part) []part {
			return func(ps []part) []part {
				for i := range ps {
					if ps[i].name == "content" {
						ps[i].file = file
					}
				}
				return ps
			}
		}
		twice := func(ps []part) []part { return append(ps, ps[len(ps)-1]) }
		cases := []struct {
			name  string
			parts []part
			want  int
			msg   string
		}{
			{"sha256 mismatch", bad(set("sha256_digest", strings.Repeat("ab", 32))), 400, "sha256 digest mismatch"},
			{"md5 mismatch", bad(set("md5_digest", strings.Repeat("ab", 16))), 400, "md5 digest mismatch"},
			{"malformed sha256", bad(set("sha256_digest", "xyz")), 400, `"sha256_digest is invalid"`},
			{"invalid name", bad(set("name", "bad name!")), 400, `"name is invalid"`},
			{"invalid version", bad(set("version", "1.0-foo")), 400, `"version is invalid"`},
			{"missing name", bad(drop("name")), 400, `"name is missing"`},
			{"missing version", bad(drop("version")), 400, `"version is missing"`},
			{"missing content", bad(drop("content")), 400, `"content is missing"`},
			{"content twice", bad(twice), 400, `"content is given more than once"`},
			{"core metadata file name", bad(renamed("x-1.0.whl.metadata")), 400, "is not a valid distribution file name"},
			{"file name with a path", bad(renamed("dir/../x.tar.gz")), 201, ""}, // multipart keeps the base name only
			{"bad file name", bad(renamed("x y.tar.gz")), 400, "is not a valid distribution file name"},
		}
		for _, c := range cases {
			res := upload(c.parts, basic...)
			if res.Status != c.want || !strings.Contains(string(res.Body), c.msg) {
				t.Errorf("%s: got %d %s, want %d %s", c.name, res.Status, res.Body, c.want, c.msg)
			}
		}
		raw := []struct {
			name, body, ct string
			msg            string
		}{
			{"not multipart", "name=a&version=1", "application/x-www-form-urlencoded", "multipart/form-data"},
			{"no boundary", "x", "multipart/form-data", "multipart/form-data"},
			{"no parts", "garbage", "multipart/form-data; boundary=xyz", `"content is missing"`},
			{"truncated", "--xyz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nabc", "multipart/form-data; boundary=xyz", "Malformed multipart body"},
			{"truncated file", "--xyz\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a-1.tar.gz\"\r\n\r\nabc",
				"multipart/form-data; boundary=xyz", "400 Bad Request"},
		}
		for _, c := range raw {
			res := e.Do("POST", base, strings.NewReader(c.body), append([]string{"Content-Type", c.ct}, basic...)...)
			if res.Status != 400 || !strings.Contains(string(res.Body), c.msg) || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: got %d %s", c.name, res.Status, res.Body)
			}
		}
	})
	t.Run("oversize is refused", func(t *testing.T) {
		if err := e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypePyPI, 1024); err != nil {
			t.Fatal(err)
		}
		defer e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypePyPI, 3<<30)
		big := dist{name: "big", version: "1.0", file: "big-1.0.tar.gz", content: bytes.Repeat([]byte("x"), 4096)}
		res := upload(big.fields(false), basic...)
		if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), "File is too large") {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		long := dist{name: "long", version: "1.0", file: "long-1.0.tar.gz", content: []byte("x"),
			extra: []part{field("description", strings.Repeat("d", 9<<20))}}
		res = upload(long.fields(false), basic...)
		if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), "Form fields are too large") {
			t.Fatalf("fields: got %d %s", res.Status, res.Body)
		}
		// Field names and parts count too: a body of many empty fields used to be
		// read to its end however large it was.
		many := make([]part, 0, 140000)
		for range cap(many) {
			many = append(many, field("k", ""))
		}
		res = upload(many, basic...)
		if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), "Form fields are too large") {
			t.Fatalf("many empty fields: got %d %s", res.Status, res.Body)
		}
	})
	t.Run("a wheel that is not a zip is published without core metadata", func(t *testing.T) {
		broken := dist{name: "broken", version: "1.0", file: "broken-1.0-py3-none-any.whl", content: []byte("not a zip")}
		if res := upload(broken.fields(false), basic...); res.Status != http.StatusCreated {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		res := e.Do("GET", base+"/simple/broken/", nil, basic...)
		as := anchors(res.Body)
		if len(as) != 1 || strings.Contains(as[0].attrs, "metadata") {
			t.Fatalf("page %s", res.Body)
		}
		if res := e.Do("GET", strings.TrimPrefix(as[0].url, e.URL)+".metadata", nil, basic...); res.Status != 404 {
			t.Errorf("metadata: %d", res.Status)
		}
	})
	t.Run("refused uploads leave nothing behind and GC keeps the core metadata", func(t *testing.T) {
		st, err := e.Svc.CollectGarbage(e.Admin, 0)
		if err != nil || st.Temporary != 0 || st.Orphans != 0 || st.Blobs != 0 {
			t.Fatalf("gc %+v %v", st, err)
		}
		res := e.Do("GET", strings.TrimPrefix(page[0].url, e.URL)+".metadata", nil, basic...)
		if res.Status != 200 || string(res.Body) != whlMeta {
			t.Fatalf("metadata after gc: %d %q", res.Status, res.Body)
		}
	})
	t.Run("authentication and permissions", func(t *testing.T) {
		e.User("bob")
		e.Member("bob", "acme/app", "reporter")
		bobPAT := e.PAT("bob", "api")
		readPAT := e.PAT("alice", "read_api")
		jobToken, _ := e.Job("acme/app", "alice", 1)
		deployUser, deployToken := e.DeployToken("acme/app", "", "read_package_registry")
		other := dist{name: "other", version: "1.0", file: "other-1.0.tar.gz", content: []byte("o")}
		cases := []struct {
			name    string
			headers []string
			want    int
		}{
			{"anonymous", nil, 401},
			{"wrong token", []string{"Basic", "__token__:glpat-wrong"}, 401},
			{"reporter", []string{"Basic", "__token__:" + bobPAT}, 403},
			{"read_api token", []string{"Basic", "__token__:" + readPAT}, 403},
			{"read-only deploy token", []string{"Basic", deployUser + ":" + deployToken}, 403},
			{"job token", []string{"Basic", "gitlab-ci-token:" + jobToken}, 201},
		}
		for _, c := range cases {
			res := upload(other.fields(false), c.headers...)
			if res.Status != c.want {
				t.Errorf("upload as %s: got %d %s, want %d", c.name, res.Status, res.Body, c.want)
			}
			if res.Status == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s: 401 without a Basic challenge", c.name)
			}
		}
		for _, path := range []string{base + "/simple/", base + "/simple/hello-pkg/", strings.TrimPrefix(page[0].url, e.URL)} {
			res := e.Do("GET", path, nil)
			if res.Status != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("anonymous GET %s: %d %v", path, res.Status, res.Header)
			}
			for _, creds := range [][]string{{"Basic", "bob:" + bobPAT}, {"Basic", deployUser + ":" + deployToken},
				{"Basic", "gitlab-ci-token:" + jobToken}} {
				if res := e.Do("GET", path, nil, creds...); res.Status != 200 {
					t.Errorf("GET %s as %s: %d", path, creds[1][:8], res.Status)
				}
			}
		}
		e.User("mallory")
		if res := e.Do("GET", base+"/simple/hello-pkg/", nil, "Basic", "x:"+e.PAT("mallory", "api")); res.Status != 404 {
			t.Errorf("outsider: %d", res.Status)
		}
		if res := e.Do("POST", "/api/v4/projects/9999/packages/pypi", bytes.NewReader(nil), basic...); res.Status != 404 {
			t.Errorf("unknown project: %d %s", res.Status, res.Body)
		}
	})
	t.Run("unknown package is 404", func(t *testing.T) {
		for _, name := range []string{"nope", "bad%20name", "-x-"} {
			res := e.Do("GET", base+"/simple/"+name+"/", nil, basic...)
			if res.Status != 404 || !strings.Contains(string(res.Body), "404 Package Not Found") {
				t.Errorf("%s: %d %s", name, res.Status, res.Body)
			}
		}
		if res := e.Do("GET", base+"/files/abc/x.whl", nil, basic...); res.Status != 400 {
			t.Errorf("bad sha: %d", res.Status)
		}
	})
	t.Run("a deleted package leaves the index", func(t *testing.T) {
		vs, _ := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p},
			Type: registry.PackageTypePyPI, Name: "other"})
		if len(vs) != 1 {
			t.Fatalf("versions %v", vs)
		}
		if err := e.Svc.DeletePackage(e.Admin, p, vs[0].ID); err != nil {
			t.Fatal(err)
		}
		if res := e.Do("GET", base+"/simple/other/", nil, basic...); res.Status != 404 {
			t.Errorf("page: %d", res.Status)
		}
		if res := e.Do("GET", base+"/simple/", nil, basic...); strings.Contains(string(res.Body), "other") {
			t.Errorf("index: %s", res.Body)
		}
	})
}

// TestPyPIGroupLevel checks the group index: packages of every project in the tree the
// caller may read, and the newest upload when projects publish the same version.
func TestPyPIGroupLevel(t *testing.T) {
	e := compattest.New(t)
	g := e.Group("acme", "private")
	e.Group("acme/sub", "private")
	a := e.Project("acme/a", "private", "")
	b := e.Project("acme/sub/b", "private", "")
	c := e.Project("acme/sub/c", "private", "")
	e.User("bob")
	e.Member("bob", "acme/a", "reporter")
	e.Member("bob", "acme/sub/b", "reporter")
	root := []string{"Basic", "root:" + e.RootToken}
	publish := func(p int, d dist) {
		t.Helper()
		body, ct := form(d.fields(false)...)
		res := e.Do("POST", fmt.Sprintf("/api/v4/projects/%d/packages/pypi", p), body, append(root, "Content-Type", ct)...)
		if res.Status != 201 {
			t.Fatalf("publish %s to %d: %d %s", d.file, p, res.Status, res.Body)
		}
	}
	publish(a.ID, dist{name: "shared", version: "1.0", file: "shared-1.0.tar.gz", content: []byte("from a")})
	publish(a.ID, dist{name: "only-a", version: "1.0", file: "only_a-1.0.tar.gz", content: []byte("only a")})
	publish(b.ID, dist{name: "Shared", version: "1.0", file: "shared-1.0.tar.gz", content: []byte("from b, newer")})
	publish(b.ID, dist{name: "shared", version: "2.0", file: "shared-2.0.tar.gz", content: []byte("b 2.0")})
	publish(c.ID, dist{name: "shared", version: "3.0", file: "shared-3.0.tar.gz", content: []byte("c 3.0")})
	publish(c.ID, dist{name: "secret", version: "1.0", file: "secret-1.0.tar.gz", content: []byte("c secret")})
	bob := []string{"Basic", "bob:" + e.PAT("bob", "read_api")}
	base := fmt.Sprintf("/api/v4/groups/%d/-/packages/pypi", g.ID)

	t.Run("root index lists what the caller may read", func(t *testing.T) {
		res := e.Do("GET", base+"/simple/", nil, bob...)
		body := string(res.Body)
		if res.Status != 200 || !strings.Contains(body, ">only-a<") || !strings.Contains(body, "/simple/shared/") ||
			strings.Contains(body, "secret") {
			t.Fatalf("got %d %s", res.Status, body)
		}
		res = e.Do("GET", base+"/simple/", nil, root...)
		if !strings.Contains(string(res.Body), "secret") {
			t.Errorf("admin misses secret: %s", res.Body)
		}
	})
	t.Run("package page merges projects, newest upload of a version wins", func(t *testing.T) {
		res := e.Do("GET", base+"/simple/shared/", nil, bob...)
		as := anchors(res.Body)
		if res.Status != 200 || len(as) != 2 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		if as[0].file != "shared-1.0.tar.gz" || as[0].sha != sum256([]byte("from b, newer")) || as[1].file != "shared-2.0.tar.gz" {
			t.Errorf("anchors %+v", as)
		}
		if !strings.HasPrefix(as[0].url, e.URL+base+"/files/") {
			t.Errorf("url %s", as[0].url)
		}
		got := e.Do("GET", strings.TrimPrefix(as[0].url, e.URL), nil, bob...)
		if got.Status != 200 || string(got.Body) != "from b, newer" {
			t.Errorf("download: %d %q", got.Status, got.Body)
		}
		// 3.0 lives in a project bob cannot read.
		if res := e.Do("GET", base+"/simple/shared/", nil, root...); len(anchors(res.Body)) != 3 {
			t.Errorf("admin sees %s", res.Body)
		}
	})
	t.Run("files of unreadable projects are not served through the group", func(t *testing.T) {
		path := base + "/files/" + sum256([]byte("c secret")) + "/secret-1.0.tar.gz"
		if res := e.Do("GET", path, nil, bob...); res.Status != 404 {
			t.Errorf("bob: %d", res.Status)
		}
		if res := e.Do("GET", path, nil, root...); res.Status != 200 {
			t.Errorf("root: %d", res.Status)
		}
		if res := e.Do("GET", base+"/simple/secret/", nil, bob...); res.Status != 404 {
			t.Errorf("bob page: %d", res.Status)
		}
	})
	t.Run("group access", func(t *testing.T) {
		if res := e.Do("GET", base+"/simple/", nil); res.Status != 401 || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("anonymous: %d", res.Status)
		}
		e.User("eve")
		if res := e.Do("GET", base+"/simple/", nil, "Basic", "eve:"+e.PAT("eve", "api")); res.Status != 404 {
			t.Errorf("outsider: %d", res.Status)
		}
		e.Group("empty", "public")
		res := e.Do("GET", "/api/v4/groups/empty/-/packages/pypi/simple", nil)
		if res.Status != 200 || !strings.Contains(string(res.Body), "<h1>Simple index</h1>") {
			t.Errorf("empty public group: %d %s", res.Status, res.Body)
		}
		if res := e.Do("POST", base, strings.NewReader(""), root...); res.Status != http.StatusMethodNotAllowed && res.Status != 404 {
			t.Errorf("group upload: %d", res.Status)
		}
		res = e.Do("GET", "/api/v4/groups/acme%2Fsub/-/packages/pypi/simple/shared", nil, bob...)
		if as := anchors(res.Body); res.Status != 200 || len(as) != 2 || as[0].sha != sum256([]byte("from b, newer")) {
			t.Errorf("subgroup by path: %d %s", res.Status, res.Body)
		}
	})
}
