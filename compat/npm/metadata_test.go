package npm

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pkgreg/registry/registry"
)

func TestParsePath(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Path
		err  string
	}{
		{"@acme%2fhello", Path{Kind: KindPackage, Name: "@acme/hello"}, ""},
		{"@acme%2Fhello", Path{Kind: KindPackage, Name: "@acme/hello"}, ""},
		{"@acme/hello", Path{Kind: KindPackage, Name: "@acme/hello"}, ""},
		{"left-pad", Path{Kind: KindPackage, Name: "left-pad"}, ""},
		{"@acme/hello/-/@acme/hello-1.0.0.tgz", Path{Kind: KindTarball, Name: "@acme/hello", Version: "1.0.0"}, ""},
		{"@acme%2fhello/-/hello-1.0.0-rc.1+b.2.tgz", Path{Kind: KindTarball, Name: "@acme/hello", Version: "1.0.0-rc.1+b.2"}, ""},
		{"left-pad/-/left-pad-1.3.0.tgz", Path{Kind: KindTarball, Name: "left-pad", Version: "1.3.0"}, ""},
		{"@acme%2fhello/-rev/3-abc", Path{Kind: KindPackageRev, Name: "@acme/hello"}, ""},
		{"@acme/hello/-/@acme/hello-1.0.0.tgz/-rev/3-abc", Path{Kind: KindTarballRev, Name: "@acme/hello", Version: "1.0.0"}, ""},
		// npm unpublish cuts the default registry's path length off the tarball URL.
		{"ckages/npm/@acme/hello/-/@acme/hello-1.0.0.tgz/-rev/3-abc", Path{Kind: KindTarballRev, Name: "@acme/hello", Version: "1.0.0"}, ""},
		{"api/v4/projects/7/packages/npm/plain/-/plain-2.0.0.tgz/-rev/1", Path{Kind: KindTarballRev, Name: "plain", Version: "2.0.0"}, ""},
		{"-/package/@acme%2fhello/dist-tags", Path{Kind: KindDistTags, Name: "@acme/hello"}, ""},
		{"-/package/@acme%2fhello/dist-tags/beta", Path{Kind: KindDistTag, Name: "@acme/hello", Tag: "beta"}, ""},
		{"-/package/plain/dist-tags/next-2", Path{Kind: KindDistTag, Name: "plain", Tag: "next-2"}, ""},
		{"-/v1/search", Path{Kind: KindSearch}, ""},
		{"-/npm/v1/security/advisories/bulk", Path{Kind: KindAuditBulk}, ""},
		{"-/npm/v1/security/audits/quick", Path{Kind: KindAuditQuick}, ""},
		{"-/ping", Path{Kind: KindPing}, ""},
		{"-/whoami", Path{Kind: KindWhoami}, ""},
		{"-/package/@acme%2fhello/dist-tags/1.0.0", Path{}, "tag is invalid"},
		{"-/package/@acme%2fhello/other", Path{}, "404"},
		{"-/nothing", Path{}, "404"},
		{"@acme/hello/-/@acme/hello-1.0.tgz", Path{}, "file_name is invalid"},
		{"@acme/hello/-/@acme/other-1.0.0.tgz", Path{}, "file_name is invalid"},
		{"@acme/hello/-/@acme/hello-1.0.0.zip", Path{}, "file_name is invalid"},
		// Names that are safe paths parse whatever npm's rules say (publish checks
		// those, with GitLab's message); the rest are GitLab's file_path error.
		{"@Acme Corp%2fhello", Path{Kind: KindPackage, Name: "@Acme Corp/hello"}, ""},
		{"@acme%2f..", Path{}, "package_name should be a valid file path"},
		{"a//c", Path{}, "package_name should be a valid file path"},
		{"%0d%0ahttp:/%2fexample.com", Path{}, "package_name should be a valid file path"},
		{"%zz", Path{}, "package_name should be a valid file path"},
		{"", Path{}, "package_name should be a valid file path"},
		{strings.Repeat("a", 1025), Path{}, "package_name should be a valid file path"},
		{"-/package/%20/dist-tags", Path{}, `"Package Name" not given`},
		{"-/package/plain/dist-tags/%20", Path{}, `"Tag" not given`},
	} {
		got, err := ParsePath(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParsePath(%q) = %+v, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestBase64Writer(t *testing.T) {
	data := make([]byte, 1000)
	_, _ = rand.Read(data)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		s := enc.EncodeToString(data)
		for _, chunk := range []int{1, 3, 4, 7, 64, 5000} {
			var out bytes.Buffer
			w := &base64Writer{dst: &out}
			for i := 0; i < len(s); i += chunk {
				if _, err := w.Write([]byte(s[i:min(i+chunk, len(s))])); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil || !bytes.Equal(out.Bytes(), data) {
				t.Fatalf("chunk %d: %v, equal=%v", chunk, err, bytes.Equal(out.Bytes(), data))
			}
		}
	}
	for _, bad := range []string{"QQ==QUJD", "Q", "QU!D", "QUJD\tQUJD"} {
		w := &base64Writer{dst: io.Discard}
		_, err := w.Write([]byte(bad))
		if err == nil {
			err = w.Close()
		}
		if err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// TestParsePublishStreams checks that a large attachment is decoded while it streams:
// the parser's allocations stay far below the document's size.
func TestParsePublishStreams(t *testing.T) {
	tgz := make([]byte, 24<<20)
	_, _ = rand.Read(tgz)
	sum := sha1.Sum(tgz)
	var doc bytes.Buffer
	fmt.Fprintf(&doc, `{"_id":"@a/b","name":"@a/b","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":"@a/b","version":"1.0.0","dist":{"shasum":"%s"}}},`, hex.EncodeToString(sum[:]))
	fmt.Fprintf(&doc, `"_attachments":{"@a/b-1.0.0.tgz":{"content_type":"application/octet-stream","length":%d,"data":"`, len(tgz))
	doc.WriteString(base64.StdEncoding.EncodeToString(tgz))
	doc.WriteString(`"}}}`)
	body := doc.Bytes()

	var out countingWriter
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := ParsePublish(bytes.NewReader(body), "@a/b", &out, 500<<20)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if out.n != int64(len(tgz)) || p.Size != int64(len(tgz)) || out.sha1() != hex.EncodeToString(sum[:]) || p.SHA1 != out.sha1() {
		t.Fatalf("decoded %d bytes, size %d, sha1 %s", out.n, p.Size, p.SHA1)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("parsing a %d MiB document allocated %d MiB", len(body)>>20, alloc>>20)
	}

	// One byte at a time, with the attachment first, gives the same result.
	reordered := `{"_attachments":{"@a/b-1.0.0.tgz":{"data":"` + base64.StdEncoding.EncodeToString(tgz[:3000]) +
		`"}},"name":"@a/b","versions":{"1.0.0":{"name":"@a/b","version":"1.0.0"}}}`
	var small countingWriter
	if _, err := ParsePublish(iotest.OneByteReader(strings.NewReader(reordered)), "@a/b", &small, 500<<20); err != nil || small.n != 3000 {
		t.Fatalf("one byte at a time: %v, %d bytes", err, small.n)
	}

	// Over the limit fails as soon as it crosses it.
	_, err = ParsePublish(bytes.NewReader(body), "@a/b", io.Discard, 1<<20)
	if !errors.Is(err, registry.ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
}

type countingWriter struct {
	n int64
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.h == nil {
		c.h = sha1.New()
	}
	c.h.Write(p)
	c.n += int64(len(p))
	return len(p), nil
}

func (c *countingWriter) sha1() string { return hex.EncodeToString(c.h.Sum(nil)) }

func TestParseDistDigests(t *testing.T) {
	s1 := strings.Repeat("ab", 20)
	raw1, _ := hex.DecodeString(s1)
	for _, c := range []struct {
		dist      map[string]any
		sha1, err string
	}{
		{map[string]any{"shasum": s1}, s1, ""},
		{map[string]any{"shasum": strings.ToUpper(s1)}, s1, ""},
		{map[string]any{"integrity": "sha1-" + base64.StdEncoding.EncodeToString(raw1)}, s1, ""},
		{map[string]any{"shasum": s1, "integrity": "sha1-" + base64.StdEncoding.EncodeToString(make([]byte, 20))}, "", "disagree"},
		{map[string]any{"integrity": "sha512-!!"}, "", "integrity"},
		{map[string]any{"integrity": "sha512-" + base64.StdEncoding.EncodeToString(make([]byte, 10))}, "", "integrity"},
		{map[string]any{"shasum": "12"}, "", "shasum"},
		{nil, "", ""},
	} {
		got, _, err := distDigests(c.dist)
		if (err != nil) != (c.err != "") || (err != nil && !strings.Contains(err.Error(), c.err)) || got != c.sha1 {
			t.Errorf("distDigests(%v) = %q, %v", c.dist, got, err)
		}
	}
}
