package npm_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestNPMRequestsAreBounded: dist-tags, the version lists of deprecate and unpublish,
// deprecation messages and search words were unbounded (issue "Authorization you
// can trust", bounded requests).
func TestNPMRequestsAreBounded(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	proj := e.Project("acme/tools", "private", "")
	root := []string{"Authorization", "Bearer " + e.RootToken}
	ep := fmt.Sprintf("/api/v4/projects/%d/packages/npm", proj.ID)
	p := protocol{e, t}
	tgz := []byte("tarball")
	p.expect(p.do("PUT", ep+"/@acme%2fhello", publishDoc("@acme/hello", "1.0.0", tgz, nil), root...), http.StatusOK, `"ok":true`)

	manyTags := publishDoc("@acme/hello", "1.0.1", tgz, func(doc, _, _ map[string]any) {
		tags := map[string]any{}
		for i := range 101 {
			tags[fmt.Sprintf("tag%d", i)] = "1.0.1"
		}
		doc["dist-tags"] = tags
	})
	p.expect(p.do("PUT", ep+"/@acme%2fhello", manyTags, root...), http.StatusBadRequest, "dist-tags")

	versions := func(n int, msg string) map[string]any {
		vs := map[string]any{}
		for i := range n {
			vs[fmt.Sprintf("1.0.%d", i)] = map[string]any{"deprecated": msg}
		}
		return vs
	}
	deprecate := func(vs map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"name": "@acme/hello", "versions": vs})
		return b
	}
	dep := append([]string{"Npm-Command", "deprecate"}, root...)
	p.expect(p.do("PUT", ep+"/@acme%2fhello", deprecate(versions(10001, "old")), dep...), http.StatusBadRequest, "versions")
	p.expect(p.do("PUT", ep+"/@acme%2fhello", deprecate(versions(1, strings.Repeat("é", 1025))), dep...), http.StatusBadRequest, "deprecation message")
	p.expect(p.do("PUT", ep+"/@acme%2fhello", deprecate(versions(1, strings.Repeat("é", 1024))), dep...), http.StatusOK, `"ok":true`)

	update, _ := json.Marshal(map[string]any{"_rev": "1", "versions": versions(10001, "")})
	p.expect(p.do("PUT", ep+"/@acme%2fhello/-rev/1", update, root...), http.StatusBadRequest, "versions")

	search := ep + "/-/v1/search?text="
	p.expect(p.do("GET", search+url.QueryEscape(strings.Repeat("w ", 11)), nil, root...), http.StatusBadRequest, "words")
	p.expect(p.do("GET", search+strings.Repeat("x", 257), nil, root...), http.StatusBadRequest, "characters")
	p.expect(p.do("GET", search+"hello", nil, root...), http.StatusOK, "@acme/hello")
}

// TestNPMSearchHidesEmails: npm search returned publishers' private e-mail addresses.
func TestNPMSearchHidesEmails(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	proj := e.Project("acme/tools", "private", "")
	e.User("publisher") // publisher@example.com
	e.Member("publisher", "acme/tools", "developer")
	tok := []string{"Authorization", "Bearer " + e.PAT("publisher", "api")}
	p := protocol{e, t}
	ep := fmt.Sprintf("/api/v4/projects/%d/packages/npm", proj.ID)
	p.expect(p.do("PUT", ep+"/@acme%2fhello", publishDoc("@acme/hello", "1.0.0", []byte("t"), nil), tok...), http.StatusOK, `"ok":true`)
	res := p.do("GET", ep+"/-/v1/search?text=hello", nil, tok...)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"username":"publisher"`) || strings.Contains(string(res.Body), "@example.com") {
		t.Fatalf("search: %d %s", res.Status, res.Body)
	}
}

// TestNPMPublishSpoolsIntoStorage: the tarball was spooled to a file in the OS temp
// directory, which garbage collection never sees after a crash. It now goes to the
// storage's tmp/, which it does.
func TestNPMPublishSpoolsIntoStorage(t *testing.T) {
	osTmp := t.TempDir()
	t.Setenv("TMPDIR", osTmp)
	e := compattest.New(t)
	e.Group("acme", "private")
	proj := e.Project("acme/tools", "private", "")
	doc := publishDoc("@acme/hello", "1.0.0", []byte(strings.Repeat("tarball bytes ", 1<<16)), nil)
	half := len(doc) / 2
	pr, pw := io.Pipe()
	// Cleanups run last first: end the body before the server is stopped, so a
	// failing check does not leave the request hanging.
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v4/projects/%d/packages/npm/@acme%%2fhello", e.URL, proj.ID), pr)
	req.Header.Set("Authorization", "Bearer "+e.RootToken)
	req.Header.Set("Content-Type", "application/json")
	done := make(chan *http.Response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	if _, err := pw.Write(doc[:half]); err != nil {
		t.Fatal(err)
	}
	storageTmp := filepath.Join(strings.TrimPrefix(e.StorageURL, "file://"), "tmp")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if entries, _ := os.ReadDir(storageTmp); len(entries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing is being received into the storage's tmp/")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if entries, _ := os.ReadDir(osTmp); len(entries) > 0 {
		t.Errorf("the publish spools into the OS temp dir: %v", entries[0].Name())
	}
	if _, err := pw.Write(doc[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if res := <-done; res == nil || res.StatusCode != http.StatusOK {
		t.Fatalf("publish: %v", res)
	}
	if entries, _ := os.ReadDir(storageTmp); len(entries) > 0 {
		t.Errorf("the upload's temporary object outlived it: %v", entries[0].Name())
	}
}

// TestSmallBodiesHaveADeadline: a client that dribbled a small body (a dist-tag)
// held its request open for as long as it liked.
func TestSmallBodiesHaveADeadline(t *testing.T) {
	e := compattest.NewWithConfig(t, func(c *registry.Config) { c.SmallBodyTimeout = 300 * time.Millisecond })
	e.Group("acme", "private")
	proj := e.Project("acme/tools", "private", "")
	for _, req := range []struct{ method, path string }{
		{"PUT", fmt.Sprintf("/api/v4/projects/%d/packages/npm/-/package/@acme%%2fhello/dist-tags/beta", proj.ID)},
		{"POST", "/api/graphql"},
	} {
		path := req.path
		start := time.Now()
		conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n\"", req.method, path, e.RootToken)
		// Dribble a byte now and then; the server must give up well before we finish.
		stop := make(chan struct{})
		go func() {
			for i := 0; i < 50; i++ {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
					_, _ = conn.Write([]byte(" "))
				}
			}
		}()
		_ = conn.SetReadDeadline(time.Now().Add(4 * time.Second))
		status, _ := bufio.NewReader(conn).ReadString('\n')
		close(stop)
		conn.Close()
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s: the dribbling client was served for %s (%q)", path, took, status)
		}
	}
}
