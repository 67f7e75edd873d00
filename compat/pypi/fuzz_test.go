package pypi

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pkgreg/registry/registry"
)

// Fuzz targets for what PyPI reads from twine: the upload form's fields and a
// wheel's core metadata. The multipart body itself is fuzzed through the server in
// FuzzUploadRequest (pypi_test). The seeds in testdata/fuzz run in every go test;
// make fuzz goes on.

func FuzzUploadForm(f *testing.F) {
	f.Add("Hello_Pkg", "1.0.0", "hello_pkg-1.0.0-py3-none-any.whl", "", strings.Repeat("a", 64), "A summary", ">=3.8")
	f.Add("hello", "v1!2.0rc1.post2.dev3+local.7", "hello-2.0.tar.gz", strings.Repeat("F", 32), "", strings.Repeat("é", 300), "")
	f.Add("..", "1.0", "../../etc/passwd", "", "", "", "")
	f.Add("a", "1", "a-1.whl.metadata", "xyz", "", "", "")
	f.Add("a\x00b", "1\x00", "a%2f1.whl", "", "", "\xff\xfe", "")
	f.Fuzz(func(t *testing.T, name, version, fileName, md5, sha256, summary, requires string) {
		var form UploadForm
		for k, v := range map[string]string{"name": name, "version": version, "md5_digest": md5, "sha256_digest": sha256,
			"summary": summary, "requires_python": requires, "description": summary + summary, "keywords": summary} {
			form.Set(k, v)
		}
		form.FileName, form.HasFile = fileName, true
		in, err := form.Input()
		if err != nil {
			if !errors.Is(err, registry.ErrInvalid) {
				t.Fatalf("Input: %v is not a client error", err)
			}
			return
		}
		if !ValidName(in.Name) || !ValidVersion(in.Version) || !ValidFileName(in.FileName) {
			t.Fatalf("accepted %q %q %q", in.Name, in.Version, in.FileName)
		}
		if strings.ContainsAny(in.FileName, "/\\\x00%") || strings.Contains(in.FileName, "..") {
			t.Fatalf("file name %q", in.FileName)
		}
		if n := NormalizeName(in.Name); n != NormalizeName(n) || !ValidName(n) || NormalizeName(strings.ToUpper(in.Name)) != n {
			t.Fatalf("normalized %q is %q", in.Name, n)
		}
		if (in.Expect.MD5 != "" && len(in.Expect.MD5) != 32) || (in.Expect.SHA256 != "" && !ValidSHA256(in.Expect.SHA256)) {
			t.Fatalf("digests %+v", in.Expect)
		}
		for field, v := range map[string]string{"summary": in.Info.Summary, "requires_python": in.Info.RequiresPython,
			"description": in.Info.Description, "keywords": in.Info.Keywords} {
			if utf8.RuneCountInString(v) > maxLength[field] {
				t.Fatalf("%s has %d characters", field, utf8.RuneCountInString(v))
			}
		}
		if (in.CoreMetadata != nil) != strings.HasSuffix(strings.ToLower(in.FileName), ".whl") {
			t.Fatalf("core metadata of %q", in.FileName)
		}
	})
}

// zipOf builds a small archive for seeds.
func zipOf(f *testing.F, method uint16, files map[string]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			f.Fatal(err)
		}
		_, _ = w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

func FuzzWheelMetadata(f *testing.F) {
	meta := "Metadata-Version: 2.1\nName: hello\nVersion: 1.0\n"
	f.Add(zipOf(f, zip.Deflate, map[string]string{"hello-1.0.dist-info/METADATA": meta, "hello/__init__.py": ""}), "hello-1.0-py3-none-any.whl")
	f.Add(zipOf(f, zip.Store, map[string]string{"a-1.dist-info/METADATA": meta, "b-1.dist-info/METADATA": meta}), "c-1-py3-none-any.whl")
	f.Add(zipOf(f, zip.Deflate, map[string]string{"hello-1.0.dist-info/METADATA": "Name: x\n"}), "hello-1.0.whl")
	f.Add([]byte("PK\x05\x06"+strings.Repeat("\x00", 18)), "x.whl")
	f.Add([]byte("not a zip"), "")
	f.Fuzz(func(t *testing.T, archive []byte, fileName string) {
		b, err := WheelMetadata(bytes.NewReader(archive), int64(len(archive)), fileName)
		if err != nil {
			return // the upload keeps its file without core metadata
		}
		if !bytes.HasPrefix(b, []byte("Metadata-Version:")) || len(b) > maxCoreMetadata {
			t.Fatalf("WheelMetadata gave %d bytes starting %.40q", len(b), b)
		}
	})
}
