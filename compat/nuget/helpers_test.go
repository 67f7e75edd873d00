package nuget_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"sort"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// nuspec writes a minimal manifest NuGet's pack would write, with extra metadata
// elements inserted as given.
func nuspec(id, version string, extra ...string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>` + id + `</id>
    <version>` + version + `</version>
    <authors>Acme</authors>
    <description>A package for tests.</description>
    ` + strings.Join(extra, "\n    ") + `
  </metadata>
</package>`
}

// symbolNuspec is a symbol package's manifest: no authors, the SymbolsPackage type.
func symbolNuspec(id, version string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd">
  <metadata>
    <id>` + id + `</id>
    <version>` + version + `</version>
    <description>Symbols.</description>
    <packageTypes><packageType name="SymbolsPackage" /></packageTypes>
  </metadata>
</package>`
}

// zipOf builds an archive of the files, stored uncompressed so that its size is the
// size of its content (the size-limit cases rely on it), in name order.
func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// nupkg builds a package of the manifest and a content file.
func nupkg(t testing.TB, id, manifest string, content []byte) []byte {
	return zipOf(t, map[string][]byte{id + ".nuspec": []byte(manifest), "content/data.txt": content})
}

// pushBody is NuGet.exe's push body: one part "package" named package.nupkg.
func pushBody(t testing.TB, fileName string, pkg []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=package; filename=%s`, fileName))
	h.Set("Content-Type", "application/octet-stream")
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(pkg) //nolint:errcheck
	mw.Close()
	return &b, `multipart/form-data; boundary="` + mw.Boundary() + `"`
}

// push sends a package to a project's push endpoint ("" or "symbolpackage").
func push(e *compattest.Env, projectID int, endpoint string, pkg []byte, headers ...string) *compattest.Response {
	body, ct := pushBody(e.T, "package.nupkg", pkg)
	return e.Do("PUT", fmt.Sprintf("/api/v4/projects/%d/packages/nuget/%s", projectID, endpoint), body,
		append([]string{"Content-Type", ct}, headers...)...)
}
