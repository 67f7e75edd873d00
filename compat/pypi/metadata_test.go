package pypi

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/registry"
)

// update rewrites the golden files for one run: go test ./compat/... -update.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"friendly-bard": "friendly-bard", "Friendly-Bard": "friendly-bard", "FRIENDLY-BARD": "friendly-bard",
		"friendly.bard": "friendly-bard", "friendly_bard": "friendly-bard", "friendly--bard": "friendly-bard",
		"FrIeNdLy-._.-bArD": "friendly-bard", "a": "a", "My.Package_2": "my-package-2",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"a": true, "hello-pkg": true, "Hello_Pkg.2": true, "9lives": true,
		"": false, "-a": false, "a-": false, "a b": false, "a/b": false, "@scope/a": false, "ä": false,
		"a.": false, strings.Repeat("a", 256): false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v", name, got)
		}
	}
}

func TestValidVersion(t *testing.T) {
	valid := []string{"1", "1.0", "1.0.0", "v1.0", "1!2.0", "1.0a1", "1.0-alpha.1", "1.0b2", "1.0rc1", "1.0c1",
		"1.0.post1", "1.0-1", "1.0.dev0", "1.0.dev", "1.0a1.post2.dev3", "1.0+local.7", "1.0+abc-def_1",
		"1.0RC1", "1.0_preview2", "2024.11.21"}
	invalid := []string{"", "a", "1.0.0-beta+", "1..0", "1.0-foo", "1.0 ", " 1.0", "1.0+", "1.0/2", "latest",
		"1.0+local..7", strings.Repeat("1.", 128) + "1"}
	for _, v := range valid {
		if !ValidVersion(v) {
			t.Errorf("ValidVersion(%q) = false", v)
		}
	}
	for _, v := range invalid {
		if ValidVersion(v) {
			t.Errorf("ValidVersion(%q) = true", v)
		}
	}
}

func TestValidFileName(t *testing.T) {
	for name, want := range map[string]bool{
		"hello_pkg-0.1.0-py3-none-any.whl": true, "hello-pkg-0.1.0.tar.gz": true, "a-1.0+local-py3-none-any.whl": true,
		"a-1!2.0.zip": true, "": false, "../a.whl": false, "a/b.whl": false, ".hidden.whl": false,
		"a.whl.metadata": false, "a.whl.METADATA": false, "a b.whl": false, "a..whl": false,
	} {
		if got := ValidFileName(name); got != want {
			t.Errorf("ValidFileName(%q) = %v", name, got)
		}
	}
}

func TestNegotiate(t *testing.T) {
	pip := "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
	for accept, want := range map[string]Encoding{
		"":                                    EncodingHTML,
		"*/*":                                 EncodingHTML,
		pip:                                   EncodingV1JSON,
		"text/html":                           EncodingHTML,
		"application/vnd.pypi.simple.v1+html": EncodingV1HTML,
		"application/vnd.pypi.simple.latest+json":                                  EncodingV1JSON,
		"application/vnd.pypi.simple.v1+json;q=0.2, text/html":                     EncodingHTML,
		"application/vnd.pypi.simple.v1+json;q=0, */*":                             EncodingHTML,
		"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html": EncodingV1JSON,
		"application/json":                    EncodingHTML,
		"application/vnd.pypi.simple.v2+json": EncodingHTML,
		"garbage;;;, application/vnd.pypi.simple.v1+json;q=abc, application/vnd.pypi.simple.v1+html": EncodingV1HTML,
	} {
		if got := Negotiate(accept); got != want {
			t.Errorf("Negotiate(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestUploadFormInput(t *testing.T) {
	form := func(kv ...string) *UploadForm {
		f := &UploadForm{FileName: "hello_pkg-1.0-py3-none-any.whl", HasFile: true}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	in, err := form("name", "Hello_Pkg", "version", "1.0", "requires_python", ">=3.8", "summary", "hi",
		"description", strings.Repeat("é", 5000), "sha256_digest", strings.Repeat("AB", 32), "filetype", "bdist_wheel",
		"keywords", "", ":action", "file_upload").Input()
	if err != nil {
		t.Fatal(err)
	}
	if in.NormalizedName != "hello-pkg" || in.Expect.SHA256 != strings.Repeat("ab", 32) || in.CoreMetadata == nil {
		t.Errorf("input = %+v", in)
	}
	if d := in.Info.Description; len([]rune(d)) != 4000 {
		t.Errorf("description has %d characters, want 4000", len([]rune(d)))
	}
	if in.Info.Keywords != "" || in.Info.RequiresPython != ">=3.8" || in.FileInfo.FileType != "bdist_wheel" {
		t.Errorf("metadata = %+v, file metadata = %+v", in.Info, in.FileInfo)
	}
	cases := []struct {
		form *UploadForm
		msg  string
	}{
		{&UploadForm{}, "content is missing"},
		{form("version", "1.0"), "name is missing"},
		{form("name", "a b", "version", "1.0"), "name is invalid"},
		{form("name", "a"), "version is missing"},
		{form("name", "a", "version", "1.0-foo"), "version is invalid"},
		{form("name", "a", "version", "1", "sha256_digest", "abc"), "sha256_digest is invalid"},
		{form("name", "a", "version", "1", "md5_digest", strings.Repeat("z", 32)), "md5_digest is invalid"},
		{&UploadForm{FileName: "x.whl.metadata", HasFile: true, fields: map[string]string{"name": "a", "version": "1"}},
			"is not a valid distribution file name"},
	}
	for _, c := range cases {
		_, err := c.form.Input()
		if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: got %v, want %q", c.form.fields, err, c.msg)
		}
	}
}

// wheel builds a zip with the given entries.
func wheel(t *testing.T, entries map[string]string) *bytes.Reader {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}

func TestWheelMetadata(t *testing.T) {
	meta := "Metadata-Version: 2.1\nName: hello-pkg\nVersion: 1.0\n"
	ok := wheel(t, map[string]string{
		"hello_pkg/__init__.py": "", "hello_pkg-1.0.dist-info/METADATA": meta,
		"hello_pkg-1.0.dist-info/RECORD": "", "other-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: other\n",
	})
	got, err := WheelMetadata(ok, ok.Size(), "hello_pkg-1.0-py3-none-any.whl")
	if err != nil || string(got) != meta {
		t.Fatalf("got %q, %v", got, err)
	}
	for name, r := range map[string]*bytes.Reader{
		"not a zip":     bytes.NewReader([]byte("hello")),
		"no METADATA":   wheel(t, map[string]string{"hello_pkg/__init__.py": ""}),
		"two METADATA":  wheel(t, map[string]string{"a-1.dist-info/METADATA": meta, "b-1.dist-info/METADATA": meta}),
		"nested":        wheel(t, map[string]string{"x/hello_pkg-1.0.dist-info/METADATA": meta}),
		"not metadata":  wheel(t, map[string]string{"hello_pkg-1.0.dist-info/METADATA": "<html>"}),
		"empty archive": wheel(t, map[string]string{}),
	} {
		if _, err := WheelMetadata(r, r.Size(), "hello_pkg-1.0-py3-none-any.whl"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestRender compares the simple-index documents with golden files
// (go test -update rewrites them).
func TestRender(t *testing.T) {
	up := time.Date(2026, 11, 21, 10, 0, 0, 123456000, time.UTC)
	page := IndexPage{Name: "Hello_Pkg", NormalizedName: "hello-pkg", Versions: []string{"1.0", "1.0", "2.0rc1"},
		Files: []IndexFile{
			{FileName: "hello_pkg-1.0-py3-none-any.whl", URL: FileURL("http://h/api/v4/projects/7/packages/pypi", "aa", "hello_pkg-1.0-py3-none-any.whl"),
				SHA256: "aa", Size: 10, UploadTime: up, RequiresPython: ">=3.8, <4", CoreMetadataSHA256: "cc"},
			{FileName: "hello_pkg-1.0.tar.gz", URL: "http://h/f/bb/hello_pkg-1.0.tar.gz", SHA256: "bb", Size: 20, UploadTime: up,
				RequiresPython: `"><script>`},
			{FileName: "hello_pkg-2.0rc1+local.tar.gz", URL: FileURL("http://h/p", "dd", "hello_pkg-2.0rc1+local.tar.gz"),
				SHA256: "dd", Size: 30, UploadTime: up},
		}}
	projects := []IndexProject{{Name: "Hello_Pkg", NormalizedName: "hello-pkg"}, {Name: "a&b", NormalizedName: "a-b"}}
	projectURL := func(n string) string { return "http://h/simple/" + n + "/" }
	for _, c := range []struct {
		golden string
		render func(*bytes.Buffer) error
	}{
		{"page.html", func(b *bytes.Buffer) error { return RenderPage(b, EncodingHTML, page) }},
		{"page.json", func(b *bytes.Buffer) error { return RenderPage(b, EncodingV1JSON, page) }},
		{"index.html", func(b *bytes.Buffer) error { return RenderIndex(b, EncodingHTML, projects, projectURL) }},
		{"index.json", func(b *bytes.Buffer) error { return RenderIndex(b, EncodingV1JSON, projects, projectURL) }},
		{"empty-index.json", func(b *bytes.Buffer) error { return RenderIndex(b, EncodingV1JSON, nil, projectURL) }},
	} {
		var b bytes.Buffer
		if err := c.render(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", c.golden)
		if *update {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s:\n%s\nwant:\n%s", c.golden, b.String(), want)
		}
	}
}
