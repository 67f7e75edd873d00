package pypi

import (
	"archive/zip"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Name rules.
var (
	// PEP 508 project names: ASCII letters, digits, '.', '_', '-', starting and
	// ending with a letter or digit.
	nameRe = regexp.MustCompile(`^(?i:[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)
	// PEP 503 normalisation folds every run of '-', '_' and '.' into one '-'.
	separatorsRe = regexp.MustCompile(`[-_.]+`)
	// GitLab's PyPI version regex (lib/gitlab/regex/packages.rb), which follows
	// PEP 440 appendix B: epoch, release, pre, post, dev and local segments, with an
	// optional leading "v", case-insensitive.
	versionRe = regexp.MustCompile(`^(?i:v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*` +
		`(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?` +
		`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?` +
		`(?:[-_.]?dev[-_.]?[0-9]*)?` +
		`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?)$`)
	// Distribution file names as wheels (PEP 427) and sdists (PEP 625) spell them.
	fileNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+!-]*$`)
	hexRe      = regexp.MustCompile(`^[0-9a-fA-F]+$`)
)

// NormalizeName returns the PEP 503 form of a project name: lower case, with every
// run of '-', '_' and '.' replaced by a single '-'.
// https://peps.python.org/pep-0503/#normalized-names
func NormalizeName(name string) string {
	return strings.ToLower(separatorsRe.ReplaceAllString(name, "-"))
}

// ValidName reports whether name is a valid PEP 508 project name.
func ValidName(name string) bool { return len(name) <= 255 && nameRe.MatchString(name) }

// ValidVersion reports whether v is a version GitLab accepts (PEP 440, appendix B).
func ValidVersion(v string) bool { return len(v) <= 255 && versionRe.MatchString(v) }

// ValidFileName reports whether name can be a distribution's file name. Names ending
// in ".metadata" are refused: that suffix addresses a wheel's core metadata (PEP 658).
func ValidFileName(name string) bool {
	return len(name) <= 255 && fileNameRe.MatchString(name) && !strings.Contains(name, "..") &&
		!strings.HasSuffix(strings.ToLower(name), ".metadata")
}

// maxLength truncates metadata fields as GitLab's pypi_metadata columns do.
var maxLength = map[string]int{
	"requires_python": 255, "summary": 255, "keywords": 1024, "metadata_version": 16,
	"author_email": 2048, "description": 4000, "description_content_type": 128,
}

// UploadForm holds the text fields of twine's upload form (the "legacy" upload API),
// in whatever order they arrive around the file part.
// https://warehouse.pypa.io/api-reference/legacy.html#upload-api
type UploadForm struct {
	FileName string // from the content part
	HasFile  bool
	fields   map[string]string
	lists    map[string][]string
}

// listFields are the form fields twine repeats, once per value.
var listFields = map[string]bool{"requires_dist": true, "project_urls": true}

// maxListValues bounds how many values of a repeated field are kept.
const maxListValues = 200

// Set records a form field; fields this registry does not use are ignored. A
// repeated field (requires_dist, project_urls) keeps each value.
func (f *UploadForm) Set(name, value string) {
	if f.fields == nil {
		f.fields = map[string]string{}
	}
	if listFields[name] {
		if f.lists == nil {
			f.lists = map[string][]string{}
		}
		if v := strings.TrimSpace(value); v != "" && len(f.lists[name]) < maxListValues {
			f.lists[name] = append(f.lists[name], truncate(v, 1024))
		}
	}
	f.fields[name] = value
}

// requirementNameRe is the project name at the start of a PEP 508 requirement.
var requirementNameRe = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*$`)

// splitRequirement splits a PEP 508 requirement ("requests[socks] (>=2.0); python_version<'3.9'")
// into the project name and the rest ("" for a requirement without a name).
func splitRequirement(r string) (name, rest string) {
	m := requirementNameRe.FindStringSubmatch(r)
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// Has reports whether a field was sent.
func (f *UploadForm) Has(name string) bool {
	_, ok := f.fields[name]
	return ok
}

func missing(param string) error {
	return &registry.Error{Kind: registry.ErrInvalid, Message: param + " is missing", Param: param}
}

// CheckIdentity validates name and version, so that an upload whose fields precede
// the file can be refused before the file is received.
func (f *UploadForm) CheckIdentity() error {
	switch name, ver := f.fields["name"], f.fields["version"]; {
	case !f.Has("name"):
		return missing("name")
	case !ValidName(name):
		return registry.InvalidParam("name")
	case !f.Has("version"):
		return missing("version")
	case !ValidVersion(ver):
		return registry.InvalidParam("version")
	}
	return nil
}

// Input validates the whole form and returns what the service publishes.
func (f *UploadForm) Input() (FileInput, error) {
	var in FileInput
	if !f.HasFile {
		return in, missing("content")
	}
	if err := f.CheckIdentity(); err != nil {
		return in, err
	}
	if !ValidFileName(f.FileName) {
		return in, registry.Errorf(registry.ErrInvalid, "%q is not a valid distribution file name", f.FileName)
	}
	for field, n := range map[string]int{"md5_digest": 32, "sha256_digest": 64} {
		if d := f.fields[field]; d != "" && (len(d) != n || !hexRe.MatchString(d)) {
			return in, registry.InvalidParam(field)
		}
	}
	in.Name, in.Version, in.FileName = f.fields["name"], f.fields["version"], f.FileName
	in.NormalizedName = NormalizeName(in.Name)
	in.Expect.MD5 = strings.ToLower(f.fields["md5_digest"])
	in.Expect.SHA256 = strings.ToLower(f.fields["sha256_digest"])
	field := func(k string) string { return truncateWithOmission(f.fields[k], maxLength[k]) }
	in.Info = Info{RequiresPython: field("requires_python"), Summary: field("summary"),
		AuthorEmail: field("author_email"), Description: field("description"), Keywords: field("keywords"),
		MetadataVersion: field("metadata_version"), DescriptionContentType: field("description_content_type"),
		License: truncate(f.fields["license"], 255), HomePage: truncate(f.fields["home_page"], 255),
		ProjectURLs: f.lists["project_urls"], RequiresDist: f.lists["requires_dist"]}
	in.FileInfo = FileInfo{RequiresPython: truncate(f.fields["requires_python"], 255),
		FileType: truncate(f.fields["filetype"], 255), PythonVersion: truncate(f.fields["pyversion"], 255)}
	if strings.HasSuffix(strings.ToLower(in.FileName), ".whl") {
		in.CoreMetadata = func(r io.ReaderAt, size int64) ([]byte, error) { return WheelMetadata(r, size, in.FileName) }
	}
	return in, nil
}

// truncate cuts s to at most n characters, on a character boundary.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// truncateWithOmission is Rails' String#truncate, which GitLab's PyPI metadata
// applies to over-long fields: at most n characters, the last three "..." when cut.
func truncateWithOmission(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-3]) + "..."
}

// maxCoreMetadata bounds the METADATA file read from a wheel.
const maxCoreMetadata = 16 << 20

// WheelMetadata returns the core metadata (the .dist-info/METADATA file) of a wheel,
// which the index serves next to it as "<wheel>.metadata" so that pip resolves
// dependencies without downloading the wheel (PEP 658, PEP 714).
// https://packaging.python.org/en/latest/specifications/binary-distribution-format/
func WheelMetadata(r io.ReaderAt, size int64, fileName string) ([]byte, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w", fileName, err)
	}
	// The .dist-info directory is "{distribution}-{version}.dist-info"; a wheel has
	// one, and the file name's first two fields name it.
	parts := strings.SplitN(strings.TrimSuffix(fileName, ".whl"), "-", 3)
	want := ""
	if len(parts) >= 2 {
		want = strings.ToLower(parts[0] + "-" + parts[1] + ".dist-info/METADATA")
	}
	var found []*zip.File
	for _, zf := range zr.File {
		dir, base, ok := strings.Cut(zf.Name, "/")
		if ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
			if strings.ToLower(zf.Name) == want {
				found = []*zip.File{zf}
				break
			}
			found = append(found, zf)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("wheel %s: %d .dist-info/METADATA files", fileName, len(found))
	}
	rc, err := found[0].Open()
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w", fileName, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxCoreMetadata+1))
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w", fileName, err)
	}
	if len(b) > maxCoreMetadata {
		return nil, fmt.Errorf("wheel %s: METADATA is larger than %d bytes", fileName, maxCoreMetadata)
	}
	if !strings.HasPrefix(string(b), "Metadata-Version:") {
		return nil, errors.New("wheel " + fileName + ": METADATA does not start with Metadata-Version")
	}
	return b, nil
}

// Encoding is a serialisation of the simple repository API.
type Encoding int

// Encodings, by content type.
const (
	EncodingHTML   Encoding = iota // text/html (PEP 503)
	EncodingV1HTML                 // application/vnd.pypi.simple.v1+html (PEP 691)
	EncodingV1JSON                 // application/vnd.pypi.simple.v1+json (PEP 691)
)

// ContentType is the response's content type for the format.
func (f Encoding) ContentType() string {
	switch f {
	case EncodingV1JSON:
		return "application/vnd.pypi.simple.v1+json"
	case EncodingV1HTML:
		return "application/vnd.pypi.simple.v1+html"
	}
	return "text/html; charset=utf-8"
}

// Negotiate picks the format from an Accept header by its q-values (PEP 691,
// "Version + Format Selection"). Between equal q-values an explicitly named type wins
// over a wildcard, and JSON over HTML; a missing header, "*/*" alone, or nothing
// acceptable gives HTML, as GitLab answers every client that does not ask for JSON.
// https://peps.python.org/pep-0691/#version-format-selection
func Negotiate(accept string) Encoding {
	type candidate struct {
		f     Encoding
		names []string
	}
	candidates := []candidate{
		{EncodingV1JSON, []string{"application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json"}},
		{EncodingV1HTML, []string{"application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html"}},
		{EncodingHTML, []string{"text/html"}},
	}
	best, bestQ, bestExact := EncodingHTML, 0.0, false
	for _, c := range candidates {
		q, exact := -1.0, false
		for _, rng := range strings.Split(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(rng))
			if err != nil {
				continue
			}
			rq := 1.0
			if s, ok := params["q"]; ok {
				if rq, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			for _, name := range c.names {
				major, _, _ := strings.Cut(name, "/")
				switch {
				case mt == name:
					if !exact || rq > q {
						q, exact = rq, true
					}
				case !exact && (mt == "*/*" || mt == major+"/*"):
					q = max(q, rq)
				}
			}
		}
		if q > bestQ || (q == bestQ && q > 0 && exact && !bestExact) {
			best, bestQ, bestExact = c.f, q, exact
		}
	}
	if !bestExact {
		return EncodingHTML
	}
	return best
}

// IndexProject is one project of the root index.
type IndexProject struct {
	Name           string
	NormalizedName string
}

// IndexFile is one distribution file of a project page.
type IndexFile struct {
	FileName       string
	URL            string // without the hash fragment
	SHA256         string
	Size           int64
	UploadTime     time.Time
	RequiresPython string
	// CoreMetadataSHA256 is set when "<URL>.metadata" serves the file's core metadata.
	CoreMetadataSHA256 string
}

// IndexPage is a project page of the simple index.
type IndexPage struct {
	Name           string
	NormalizedName string
	Versions       []string
	Files          []IndexFile
}

// CoreMetadataSuffix names a wheel's core metadata file after the wheel (PEP 658).
const CoreMetadataSuffix = ".metadata"

// BuildPage turns the versions of one project into its index page. fileURL gives a
// distribution's download URL from its SHA-256 and file name.
func BuildPage(versions []*ent.PackageVersion, fileURL func(sha256, fileName string) string) IndexPage {
	var p IndexPage
	for _, v := range versions {
		p.Name, p.NormalizedName = v.Name, v.NormalizedName
		p.Versions = append(p.Versions, v.Version)
		meta := map[string]string{}
		for _, f := range v.Edges.Files {
			if strings.HasSuffix(f.FileName, CoreMetadataSuffix) {
				meta[strings.TrimSuffix(f.FileName, CoreMetadataSuffix)] = f.Sha256
			}
		}
		for _, f := range v.Edges.Files {
			if strings.HasSuffix(f.FileName, CoreMetadataSuffix) {
				continue
			}
			fi, _ := registry.DecodeMetadata[FileInfo](f.Metadata)
			rp := fi.RequiresPython
			if rp == "" {
				info, _ := registry.DecodeMetadata[Info](v.Metadata)
				rp = info.RequiresPython
			}
			p.Files = append(p.Files, IndexFile{FileName: f.FileName, URL: fileURL(f.Sha256, f.FileName),
				SHA256: f.Sha256, Size: f.Size, UploadTime: f.CreatedAt, RequiresPython: rp,
				CoreMetadataSHA256: meta[f.FileName]})
		}
	}
	return p
}

// apiVersion is the simple API version served: 1.1 adds versions, size and
// upload-time to the JSON form (PEP 700).
const apiVersion = "1.1"

// RenderIndex writes the root index: one link per project (PEP 503, PEP 691).
func RenderIndex(w io.Writer, f Encoding, projects []IndexProject, projectURL func(normalized string) string) error {
	if f == EncodingV1JSON {
		type project struct {
			Name string `json:"name"`
		}
		out := struct {
			Meta     map[string]string `json:"meta"`
			Projects []project         `json:"projects"`
		}{Meta: map[string]string{"api-version": apiVersion}, Projects: []project{}}
		for _, p := range projects {
			out.Projects = append(out.Projects, project{Name: p.Name})
		}
		return writeJSON(w, out)
	}
	var b strings.Builder
	b.WriteString(htmlHead("Simple index"))
	for _, p := range projects {
		fmt.Fprintf(&b, "    <a href=\"%s\">%s</a><br>\n", html.EscapeString(projectURL(p.NormalizedName)), html.EscapeString(p.Name))
	}
	b.WriteString("  </body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderPage writes a project page: one link per file with its hash, Python
// requirement and core-metadata hash (PEP 503, 592, 658, 691, 700, 714).
func RenderPage(w io.Writer, f Encoding, p IndexPage) error {
	if f == EncodingV1JSON {
		type file struct {
			FileName       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython string            `json:"requires-python,omitempty"`
			CoreMetadata   any               `json:"core-metadata"`
			DistInfo       any               `json:"dist-info-metadata"`
			Size           int64             `json:"size"`
			UploadTime     string            `json:"upload-time"`
		}
		out := struct {
			Meta     map[string]string `json:"meta"`
			Name     string            `json:"name"`
			Versions []string          `json:"versions"`
			Files    []file            `json:"files"`
		}{Meta: map[string]string{"api-version": apiVersion}, Name: p.NormalizedName, Versions: []string{}, Files: []file{}}
		seen := map[string]bool{}
		for _, v := range p.Versions {
			if !seen[v] {
				seen[v] = true
				out.Versions = append(out.Versions, v)
			}
		}
		for _, fl := range p.Files {
			var meta any = false
			if fl.CoreMetadataSHA256 != "" {
				meta = map[string]string{"sha256": fl.CoreMetadataSHA256}
			}
			out.Files = append(out.Files, file{FileName: fl.FileName, URL: fl.URL + "#sha256=" + fl.SHA256,
				Hashes: map[string]string{"sha256": fl.SHA256}, RequiresPython: fl.RequiresPython,
				CoreMetadata: meta, DistInfo: meta, Size: fl.Size,
				UploadTime: fl.UploadTime.UTC().Format("2006-01-02T15:04:05.000000Z")})
		}
		return writeJSON(w, out)
	}
	var b strings.Builder
	b.WriteString(htmlHead("Links for " + p.Name))
	for _, fl := range p.Files {
		fmt.Fprintf(&b, "    <a href=\"%s#sha256=%s\"", html.EscapeString(fl.URL), fl.SHA256)
		if fl.RequiresPython != "" {
			fmt.Fprintf(&b, " data-requires-python=\"%s\"", html.EscapeString(fl.RequiresPython))
		}
		if fl.CoreMetadataSHA256 != "" {
			// PEP 714 renamed the attribute; the old name serves older clients.
			fmt.Fprintf(&b, " data-core-metadata=\"sha256=%s\" data-dist-info-metadata=\"sha256=%[1]s\"", fl.CoreMetadataSHA256)
		}
		fmt.Fprintf(&b, ">%s</a><br>\n", html.EscapeString(fl.FileName))
	}
	b.WriteString("  </body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func htmlHead(title string) string {
	t := html.EscapeString(title)
	return "<!DOCTYPE html>\n<html>\n  <head>\n" +
		"    <meta name=\"pypi:repository-version\" content=\"" + apiVersion + "\">\n" +
		"    <title>" + t + "</title>\n  </head>\n  <body>\n    <h1>" + t + "</h1>\n"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// FileURL is the download URL of a file under an index prefix
// (".../packages/pypi"), as GitLab names it: files/<sha256>/<file name>.
func FileURL(prefix, sha256, fileName string) string {
	return prefix + "/files/" + url.PathEscape(sha256) + "/" + url.PathEscape(fileName)
}

// ValidSHA256 reports whether s is a lower- or upper-case hex SHA-256.
func ValidSHA256(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 64 && err == nil
}
