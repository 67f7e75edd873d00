package generic_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

func TestGenericProtocol(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	p := e.Project("acme/app", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	base := fmt.Sprintf("/api/v4/projects/%d/packages/generic", p.ID)

	t.Run("upload", func(t *testing.T) {
		res := e.Do("PUT", base+"/app/1.0.0/app.tar.gz", strings.NewReader("first"), tok...)
		if res.Status != http.StatusCreated || string(res.Body) != "{\"message\":\"201 Created\"}\n" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("upload by full path with sub-directory and select=package_file", func(t *testing.T) {
		res := e.Do("PUT", "/api/v4/projects/acme%2Fapp/packages/generic/app/1.0.0/docs/readme.md?select=package_file",
			strings.NewReader("readme"), tok...)
		var f struct {
			FileName   string `json:"file_name"`
			Size       int64  `json:"size"`
			FileSHA256 string `json:"file_sha256"`
		}
		if err := json.Unmarshal(res.Body, &f); err != nil || res.Status != http.StatusOK {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		sum := sha256.Sum256([]byte("readme"))
		// Stored as GitLab stores it: the path URI-component-encoded into one name.
		if f.FileName != "docs%2Freadme.md" || f.Size != 6 || f.FileSHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("file = %+v", f)
		}
		if got := e.Do("GET", base+"/app/1.0.0/docs/readme.md", nil, tok...); string(got.Body) != "readme" {
			t.Fatalf("download sub-path: %d %s", got.Status, got.Body)
		}
		// A file stored with its plain path (before names were encoded) still downloads by it.
		p, err := e.Svc.ProjectByRef(e.Admin, "acme/app")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.PublishFile(e.Admin, registry.PublishFileInput{Project: p, Type: registry.PackageTypeGeneric,
			Name: "app", Version: "1.0.0", FileName: "old/notes.txt", Body: strings.NewReader("old"), Size: -1}); err != nil {
			t.Fatal(err)
		}
		if got := e.Do("GET", base+"/app/1.0.0/old/notes.txt", nil, tok...); string(got.Body) != "old" {
			t.Fatalf("download of a plain sub-path name: %d %s", got.Status, got.Body)
		}
	})
	t.Run("duplicate is added and the newest is served", func(t *testing.T) {
		if res := e.Do("PUT", base+"/app/1.0.0/app.tar.gz", strings.NewReader("second"), tok...); res.Status != http.StatusCreated {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		res := e.Do("GET", base+"/app/1.0.0/app.tar.gz", nil, tok...)
		sum := sha256.Sum256([]byte("second"))
		if res.Status != 200 || string(res.Body) != "second" || res.Header.Get("X-Checksum-SHA256") != hex.EncodeToString(sum[:]) {
			t.Fatalf("got %d %q %v", res.Status, res.Body, res.Header)
		}
		if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="app.tar.gz"; filename*=UTF-8''app.tar.gz` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("Content-Type = %q", ct)
		}
	})
	t.Run("range, etag and head", func(t *testing.T) {
		res := e.Do("GET", base+"/app/1.0.0/app.tar.gz", nil, append(tok, "Range", "bytes=1-3")...)
		if res.Status != http.StatusPartialContent || string(res.Body) != "eco" {
			t.Fatalf("range: %d %q", res.Status, res.Body)
		}
		etag := res.Header.Get("ETag")
		if res := e.Do("GET", base+"/app/1.0.0/app.tar.gz", nil, append(tok, "If-None-Match", etag)...); res.Status != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", res.Status)
		}
		res = e.Do("HEAD", base+"/app/1.0.0/app.tar.gz", nil, tok...)
		if res.Status != 200 || len(res.Body) != 0 || res.Header.Get("Content-Length") != "6" {
			t.Fatalf("HEAD: %d %q %v", res.Status, res.Body, res.Header)
		}
	})
	t.Run("concurrent uploads of the same file", func(t *testing.T) {
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.Do("PUT", base+"/conc/1.0.0/same.bin", strings.NewReader("same bytes"), tok...).Status
			}()
		}
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusCreated {
				t.Errorf("upload %d: %d", i, s)
			}
		}
		res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_name=conc", p.ID), nil, tok...)
		var pkgs []struct{ ID int }
		if err := json.Unmarshal(res.Body, &pkgs); err != nil || len(pkgs) != 1 {
			t.Fatalf("want one package, got %s", res.Body)
		}
		files := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages/%d/package_files?per_page=100", p.ID, pkgs[0].ID), nil, tok...)
		var fs []struct {
			FileName string `json:"file_name"`
		}
		if err := json.Unmarshal(files.Body, &fs); err != nil || len(fs) != len(statuses) {
			t.Fatalf("want %d files, got %s", len(statuses), files.Body)
		}
	})
	t.Run("duplicates forbidden by the group setting, with exception regex", func(t *testing.T) {
		g, _ := e.Svc.GroupByRef(e.Admin, "acme")
		no := false
		if _, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{
			registry.PackageTypeGeneric: {Allowed: &no, ExceptionRegex: ptr(`.*-SNAPSHOT`)}}); err != nil {
			t.Fatal(err)
		}
		res := e.Do("PUT", base+"/app/1.0.0/app.tar.gz", strings.NewReader("third"), tok...)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "Duplicate package is not allowed") {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		// A new file name in the same version is not a duplicate.
		if res := e.Do("PUT", base+"/app/1.0.0/other.bin", strings.NewReader("x"), tok...); res.Status != http.StatusCreated {
			t.Fatalf("new name: %d %s", res.Status, res.Body)
		}
		// The exception regex allows duplicates of matching versions.
		for i := 0; i < 2; i++ {
			if res := e.Do("PUT", base+"/app/2.0-SNAPSHOT/a.jar", strings.NewReader(fmt.Sprint(i)), tok...); res.Status != http.StatusCreated {
				t.Fatalf("exception %d: %d %s", i, res.Status, res.Body)
			}
		}
		if got := e.Do("GET", base+"/app/1.0.0/app.tar.gz", nil, tok...); string(got.Body) != "second" {
			t.Fatalf("refused duplicate changed the file: %q", got.Body)
		}
	})
	t.Run("hidden packages download but are not listed", func(t *testing.T) {
		if res := e.Do("PUT", base+"/secret/1.0.0/s.bin?status=hidden", strings.NewReader("s"), tok...); res.Status != 201 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		if res := e.Do("GET", base+"/secret/1.0.0/s.bin", nil, tok...); res.Status != 200 || string(res.Body) != "s" {
			t.Fatalf("download hidden: %d", res.Status)
		}
		res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_name=secret", p.ID), nil, tok...)
		if res.Status != 200 || string(res.Body) != "[]\n" {
			t.Fatalf("hidden listed: %d %s", res.Status, res.Body)
		}
	})
	t.Run("bad input is a 4xx with a JSON message", func(t *testing.T) {
		cases := []struct {
			method, path string
			headers      []string
			want         int
			message      string
		}{
			{"PUT", base + "/bad%20name/1.0.0/f.txt", tok, 400, `"package_name is invalid"`},
			{"PUT", base + "/a%2Fb/1.0.0/f.txt", tok, 400, `"package_name is invalid"`},
			{"PUT", base + "/app/1..0/f.txt", tok, 400, `"package_version is invalid"`},
			{"PUT", base + "/app/1.0%2F0/f.txt", tok, 400, `"package_version is invalid"`},
			{"PUT", base + "/app/1.0.0/..", tok, 400, `"file_name should be a valid file path"`},
			{"PUT", base + "/app/1.0.0/a/../../b", tok, 400, `"path should be a valid file path"`},
			{"PUT", base + "/app/1.0.0/%2E%2E/x", tok, 400, `"path should be a valid file path"`},
			{"PUT", base + "/app/1.0.0/a%2F..%2Fb", tok, 400, `"file_name should be a valid file path"`},
			{"PUT", base + "/app/1.0.0/~f.txt", tok, 400, `"file_name is invalid"`},
			{"PUT", base + "/app/1.0.0/f%00.txt", tok, 400, `"file_name is invalid"`},
			{"PUT", base + "/app/1.0.0/f.txt?status=processing", tok, 400, `"status does not have a valid value"`},
			{"PUT", base + "/app/1.0.0/f.txt?select=x", tok, 400, `"select does not have a valid value"`},
			{"PUT", base + "/app/1.0.0/f.txt", nil, 401, `"401 Unauthorized"`},
			{"PUT", base + "/app/1.0.0/f.txt", []string{"Private-Token", "glpat-wrong"}, 401, `"401 Unauthorized"`},
			{"PUT", base + "/app/1.0.0/f.txt", []string{"Job-Token", e.RootToken}, 401, `"401 Unauthorized"`},
			{"PUT", base + "/app/1.0.0/f.txt", []string{"Private-Token", e.PAT("root", "read_api")}, 403, `"403 Forbidden"`},
			{"PUT", "/api/v4/projects/9999/packages/generic/app/1.0.0/f.txt", tok, 404, `"404 Project Not Found"`},
			{"GET", base + "/app/9.9.9/f.txt", tok, 404, `"404 Package Not Found"`},
		}
		for _, c := range cases {
			res := e.Do(c.method, c.path, strings.NewReader("x"), c.headers...)
			if res.Status != c.want || !strings.Contains(string(res.Body), c.message) || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s: got %d %s, want %d %s", c.method, c.path, res.Status, res.Body, c.want, c.message)
			}
		}
	})
	t.Run("oversize is refused as soon as the limit is crossed", func(t *testing.T) {
		if err := e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeGeneric, 1024); err != nil {
			t.Fatal(err)
		}
		defer e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeGeneric, 5<<30)
		// Declared too large: refused before the body is read.
		res := e.Do("PUT", base+"/big/1.0.0/big.bin", bytes.NewReader(make([]byte, 2048)), tok...)
		if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), "File is too large") {
			t.Fatalf("declared: %d %s", res.Status, res.Body)
		}
		// Unknown length (chunked): refused when the stream crosses the limit.
		req, _ := http.NewRequest("PUT", e.URL+base+"/big/1.0.0/big.bin", &chunky{n: 1 << 20})
		req.Header.Set("Private-Token", e.RootToken)
		r2, err := http.DefaultClient.Do(req)
		if err == nil {
			r2.Body.Close()
			if r2.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("chunked: %d", r2.StatusCode)
			}
		}
		if res := e.Do("GET", base+"/big/1.0.0/big.bin", nil, tok...); res.Status != 404 {
			t.Fatalf("oversize upload left a file: %d", res.Status)
		}
	})
	t.Run("concurrent duplicates when forbidden: exactly one wins", func(t *testing.T) {
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.Do("PUT", base+"/race/1.0.0/one.bin", strings.NewReader(fmt.Sprint("v", i)), tok...).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case 201:
				created++
			case 400:
			default:
				t.Errorf("status %d", s)
			}
		}
		if created != 1 {
			t.Fatalf("created %d times: %v", created, statuses)
		}
	})
	t.Run("private project is 404 to outsiders and 401 to anonymous", func(t *testing.T) {
		e.User("stranger")
		st := e.PAT("stranger", "api")
		if res := e.Do("GET", base+"/app/1.0.0/app.tar.gz", nil, "Private-Token", st); res.Status != 404 {
			t.Fatalf("outsider: %d", res.Status)
		}
		if res := e.Do("GET", "/api/v4/projects/acme%2Fapp", nil, "Private-Token", st); res.Status != 404 {
			t.Fatalf("outsider project: %d", res.Status)
		}
		res := e.Do("GET", base+"/app/1.0.0/app.tar.gz", nil)
		if res.Status != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic realm=") {
			t.Fatalf("anonymous: %d %v", res.Status, res.Header)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// chunky is a body of unknown length (sent chunked).
type chunky struct{ n int }

func (c *chunky) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.n)
	c.n -= n
	return n, nil
}
