package compat

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/pkgreg/registry/registry"
)

func TestNegotiateEncoding(t *testing.T) {
	all := func(string) bool { return true }
	gzipOnly := func(c string) bool { return c == "gzip" }
	none := func(string) bool { return false }
	for _, c := range []struct {
		header    string
		available func(string) bool
		want      string
	}{
		{"", all, "identity"},
		{"gzip", all, "gzip"},
		{"br", all, "br"},
		{"gzip, deflate, br", all, "br"}, // a tie: the smaller
		{"gzip, br", gzipOnly, "gzip"},
		{"br", gzipOnly, "identity"},
		{"gzip;q=1.0, br;q=0.5", all, "gzip"},
		{"br;q=0, gzip", all, "gzip"},
		{"GZIP", all, "gzip"},
		{"x-gzip", all, "gzip"},
		{"identity", all, "identity"},
		{"identity;q=1, gzip;q=0.5", all, "identity"},
		{"*", all, "br"},
		{"*;q=0.5, gzip", all, "gzip"},
		{"gzip;q=0, br;q=0", all, "identity"},
		{"*;q=0", all, "identity"}, // nothing acceptable: identity anyway
		{"gzip;q=bogus, br;q=0.1", all, "br"},
		{"deflate", all, "identity"},
		{"gzip, br", none, "identity"},
		{" gzip ; q=0.8 , br ; q=0.9 ", all, "br"},
	} {
		if got := NegotiateEncoding(c.header, c.available); got != c.want {
			t.Errorf("%q: %s, want %s", c.header, got, c.want)
		}
	}
}

func TestServeDocumentEncodings(t *testing.T) {
	doc := &registry.Document{ETag: `"e"`, Body: []byte("identity body"), Gzip: []byte("gz"), Brotli: []byte("b")}
	small := &registry.Document{ETag: `"s"`, Body: []byte("small")}
	for _, c := range []struct {
		name, method, accept string
		doc                  *registry.Document
		status               int
		encoding, body       string
	}{
		{"identity", "GET", "", doc, 200, "", "identity body"},
		{"gzip", "GET", "gzip", doc, 200, "gzip", "gz"},
		{"brotli", "GET", "gzip, br", doc, 200, "br", "b"},
		{"head", "HEAD", "br", doc, 200, "br", ""},
		{"not compressed when small", "GET", "gzip, br", small, 200, "", "small"},
		{"not modified", "GET", "gzip", &registry.Document{ETag: `"e"`, NotModified: true}, 304, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, "/doc", nil)
			if c.accept != "" {
				r.Header.Set("Accept-Encoding", c.accept)
			}
			w := httptest.NewRecorder()
			w.Header().Set("Vary", "Accept")
			ServeDocument(w, r, c.doc, "application/json")
			res := w.Result()
			if res.StatusCode != c.status || res.Header.Get("Content-Encoding") != c.encoding || w.Body.String() != c.body {
				t.Errorf("%d %q %q", res.StatusCode, res.Header.Get("Content-Encoding"), w.Body.String())
			}
			if vary := res.Header.Values("Vary"); len(vary) != 2 || vary[0] != "Accept" || vary[1] != "Accept-Encoding" {
				t.Errorf("Vary: %q", vary)
			}
			if res.Header.Get("ETag") != c.doc.ETag {
				t.Errorf("ETag: %q", res.Header.Get("ETag"))
			}
			if c.status == http.StatusOK {
				want := map[string]int{"": len(c.doc.Body), "gzip": len(c.doc.Gzip), "br": len(c.doc.Brotli)}[c.encoding]
				if got := res.Header.Get("Content-Length"); got != strconv.Itoa(want) {
					t.Errorf("Content-Length %s, want %d", got, want)
				}
			}
		})
	}
}
