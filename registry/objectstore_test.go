package registry_test

import (
	"io"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestObjectStorageWritesEachUploadOnce runs uploads on mem://, which takes the
// object-storage path (no rename, no hard link): an upload streams to its final key
// and its row records it; a second upload of the same bytes is recorded against the
// first blob and its own object goes; deleting both packages lets GC remove the rest.
func TestObjectStorageWritesEachUploadOnce(t *testing.T) {
	e := compattest.Start(t, compattest.DatabaseURL(t), "mem://")
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	a := upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{}, map[string]string{"f": "same bytes"})
	b := upload(t, e, "g/p", "lib", "2.0", registry.UploadVersion{}, map[string]string{"f": "same bytes"})
	if a[0].BlobKey == "" || !strings.HasPrefix(a[0].BlobKey, "blobs/objects/") {
		t.Fatalf("object-storage key: %q", a[0].BlobKey)
	}
	if b[0].BlobKey != a[0].BlobKey || b[0].BlobID != a[0].BlobID {
		t.Fatalf("the second upload of the same bytes has its own blob: %q vs %q", b[0].BlobKey, a[0].BlobKey)
	}
	for _, f := range []string{"1.0", "2.0"} {
		got, err := e.Svc.FindFile(e.Admin, registry.FileQuery{VersionQuery: registry.VersionQuery{
			Scope: registry.Scope{Project: e.ProjectRow("g/p")}, Type: typ, Name: "lib", Versions: []string{f}}, FileName: "f"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.Svc.OpenFile(e.Admin, got)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(c)
		c.Close()
		if string(body) != "same bytes" {
			t.Fatalf("content of %s: %q", f, body)
		}
	}
	// Only one object holds the bytes: the second upload's was deleted.
	st, err := e.Svc.CollectGarbage(e.Admin, 0)
	if err != nil || st.Orphans != 0 || st.Blobs != 0 {
		t.Fatalf("gc with both packages live: %+v %v", st, err)
	}
	p := e.ProjectRow("g/p")
	for _, f := range []int{a[0].PackageID, b[0].PackageID} {
		if err := e.Svc.DeletePackage(e.Admin, p, f); err != nil {
			t.Fatal(err)
		}
	}
	if st, err := e.Svc.CollectGarbage(e.Admin, 0); err != nil || st.Blobs != 1 || st.Packages != 2 {
		t.Fatalf("gc after deleting both: %+v %v", st, err)
	}
}
