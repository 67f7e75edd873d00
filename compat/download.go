package compat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// Opener opens the content of a package file, or names a URL it can be read from
// directly ("" when the server must stream it).
type Opener interface {
	OpenFile(ctx context.Context, f *ent.PackageFile) (*registry.Content, error)
	DownloadURL(ctx context.Context, f *ent.PackageFile, contentType string) (string, error)
	// Downloaded records a download (a GET, not a HEAD) of a file it opened.
	Downloaded(ctx context.Context, f *ent.PackageFile, d registry.Download)
}

// ServeFile streams a package file with range support, an ETag and GitLab's checksum
// header. On file storage it hands the open *os.File to http.ServeContent, which lets
// the kernel copy the bytes (sendfile) instead of a user-space buffer.
func ServeFile(w http.ResponseWriter, r *http.Request, svc Opener, f *ent.PackageFile, contentType string) {
	Style{}.ServeFile(w, r, svc, f, contentType)
}

// ServeFile is ServeFile answering errors in the style's shape. With direct
// downloads on, a GET is redirected (302, as GitLab) to a short-lived signed URL
// of the object, unless the style's clients do not follow redirects; HEAD is
// always answered here, since a signed GET URL does not answer HEAD.
func (st Style) ServeFile(w http.ResponseWriter, r *http.Request, svc Opener, f *ent.PackageFile, contentType string) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	if r.Method == http.MethodGet && !st.NoRedirect {
		u, err := svc.DownloadURL(r.Context(), f, contentType)
		if err != nil {
			st.WriteError(w, r, err)
			return
		}
		if u != "" {
			// The redirect stands for the GET: object storage answers it, so only the
			// request's Range says whether it starts at the first byte.
			svc.Downloaded(r.Context(), f, registry.Download{Counted: rangeFromStart(r.Header.Get("Range"))})
			w.Header().Set("Cache-Control", "private, no-store")
			http.Redirect(w, r, u, http.StatusFound)
			return
		}
	}
	c, err := svc.OpenFile(r.Context(), f)
	if err != nil {
		st.WriteError(w, r, err)
		return
	}
	defer c.Close()
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", ContentDisposition(path.Base(f.FileName)))
	h.Set("ETag", `"`+f.Sha256+`"`)
	h.Set("X-Checksum-SHA256", f.Sha256)
	h.Set("X-Checksum-SHA1", f.Sha1)
	h.Set("X-Checksum-MD5", f.Md5)
	var content io.ReadSeeker = c
	if c.File != nil {
		content = c.File
	}
	cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(cw, r, "", f.CreatedAt, content)
	if r.Method == http.MethodGet {
		svc.Downloaded(r.Context(), f, registry.Download{Sent: cw.n, Counted: countsAsDownload(r, cw.status)})
	}
}

// countsAsDownload reports whether a GET answered with status counts as a download
// of the file. What counts is a response that carries the file from its first
// byte: a 200, or a 206 whose (first) range starts at byte 0, which is how a
// client that fetches in parts starts. The parts after it (a range that starts
// later, a resumed download), a 304 (the client has the file already), a 416 or
// an error do not, so that a download fetched in ten ranges is one download. A
// client that hangs up during the body is still counted: its response had begun.
func countsAsDownload(r *http.Request, status int) bool {
	switch status {
	case http.StatusOK:
		return true
	case http.StatusPartialContent:
		return rangeFromStart(r.Header.Get("Range"))
	}
	return false
}

// rangeFromStart reports whether a Range header is absent or its first range starts
// at byte 0 ("bytes=0-", "bytes=0-99,200-"); a suffix range ("bytes=-500") does not.
func rangeFromStart(h string) bool {
	if h == "" {
		return true
	}
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok {
		return true // not a byte range: ServeContent sends the whole file
	}
	first, _, _ := strings.Cut(spec, ",")
	return strings.HasPrefix(strings.TrimSpace(first), "0-")
}

// countingWriter counts the body bytes written and keeps the status. It keeps
// io.ReaderFrom, so that a file is still copied by the kernel (sendfile).
type countingWriter struct {
	http.ResponseWriter
	n      int64
	status int
}

func (c *countingWriter) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	var err error
	if rf, ok := c.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(struct{ io.Writer }{c.ResponseWriter}, r)
	}
	c.n += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// ServeDocument answers with an index document from registry.Document: its ETag, a
// 304 when the client's copy is current (the document was not even built), and the
// body otherwise (HEAD included), compressed as the client's Accept-Encoding prefers
// among the forms the document was rendered in.
func ServeDocument(w http.ResponseWriter, r *http.Request, doc *registry.Document, contentType string) {
	h := w.Header()
	h.Set("ETag", doc.ETag)
	h.Set("Cache-Control", "private, no-cache")
	h.Add("Vary", "Accept-Encoding")
	if doc.NotModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := doc.Body
	switch NegotiateEncoding(r.Header.Get("Accept-Encoding"), func(c string) bool {
		return c == "br" && doc.Brotli != nil || c == "gzip" && doc.Gzip != nil
	}) {
	case "br":
		body = doc.Brotli
		h.Set("Content-Encoding", "br")
	case "gzip":
		body = doc.Gzip
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// ContentDisposition is the attachment header as GitLab writes it (Rails'
// ActionDispatch::Http::ContentDisposition): filename= is the name transliterated to
// ASCII (what has no ASCII form becomes "?") and percent-escaped outside the
// traditional token characters; filename*= is the UTF-8 name percent-escaped outside
// RFC 5987's attribute characters. Clients that read filename* (RFC 6266) prefer it.
func ContentDisposition(name string) string {
	return `attachment; filename="` + percentEscape(transliterate(name), " !#$+.^_`|~-") +
		`"; filename*=UTF-8''` + percentEscape(name, "!#$&+.^_`|~-")
}

// transliterate drops accents (NFD, then no combining marks) and replaces what is
// still not ASCII with "?", as I18n.transliterate does by default.
func transliterate(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 0x80:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// percentEscape escapes every byte but ASCII letters, digits and those in keep.
func percentEscape(s, keep string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
