package compattest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// BadInput is one request of a format's bad-input corpus: something a client (or an
// attacker) may send that names, carries or packs what no package may hold.
type BadInput struct {
	Name string
	Send func(headers ...string) *Response
}

// BadInputProbe is a probe with a bad-input corpus: requests the format must refuse
// with a 4xx and a message, leaving the project holding what it held (the suite's
// "bad input" case sends each with the administrator's token, so authorization is
// not what refuses them).
type BadInputProbe interface {
	BadInputs(e *Env, project string) []BadInput
}

// BadSegments are URL path segments, as sent, that must not name a package, a
// version or a file: traversal plain and encoded, an encoded slash and backslash, a
// NUL, bytes that are not UTF-8 (an overlong '.'), a segment longer than any name.
var BadSegments = []string{
	"..", "%2e%2e", "%2E%2E", ".", "a%2Fb", "..%2F..%2Fetc", "a%2F..%2Fb", "a%5C..%5Cb",
	"%00", "a%00b", "%ff", "a%C0%AEb", strings.Repeat("a", 300), "%252e%252e",
}

// BadValues are the decoded forms, for names, versions and paths carried in a
// request's body (JSON, multipart fields, a manifest inside an archive).
var BadValues = []string{
	"..", "../x", "a/../b", `a\..\b`, "/abs", "a\x00b", "a\xffb", strings.Repeat("a", 300), " ",
}

// NotAnArchive is what a client might upload where an archive belongs.
var NotAnArchive = []byte("this is not an archive, only text\n")

// Truncated sends a request whose Content-Length promises more than the body
// holds: half the body is sent, then the client stops writing (a half-close, so it
// can still read the answer).
func (e *Env) Truncated(method, path string, body []byte, headers ...string) *Response {
	e.T.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	e.must(err)
	defer conn.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n", method, path, len(body)+1)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	b.WriteString("\r\n")
	b.Write(body[:len(body)/2])
	if _, err := conn.Write(b.Bytes()); err != nil {
		return &Response{Body: []byte(err.Error())}
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return &Response{Body: []byte("no answer: " + err.Error())}
	}
	defer res.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(res.Body)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: out.Bytes()}
}

var bombOnce sync.Once
var (
	bombEntry []byte // 128 MiB of zeros, deflated
	bombCRC   uint32
)

// ZipBomb is a zip archive of a few hundred kilobytes holding the given entries
// plus the entry bomb, which inflates to 128 MiB (a thousand times its size).
func ZipBomb(bomb string, entries map[string][]byte) []byte { return zipBomb(bomb, entries, 1<<27) }

// ZipBombLying is ZipBomb with the bomb entry declaring a size of one kilobyte, so
// that only reading it finds out.
func ZipBombLying(bomb string, entries map[string][]byte) []byte {
	return zipBomb(bomb, entries, 1<<10)
}

func zipBomb(bomb string, entries map[string][]byte, declared uint64) []byte {
	bombOnce.Do(func() {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestCompression)
		zeros := make([]byte, 1<<20)
		for range 1 << 7 {
			_, _ = w.Write(zeros)
			bombCRC = crc32.Update(bombCRC, crc32.IEEETable, zeros)
		}
		_ = w.Close()
		bombEntry = b.Bytes()
	})
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	writeEntries(zw, entries)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: bomb, Method: zip.Deflate,
		CRC32: bombCRC, CompressedSize64: uint64(len(bombEntry)), UncompressedSize64: declared})
	_, _ = w.Write(bombEntry)
	_ = zw.Close()
	return b.Bytes()
}

// writeEntries adds the entries to a zip archive in name order.
func writeEntries(zw *zip.Writer, entries map[string][]byte) {
	for _, n := range slices.Sorted(maps.Keys(entries)) {
		w, _ := zw.Create(n)
		_, _ = w.Write(entries[n])
	}
}

// holdings lists what a project holds of a format: every version with its status,
// every file with its digest, how many blobs the instance records and how many
// objects its storage holds (temporary uploads included).
func holdings(e *Env, projectPath string, typ registry.PackageType) []string {
	e.T.Helper()
	ctx := context.Background()
	c := e.DB.Client
	// Read whole and filtered here: compat/ uses no ent predicates (server's TestLayers).
	pid := e.ProjectRow(projectPath).ID
	all, err := c.PackageVersion.Query().WithFiles().All(ctx)
	e.must(err)
	var vs []*ent.PackageVersion
	for _, v := range all {
		if v.ProjectID == pid && string(v.PackageType) == string(typ) {
			vs = append(vs, v)
		}
	}
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("version %s@%s %s", v.Name, v.Version, v.Status))
		for _, f := range v.Edges.Files {
			out = append(out, fmt.Sprintf("file %s@%s/%s %d %s %s", v.Name, v.Version, f.FileName, f.Size, f.Sha256, f.Status))
		}
	}
	n, err := c.Blob.Query().Count(ctx)
	e.must(err)
	out = append(out, fmt.Sprintf("%d blobs", n))
	keys, err := e.Blobs.Keys(ctx, "")
	e.must(err)
	out = append(out, fmt.Sprintf("%d stored objects", len(keys)))
	slices.Sort(out)
	return out
}

// badInputCase sends a probe's corpus with the administrator's token: every answer
// must be a 4xx with a message, and the project must hold afterwards exactly what
// it held before.
func badInputCase(t testingT, e *Env, p Probe, bp BadInputProbe, projectPath string, headers ...string) {
	before := holdings(e, projectPath, p.Type())
	corpus := bp.BadInputs(e, projectPath)
	for _, in := range corpus {
		res := in.Send(headers...)
		if res.Status < 400 || res.Status >= 500 {
			t.Errorf("%s: got %d, want a 4xx (%.300q)", in.Name, res.Status, res.Body)
		} else if len(bytes.TrimSpace(res.Body)) == 0 {
			t.Errorf("%s: %d without a message", in.Name, res.Status)
		}
	}
	t.Logf("%d bad inputs", len(corpus))
	// A refused upload's temporary object goes as its handler returns, which may be
	// just after the answer is sent.
	after := holdings(e, projectPath, p.Type())
	for deadline := time.Now().Add(5 * time.Second); !slices.Equal(before, after) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		after = holdings(e, projectPath, p.Type())
	}
	if !slices.Equal(before, after) {
		t.Errorf("the bad inputs changed what the project holds:\nbefore %q\nafter  %q", before, after)
	}
}

type testingT interface {
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}
