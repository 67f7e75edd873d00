package npm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/registry"
)

// Fuzz targets for everything npm reads from a client: request paths, package
// names, and the publish, deprecate, unpublish and dist-tag documents. The seeds in
// testdata/fuzz run in every go test; make fuzz mutates them further.

// clientError fails unless err is a kind the format answers with a 4xx: anything
// else (a bare decoding error, an I/O error) would reach the client as a 500.
func clientError(t *testing.T, err error) {
	t.Helper()
	var re *registry.Error
	if !errors.As(err, &re) || !(errors.Is(err, registry.ErrInvalid) || errors.Is(err, registry.ErrTooLarge) || errors.Is(err, registry.ErrNotFound)) {
		t.Fatalf("error %T %q is not a client error", err, err)
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"@acme%2fhello", "@acme/hello/-/@acme/hello-1.0.0.tgz", "-/package/plain/dist-tags/beta",
		"@acme%2fhello/-rev/3-abc", "ckages/npm/@acme/hello/-/@acme/hello-1.0.0.tgz/-rev/3-abc", "-/v1/search",
		"..%2f..%2fetc", "@acme%2f..", "a/-/a-1.0.0.tgz%00", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		p, err := ParsePath(escaped)
		if err != nil {
			clientError(t, err)
			if p != (Path{}) {
				t.Fatalf("error %v with a half-parsed path %+v", err, p)
			}
			return
		}
		switch p.Kind {
		case KindSearch, KindAuditBulk, KindAuditQuick, KindPing, KindWhoami:
			if p.Name != "" {
				t.Fatalf("fixed path with a name: %+v", p)
			}
			return
		}
		// Reads take any name that is a safe path, as GitLab's file_path validator
		// (a lookup of a name npm would refuse finds nothing); bounded in size.
		if !safePath(p.Name) || len(p.Name) > maxNameBytes {
			t.Fatalf("ParsePath(%q) gave the unsafe name %q", escaped, p.Name)
		}
		if (p.Kind == KindTarball || p.Kind == KindTarballRev) != (p.Version != "") {
			t.Fatalf("ParsePath(%q): kind %d with version %q", escaped, p.Kind, p.Version)
		}
		if p.Version != "" && !ValidVersion(p.Version) {
			t.Fatalf("ParsePath(%q) gave the invalid version %q", escaped, p.Version)
		}
		if (p.Kind == KindDistTag) != (p.Tag != "") || (p.Tag != "" && !ValidTag(p.Tag)) {
			t.Fatalf("ParsePath(%q): kind %d with tag %q", escaped, p.Kind, p.Tag)
		}
		// The name, escaped as npm escapes it, parses back to itself.
		again, err := ParsePath(strings.Replace(url.PathEscape(p.Name), "%40", "@", 1))
		if err != nil || again.Name != p.Name || again.Kind != KindPackage {
			t.Fatalf("name %q does not parse back: %+v, %v", p.Name, again, err)
		}
	})
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"left-pad", "@acme/hello", "@acme/..", "@../x", "..", "@a/b/c", "a\x00b", strings.Repeat("a", 215)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !ValidName(name) {
			return
		}
		if len(name) > 214 || strings.ContainsAny(name, "\x00\\ %?#") {
			t.Fatalf("ValidName(%q) accepted it", name)
		}
		base := name
		if scope := ScopeOf(name); scope != "" {
			if !registry.ValidNamespacePath(scope) || !strings.HasPrefix(name, "@"+scope+"/") {
				t.Fatalf("ValidName(%q) with scope %q", name, scope)
			}
			base = strings.TrimPrefix(name, "@"+scope+"/")
		} else if strings.Contains(name, "/") {
			t.Fatalf("ValidName(%q): a slash without a scope", name)
		}
		if base == "." || base == ".." || strings.Contains(base, "/") {
			t.Fatalf("ValidName(%q) accepted the base %q", name, base)
		}
		// The tarball name of a valid version gives the version back.
		if v, err := tarballVersion(name, url.PathEscape(TarballName(name, "1.0.0"))); err != nil || v != "1.0.0" {
			t.Fatalf("tarball of %q: %q, %v", name, v, err)
		}
	})
}

// fuzzMaxTarball is the tarball limit the fuzzer publishes under: small, so that
// the bound is crossed often.
const fuzzMaxTarball = 64 << 10

func FuzzParsePublish(f *testing.F) {
	tgz := base64.StdEncoding.EncodeToString([]byte("\x1f\x8b\x08\x00tarball"))
	f.Add("@acme/hello", `{"name":"@acme/hello","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":"@acme/hello","version":"1.0.0","dist":{"shasum":"0000000000000000000000000000000000000000","integrity":"sha512-`+strings.Repeat("A", 86)+`=="}}},"_attachments":{"@acme/hello-1.0.0.tgz":{"content_type":"application/octet-stream","data":"`+tgz+`","length":13}}}`)
	f.Add("plain", `{"versions":{"1.0.0":{"name":"plain","version":"1.0.0"}},"_attachments":{"plain-1.0.0.tgz":{"data":"AAEC\u0041\nAA=="},"x.sigstore":{"data":"e30="}}}`)
	f.Add("plain", `{"_attachments":{"a":{"data":"AAAA`) // truncated
	f.Add("plain", `{"versions":{"1.0.0":{}},"_attachments":{"a":{"data":"AA==AA=="}}}`)
	f.Add("plain", strings.Repeat("[", 600))
	f.Fuzz(func(t *testing.T, name, doc string) {
		var tarball bytes.Buffer
		p, err := ParsePublish(strings.NewReader(doc), name, &tarball, fuzzMaxTarball)
		if err != nil {
			clientError(t, err)
			if p != nil {
				t.Fatalf("error %v with a half-parsed document", err)
			}
			return
		}
		if p.Name != name || !ValidVersion(p.Version) || p.PackageJSON["version"] != p.Version {
			t.Fatalf("published %q@%q from %q", p.Name, p.Version, doc)
		}
		if p.Size == 0 || p.Size != int64(tarball.Len()) || p.Size > fuzzMaxTarball {
			t.Fatalf("size %d, %d bytes written", p.Size, tarball.Len())
		}
		if (p.SHA1 != "" && len(p.SHA1) != 40) || (p.SHA512 != "" && len(p.SHA512) != 128) {
			t.Fatalf("digests %q %q", p.SHA1, p.SHA512)
		}
		// The streaming decoder agrees with encoding/json and encoding/base64 on the
		// attachment, whenever they can read the whole document.
		var whole struct {
			Attachments map[string]struct {
				Data string `json:"data"`
			} `json:"_attachments"`
		}
		if json.Unmarshal([]byte(doc), &whole) != nil {
			return
		}
		for file, a := range whole.Attachments {
			if strings.HasSuffix(file, ".sigstore") {
				continue
			}
			want, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(a.Data))
			if err == nil && len(whole.Attachments) == 1 && !bytes.Equal(want, tarball.Bytes()) {
				t.Fatalf("attachment %q decoded to %q, want %q", file, tarball.Bytes(), want)
			}
		}
	})
}

func FuzzParseDeprecate(f *testing.F) {
	f.Add(`{"versions":{"1.0.0":{"deprecated":"use 2"},"2.0.0":{}}}`)
	f.Add(`{"versions":{"1.0.0":{"deprecated":""}}}`)
	f.Add(`{"versions":{"1.0.0":{"deprecated":1}}}`)
	f.Add(`{"versions":`)
	f.Fuzz(func(t *testing.T, doc string) {
		out, err := ParseDeprecate(strings.NewReader(doc))
		if err != nil {
			clientError(t, err)
			return
		}
		if len(out) == 0 || len(out) > MaxDocumentVersions {
			t.Fatalf("%d versions", len(out))
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	f.Add(`{"versions":{"1.0.0":{}},"dist-tags":{"latest":"1.0.0","beta":2}}`)
	f.Add(`{"versions":{}}`)
	f.Add(`{"versions":{"1.0.0":{}},"dist-tags":[]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		keep, tags, err := ParseUpdate(strings.NewReader(doc))
		if err != nil {
			clientError(t, err)
			if keep != nil || tags != nil {
				t.Fatal("error with a half-parsed document")
			}
			return
		}
		if len(keep) == 0 || len(keep) > MaxDocumentVersions || len(tags) > MaxDistTags {
			t.Fatalf("%d versions, %d tags", len(keep), len(tags))
		}
	})
}

func FuzzParseTagVersion(f *testing.F) {
	for _, s := range []string{`"1.0.0"`, "1.0.0\n", `"1.0.0`, `"\u0031.0.0"`, "v1.0.0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := ParseTagVersion(strings.NewReader(body))
		if err != nil {
			clientError(t, err)
			return
		}
		if !ValidVersion(v) || ValidTag(v) {
			t.Fatalf("ParseTagVersion(%q) = %q", body, v)
		}
	})
}

func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"text=hello&size=20&from=0", "text=" + strings.Repeat("a+", 11), "size=-1", "from=99999999999999999999", "text=%ZZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		text, from, size, err := ParseSearch(q)
		if err != nil {
			clientError(t, err)
			return
		}
		if from < 0 || size < 0 || from > 100000 || size > 100000 || len(strings.Fields(text)) > MaxSearchTerms {
			t.Fatalf("ParseSearch(%q) = %q, %d, %d", query, text, from, size)
		}
	})
}
