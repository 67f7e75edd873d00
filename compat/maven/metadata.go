package maven

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/xml"
	"hash"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pkgreg/registry/registry"
)

// MetadataFile is the repository metadata Maven reads and writes at artifact level
// (every version) and at version level (the builds of a SNAPSHOT).
const MetadataFile = "maven-metadata.xml"

// GitLab's Maven regexes (lib/gitlab/regex/packages.rb, spec A4), in RE2.
var (
	fileNameRe = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)
	segmentRe  = regexp.MustCompile(`^[\w.-]+$`) // groupId segments and the artifactId
	versionRe  = regexp.MustCompile(`^[\w+.-]+$`)
)

// maxFileName is GitLab's limit on a Maven file name ("File name is too long").
const maxFileName = 5000

// Path is a request path inside a Maven repository, split as GitLab splits it:
// "com/acme/hello/1.0.0/hello-1.0.0.jar.sha1" is the package com/acme/hello at
// version 1.0.0, the file hello-1.0.0.jar and its SHA-1.
type Path struct {
	Name       string // package name: the groupId with slashes, then the artifactId
	GroupID    string // "com.acme"
	ArtifactID string // "hello"
	Version    string // "" for artifact-level metadata (a versionless package)
	FileName   string // the file, without a checksum suffix
	Checksum   string // "md5", "sha1", "sha256" or "sha512" when the checksum of FileName is meant
}

// Metadata reports whether the file is a maven-metadata.xml (always re-uploadable).
func (p Path) Metadata() bool { return p.FileName == MetadataFile }

// ArtifactMetadata reports whether the path is the artifact-level maven-metadata.xml,
// which lists every version of the artifact.
func (p Path) ArtifactMetadata() bool { return p.Metadata() && p.Version == "" }

// ParsePath parses the escaped wildcard of a Maven route. GitLab's file_path check
// comes first, on the decoded directory (its path parameter) and file name (see
// traversal). Then it refuses encoded slashes and backslashes, empty, "." and ".."
// segments, and coordinates that GitLab's regexes reject. A maven-metadata.xml whose
// directory is not a SNAPSHOT version belongs to the versionless package of that
// directory, as in GitLab's FindOrCreatePackageService; every other file's directory
// ends in a version, except a file directly in an artifact's directory (no groupId
// left before the version), which can only belong to the versionless package of its
// directory (see Versionless).
func ParsePath(raw string) (Path, error) {
	segs := strings.Split(raw, "/")
	decoded := make([]string, len(segs))
	var bad error
	for i, s := range segs {
		u, err := url.PathUnescape(s) // keeps '+', which Maven file names may hold
		if err != nil {
			bad = registry.InvalidParam("path")
		}
		decoded[i] = u
	}
	if err := traversal(decoded); err != nil {
		return Path{}, err
	}
	lower := strings.ToLower(raw)
	if bad != nil || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(raw, `\`) {
		return Path{}, registry.InvalidParam("path")
	}
	for _, u := range decoded {
		if u == "" || u == "." || u == ".." {
			return Path{}, registry.InvalidParam("path")
		}
	}
	segs = decoded
	if len(segs) < 3 {
		return Path{}, registry.InvalidParam("path")
	}
	var p Path
	p.FileName = segs[len(segs)-1]
	if len(p.FileName) > maxFileName {
		return Path{}, registry.BadRequest("File name is too long")
	}
	if i := strings.LastIndexByte(p.FileName, '.'); i >= 0 {
		switch ext := p.FileName[i+1:]; ext {
		case "md5", "sha1", "sha256", "sha512":
			p.FileName, p.Checksum = p.FileName[:i], ext
		}
	}
	if !fileNameRe.MatchString(p.FileName) || p.FileName == "." || p.FileName == ".." {
		return Path{}, registry.InvalidParam("file_name")
	}
	dir := segs[:len(segs)-1]
	if !p.Metadata() || strings.HasSuffix(dir[len(dir)-1], "-SNAPSHOT") {
		p.Version, dir = dir[len(dir)-1], dir[:len(dir)-1]
		if len(p.Version) > 255 || !versionRe.MatchString(p.Version) || strings.Contains(p.Version, "..") {
			// GitLab's package validation, answered through bad_request!.
			return Path{}, registry.BadRequest("Validation failed: Version is invalid")
		}
	}
	if len(dir) == 1 && p.Version != "" && !p.Metadata() {
		// No groupId before the version: the directory is an artifact's.
		p.Name = dir[0]
		if !segmentRe.MatchString(p.Name) {
			return Path{}, registry.InvalidParam("path")
		}
		if v, ok := p.Versionless(); ok {
			return v, nil
		}
		return Path{}, registry.InvalidParam("path")
	}
	if len(dir) < 2 {
		return Path{}, registry.InvalidParam("path")
	}
	for _, s := range dir {
		if !segmentRe.MatchString(s) {
			return Path{}, registry.InvalidParam("path")
		}
	}
	p.Name = strings.Join(dir, "/")
	p.GroupID = strings.Join(dir[:len(dir)-1], ".")
	p.ArtifactID = dir[len(dir)-1]
	if len(p.Name) > 255 {
		return Path{}, registry.InvalidParam("path")
	}
	return p, nil
}

// Versionless is the same file read as one of the versionless package named by its
// whole directory: GitLab finds the package a file belongs to by its directory, so
// a file put directly in an artifact's directory (next to its maven-metadata.xml)
// joins that artifact's versionless package. ok is false when the path has no
// version, is a maven-metadata.xml, or its version cannot be an artifactId.
func (p Path) Versionless() (Path, bool) {
	if p.Version == "" || p.Metadata() || !segmentRe.MatchString(p.Version) || len(p.Name)+1+len(p.Version) > 255 {
		return Path{}, false
	}
	v := p
	v.Name, v.GroupID, v.ArtifactID, v.Version = p.Name+"/"+p.Version, dots(p.Name), p.Version, ""
	return v, true
}

// traversal is GitLab's file_path validation of the path and file_name parameters,
// decoded: no line break, no absolute path, no "." or ".." segment. Grape reports
// every failing parameter, joined.
func traversal(segs []string) error {
	var failed []string
	if !filePath(strings.Join(segs[:len(segs)-1], "/")) {
		failed = append(failed, "path should be a valid file path")
	}
	if !filePath(segs[len(segs)-1]) {
		failed = append(failed, "file_name should be a valid file path")
	}
	if len(failed) == 0 {
		return nil
	}
	return &registry.Error{Kind: registry.ErrInvalid, Message: strings.Join(failed, ", "), Param: "path"}
}

func filePath(v string) bool {
	if strings.ContainsAny(v, "\n") || strings.HasPrefix(v, "/") || strings.HasPrefix(v, `\`) || v == "." {
		return false
	}
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == '\\' }) {
		if s == ".." {
			return false
		}
	}
	return true
}

// digestLen is the hex length of each checksum Maven uploads.
var digestLen = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

// ParseChecksum reads the body of a checksum upload: the hex digest, optionally
// followed by a file name ("<digest>  hello.jar", as sha1sum writes it).
func ParseChecksum(algorithm string, body []byte) (string, error) {
	fields := strings.Fields(string(body))
	if len(fields) == 0 || len(fields) > 2 {
		return "", registry.Errorf(registry.ErrInvalid, "Checksum is invalid")
	}
	d := strings.ToLower(fields[0])
	if _, err := hex.DecodeString(d); err != nil || len(d) != digestLen[algorithm] {
		return "", registry.Errorf(registry.ErrInvalid, "Checksum is invalid")
	}
	return d, nil
}

// Digest returns the hex digest of b with a checksum algorithm of ParsePath.
func Digest(algorithm string, b []byte) string {
	var h hash.Hash
	switch algorithm {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		h = sha512.New()
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// artifactMetadata is the artifact-level maven-metadata.xml.
// Format: https://maven.apache.org/ref/3.8.7/maven-repository-metadata/repository-metadata.html
type artifactMetadata struct {
	XMLName    xml.Name `xml:"metadata"`
	GroupID    string   `xml:"groupId"`
	ArtifactID string   `xml:"artifactId"`
	Versioning struct {
		Latest      string   `xml:"latest,omitempty"`
		Release     string   `xml:"release,omitempty"`
		Versions    []string `xml:"versions>version"`
		LastUpdated string   `xml:"lastUpdated"`
	} `xml:"versioning"`
}

// RenderArtifactMetadata renders the artifact-level maven-metadata.xml of the given
// versions: all of them in Maven's order, the highest as latest, and the highest
// that is not a SNAPSHOT as release. updated becomes lastUpdated (UTC).
func RenderArtifactMetadata(groupID, artifactID string, versions []string, updated time.Time) []byte {
	versions = slices.Clone(versions)
	slices.SortStableFunc(versions, CompareVersions)
	versions = slices.CompactFunc(versions, func(a, b string) bool { return a == b })
	var m artifactMetadata
	m.GroupID, m.ArtifactID = groupID, artifactID
	m.Versioning.Versions = versions
	if n := len(versions); n > 0 {
		m.Versioning.Latest = versions[n-1]
	}
	for _, v := range slices.Backward(versions) {
		if !strings.HasSuffix(v, "-SNAPSHOT") {
			m.Versioning.Release = v
			break
		}
	}
	m.Versioning.LastUpdated = updated.UTC().Format("20060102150405")
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	_ = enc.Encode(m) // strings only: encoding cannot fail
	b.WriteByte('\n')
	return b.Bytes()
}
