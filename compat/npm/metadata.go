package npm

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// This file is the npm format without HTTP or a database: request paths, the
// documents npm sends, and the documents it reads.
// Protocol: https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md and
// GitLab's npm API (spec A2).

// Kind is what a request path under an npm endpoint names.
type Kind int

// Path kinds.
const (
	KindPackage    Kind = iota // <name>: packument, publish, deprecate
	KindPackageRev             // <name>/-rev/<rev>: unpublish
	KindTarball                // <name>/-/<file>
	KindTarballRev             // <name>/-/<file>/-rev/<rev>: delete one version
	KindDistTags               // -/package/<name>/dist-tags
	KindDistTag                // -/package/<name>/dist-tags/<tag>
	KindSearch                 // -/v1/search
	KindAuditBulk              // -/npm/v1/security/advisories/bulk
	KindAuditQuick             // -/npm/v1/security/audits/quick
	KindPing                   // -/ping
	KindWhoami                 // -/whoami
)

// Path is a parsed request path.
type Path struct {
	Kind    Kind
	Name    string // package name, unescaped ("@scope/name")
	Version string // KindTarball, KindTarballRev
	Tag     string // KindDistTag
}

var fixedPaths = map[string]Kind{
	"-/v1/search": KindSearch, "-/npm/v1/security/advisories/bulk": KindAuditBulk,
	"-/npm/v1/security/audits/quick": KindAuditQuick, "-/ping": KindPing, "-/whoami": KindWhoami,
}

// ParsePath parses the escaped path after an npm prefix. Scoped names come both as
// "@scope%2fname" (npm's packument and dist-tag requests) and "@scope/name" (tarball
// URLs); tarball files as "@scope/name-1.0.0.tgz" (GitLab) or "name-1.0.0.tgz" (npmjs).
func ParsePath(escaped string) (Path, error) {
	if k, ok := fixedPaths[strings.TrimSuffix(escaped, "/")]; ok {
		return Path{Kind: k}, nil
	}
	if rest, ok := strings.CutPrefix(escaped, "-/package/"); ok {
		i := strings.Index(rest, "/dist-tags")
		if i < 0 {
			return Path{}, errNoRoute
		}
		name, err := parseName(rest[:i])
		if err != nil {
			return Path{}, err
		}
		if strings.TrimSpace(name) == "" {
			return Path{}, notGiven("Package Name")
		}
		switch tail := rest[i+len("/dist-tags"):]; {
		case tail == "" || tail == "/":
			return Path{Kind: KindDistTags, Name: name}, nil
		case strings.HasPrefix(tail, "/") && !strings.Contains(tail[1:], "/"):
			tag, err := url.PathUnescape(tail[1:])
			switch {
			case err == nil && strings.TrimSpace(tag) == "":
				return Path{}, notGiven("Tag")
			case err != nil || !ValidTag(tag):
				return Path{}, registry.InvalidParam("tag")
			}
			return Path{Kind: KindDistTag, Name: name, Tag: tag}, nil
		}
		return Path{}, errNoRoute
	}
	if strings.HasPrefix(escaped, "-/") {
		return Path{}, errNoRoute
	}
	p := Path{Kind: KindPackage}
	rest := escaped
	if before, rev, ok := strings.Cut(rest, "/-rev/"); ok {
		if rev == "" || strings.Contains(rev, "/") {
			return Path{}, errNoRoute
		}
		rest, p.Kind = before, KindPackageRev
	}
	if before, file, ok := strings.Cut(rest, "/-/"); ok {
		if p.Kind == KindPackageRev {
			before = trailingName(before)
		}
		name, err := parseName(before)
		if err != nil {
			return Path{}, err
		}
		version, err := tarballVersion(name, file)
		if err != nil {
			return Path{}, err
		}
		p.Name, p.Version = name, version
		p.Kind = map[Kind]Kind{KindPackage: KindTarball, KindPackageRev: KindTarballRev}[p.Kind]
		return p, nil
	}
	name, err := parseName(rest)
	if err != nil {
		return Path{}, err
	}
	p.Name = name
	return p, nil
}

// trailingName keeps the package name at the end of a tarball deletion's path. npm
// unpublish derives that path from the tarball URL by cutting off as many characters
// as the default registry's path has, so when the package's registry is another
// endpoint, a piece of its prefix comes first ("ckages/npm/@scope/name").
func trailingName(before string) string {
	segs := strings.Split(before, "/")
	n := len(segs)
	if n >= 2 && strings.HasPrefix(segs[n-2], "@") {
		return segs[n-2] + "/" + segs[n-1]
	}
	return segs[n-1]
}

var errNoRoute = registry.Errorf(registry.ErrNotFound, "404 Not Found")

// parseName unescapes a package name from a path. As GitLab's file_path validator,
// it refuses only what is not a safe path (control characters, empty, "." or ".."
// segments); whether the name is a valid npm name is publish's business (GitLab's
// validation message), and a read of an invalid name finds nothing.
func parseName(escaped string) (string, error) {
	name, err := url.PathUnescape(escaped)
	if err != nil || len(name) > maxNameBytes || !safePath(name) {
		return "", registry.InvalidPath("package_name")
	}
	return name, nil
}

// maxNameBytes bounds a name read from a path, well above npm's 214 characters.
const maxNameBytes = 1024

func safePath(name string) bool {
	for _, c := range name {
		if c < 0x20 || c == 0x7f || c == utf8.RuneError {
			return false
		}
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// tarballVersion reads the version out of a tarball file name of package name.
func tarballVersion(name, escapedFile string) (string, error) {
	file, err := url.PathUnescape(escapedFile)
	if err != nil {
		return "", registry.InvalidParam("file_name")
	}
	base := path.Base(name)
	if scope := ScopeOf(name); scope != "" {
		file = strings.TrimPrefix(file, "@"+scope+"/")
	}
	v, ok := strings.CutPrefix(file, base+"-")
	if !ok || !strings.HasSuffix(v, ".tgz") {
		return "", registry.InvalidParam("file_name")
	}
	v = strings.TrimSuffix(v, ".tgz")
	if !ValidVersion(v) {
		return "", registry.InvalidParam("file_name")
	}
	return v, nil
}

// Publish is a parsed `npm publish` document.
type Publish struct {
	Name    string
	Version string
	// PackageJSON is the version's manifest as sent (dist included).
	PackageJSON map[string]any
	DistTags    map[string]string
	// SHA1 and SHA512 are the digests dist declares, as hex ("" when absent).
	SHA1, SHA512 string
	// Size is the length of the decoded tarball.
	Size int64
}

// Bounds on what one npm request may carry, besides its size.
const (
	// MaxDocument bounds an npm document without its attachment data.
	MaxDocument = 32 << 20
	// MaxDistTags bounds the dist-tags of one document (npm sends one or two).
	MaxDistTags = 100
	// MaxDocumentVersions bounds the versions a deprecate or unpublish document lists.
	MaxDocumentVersions = 10000
	// MaxDeprecation bounds a deprecation message, in characters.
	MaxDeprecation = 1024
	// MaxSearchTerms and MaxSearchText bound the words and length of a search.
	MaxSearchTerms = 10
	MaxSearchText  = 256
)

func tooManyTags(n int) error {
	return invalid("The document has %d dist-tags; at most %d are accepted.", n, MaxDistTags)
}

func tooManyVersions(n int) error {
	return invalid("The document lists %d versions; at most %d are accepted.", n, MaxDocumentVersions)
}

func invalid(format string, args ...any) error {
	return registry.Errorf(registry.ErrInvalid, format, args...)
}

// ParsePublish reads a publish document for the package urlName. The tarball's
// base64 data is decoded while it streams in and written to tarball, so the document
// is never held whole in memory; everything else is limited to MaxDocument bytes.
// A tarball over maxTarball bytes fails with ErrTooLarge as soon as it crosses it.
func ParsePublish(body io.Reader, urlName string, tarball io.Writer, maxTarball int64) (*Publish, error) {
	sink := &tarballSink{dst: tarball, limit: maxTarball}
	var dec64 *base64Writer
	tarName := ""
	f := newAttachmentFilter(body, MaxDocument, func(name string) io.Writer {
		if dec64 != nil || strings.HasSuffix(name, ".sigstore") {
			return io.Discard // provenance bundles and extra attachments are not stored
		}
		dec64, tarName = &base64Writer{dst: sink}, name
		return dec64
	})
	var doc struct {
		Name        string                     `json:"name"`
		DistTags    map[string]string          `json:"dist-tags"`
		Versions    map[string]json.RawMessage `json:"versions"`
		Attachments map[string]struct {
			Length *int64 `json:"length"`
		} `json:"_attachments"`
	}
	dec := json.NewDecoder(f)
	if err := dec.Decode(&doc); err != nil {
		return nil, documentError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, documentError(fmt.Errorf("data after the document"))
	}
	if dec64 != nil {
		if err := dec64.Close(); err != nil {
			return nil, documentError(err)
		}
	}
	if doc.Name != "" && doc.Name != urlName {
		return nil, invalid("Package name %q in the document does not match %q in the URL.", doc.Name, urlName)
	}
	if len(doc.DistTags) > MaxDistTags {
		return nil, tooManyTags(len(doc.DistTags))
	}
	if doc.Versions == nil {
		return nil, invalid("Versions key is missing from the JSON upload")
	}
	if len(doc.Versions) == 0 {
		return nil, invalid("Version is empty.")
	}
	if len(doc.Versions) > 1 {
		return nil, invalid("Publish one version at a time.")
	}
	p := &Publish{Name: urlName, DistTags: doc.DistTags, Size: sink.n}
	var raw json.RawMessage
	for v, m := range doc.Versions {
		p.Version, raw = v, m
	}
	if !ValidVersion(p.Version) {
		return nil, errSemVer
	}
	if err := json.Unmarshal(raw, &p.PackageJSON); err != nil || p.PackageJSON == nil {
		return nil, invalid("The manifest of version %s is not a JSON object.", p.Version)
	}
	if n, _ := p.PackageJSON["name"].(string); n != urlName {
		return nil, invalid("Package name %q in the manifest does not match %q.", n, urlName)
	}
	if v, _ := p.PackageJSON["version"].(string); v != p.Version {
		return nil, invalid("Version %q in the manifest does not match %q.", v, p.Version)
	}
	if dec64 == nil || sink.n == 0 {
		return nil, invalid("Attachment data is empty.")
	}
	if l := doc.Attachments[tarName].Length; l != nil && *l != sink.n {
		return nil, invalid("Attachment length %d does not match its data (%d bytes).", *l, sink.n)
	}
	var err error
	if p.SHA1, p.SHA512, err = distDigests(p.PackageJSON["dist"]); err != nil {
		return nil, err
	}
	return p, nil
}

// documentError turns a decoding failure into a client error; size and kind errors
// raised while streaming pass through.
func documentError(err error) error {
	var re *registry.Error
	if errors.As(err, &re) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return invalid("The document is truncated.")
	}
	var ce base64.CorruptInputError
	if errors.As(err, &ce) {
		return invalid("Attachment data is not valid base64.")
	}
	return invalid("Invalid json")
}

// distDigests reads dist.shasum and dist.integrity (Subresource Integrity, one or
// more "alg-base64" entries) as hex digests.
func distDigests(d any) (sha1hex, sha512hex string, err error) {
	dist, _ := d.(map[string]any)
	if s, _ := dist["shasum"].(string); s != "" {
		if len(s) != 40 || !isHex(s) {
			return "", "", invalid("dist.shasum is not a SHA-1 hex digest.")
		}
		sha1hex = strings.ToLower(s)
	}
	integrity, _ := dist["integrity"].(string)
	for _, entry := range strings.Fields(integrity) {
		alg, b64, ok := strings.Cut(entry, "-")
		if !ok {
			return "", "", invalid("dist.integrity is invalid.")
		}
		b64, _, _ = strings.Cut(b64, "?")
		sum, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return "", "", invalid("dist.integrity is invalid.")
		}
		switch {
		case alg == "sha512" && len(sum) == 64:
			sha512hex = hex.EncodeToString(sum)
		case alg == "sha1" && len(sum) == 20:
			h := hex.EncodeToString(sum)
			if sha1hex != "" && sha1hex != h {
				return "", "", invalid("dist.integrity and dist.shasum disagree.")
			}
			sha1hex = h
		case alg == "sha512" || alg == "sha1":
			return "", "", invalid("dist.integrity is invalid.")
		}
	}
	return sha1hex, sha512hex, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// tarballSink counts decoded tarball bytes against the size limit.
type tarballSink struct {
	dst   io.Writer
	limit int64
	n     int64
}

func (t *tarballSink) Write(p []byte) (int, error) {
	if t.n+int64(len(p)) > t.limit {
		return 0, registry.Errorf(registry.ErrTooLarge, "File is too large.")
	}
	n, err := t.dst.Write(p)
	t.n += int64(n)
	return n, err
}

// base64Writer decodes standard base64 written to it in pieces of any size. Line
// breaks are ignored; padding ends the data.
type base64Writer struct {
	dst     io.Writer
	pending []byte // fewer than 4 characters carried to the next write
	buf     []byte
	out     []byte
	ended   bool // padding seen
}

func (b *base64Writer) Write(p []byte) (int, error) {
	b.buf = append(b.buf[:0], b.pending...)
	for _, c := range p {
		if c != '\n' && c != '\r' {
			b.buf = append(b.buf, c)
		}
	}
	whole := len(b.buf) - len(b.buf)%4
	if whole > 0 {
		if b.ended {
			return 0, base64.CorruptInputError(0)
		}
		if cap(b.out) < whole/4*3 {
			b.out = make([]byte, whole/4*3)
		}
		n, err := base64.StdEncoding.Decode(b.out[:whole/4*3], b.buf[:whole])
		if err != nil {
			return 0, err
		}
		b.ended = b.buf[whole-1] == '='
		if _, err := b.dst.Write(b.out[:n]); err != nil {
			return 0, err
		}
	}
	b.pending = append(b.pending[:0], b.buf[whole:]...)
	return len(p), nil
}

// Close decodes an unpadded tail.
func (b *base64Writer) Close() error {
	if len(b.pending) == 0 {
		return nil
	}
	if b.ended {
		return base64.CorruptInputError(0)
	}
	out, err := base64.RawStdEncoding.DecodeString(string(b.pending))
	if err != nil {
		return err
	}
	b.pending = b.pending[:0]
	_, err = b.dst.Write(out)
	return err
}

// attachmentFilter passes a JSON document through unchanged, except that the content
// of every string at _attachments.<name>.data goes to sink(name) instead (JSON escapes
// decoded) and the string reads as "". It follows just enough of JSON's structure to
// know where it is; the decoder reading its output checks the rest.
type attachmentFilter struct {
	src    *bufio.Reader
	sink   func(name string) io.Writer
	limit  int64
	out    int64
	stack  []jsonFrame
	inStr  bool
	isKey  bool
	esc    bool
	key    []byte
	divert io.Writer
	err    error
}

type jsonFrame struct {
	object  bool
	wantKey bool
	key     string
}

const maxJSONDepth = 512

func newAttachmentFilter(r io.Reader, limit int64, sink func(string) io.Writer) *attachmentFilter {
	return &attachmentFilter{src: bufio.NewReaderSize(r, 256<<10), sink: sink, limit: limit}
}

func (f *attachmentFilter) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && f.err == nil {
		if f.divert != nil {
			if err := f.pump(); err != nil {
				f.err = err
				break
			}
			f.divert, f.inStr = nil, false
			p[n] = '"'
			n++
			continue
		}
		c, err := f.src.ReadByte()
		if err != nil {
			f.err = err
			break
		}
		if err := f.step(c); err != nil {
			f.err = err
			break
		}
		p[n] = c
		n++
	}
	f.out += int64(n)
	if f.out > f.limit && f.err == nil {
		f.err = invalid("The document without its attachment is larger than %d bytes.", f.limit)
	}
	if n > 0 {
		return n, nil
	}
	return 0, f.err
}

// step follows the structure through one byte outside a diverted string.
func (f *attachmentFilter) step(c byte) error {
	if f.inStr {
		switch {
		case f.esc:
			f.esc = false
		case c == '\\':
			f.esc = true
		case c == '"':
			f.inStr = false
			if f.isKey {
				var k string
				if json.Unmarshal(append(append([]byte{'"'}, f.key...), '"'), &k) == nil {
					f.stack[len(f.stack)-1].key = k
				}
			}
			return nil
		}
		if f.isKey && len(f.key) < 4096 {
			f.key = append(f.key, c)
		}
		return nil
	}
	var top *jsonFrame
	if len(f.stack) > 0 {
		top = &f.stack[len(f.stack)-1]
	}
	switch c {
	case '{', '[':
		if len(f.stack) >= maxJSONDepth {
			return invalid("The document is nested too deeply.")
		}
		f.stack = append(f.stack, jsonFrame{object: c == '{', wantKey: c == '{'})
	case '}', ']':
		if top == nil || top.object != (c == '}') {
			return invalid("The document is not valid JSON.")
		}
		f.stack = f.stack[:len(f.stack)-1]
	case ',':
		if top != nil && top.object {
			top.wantKey = true
		}
	case ':':
		if top != nil && top.object {
			top.wantKey = false
		}
	case '"':
		f.inStr = true
		f.isKey = top != nil && top.object && top.wantKey
		f.key = f.key[:0]
		if top != nil && top.object && top.wantKey {
			top.key = ""
		}
		if !f.isKey && f.atAttachmentData() {
			f.divert = f.sink(f.stack[1].key)
		}
	}
	return nil
}

func (f *attachmentFilter) atAttachmentData() bool {
	s := f.stack
	return len(s) == 3 && s[0].object && s[0].key == "_attachments" && s[1].object && s[2].object && s[2].key == "data"
}

// pump moves the rest of a diverted string to its sink, through the closing quote.
func (f *attachmentFilter) pump() error {
	for {
		if _, err := f.src.Peek(1); err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		buf, _ := f.src.Peek(f.src.Buffered())
		i := bytes.IndexAny(buf, "\"\\")
		if i < 0 {
			i = len(buf)
		}
		if i > 0 {
			if _, err := f.divert.Write(buf[:i]); err != nil {
				return err
			}
			_, _ = f.src.Discard(i)
			continue
		}
		c, _ := f.src.ReadByte()
		if c == '"' {
			return nil
		}
		e, err := f.src.ReadByte()
		if err != nil {
			return io.ErrUnexpectedEOF
		}
		var out []byte
		switch e {
		case '"', '\\', '/':
			out = []byte{e}
		case 'n', 'r':
			out = []byte{'\n'} // line breaks inside base64 are ignored
		case 'u':
			hex4 := make([]byte, 4)
			if _, err := io.ReadFull(f.src, hex4); err != nil {
				return io.ErrUnexpectedEOF
			}
			r, err := strconv.ParseUint(string(hex4), 16, 16)
			if err != nil {
				return invalid("The document is not valid JSON: bad \\u escape.")
			}
			out = []byte(string(rune(r)))
		default:
			out = []byte{'\\', e} // not base64: the decoder refuses it
		}
		if _, err := f.divert.Write(out); err != nil {
			return err
		}
	}
}

// ParseDeprecate reads the document `npm deprecate` sends back: the packument with a
// "deprecated" message on the versions it changes ("" undeprecates).
func ParseDeprecate(body io.Reader) (map[string]string, error) {
	var doc struct {
		Versions map[string]map[string]json.RawMessage `json:"versions"`
	}
	if err := decodeSmall(body, &doc); err != nil {
		return nil, err
	}
	if len(doc.Versions) > MaxDocumentVersions {
		return nil, tooManyVersions(len(doc.Versions))
	}
	out := map[string]string{}
	for v, m := range doc.Versions {
		raw, ok := m["deprecated"]
		if !ok {
			continue
		}
		var msg string
		if err := json.Unmarshal(raw, &msg); err != nil {
			return nil, invalid("versions[%q].deprecated must be a string.", v)
		}
		if n := utf8.RuneCountInString(msg); n > MaxDeprecation {
			return nil, invalid("The deprecation message of %s has %d characters; at most %d are accepted.", v, n, MaxDeprecation)
		}
		out[v] = msg
	}
	if len(out) == 0 {
		return nil, notGiven("package versions to deprecate")
	}
	return out, nil
}

// ParseUpdate reads the document `npm unpublish name@version` sends back: the
// packument without the version being removed, and its adjusted dist-tags.
func ParseUpdate(body io.Reader) (keep []string, tags map[string]string, err error) {
	var doc struct {
		Versions map[string]json.RawMessage `json:"versions"`
		DistTags map[string]any             `json:"dist-tags"`
	}
	if err := decodeSmall(body, &doc); err != nil {
		return nil, nil, err
	}
	if len(doc.Versions) == 0 {
		return nil, nil, invalid("The document keeps no version; unpublish the whole package instead.")
	}
	if len(doc.Versions) > MaxDocumentVersions {
		return nil, nil, tooManyVersions(len(doc.Versions))
	}
	if len(doc.DistTags) > MaxDistTags {
		return nil, nil, tooManyTags(len(doc.DistTags))
	}
	keep = make([]string, 0, len(doc.Versions))
	for v := range doc.Versions {
		keep = append(keep, v)
	}
	tags = map[string]string{}
	for t, v := range doc.DistTags {
		if s, ok := v.(string); ok {
			tags[t] = s
		}
	}
	return keep, tags, nil
}

// ParseTagVersion reads the body of a dist-tag PUT: a JSON string (npm) or the bare version.
func ParseTagVersion(body io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(body, 1024))
	if err != nil {
		return "", invalid("The request body could not be read.")
	}
	v := strings.TrimSpace(string(b))
	if strings.HasPrefix(v, `"`) {
		if err := json.Unmarshal([]byte(v), &v); err != nil {
			return "", invalid("The body must be a version as a JSON string.")
		}
	}
	if strings.TrimSpace(v) == "" {
		return "", notGiven("Version")
	}
	if !ValidVersion(v) {
		return "", invalid("Version %q is not a valid SemVer 2.0 version.", v)
	}
	return v, nil
}

func decodeSmall(body io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(body, MaxDocument))
	if err := dec.Decode(v); err != nil {
		return documentError(err)
	}
	return nil
}

// Manifest fields a packument exposes per version. The abbreviated document
// (application/vnd.npm.install-v1+json) carries only what installing needs.
var (
	abbreviatedFields = []string{
		"name", "version", "dependencies", "optionalDependencies", "devDependencies",
		"bundleDependencies", "bundledDependencies", "peerDependencies", "peerDependenciesMeta",
		"bin", "directories", "engines", "_hasShrinkwrap", "os", "cpu", "libc", "funding",
		"acceptDependencies", "deprecated",
	}
	fullFields = append([]string{
		"description", "keywords", "license", "homepage", "repository", "bugs", "author",
		"maintainers", "main", "module", "types", "typings", "type", "browser", "files", "man",
		"gitHead", "_npmVersion", "_nodeVersion", "_npmUser",
	}, abbreviatedFields...)
)

// RenderInput is what a packument is rendered from.
type RenderInput struct {
	Package *Package
	// TarballBase is the URL prefix tarball links start with: the endpoint (project,
	// group or instance) the client asked, so its token and registry apply.
	TarballBase string
	Abbreviated bool
}

// RenderPackument renders a package document (the "packument").
func RenderPackument(in RenderInput) ([]byte, error) {
	pkg := in.Package
	fields := fullFields
	if in.Abbreviated {
		fields = abbreviatedFields
	}
	versions := make(map[string]any, len(pkg.Versions))
	times := map[string]string{}
	var created, modified time.Time
	for _, v := range pkg.Versions {
		versions[v.Version] = renderVersion(v, fields, in)
		times[v.Version] = npmTime(v.CreatedAt)
		if created.IsZero() || v.CreatedAt.Before(created) {
			created = v.CreatedAt
		}
		if v.UpdatedAt.After(modified) {
			modified = v.UpdatedAt
		}
	}
	doc := map[string]any{"name": pkg.Name, "dist-tags": pkg.DistTags, "versions": versions}
	if in.Abbreviated {
		doc["modified"] = npmTime(modified)
		return json.Marshal(doc)
	}
	times["created"], times["modified"] = npmTime(created), npmTime(modified)
	doc["_id"], doc["_rev"], doc["time"] = pkg.Name, pkg.Rev, times
	for _, v := range pkg.Versions {
		if v.Version == pkg.DistTags["latest"] {
			pj := manifest(v)
			for _, k := range []string{"description", "keywords", "license", "homepage", "repository", "author", "bugs"} {
				if val, ok := pj[k]; ok {
					doc[k] = val
				}
			}
		}
	}
	return json.Marshal(doc)
}

func renderVersion(v *ent.PackageVersion, fields []string, in RenderInput) map[string]any {
	pj := manifest(v)
	out := make(map[string]any, len(fields)+4)
	for _, k := range fields {
		if val, ok := pj[k]; ok {
			out[k] = val
		}
	}
	delete(out, "deprecated")
	out["name"], out["version"] = v.Name, v.Version
	if msg := Deprecation(v); msg != "" {
		out["deprecated"] = msg
	}
	if scripts, ok := pj["scripts"].(map[string]any); ok {
		for _, s := range []string{"preinstall", "install", "postinstall"} {
			if _, ok := scripts[s]; ok {
				out["hasInstallScript"] = true
			}
		}
	}
	if !in.Abbreviated {
		out["_id"] = v.Name + "@" + v.Version
	}
	f := v.Edges.Files[0]
	dist := map[string]any{
		"shasum":  f.Sha1,
		"tarball": in.TarballBase + "/" + v.Name + "/-/" + TarballName(v.Name, v.Version),
	}
	if sum, err := hex.DecodeString(f.Sha512); err == nil && len(sum) > 0 {
		dist["integrity"] = "sha512-" + base64.StdEncoding.EncodeToString(sum)
	}
	if old, ok := pj["dist"].(map[string]any); ok {
		for _, k := range []string{"fileCount", "unpackedSize", "signatures", "attestations"} {
			if val, ok := old[k]; ok {
				dist[k] = val
			}
		}
	}
	out["dist"] = dist
	return out
}

func npmTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// SearchResult renders `npm search` results (the /-/v1/search response).
func SearchResult(res *SearchHits, now time.Time) any {
	objects := make([]any, 0, len(res.Packages))
	for _, v := range res.Packages {
		pj := manifest(v)
		scope := ScopeOf(v.Name)
		if scope == "" {
			scope = "unscoped"
		}
		p := map[string]any{
			"name": v.Name, "scope": scope, "version": v.Version, "date": npmTime(v.CreatedAt),
			"links": map[string]any{}, "maintainers": []any{},
		}
		for _, k := range []string{"description", "keywords", "author"} {
			if val, ok := pj[k]; ok {
				p[k] = val
			}
		}
		// The publisher by username only: an account's e-mail address is private.
		if u := v.Edges.Creator; u != nil {
			p["publisher"] = map[string]string{"username": u.Username}
			p["maintainers"] = []any{p["publisher"]}
		}
		if hp, ok := pj["homepage"].(string); ok {
			p["links"] = map[string]any{"homepage": hp}
		}
		objects = append(objects, map[string]any{
			"package":     p,
			"score":       map[string]any{"final": 1, "detail": map[string]any{"quality": 1, "popularity": 1, "maintenance": 1}},
			"searchScore": 1,
		})
	}
	return map[string]any{"objects": objects, "total": res.Total, "time": now.UTC().Format(time.RFC1123)}
}

// ParseSearch reads `npm search`'s parameters: the text, bounded in words and
// length, and the page.
func ParseSearch(q url.Values) (text string, from, size int, err error) {
	text = q.Get("text")
	if n := utf8.RuneCountInString(text); n > MaxSearchText {
		return "", 0, 0, invalid("The search text has %d characters; at most %d are accepted.", n, MaxSearchText)
	}
	if n := len(strings.Fields(text)); n > MaxSearchTerms {
		return "", 0, 0, invalid("The search text has %d words; at most %d are accepted.", n, MaxSearchTerms)
	}
	for name, dst := range map[string]*int{"from": &from, "size": &size} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100000 {
				return "", 0, 0, registry.InvalidParam(name)
			}
			*dst = n
		}
	}
	return text, from, size, nil
}
