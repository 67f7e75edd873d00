package maven

import (
	"encoding/xml"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/registry"
)

// Fuzz targets for what Maven reads from a client: repository paths, checksum
// bodies, and the versions whose order decides maven-metadata.xml's latest and
// release. The seeds in testdata/fuzz run in every go test; make fuzz goes on.

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"com/acme/hello/1.0.0/hello-1.0.0.jar", "com/acme/hello/1.0.0/hello-1.0.0.jar.sha1",
		"com/acme/hello/maven-metadata.xml", "com/acme/hello/1.0-SNAPSHOT/maven-metadata.xml.md5",
		"com/acme/../hello/1.0/x.jar", "com/acme/hello/1.0/..%2f..%2fx.jar", "com/acme/hello/1.0/%2e%2e",
		"com%5cacme/hello/1.0/x.jar", "com/acme/hello/1.0/x\x00.jar", "com//hello/1.0/x.jar", "a/b/c/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := ParsePath(raw)
		if err != nil {
			if !errors.Is(err, registry.ErrInvalid) || p != (Path{}) {
				t.Fatalf("ParsePath(%q): %v, %+v", raw, err, p)
			}
			return
		}
		// Every part is one clean segment of GitLab's alphabet: nothing escapes the
		// package's directory.
		for _, s := range append(strings.Split(p.Name, "/"), p.Version, p.FileName) {
			if s == "." || s == ".." || strings.ContainsAny(s, "\\\x00%") {
				t.Fatalf("ParsePath(%q) = %+v", raw, p)
			}
		}
		if dir, ok := strings.CutSuffix(p.Name, "/"+p.ArtifactID); !ok || p.ArtifactID == "" || strings.ReplaceAll(dir, "/", ".") != p.GroupID {
			t.Fatalf("ParsePath(%q): name %q from group %q and artifact %q", raw, p.Name, p.GroupID, p.ArtifactID)
		}
		if strings.Contains(p.FileName, "/") || p.FileName == "" || len(p.FileName) > maxFileName {
			t.Fatalf("ParsePath(%q): file %q", raw, p.FileName)
		}
		// A file outside a version (Version empty) is a file of the artifact's
		// versionless package, as GitLab parses such paths (uploads check that the
		// package exists).
		// The parts, escaped again, parse back to the same path.
		parts := append(strings.Split(p.Name, "/"), p.Version, p.FileName)
		if p.Version == "" {
			parts = append(strings.Split(p.Name, "/"), p.FileName)
		}
		if p.Checksum != "" {
			parts[len(parts)-1] += "." + p.Checksum
		}
		for i, s := range parts {
			parts[i] = url.PathEscape(s)
		}
		if again, err := ParsePath(strings.Join(parts, "/")); err != nil || again != p {
			t.Fatalf("ParsePath(%q) = %+v, but its escaped form gives %+v, %v", raw, p, again, err)
		}
	})
}

func FuzzParseChecksum(f *testing.F) {
	f.Add("sha1", []byte("da39a3ee5e6b4b0d3255bfef95601890afd80709  hello.jar\n"))
	f.Add("md5", []byte("D41D8CD98F00B204E9800998ECF8427E"))
	f.Add("sha256", []byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"))
	f.Add("sha512", []byte("a b c"))
	f.Add("crc", []byte("00"))
	f.Fuzz(func(t *testing.T, algorithm string, body []byte) {
		d, err := ParseChecksum(algorithm, body)
		if err != nil {
			if !errors.Is(err, registry.ErrInvalid) {
				t.Fatalf("ParseChecksum: %v", err)
			}
			return
		}
		if len(d) != digestLen[algorithm] || d != strings.ToLower(d) || strings.Trim(d, "0123456789abcdef") != "" {
			t.Fatalf("ParseChecksum(%q, %q) = %q", algorithm, body, d)
		}
	})
}

// FuzzCompareVersions checks that Maven's version order is reflexive and
// antisymmetric, and that artifact metadata rendered from
// valid versions reads back with all of them, the highest as latest.
func FuzzCompareVersions(f *testing.F) {
	f.Add("1.0", "1.0.0", "1-SNAPSHOT")
	f.Add("1.0-alpha-1", "1.0a1", "1.0-rc1")
	f.Add("1.0.0.RELEASE", "1-ga", "1-sp1")
	f.Add("1.0-0.1", "1..2", "-1")
	f.Add("1"+strings.Repeat("0", 400), "1-"+strings.Repeat("a-", 200), "1.x.1-y2z")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if CompareVersions(a, a) != 0 {
			t.Fatalf("%q != itself", a)
		}
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("compare(%q, %q) = %d but compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		// Not checked: transitivity. Maven's ComparableVersion itself is not
		// transitive where a qualifier after '.' meets one after a digit/letter
		// transition: "1.A" > "1" > "1SNAPSHOT", yet "1.A" < "1SNAPSHOT" (a string
		// item sorts before a sub-list), and this order is Maven's (seed 6e97bc41e27afe84).
		var versions []string
		for _, v := range []string{a, b, c} {
			if len(v) <= 255 && versionRe.MatchString(v) && !strings.Contains(v, "..") && !slices.Contains(versions, v) {
				versions = append(versions, v)
			}
		}
		if len(versions) == 0 {
			return
		}
		var m artifactMetadata
		if err := xml.Unmarshal(RenderArtifactMetadata("com.acme", "hello", versions, time.Unix(0, 0)), &m); err != nil {
			t.Fatalf("rendered metadata of %q does not parse: %v", versions, err)
		}
		if len(m.Versioning.Versions) != len(versions) {
			t.Fatalf("metadata of %q lists %q", versions, m.Versioning.Versions)
		}
		// Where the versions have a highest (Maven's order may cycle, see above),
		// latest is not below any of them.
		highest := slices.ContainsFunc(versions, func(h string) bool {
			return !slices.ContainsFunc(versions, func(v string) bool { return CompareVersions(v, h) > 0 })
		})
		for _, v := range versions {
			if highest && CompareVersions(v, m.Versioning.Latest) > 0 {
				t.Fatalf("metadata of %q: latest %q is below %q", versions, m.Versioning.Latest, v)
			}
		}
	})
}
