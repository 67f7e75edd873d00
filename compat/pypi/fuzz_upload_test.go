package pypi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// FuzzUploadRequest sends twine's upload through the running server with a fuzzed
// multipart body and content type: whatever arrives, the answer is a 201 or a 4xx
// with a message, never a 5xx. The seeds in testdata/fuzz run in every go test.
func FuzzUploadRequest(f *testing.F) {
	e := compattest.New(f)
	e.Group("acme", "private")
	p := e.Project("acme/app", "private", "")
	e.User("alice")
	e.Member("alice", "acme/app", "developer")
	pat := e.PAT("alice", "api")
	url := fmt.Sprintf("%s/api/v4/projects/%d/packages/pypi", e.URL, p.ID)

	valid, ct := form(field(":action", "file_upload"), field("name", "hello"), field("version", "1.0.0"),
		part{name: "content", file: "hello-1.0.0.tar.gz", value: "sdist"}, field("summary", "hi"))
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(ct, valid.Bytes())
	late, _ := form(part{name: "content", file: "hello-2.0.0-py3-none-any.whl", value: "PK\x05\x06" + strings.Repeat("\x00", 18)},
		field("name", "hello"), field("version", "2.0.0"), field("sha256_digest", strings.Repeat("0", 64)))
	f.Add(ct, late.Bytes())
	f.Add(ct, valid.Bytes()[:valid.Len()/2])                                          // truncated
	f.Add(ct, bytes.ReplaceAll(valid.Bytes(), []byte("hello-1.0.0"), []byte("../x"))) // a path for a file name
	f.Add(ct, bytes.ReplaceAll(valid.Bytes(), []byte("1.0.0"), []byte("1.0\x00")))
	f.Add("multipart/form-data", valid.Bytes())
	f.Add("multipart/form-data; boundary="+strings.Repeat("b", 80), []byte("--"+strings.Repeat("b", 80)+"--\r\n"))
	f.Add("application/json", []byte(`{"name":"hello"}`))
	f.Add(ct, []byte("--"+boundary+"\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a\"\r\n\r\nx\r\n--"+boundary+
		"\r\nContent-Disposition: form-data; name=\"content\"; filename=\"b\"\r\n\r\ny\r\n--"+boundary+"--\r\n"))
	client := &http.Client{}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		if strings.ContainsFunc(contentType, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return // net/http sends no such header
		}
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		req.SetBasicAuth("__token__", pat)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 || (res.StatusCode >= 400 && !bytes.Contains(b, []byte(`"message"`)) && !bytes.Contains(b, []byte(`"error"`))) {
			t.Fatalf("upload answered %d %s", res.StatusCode, b)
		}
	})
}
