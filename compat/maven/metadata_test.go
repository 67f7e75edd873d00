package maven

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/registry"
)

// update rewrites the golden files for one run: go test ./compat/... -update.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestParsePath(t *testing.T) {
	ok := []struct {
		raw  string
		want Path
	}{
		{"com/acme/hello/1.0.0/hello-1.0.0.jar",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.0.0", FileName: "hello-1.0.0.jar"}},
		{"com/acme/hello/1.0.0/hello-1.0.0.pom.sha1",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.0.0", FileName: "hello-1.0.0.pom", Checksum: "sha1"}},
		{"com/acme/hello/1.0.0/hello-1.0.0.jar.md5",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.0.0", FileName: "hello-1.0.0.jar", Checksum: "md5"}},
		{"com/acme/hello/1.0.0/hello-1.0.0.jar.sha512",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.0.0", FileName: "hello-1.0.0.jar", Checksum: "sha512"}},
		{"com/acme/hello/maven-metadata.xml",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", FileName: "maven-metadata.xml"}},
		{"com/acme/hello/maven-metadata.xml.sha256",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", FileName: "maven-metadata.xml", Checksum: "sha256"}},
		{"com/acme/hello/1.1.0-SNAPSHOT/maven-metadata.xml",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.1.0-SNAPSHOT", FileName: "maven-metadata.xml"}},
		{"com/acme/hello/1.1.0-SNAPSHOT/hello-1.1.0-20261121.232502-1.jar",
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.1.0-SNAPSHOT", FileName: "hello-1.1.0-20261121.232502-1.jar"}},
		// A release directory's metadata is a versionless package of that path, as in GitLab.
		{"com/acme/hello/1.0.0/maven-metadata.xml",
			Path{Name: "com/acme/hello/1.0.0", GroupID: "com.acme.hello", ArtifactID: "1.0.0", FileName: "maven-metadata.xml"}},
		{"org/my_org/lib-core/2.0+build.1/lib-core-2.0+build.1-sources.jar.asc",
			Path{Name: "org/my_org/lib-core", GroupID: "org.my_org", ArtifactID: "lib-core", Version: "2.0+build.1", FileName: "lib-core-2.0+build.1-sources.jar.asc"}},
		{"com/acme/hello/1.0.0/hello%2B1.jar", // an escaped '+' is fine
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.0.0", FileName: "hello+1.jar"}},
		{"com/acme/hello/1.0.0/hello.sha1", // the checksum of a file named "hello"
			Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", Version: "1.0.0", FileName: "hello", Checksum: "sha1"}},
		// No groupId before the version: a file in the artifact's directory, which
		// only the versionless package of that directory can hold.
		{"hello/1.0.0/hello-1.0.0.jar",
			Path{Name: "hello/1.0.0", GroupID: "hello", ArtifactID: "1.0.0", FileName: "hello-1.0.0.jar"}},
		{"acme/app/app-1.0-20180724.124855-1.jar",
			Path{Name: "acme/app", GroupID: "acme", ArtifactID: "app", FileName: "app-1.0-20180724.124855-1.jar"}},
	}
	for _, c := range ok {
		got, err := ParsePath(c.raw)
		if err != nil || got != c.want {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v", c.raw, got, err, c.want)
		}
	}
	bad := []string{
		"",
		"hello-1.0.0.jar",
		"hello/maven-metadata.xml",            // no groupId
		"com/acme/hello/1.0.0/",               // no file name
		"com/acme//hello/1.0.0/hello.jar",     // empty segment
		"com/acme/hello/../1.0.0/hello.jar",   // traversal
		"com/acme/hello/1.0.0/..",             // traversal as file name
		"com/acme/./hello/1.0.0/hello.jar",    // dot segment
		"com/acme/hello/%2e%2e/hello.jar",     // encoded traversal
		"com/acme/hello/1.0.0/%2E%2E",         // encoded traversal, upper case
		"com/acme%2Fevil/hello/1.0/hello.jar", // encoded slash
		"com/acme%2fevil/hello/1.0/hello.jar", // encoded slash, lower case
		"com/acme/hello/1.0.0/a%5Cb.jar",      // encoded backslash
		`com/acme/hello/1.0.0/a\b.jar`,        // backslash
		"com/acme/hello/1.0.0/bad%zz.jar",     // bad escape
		"com/acme/hello/1.0.0/hello%00.jar",   // NUL
		"com/acme/hello/1.0.0/hello world.jar",
		"com/acme/hello/1..0/hello.jar", // ".." inside the version
		"com/acme/hel lo/1.0/hello.jar",
		"com/ac+me/hello/1.0/hello.jar", // '+' is not allowed in a groupId
		"com/acme/hello/1.0.0/.md5",     // nothing before the checksum suffix
		"com/acme/hello/1.0/" + strings.Repeat("a", 5001),
		strings.Repeat("g/", 130) + "hello/1.0/hello.jar", // name over 255 characters
		"com/acme/hello/" + strings.Repeat("1", 256) + "/hello.jar",
	}
	for _, raw := range bad {
		if got, err := ParsePath(raw); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("ParsePath(%q) = %+v, %v; want an invalid error", raw, got, err)
		}
	}
	if _, err := ParsePath("com/acme/hello/1.0/" + strings.Repeat("a", 5001)); registry.PublicMessage(err) != "400 Bad request - File name is too long" {
		t.Errorf("long file name: %v", err)
	}
}

// TestParsePathFilePath: GitLab's file_path validation of path and file_name comes
// first, with Grape's text (spec/requests/api/maven_packages_spec.rb, 'rejecting
// request with invalid params').
func TestParsePathFilePath(t *testing.T) {
	for raw, want := range map[string]string{
		"foo/bar/%0d%0ahttp:/%2fexample.com/maven-metadata.xml": "path should be a valid file path",
		"acme/app/1.0-SNAPSHOT/%0d%0ahttp:/%2fexample.com":      "path should be a valid file path, file_name should be a valid file path",
		"acme/app/1.0/%2e%2e%2f.ssh%2fauthorized_keys":          "file_name should be a valid file path",
		"acme/../app/1.0/app.jar":                               "path should be a valid file path",
		"acme/app/1.0/%2fetc%2fpasswd":                          "file_name should be a valid file path",
	} {
		if _, err := ParsePath(raw); registry.PublicMessage(err) != want || !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("ParsePath(%q): %v, want %q", raw, err, want)
		}
	}
	if _, err := ParsePath("acme/app/$123/app.jar"); registry.PublicMessage(err) != "400 Bad request - Validation failed: Version is invalid" {
		t.Errorf("bad version: %v", err)
	}
}

func TestPathVersionless(t *testing.T) {
	p, _ := ParsePath("com/acme/hello/hello-1.0.jar")
	v, ok := p.Versionless()
	if want := (Path{Name: "com/acme/hello", GroupID: "com.acme", ArtifactID: "hello", FileName: "hello-1.0.jar"}); !ok || v != want {
		t.Errorf("Versionless() = %+v, %v; want %+v", v, ok, want)
	}
	for _, raw := range []string{"com/acme/hello/maven-metadata.xml", "com/acme/hello/1.0-SNAPSHOT/maven-metadata.xml", "com/acme/hello/1.0+b/hello.jar", "acme/app/app.jar"} {
		p, err := ParsePath(raw)
		if _, ok := p.Versionless(); err != nil || ok {
			t.Errorf("%s: Versionless() ok (%v)", raw, err)
		}
	}
}

func TestParseChecksum(t *testing.T) {
	sha1 := "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"
	for _, body := range []string{sha1, sha1 + "\n", "  " + strings.ToUpper(sha1) + "  hello.jar\n"} {
		if got, err := ParseChecksum("sha1", []byte(body)); err != nil || got != sha1 {
			t.Errorf("ParseChecksum(%q) = %q, %v", body, got, err)
		}
	}
	for _, c := range []struct{ algo, body string }{
		{"sha1", ""}, {"sha1", "zz" + sha1[2:]}, {"sha1", sha1[:39]}, {"md5", sha1},
		{"sha1", sha1 + " a b"}, {"sha256", sha1},
	} {
		if _, err := ParseChecksum(c.algo, []byte(c.body)); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("ParseChecksum(%s, %q): %v, want invalid", c.algo, c.body, err)
		}
	}
}

func TestDigest(t *testing.T) {
	for algo, want := range map[string]string{
		"md5":    "5eb63bbbe01eeed093cb22bb8f5acdc3",
		"sha1":   "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
		"sha256": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
		"sha512": "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f",
	} {
		if got := Digest(algo, []byte("hello world")); got != want {
			t.Errorf("Digest(%s) = %s", algo, got)
		}
	}
}

// TestRenderArtifactMetadata compares with testdata/artifact-metadata.xml
// (go test -update rewrites it).
func TestRenderArtifactMetadata(t *testing.T) {
	got := RenderArtifactMetadata("com.acme", "hello",
		[]string{"1.10.0", "1.1.0-SNAPSHOT", "1.9.0", "1.1.0", "1.10.0-rc1", "2.0.0-SNAPSHOT", "1.9.0"},
		time.Date(2026, 11, 21, 23, 25, 2, 0, time.FixedZone("CET", 3600)))
	golden := filepath.Join("testdata", "artifact-metadata.xml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// Only snapshots: no release element.
	if doc := string(RenderArtifactMetadata("g", "a", []string{"1.0-SNAPSHOT"}, time.Unix(0, 0))); strings.Contains(doc, "<release>") ||
		!strings.Contains(doc, "<latest>1.0-SNAPSHOT</latest>") {
		t.Errorf("snapshot only:\n%s", doc)
	}
	// Names are escaped.
	if doc := string(RenderArtifactMetadata("g", "a", []string{"1&2"}, time.Unix(0, 0))); !strings.Contains(doc, "<version>1&amp;2</version>") {
		t.Errorf("escaping:\n%s", doc)
	}
}

// Orders from Maven's ComparableVersionTest: each version is lower than every later one.
func TestCompareVersionsOrder(t *testing.T) {
	for _, order := range [][]string{
		{"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2",
			"1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot",
			"1-1", "1-2", "1-123"},
		{"2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1",
			"2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m"},
		{"6.1.0rc3", "6.1.0", "6.1H.5-beta"}, // MNG-5568
		{"20190126.230843", "1234567890.12345", "123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta"}, // MNG-6572
		{"1.0.0-SNAPSHOT", "1.0.0", "1.0.1-SNAPSHOT", "1.0.1", "1.9", "1.10", "2.0.0-alpha", "2.0.0"},
	} {
		for i := range order {
			for j := i + 1; j < len(order); j++ {
				if c := CompareVersions(order[i], order[j]); c != -1 {
					t.Errorf("CompareVersions(%q, %q) = %d, want -1", order[i], order[j], c)
				}
				if c := CompareVersions(order[j], order[i]); c != 1 {
					t.Errorf("CompareVersions(%q, %q) = %d, want 1", order[j], order[i], c)
				}
			}
		}
	}
}

func TestCompareVersionsEqual(t *testing.T) {
	for _, pair := range [][2]string{
		{"1", "1"}, {"1", "1.0"}, {"1", "1.0.0"}, {"1.0", "1.0.0"}, {"1", "1-0"}, {"1", "1.0-0"}, {"1.0", "1.0-0"},
		{"1a", "1-a"}, {"1a", "1.0-a"}, {"1a", "1.0.0-a"}, {"1.0a", "1-a"}, {"1.0.0a", "1-a"},
		{"1x", "1-x"}, {"1x", "1.0-x"}, {"1x", "1.0.0-x"}, {"1.0x", "1-x"}, {"1.0.0x", "1-x"},
		{"1ga", "1"}, {"1release", "1"}, {"1final", "1"}, {"1cr", "1rc"},
		{"1a1", "1-alpha-1"}, {"1b2", "1-beta-2"}, {"1m3", "1-milestone-3"},
		{"1X", "1x"}, {"1A", "1a"}, {"1Ga", "1"}, {"1GA", "1"}, {"1RELeaSE", "1"}, {"1FinaL", "1"},
		{"1Cr", "1Rc"}, {"1m3", "1MileStone3"}, {"1.0.0-GA", "1"}, {"007", "7"}, {"1.-1", "1-1"},
	} {
		if c := CompareVersions(pair[0], pair[1]); c != 0 {
			t.Errorf("CompareVersions(%q, %q) = %d, want 0", pair[0], pair[1], c)
		}
	}
}

func TestSortVersions(t *testing.T) {
	v := []string{"1.10", "1.2-SNAPSHOT", "1.2", "1.2-rc1", "1.9.1", "1.2-alpha"}
	slices.SortFunc(v, CompareVersions)
	want := []string{"1.2-alpha", "1.2-rc1", "1.2-SNAPSHOT", "1.2", "1.9.1", "1.10"}
	if !slices.Equal(v, want) {
		t.Errorf("sorted %v, want %v", v, want)
	}
}
