package generic_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
)

// pattern is a deterministic stream of n bytes that is never held in memory.
type pattern struct {
	n, off int64
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := int(min(int64(len(b)), p.n-p.off))
	for i := 0; i < k; i++ {
		x := p.off + int64(i)
		b[i] = byte(x ^ x>>8 ^ x>>16)
	}
	p.off += int64(k)
	return k, nil
}

// heapWatch samples the live heap until stopped and reports the peak above the start.
func heapWatch() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
					peak.Store(ms.HeapAlloc - base)
				}
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

func TestStreamingUploadAndDownloadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 512 MiB")
	}
	e := compattest.New(t)
	p := e.Project("root/big", "private", "")
	const size = 256 << 20
	url := fmt.Sprintf("%s/api/v4/projects/%d/packages/generic/big/1.0.0/big.bin", e.URL, p.ID)

	stop := heapWatch()
	req, _ := http.NewRequest("PUT", url, &pattern{n: size})
	req.ContentLength = size
	req.Header.Set("Private-Token", e.RootToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	peak := stop()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	t.Logf("upload of %d MiB: peak heap growth %.1f MiB", size>>20, float64(peak)/(1<<20))
	if peak > 32<<20 {
		t.Errorf("upload heap growth %d MiB exceeds 32 MiB", peak>>20)
	}

	stop = heapWatch()
	req, _ = http.NewRequest("GET", url, nil)
	req.Header.Set("Private-Token", e.RootToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, res.Body)
	res.Body.Close()
	peak = stop()
	want := sha256.New()
	io.Copy(want, &pattern{n: size})
	if err != nil || n != size || hex.EncodeToString(h.Sum(nil)) != hex.EncodeToString(want.Sum(nil)) {
		t.Fatalf("download: %d bytes, err %v", n, err)
	}
	t.Logf("download: peak heap growth %.1f MiB", float64(peak)/(1<<20))
	if peak > 32<<20 {
		t.Errorf("download heap growth %d MiB exceeds 32 MiB", peak>>20)
	}
}

// storageFiles lists every file in the env's file storage.
func storageFiles(t *testing.T, e *compattest.Env) []string {
	t.Helper()
	u, _ := url.Parse(e.StorageURL)
	var out []string
	filepath.WalkDir(filepath.FromSlash(u.Path), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	return out
}

func TestInterruptedUploadLeavesNothing(t *testing.T) {
	e := compattest.New(t)
	p := e.Project("root/app", "private", "")
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT /api/v4/projects/%d/packages/generic/app/1.0.0/cut.bin HTTP/1.1\r\nHost: x\r\n"+
		"Private-Token: %s\r\nContent-Length: %d\r\n\r\n", p.ID, e.RootToken, 64<<20)
	io.CopyN(conn, &pattern{n: 1 << 30}, 4<<20) // 4 MiB of the promised 64, then hang up
	conn.Close()

	// The handler sees the broken body and cleans up; wait for its temporary object
	// to appear and then to go.
	deadline := time.Now().Add(2 * time.Second)
	for len(storageFiles(t, e)) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(storageFiles(t, e)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	st, err := e.Svc.CollectGarbage(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gc: %+v", st)
	if files := storageFiles(t, e); len(files) != 0 {
		t.Errorf("storage keeps %v", files)
	}
	c := e.DB.Client
	if n := c.PackageVersion.Query().CountX(context.Background()); n != 0 {
		t.Errorf("%d packages after an aborted upload", n)
	}
	if n := c.PackageFile.Query().CountX(context.Background()); n != 0 {
		t.Errorf("%d package files after an aborted upload", n)
	}
	if n := c.Blob.Query().CountX(context.Background()); n != 0 {
		t.Errorf("%d blobs after an aborted upload", n)
	}
	// And the server still works.
	if res := e.Do("PUT", fmt.Sprintf("/api/v4/projects/%d/packages/generic/app/1.0.0/ok.bin", p.ID),
		strings.NewReader("ok"), "Private-Token", e.RootToken); res.Status != 201 {
		t.Fatalf("after abort: %d", res.Status)
	}
}

func TestDeleteRemovesUnsharedBlobsAfterGC(t *testing.T) {
	e := compattest.New(t)
	p := e.Project("root/app", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	put := func(name, body string) {
		if res := e.Do("PUT", fmt.Sprintf("/api/v4/projects/%d/packages/generic/%s/1.0.0/f.bin", p.ID, name),
			strings.NewReader(body), tok...); res.Status != 201 {
			t.Fatalf("put: %d", res.Status)
		}
	}
	put("a", "shared")
	put("b", "shared") // same bytes: stored once
	put("a", "only-a")
	ctx := context.Background()
	if n := e.DB.Client.Blob.Query().CountX(ctx); n != 2 {
		t.Fatalf("want 2 blobs for 3 files, got %d", n)
	}
	list := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_name=a", p.ID), nil, tok...)
	var id int
	fmt.Sscanf(string(list.Body), `[{"id":%d`, &id)
	if res := e.Do("DELETE", fmt.Sprintf("/api/v4/projects/%d/packages/%d", p.ID, id), nil, tok...); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	// Gone at once, before garbage collection.
	if res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages/generic/a/1.0.0/f.bin", p.ID), nil, tok...); res.Status != 404 {
		t.Fatalf("deleted package still served: %d", res.Status)
	}
	if res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages/%d", p.ID, id), nil, tok...); res.Status != 404 {
		t.Fatalf("deleted package still shown: %d", res.Status)
	}
	if _, err := e.Svc.CollectGarbage(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n := e.DB.Client.Blob.Query().CountX(ctx); n != 1 {
		t.Fatalf("want the shared blob only, got %d", n)
	}
	if files := storageFiles(t, e); len(files) != 1 {
		t.Fatalf("storage: %v", files)
	}
	// What a crash can leave: a temporary object, and content whose row was never
	// committed. Both go at the next collection.
	u, _ := url.Parse(e.StorageURL)
	root := filepath.FromSlash(u.Path)
	orphan := strings.Repeat("ab", 32)
	for _, f := range []string{"tmp/crashed-upload", "blobs/sha256/ab/ab/" + orphan} {
		os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755)
		if err := os.WriteFile(filepath.Join(root, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := e.Svc.CollectGarbage(ctx, 0)
	if err != nil || st.Orphans != 1 || st.Temporary != 1 {
		t.Fatalf("gc: %+v %v", st, err)
	}
	if files := storageFiles(t, e); len(files) != 1 {
		t.Fatalf("storage after crash leftovers: %v", files)
	}
	if res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages/generic/b/1.0.0/f.bin", p.ID), nil, tok...); string(res.Body) != "shared" {
		t.Fatalf("shared blob lost: %d %q", res.Status, res.Body)
	}
}
