package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageversion"
)

// childArgs, set in the environment, makes the test binary a `registry` process
// (TestMain), so that a test can start a real server and kill -9 it.
const childArgs = "REGISTRY_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childArgs); args != "" {
		os.Args = append([]string{"registry"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const crashToken = "glpat-crash-test-bootstrap-secret"

// child is a `registry serve` child process.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startServer(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgs+"="+strings.Join(append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "error"}, args...), "\n"),
		"REGISTRY_BOOTSTRAP_TOKEN="+crashToken)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if m := regexp.MustCompile(`Listening on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return &child{cmd: cmd, base: m[1]}
		}
	}
	t.Fatal("the server stopped before it listened")
	return nil
}

// kill is kill -9: no shutdown, no flush, whatever was in flight is cut.
func (s *child) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

func (s *child) do(method, path string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Private-Token", crashToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// content is what the test uploads under a name: its bytes follow from the name, so
// any file read back can be checked against it.
func content(name string, size int) []byte {
	r := rand.New(rand.NewPCG(uint64(len(name)), uint64(sha256.Sum256([]byte(name))[0])))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return append([]byte(name+"\n"), b...)
}

// A real server killed with -9 mid-upload, mid-publish and mid-GC, again and
// again, then restarted (issue 16): every publish it confirmed is intact, nothing
// it did not finish is visible, and `admin gc run` leaves no object without a
// row nor a row without its object.
func TestKillDashNineLosesNothing(t *testing.T) {
	dir := t.TempDir()
	storage := "file://" + filepath.ToSlash(filepath.Join(dir, "storage"))
	dbFlags := []string{"--data-dir", dir}
	if compattest.Postgres() {
		dbFlags = []string{"--data-dir", dir, "--database-url", compattest.DatabaseURL(t)}
	}
	args := append([]string{"--storage-url", storage, "--gc-interval", "50ms"}, dbFlags...)
	s := startServer(t, args...)
	var out strings.Builder
	if err := run(context.Background(), append([]string{"admin", "project", "create", "--path", "root/app"}, dbFlags...), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	const base = "/api/v4/projects/root%2Fapp/packages/generic/pkg"

	var (
		mu        sync.Mutex
		confirmed = map[string]int{} // file path -> size, answered 201
		deleted   = map[string]bool{}
		seq       atomic.Int64
	)
	for round := range 4 {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		// Publishers: small and middling files, each its own version, so that a
		// crash can cut a version's transaction.
		for w := range 3 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					n := seq.Add(1)
					path := fmt.Sprintf("%s/%d.0.0/f%d.bin", base, n, n)
					size := int(n%7) * 37 << 10
					if w == 0 {
						size = 3 << 20 // in flight long enough to be cut mid-upload
					}
					status, _, err := s.do("PUT", path, strings.NewReader(string(content(path, size))))
					if err == nil && status == 201 {
						mu.Lock()
						confirmed[path] = size
						mu.Unlock()
					}
				}
			})
		}
		// A deleter, so that GC (every 50 ms) has packages and blobs to remove when
		// the kill comes.
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				mu.Lock()
				var victim string
				for p := range confirmed {
					if !deleted[p] {
						victim = p
						break
					}
				}
				mu.Unlock()
				if victim == "" {
					continue
				}
				status, body, err := s.do("GET", "/api/v4/projects/root%2Fapp/packages?package_version="+
					strings.Split(strings.TrimPrefix(victim, base+"/"), "/")[0], nil)
				var id int
				if err != nil || status != 200 || !regexp.MustCompile(`^\[\{"id":\d+`).Match(body) {
					continue
				}
				fmt.Sscanf(string(body), `[{"id":%d`, &id)
				// Marked before it is sent: the kill may land after the delete commits
				// and before it is answered.
				mu.Lock()
				deleted[victim] = true
				mu.Unlock()
				s.do("DELETE", fmt.Sprintf("/api/v4/projects/root%%2Fapp/packages/%d", id), nil)
			}
		})
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		s.kill(t)
		close(stop)
		wg.Wait()
		s = startServer(t, args...)
		t.Logf("round %d: %d confirmed, %d deleted so far", round, len(confirmed), len(deleted))
	}

	// Every confirmed file that was not deleted reads back whole.
	for path, size := range confirmed {
		status, body, err := s.do("GET", path, nil)
		switch {
		case deleted[path] && status == 404: // deleted (or its delete was cut off: then it reads whole)
		case err != nil || status != 200 || string(body) != string(content(path, size)):
			t.Errorf("confirmed %s: %d, %d bytes, %v", path, status, len(body), err)
		}
	}
	s.kill(t)

	// Nothing half-written is visible: every file row's blob holds the digest it
	// claims, at the size it claims.
	if err := run(context.Background(), append([]string{"admin", "gc", "run", "--grace", "0s"}, dbFlags...), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	dbURL := database.DefaultURL(dir)
	if compattest.Postgres() {
		dbURL = dbFlags[3]
	}
	db, err := database.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	files := db.Client.PackageFile.Query().Where(packagefile.StatusEQ(packagefile.StatusDefault),
		packagefile.HasPackageWith(packageversion.StatusEQ(packageversion.StatusDefault))).WithBlob().AllX(ctx)
	for _, f := range files {
		path := fmt.Sprintf("%s/%s/%s", base, db.Client.PackageFile.QueryPackage(f).OnlyX(ctx).Version, f.FileName)
		size, ok := confirmed[path]
		if !ok {
			// A publish whose answer the kill cut after its commit: visible, so it
			// must be whole, which the storage check below sees from its digest.
			continue
		}
		want := content(path, size)
		sum := sha256.Sum256(want)
		if f.Edges.Blob.Sha256 != hex.EncodeToString(sum[:]) || f.Edges.Blob.Size != int64(len(want)) {
			t.Errorf("%s: the blob row says %s, %d bytes", path, f.Edges.Blob.Sha256, f.Edges.Blob.Size)
		}
	}
	// After GC, storage holds exactly the blobs the database has, each whole.
	blobs := db.Client.Blob.Query().AllX(ctx)
	digests := map[string]int64{}
	for _, b := range blobs {
		digests[b.Sha256] = b.Size
	}
	var objects int
	root := filepath.Join(dir, "storage")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".attrs") {
			return nil
		}
		objects++
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		sum := sha256.Sum256(b)
		if size, ok := digests[hex.EncodeToString(sum[:])]; !ok || size != int64(len(b)) {
			t.Errorf("storage holds %s (%d bytes), which no blob row names", strings.TrimPrefix(p, root), len(b))
		}
		return nil
	})
	if objects != len(blobs) {
		t.Errorf("storage holds %d objects for %d blob rows", objects, len(blobs))
	}
	if n := db.Client.PackageVersion.Query().Where(packageversion.StatusEQ(packageversion.StatusPendingDestruction)).CountX(ctx); n != 0 {
		t.Errorf("%d packages still pending destruction after gc", n)
	}
	t.Logf("%d confirmed publishes (%d deletes sent) across 4 kills; %d files and %d blobs remain", len(confirmed), len(deleted), len(files), len(blobs))
}

// slowReader yields n bytes of content in chunks, one every pause: an upload in
// flight for as long as the test needs. With n < 0 it never ends.
type slowReader struct {
	data  []byte
	n     int
	pause time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.n >= len(r.data) && len(r.data) > 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	chunk := min(len(p), 64<<10)
	if len(r.data) == 0 { // endless
		return chunk, nil
	}
	chunk = copy(p[:chunk], r.data[r.n:])
	r.n += chunk
	return chunk, nil
}

// SIGTERM (issue 16): the listener closes at once, so new connections are
// refused; an upload and a download in flight finish whole; the process exits 0.
// Past --shutdown-timeout, what is still in flight is cut and the process exits
// anyway, leaving nothing of the cut upload.
func TestGracefulStop(t *testing.T) {
	dir := t.TempDir()
	dbArgs := []string{"--data-dir", dir}
	if compattest.Postgres() {
		dbArgs = append(dbArgs, "--database-url", compattest.DatabaseURL(t))
	}
	args := append([]string{"--shutdown-timeout", "20s"}, dbArgs...)
	s := startServer(t, args...)
	var out strings.Builder
	if err := run(context.Background(), append([]string{"admin", "project", "create", "--path", "root/app"}, dbArgs...), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	const base = "/api/v4/projects/root%2Fapp/packages/generic/pkg/1.0.0/"
	big := content(base+"big.bin", 8<<20)
	if status, _, err := s.do("PUT", base+"big.bin", strings.NewReader(string(big))); err != nil || status != 201 {
		t.Fatalf("seed: %d %v", status, err)
	}

	upload := content(base+"up.bin", 2<<20)
	uploaded := make(chan int, 1)
	go func() {
		status, _, err := s.do("PUT", base+"up.bin", &slowReader{data: upload, pause: 40 * time.Millisecond})
		if err != nil {
			status = -1
		}
		uploaded <- status
	}()
	downloaded := make(chan []byte, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.base+base+"big.bin", nil)
		req.Header.Set("Private-Token", crashToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			downloaded <- nil
			return
		}
		defer res.Body.Close()
		var got []byte
		buf := make([]byte, 256<<10)
		for {
			n, err := res.Body.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
			time.Sleep(30 * time.Millisecond)
		}
		downloaded <- got
	}()
	time.Sleep(300 * time.Millisecond)
	stopAt := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused soon after the signal.
	refused := false
	for time.Since(stopAt) < 2*time.Second && !refused {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.base, "http://"), 200*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if !refused {
		t.Error("new connections are still accepted 2 s after SIGTERM")
	}
	if status := <-uploaded; status != 201 {
		t.Errorf("the upload in flight at SIGTERM: %d", status)
	}
	if got := <-downloaded; string(got) != string(big) {
		t.Errorf("the download in flight at SIGTERM got %d of %d bytes", len(got), len(big))
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	t.Logf("stopped %v after SIGTERM, in-flight requests finished", time.Since(stopAt).Round(time.Millisecond))

	// Past the deadline: an upload that never ends is cut, and leaves nothing.
	args[1] = "1s"
	s = startServer(t, args...)
	cut := make(chan error, 1)
	go func() {
		_, _, err := s.do("PUT", base+"endless.bin", &slowReader{pause: 10 * time.Millisecond})
		cut <- err
	}()
	time.Sleep(300 * time.Millisecond)
	stopAt = time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit after the deadline: %v", err)
	}
	if took := time.Since(stopAt); took > 5*time.Second {
		t.Errorf("a 1 s shutdown deadline took %v", took)
	}
	if err := <-cut; err == nil {
		t.Error("the endless upload was answered, not cut")
	}
	s = startServer(t, args...)
	if status, _, _ := s.do("GET", base+"endless.bin", nil); status != 404 {
		t.Errorf("the cut upload is visible: %d", status)
	}
	if status, body, _ := s.do("GET", base+"up.bin", nil); status != 200 || string(body) != string(upload) {
		t.Errorf("the upload finished at SIGTERM reads %d, %d bytes", status, len(body))
	}
}
