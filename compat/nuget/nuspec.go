package nuget

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/pkgreg/registry/registry"
)

// Reading a .nupkg: a zip archive with the package's manifest (<id>.nuspec) in it.
// Every read is bounded, so a hostile archive costs little: the central directory
// is measured before archive/zip loads it, the nuspec is read through a limit, and
// the XML decoder sees no more than that.
// https://learn.microsoft.com/en-us/nuget/reference/nuspec

// Bounds of one archive and its manifest.
const (
	// maxNuspec is GitLab's Packages::Nuget::ExtractMetadataFileService::MAX_FILE_SIZE.
	maxNuspec = 4 << 20
	// maxDirectory bounds the zip's central directory (about 100,000 entries), so a
	// small upload cannot make archive/zip hold millions of entries.
	maxDirectory = 8 << 20
	// maxAuthors and maxDescription are GitLab's nuget_metadata column limits.
	maxAuthors     = 255
	maxDescription = 4000
	maxURL         = 255
	maxTags        = 100
	maxTag         = 255
	maxDependency  = 1000 // dependencies over all groups
	maxFramework   = 255
	maxRange       = 255
)

// errNuspecNotFound and friends are GitLab's extraction errors, word for word.
var (
	errNuspecNotFound = registry.Errorf(registry.ErrInvalid, "nuspec file not found")
	errNuspecTooBig   = registry.Errorf(registry.ErrInvalid, "nuspec file too big")
)

// Nuspec is what a package's manifest says, validated.
type Nuspec struct {
	ID, Version string
	Info        Info
	// Symbols is set for a symbol package (packageType SymbolsPackage).
	Symbols bool
}

// nuspecXML is the manifest's XML, matched by local name so that every nuspec
// namespace (2010/07 to 2013/05) reads the same.
type nuspecXML struct {
	Metadata struct {
		ID          string `xml:"id"`
		Version     string `xml:"version"`
		Authors     string `xml:"authors"`
		Description string `xml:"description"`
		ProjectURL  string `xml:"projectUrl"`
		LicenseURL  string `xml:"licenseUrl"`
		IconURL     string `xml:"iconUrl"`
		Tags        string `xml:"tags"`
		Deps        struct {
			Deps   []dependencyXML `xml:"dependency"`
			Groups []struct {
				TargetFramework string          `xml:"targetFramework,attr"`
				Deps            []dependencyXML `xml:"dependency"`
			} `xml:"group"`
		} `xml:"dependencies"`
		PackageTypes struct {
			Types []struct {
				Name string `xml:"name,attr"`
			} `xml:"packageType"`
		} `xml:"packageTypes"`
	} `xml:"metadata"`
}

type dependencyXML struct {
	ID      string `xml:"id,attr"`
	Version string `xml:"version,attr"`
}

// ReadNupkg finds the manifest of a stored .nupkg and parses it: the first entry
// whose name ends in .nuspec, as GitLab takes it.
func ReadNupkg(r io.ReaderAt, size int64) (*Nuspec, error) {
	zr, err := openZip(r, size)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(strings.ToLower(f.Name), ".nuspec") {
			continue
		}
		if f.UncompressedSize64 > maxNuspec {
			return nil, errNuspecTooBig
		}
		rc, err := f.Open()
		if err != nil {
			return nil, registry.Errorf(registry.ErrInvalid, "nuspec file can not be read: %v", err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxNuspec+1))
		if err != nil {
			// archive/zip checks the entry against its declared size and checksum.
			return nil, registry.Errorf(registry.ErrInvalid, "nuspec file has the wrong entry size: %v", err)
		}
		if len(b) > maxNuspec {
			return nil, errNuspecTooBig
		}
		return ParseNuspec(b)
	}
	return nil, errNuspecNotFound
}

// openZip opens an archive after checking that its central directory is of a
// size archive/zip may load. A file that is no zip has no manifest.
func openZip(r io.ReaderAt, size int64) (*zip.Reader, error) {
	n, err := directorySize(r, size)
	if err != nil {
		return nil, err
	}
	if n > maxDirectory {
		return nil, registry.Errorf(registry.ErrInvalid, "the package has too many files: its zip directory is over %d bytes", maxDirectory)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errNuspecNotFound
	}
	return zr, nil
}

// directorySize reads the size of a zip's central directory from its end record
// (or the zip64 end record it points to).
// https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT, 4.3.14 to 4.3.16
func directorySize(r io.ReaderAt, size int64) (uint64, error) {
	const endLen, maxComment = 22, 0xffff
	tail := min(size, endLen+maxComment)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read zip end: %w", err)
	}
	at := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if at < 0 || len(buf)-at < endLen {
		return 0, errNuspecNotFound // not a zip
	}
	end := buf[at:]
	dirSize := uint64(binary.LittleEndian.Uint32(end[12:]))
	if binary.LittleEndian.Uint16(end[10:]) != 0xffff && dirSize != 0xffffffff {
		return dirSize, nil
	}
	// zip64: a locator sits right before the end record.
	locAt := size - tail + int64(at) - 20
	if locAt < 0 {
		return 0, errNuspecNotFound
	}
	loc := make([]byte, 20)
	if _, err := r.ReadAt(loc, locAt); err != nil || !bytes.HasPrefix(loc, []byte("PK\x06\x07")) {
		return 0, errNuspecNotFound
	}
	rec := make([]byte, 56)
	off := int64(binary.LittleEndian.Uint64(loc[8:]))
	if off < 0 || off > size-56 {
		return 0, errNuspecNotFound
	}
	if _, err := r.ReadAt(rec, off); err != nil || !bytes.HasPrefix(rec, []byte("PK\x06\x06")) {
		return 0, errNuspecNotFound
	}
	return binary.LittleEndian.Uint64(rec[40:]), nil
}

// ParseNuspec parses and validates a manifest. The package's id and version must
// be valid NuGet ones; the rest is bounded by GitLab's column limits, and every
// refusal names the field.
func ParseNuspec(b []byte) (*Nuspec, error) {
	var x nuspecXML
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&x); err != nil {
		return nil, registry.Errorf(registry.ErrInvalid, "nuspec file is not valid XML: %v", err)
	}
	m := x.Metadata
	id, version := strings.TrimSpace(m.ID), strings.TrimSpace(m.Version)
	switch {
	case id == "":
		return nil, registry.Errorf(registry.ErrInvalid, "Validation failed: Name can't be blank")
	case !ValidName(id):
		return nil, registry.Errorf(registry.ErrInvalid, "Validation failed: Name is invalid")
	case version == "":
		return nil, registry.Errorf(registry.ErrInvalid, "Validation failed: Version can't be blank")
	case !ValidVersion(version):
		return nil, registry.Errorf(registry.ErrInvalid, "Validation failed: Version is invalid")
	}
	n := &Nuspec{ID: id, Version: version}
	for _, t := range m.PackageTypes.Types {
		if strings.EqualFold(t.Name, "SymbolsPackage") {
			n.Symbols = true
		}
	}
	info := Info{
		Authors: strings.TrimSpace(m.Authors), Description: strings.TrimSpace(m.Description),
		ProjectURL: strings.TrimSpace(m.ProjectURL), LicenseURL: strings.TrimSpace(m.LicenseURL),
		IconURL: strings.TrimSpace(m.IconURL), NormalizedVersion: NormalizeVersion(version),
	}
	// NuGet's pack requires both, and GitLab's metadata row does; a symbol
	// package's manifest has no authors.
	if !n.Symbols && info.Authors == "" {
		return nil, registry.Errorf(registry.ErrInvalid, "Validation failed: Authors can't be blank")
	}
	if !n.Symbols && info.Description == "" {
		return nil, registry.Errorf(registry.ErrInvalid, "Validation failed: Description can't be blank")
	}
	if err := checkLength("Authors", info.Authors, maxAuthors); err != nil {
		return nil, err
	}
	if err := checkLength("Description", info.Description, maxDescription); err != nil {
		return nil, err
	}
	for _, u := range []struct{ field, value string }{
		{"Project url", info.ProjectURL}, {"License url", info.LicenseURL}, {"Icon url", info.IconURL},
	} {
		if err := checkURL(u.field, u.value); err != nil {
			return nil, err
		}
	}
	for _, t := range strings.Fields(m.Tags) {
		if err := checkLength("Tag", t, maxTag); err != nil {
			return nil, err
		}
		info.Tags = append(info.Tags, t)
	}
	if len(info.Tags) > maxTags {
		return nil, registry.Errorf(registry.ErrInvalid, "Validation failed: at most %d tags are allowed", maxTags)
	}
	groups, err := dependencyGroups(m.Deps.Deps, m.Deps.Groups)
	if err != nil {
		return nil, err
	}
	info.DependencyGroups = groups
	n.Info = info
	return n, nil
}

func dependencyGroups(flat []dependencyXML, grouped []struct {
	TargetFramework string          `xml:"targetFramework,attr"`
	Deps            []dependencyXML `xml:"dependency"`
}) ([]DependencyGroup, error) {
	var out []DependencyGroup
	count := 0
	add := func(framework string, deps []dependencyXML) error {
		if err := checkLength("Target framework", framework, maxFramework); err != nil {
			return err
		}
		g := DependencyGroup{TargetFramework: framework, Dependencies: []Dependency{}}
		for _, d := range deps {
			if count++; count > maxDependency {
				return registry.Errorf(registry.ErrInvalid, "Validation failed: at most %d dependencies are allowed", maxDependency)
			}
			id := strings.TrimSpace(d.ID)
			if !ValidName(id) {
				return registry.Errorf(registry.ErrInvalid, "Validation failed: dependency id %.80q is invalid", id)
			}
			if err := checkLength("Dependency version", d.Version, maxRange); err != nil {
				return err
			}
			g.Dependencies = append(g.Dependencies, Dependency{ID: id, Range: strings.TrimSpace(d.Version)})
		}
		out = append(out, g)
		return nil
	}
	if len(flat) > 0 {
		if err := add("", flat); err != nil {
			return nil, err
		}
	}
	for _, g := range grouped {
		if err := add(strings.TrimSpace(g.TargetFramework), g.Deps); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func checkLength(field, v string, limit int) error {
	if len(v) > limit {
		return registry.Errorf(registry.ErrInvalid, "Validation failed: %s is too long (maximum is %d characters)", field, limit)
	}
	return nil
}

// checkURL accepts an absent URL or an http(s) one of at most maxURL characters.
func checkURL(field, v string) error {
	if v == "" {
		return nil
	}
	if err := checkLength(field, v, maxURL); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return registry.Errorf(registry.ErrInvalid, "Validation failed: %s is an invalid URL", field)
	}
	return nil
}

// FileName is the name GitLab stores a package file under: the id and version,
// lowercased, and the extension.
func FileName(id, version, ext string) string {
	return strings.ToLower(id) + "." + strings.ToLower(version) + ext
}

// CheckUploadName refuses an upload whose multipart file name names another
// package than its manifest. NuGet's clients always send "package.nupkg", which
// names nothing; a file name of the conventional form <id>.<version>.nupkg (a
// script's curl -F package=@Acme.Hello.1.0.0.nupkg) must match the manifest.
func CheckUploadName(fileName string, n *Nuspec) error {
	base := strings.ToLower(path.Base(strings.ReplaceAll(fileName, `\`, "/")))
	ext := path.Ext(base)
	stem := strings.TrimSuffix(strings.TrimSuffix(base, ext), ".symbols")
	if (ext != ".nupkg" && ext != ".snupkg") || stem == "package" || stem == "" {
		return nil
	}
	id := strings.ToLower(n.ID) + "."
	v, ok := strings.CutPrefix(stem, id)
	if ok && (v == strings.ToLower(n.Version) || NormalizeVersion(v) == NormalizeVersion(n.Version)) {
		return nil
	}
	return registry.Errorf(registry.ErrInvalid, "the file %s does not match the package's nuspec (%s %s)", path.Base(fileName), n.ID, n.Version)
}
