package registry_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// The storage suite: the same cases on file://, mem:// and a real S3 server
// (MinIO, started by the test), through the server's HTTP API.

type backend struct {
	name string
	url  func(t *testing.T) string
	s3   *compattest.S3 // set for the S3 backend once started
}

func backends() []*backend {
	bs := []*backend{
		{name: "file", url: func(t *testing.T) string { return "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "storage")) }},
		{name: "mem", url: func(*testing.T) string { return "mem://" }},
	}
	s := &backend{name: "s3"}
	s.url = func(t *testing.T) string {
		s.s3 = compattest.StartS3(t)
		return s.s3.Bucket(t, "registry")
	}
	return append(bs, s)
}

func storageEnv(t *testing.T, b *backend, cfg func(*registry.Config)) *compattest.Env {
	e := compattest.StartWithConfig(t, compattest.DatabaseURL(t), b.url(t), cfg)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	return e
}

func genericPath(name, version, file string) string {
	return "/api/v4/projects/g%2Fp/packages/generic/" + name + "/" + version + "/" + file
}

func TestStorageSuite(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := storageEnv(t, b, nil)
			root := []string{"Private-Token", e.RootToken}
			content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
			t.Run("put get range stat", func(t *testing.T) {
				if res := e.Do("PUT", genericPath("lib", "1.0.0", "a.bin"), bytes.NewReader(content), root...); res.Status != 201 {
					t.Fatalf("put: %d %s", res.Status, res.Body)
				}
				if res := e.Do("GET", genericPath("lib", "1.0.0", "a.bin"), nil, root...); !bytes.Equal(res.Body, content) {
					t.Fatalf("get: %d, %d bytes", res.Status, len(res.Body))
				}
				res := e.Do("GET", genericPath("lib", "1.0.0", "a.bin"), nil, append(root, "Range", "bytes=1000-1015")...)
				if res.Status != http.StatusPartialContent || !bytes.Equal(res.Body, content[1000:1016]) {
					t.Fatalf("range: %d %q", res.Status, res.Body)
				}
				res = e.Do("HEAD", genericPath("lib", "1.0.0", "a.bin"), nil, root...)
				if res.Status != 200 || res.Header.Get("Content-Length") != fmt.Sprint(len(content)) {
					t.Fatalf("head: %d %v", res.Status, res.Header)
				}
			})
			t.Run("content addressing", func(t *testing.T) {
				before := objects(t, e)
				if res := e.Do("PUT", genericPath("lib", "2.0.0", "b.bin"), bytes.NewReader(content), root...); res.Status != 201 {
					t.Fatalf("put: %d %s", res.Status, res.Body)
				}
				if _, err := e.Svc.CollectGarbage(e.Admin, 0); err != nil {
					t.Fatal(err)
				}
				if after := objects(t, e); len(after) != len(before) {
					t.Fatalf("the same bytes are stored twice: %v then %v", before, after)
				}
			})
			t.Run("interrupted upload", func(t *testing.T) {
				before := objects(t, e)
				interruptedUpload(t, e, genericPath("lib", "3.0.0", "c.bin"), 20<<20)
				if res := e.Do("GET", genericPath("lib", "3.0.0", "c.bin"), nil, root...); res.Status != http.StatusNotFound {
					t.Fatalf("a half-sent file is visible: %d", res.Status)
				}
				if _, err := e.Svc.CollectGarbage(e.Admin, 0); err != nil {
					t.Fatal(err)
				}
				if after := objects(t, e); len(after) != len(before) {
					t.Fatalf("an interrupted upload left objects: %v then %v", before, after)
				}
				if b.s3 != nil {
					// A server that crashed mid-upload leaves a multipart upload
					// behind, invisible to listings: GC aborts it.
					c := b.s3.Client()
					mu, err := c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{
						Bucket: aws.String("registry"), Key: aws.String("blobs/objects/crashed")})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := c.UploadPart(context.Background(), &s3.UploadPartInput{Bucket: aws.String("registry"),
						Key: aws.String("blobs/objects/crashed"), UploadId: mu.UploadId, PartNumber: aws.Int32(1),
						Body: bytes.NewReader(make([]byte, 5<<20))}); err != nil {
						t.Fatal(err)
					}
					if n := unfinishedUploads(t, b.s3); n != 1 {
						t.Fatalf("%d unfinished multipart uploads, want the crashed one", n)
					}
					time.Sleep(1100 * time.Millisecond) // S3 times have a resolution of a second
					st, err := e.Svc.CollectGarbage(e.Admin, 0)
					if err != nil || st.Temporary != 1 {
						t.Fatalf("gc: %+v %v", st, err)
					}
					if n := unfinishedUploads(t, b.s3); n != 0 {
						t.Fatalf("%d unfinished multipart uploads after GC", n)
					}
				}
			})
			t.Run("gc removes deleted content", func(t *testing.T) {
				other := []byte("bytes of a package about to be deleted")
				if res := e.Do("PUT", genericPath("doomed", "1.0.0", "d.bin"), bytes.NewReader(other), root...); res.Status != 201 {
					t.Fatalf("put: %d", res.Status)
				}
				before := objects(t, e)
				vs, _ := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: e.ProjectRow("g/p")},
					Type: registry.PackageTypeGeneric, Name: "doomed"})
				if err := e.Svc.DeletePackage(e.Admin, e.ProjectRow("g/p"), vs[0].ID); err != nil {
					t.Fatal(err)
				}
				st, err := e.Svc.CollectGarbage(e.Admin, 0)
				if err != nil || st.Blobs != 1 {
					t.Fatalf("gc: %+v %v", st, err)
				}
				if after := objects(t, e); len(after) != len(before)-1 {
					t.Fatalf("gc left the object: %v then %v", before, after)
				}
			})
			t.Run("usage", func(t *testing.T) {
				u, err := e.Svc.ProjectStorageUsage(e.Admin, e.ProjectRow("g/p"))
				if err != nil || u.PackagesSize != int64(len(content)) {
					t.Fatalf("project usage (two files of the same 1 MiB): %+v %v", u, err)
				}
			})
		})
	}
}

// objects lists what storage holds for blobs.
func objects(t *testing.T, e *compattest.Env) []string {
	t.Helper()
	keys, err := e.Blobs.Keys(context.Background(), "blobs/")
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := e.Blobs.Keys(context.Background(), "tmp/")
	if err != nil {
		t.Fatal(err)
	}
	return append(keys, tmp...)
}

// interruptedUpload sends part of a body of the declared size and drops the
// connection, as a client that crashes mid-upload does.
func interruptedUpload(t *testing.T, e *compattest.Env, path string, size int) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nPrivate-Token: %s\r\nContent-Length: %d\r\n\r\n", path, e.RootToken, size)
	chunk := make([]byte, 1<<20)
	for sent := 0; sent < size/2; sent += len(chunk) {
		if _, err := conn.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	// The server notices the closed connection when it next reads.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(tmpOrNew(t, e)) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tmpOrNew lists what an upload in flight holds under tmp/ (file storage).
func tmpOrNew(t *testing.T, e *compattest.Env) []string {
	keys, err := e.Blobs.Keys(context.Background(), "tmp/")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func unfinishedUploads(t *testing.T, s *compattest.S3) int {
	t.Helper()
	out, err := s.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("registry")})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

// zeros is size bytes of zeros, read without holding them.
type zeros struct{ left int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.left == 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > z.left {
		n = z.left
	}
	clear(p[:n])
	z.left -= n
	return int(n), nil
}

// TestLargeUploadStreams uploads 6 GiB (over S3's 5 GiB single-request limit) to
// file and S3 storage and checks that the server's memory stays bounded while it
// streams: the live heap (what the server holds, garbage aside) grows by at most
// 64 MiB. make bench measures the server process's RSS. (mem:// holds what it stores in
// memory, so it is not a case here.) It runs on one database pass only: storage
// does not depend on the database.
func TestLargeUploadStreams(t *testing.T) {
	if compattest.Postgres() {
		t.Skip("storage behaviour is the same on both databases; run once, on SQLite")
	}
	const size = 6 << 30
	for _, b := range backends() {
		if b.name == "mem" {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			e := storageEnv(t, b, nil)
			// GitLab's generic limit is 5 GiB; an administrator may raise it.
			if err := e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeGeneric, 10<<30); err != nil {
				t.Fatal(err)
			}
			var peakLive, peakTotal atomic.Uint64
			runtime.GC()
			baseLive, baseTotal := heapBytes()
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
						live, total := heapBytes()
						if live > peakLive.Load() {
							peakLive.Store(live)
						}
						if total > peakTotal.Load() {
							peakTotal.Store(total)
						}
					}
				}
			}()
			req, _ := http.NewRequest("PUT", e.URL+genericPath("big", "1.0.0", "big.bin"), &zeros{left: size})
			req.ContentLength = size
			req.Header.Set("Private-Token", e.RootToken)
			res, err := http.DefaultClient.Do(req)
			close(stop)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 201 {
				t.Fatalf("upload: %d %s", res.StatusCode, body)
			}
			live, total := int64(peakLive.Load())-int64(baseLive), int64(peakTotal.Load())-int64(baseTotal)
			if live > 64<<20 {
				t.Errorf("the live heap grew by %d MiB during a streamed upload", live>>20)
			}
			head := e.Do("HEAD", genericPath("big", "1.0.0", "big.bin"), nil, "Private-Token", e.RootToken)
			if head.Header.Get("Content-Length") != fmt.Sprint(size) {
				t.Fatalf("stored size: %v", head.Header)
			}
			tail := e.Do("GET", genericPath("big", "1.0.0", "big.bin"), nil, "Private-Token", e.RootToken, "Range", "bytes=-16")
			if tail.Status != http.StatusPartialContent || !bytes.Equal(tail.Body, make([]byte, 16)) {
				t.Fatalf("last bytes: %d %q", tail.Status, tail.Body)
			}
			t.Logf("%s: live heap grew by at most %d MiB (with garbage not yet collected: %d MiB)", b.name, live>>20, total>>20)
		})
	}
}

// heapBytes is the heap's live bytes after the last collection, and everything it
// holds now (garbage included).
func heapBytes() (live, total uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// TestDirectDownload: with direct downloads on, S3 storage answers a download with a
// short-lived signed redirect that curl -L follows (ranges too); HEAD and NuGet are
// streamed; file and mem storage, which cannot sign, stream.
func TestDirectDownload(t *testing.T) {
	curl := compattest.RequireTool(t, "curl", "--version")
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := storageEnv(t, b, func(c *registry.Config) { c.DirectDownload = true })
			content := []byte("direct download content\n")
			if res := e.Do("PUT", genericPath("lib", "1.0.0", "a.txt"), bytes.NewReader(content), "Private-Token", e.RootToken); res.Status != 201 {
				t.Fatalf("put: %d", res.Status)
			}
			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, _ := http.NewRequest("GET", e.URL+genericPath("lib", "1.0.0", "a.txt"), nil)
			req.Header.Set("Private-Token", e.RootToken)
			res, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			loc := res.Header.Get("Location")
			if b.name == "s3" {
				if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, b.s3.Endpoint+"/registry/") || !strings.Contains(loc, "X-Amz-Signature") {
					t.Fatalf("want a signed redirect, got %d %q", res.StatusCode, loc)
				}
			} else if res.StatusCode != http.StatusOK || loc != "" {
				t.Fatalf("want the file streamed, got %d %q", res.StatusCode, loc)
			}
			out := filepath.Join(t.TempDir(), "out")
			run := func(args ...string) string {
				cmd := exec.Command(curl, append([]string{"-sS", "--fail", "-L", "-H", "Private-Token: " + e.RootToken, "-o", out}, args...)...)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("curl %v: %v %s", args, err, b)
				}
				got, _ := os.ReadFile(out)
				return string(got)
			}
			if got := run(e.URL + genericPath("lib", "1.0.0", "a.txt")); got != string(content) {
				t.Fatalf("curl -L: %q", got)
			}
			if got := run("-r", "7-14", e.URL+genericPath("lib", "1.0.0", "a.txt")); got != string(content[7:15]) {
				t.Fatalf("curl -L -r: %q", got)
			}
			if head := e.Do("HEAD", genericPath("lib", "1.0.0", "a.txt"), nil, "Private-Token", e.RootToken); head.Status != 200 ||
				head.Header.Get("Content-Length") != fmt.Sprint(len(content)) {
				t.Fatalf("HEAD: %d %v", head.Status, head.Header)
			}
			// Without read permission there is no redirect either.
			e.User("outsider")
			if res := e.Do("GET", genericPath("lib", "1.0.0", "a.txt"), nil, "Private-Token", e.PAT("outsider", "api")); res.Status != 404 {
				t.Fatalf("outsider: %d", res.Status)
			}
		})
	}
}

// TestStorageMigration copies every blob from one storage to another while the
// server runs, is interrupted halfway, resumes, and leaves a server on the new
// storage serving every file; then back again.
func TestStorageMigration(t *testing.T) {
	bs := backends()
	file, s3b := bs[0], bs[2]
	e := storageEnv(t, file, nil)
	root := []string{"Private-Token", e.RootToken}
	files := map[string][]byte{}
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("f%d.bin", i)
		files[name] = bytes.Repeat([]byte{byte('a' + i)}, 1000*(i+1))
		if res := e.Do("PUT", genericPath("lib", "1.0.0", name), bytes.NewReader(files[name]), root...); res.Status != 201 {
			t.Fatalf("put: %d", res.Status)
		}
	}
	s3URL := s3b.url(t)
	dst, err := registry.OpenBlobs(context.Background(), s3URL)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	// A server switched to the new storage with the old one as its fallback reads
	// everything before the copy starts.
	fallback, err := registry.OpenBlobs(context.Background(), e.StorageURL)
	if err != nil {
		t.Fatal(err)
	}
	switched, err := registry.OpenBlobs(context.Background(), s3URL)
	if err != nil {
		t.Fatal(err)
	}
	switched.WithFallback(fallback)
	defer switched.Close()
	for _, k := range keys(t, fallback) {
		if got := read(t, switched, k); len(got) == 0 {
			t.Fatalf("%s not read through the fallback", k)
		}
	}
	dry, err := e.Svc.MigrateStorage(e.Admin, registry.MigrateInput{To: dst, DryRun: true})
	if err != nil || dry.Blobs != 10 || dry.Copied != 10 || len(keys(t, dst)) != 0 {
		t.Fatalf("dry run: %+v %v (%d objects)", dry, err, len(keys(t, dst)))
	}
	ctx, cancel := context.WithCancel(e.Admin)
	_, err = e.Svc.MigrateStorage(ctx, registry.MigrateInput{To: dst, Progress: func(p registry.MigrateProgress) {
		if p.Done == 5 {
			cancel() // interrupted halfway
		}
	}})
	if err == nil {
		t.Fatal("an interrupted migration reported success")
	}
	halfway := len(keys(t, dst))
	// Uploads go on meanwhile: the resumed run copies them too.
	if res := e.Do("PUT", genericPath("lib", "2.0.0", "late.bin"), strings.NewReader("uploaded during the migration"), root...); res.Status != 201 {
		t.Fatalf("put: %d", res.Status)
	}
	files["late.bin"] = []byte("uploaded during the migration")
	res, err := e.Svc.MigrateStorage(e.Admin, registry.MigrateInput{To: dst})
	if err != nil || res.Blobs != 11 || res.Present != halfway || res.Copied != 11-halfway {
		t.Fatalf("resumed: %+v %v (halfway %d)", res, err, halfway)
	}
	if halfway < 4 || halfway > 6 {
		t.Errorf("the interrupted run copied %d of 10", halfway)
	}
	// A replica on the new storage alone serves every file.
	moved := compattest.Start(t, e.DatabaseURL, s3URL)
	check := func(env *compattest.Env) {
		for name, want := range files {
			v := "1.0.0"
			if name == "late.bin" {
				v = "2.0.0"
			}
			if got := env.Do("GET", genericPath("lib", v, name), nil, root...); got.Status != 200 || !bytes.Equal(got.Body, want) {
				t.Errorf("%s on the new storage: %d", name, got.Status)
			}
		}
	}
	check(moved)
	// And back to a new file storage.
	back, err := registry.OpenBlobs(context.Background(), file.url(t))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if res, err := moved.Svc.MigrateStorage(moved.Admin, registry.MigrateInput{To: back}); err != nil || res.Copied != 11 {
		t.Fatalf("back: %+v %v", res, err)
	}
	for _, k := range keys(t, back) {
		sum := sha256.Sum256(read(t, back, k))
		if !strings.HasSuffix(k, hex.EncodeToString(sum[:])) && !strings.HasPrefix(k, "blobs/objects/") {
			t.Errorf("%s holds other bytes", k)
		}
	}
}

func keys(t *testing.T, b *registry.Blobs) []string {
	t.Helper()
	k, err := b.Keys(context.Background(), "blobs/")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func read(t *testing.T, b *registry.Blobs, key string) []byte {
	t.Helper()
	sha := key[strings.LastIndexByte(key, '/')+1:]
	c, err := b.Open(context.Background(), sha, key)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out, _ := io.ReadAll(c)
	return out
}

// Readiness checks the bucket: a server on a bucket that does not exist, or on an
// S3 server that went away, is not ready.
func TestReadinessChecksTheBucket(t *testing.T) {
	s := compattest.StartS3(t)
	good := s.Bucket(t, "exists")
	e := compattest.Start(t, compattest.DatabaseURL(t), good)
	if res := e.Do("GET", "/-/readiness", nil); res.Status != 200 {
		t.Fatalf("ready: %d %s", res.Status, res.Body)
	}
	missing := strings.Replace(good, "s3://exists?", "s3://missing?", 1)
	m := compattest.Start(t, compattest.DatabaseURL(t), missing)
	if res := m.Do("GET", "/-/readiness", nil); res.Status != http.StatusServiceUnavailable {
		t.Fatalf("a missing bucket: %d %s", res.Status, res.Body)
	}
}
