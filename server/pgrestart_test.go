package server_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
)

// A Postgres restart under load (issue 16): while the database is down, requests
// fail fast with 503 and readiness says so; nothing answers 500 or hangs past its
// deadline; once the database is back the server recovers on its own, and every
// publish it confirmed is there. The test owns its cluster, so it can stop it.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if !compattest.Postgres() {
		t.Skip("the Postgres pass runs it (it starts a cluster of its own)")
	}
	pg := startCluster(t)
	e := compattest.Start(t, pg.url, "file://"+filepath.ToSlash(filepath.Join(t.TempDir(), "storage")))
	p := e.Project("root/app", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	base := fmt.Sprintf("/api/v4/projects/%d/packages/generic/pkg", p.ID)
	if res := e.Do("PUT", base+"/1.0.0/seed.txt", strings.NewReader("seed"), tok...); res.Status != 201 {
		t.Fatalf("seed: %d %s", res.Status, res.Body)
	}

	const deadline = 5 * time.Second // what no request may take
	var (
		mu        sync.Mutex
		statuses  = map[int]int{}
		slowest   time.Duration
		published []string
		stop      atomic.Bool
		seq       atomic.Int64
		wg        sync.WaitGroup
	)
	client := &http.Client{Timeout: 2 * deadline}
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
		req.Header.Set("Private-Token", e.RootToken)
		start := time.Now()
		res, err := client.Do(req)
		took := time.Since(start)
		status := -1 // no answer
		if err == nil {
			status = res.StatusCode
			res.Body.Close()
		}
		mu.Lock()
		statuses[status]++
		slowest = max(slowest, took)
		mu.Unlock()
		return status
	}
	for w := range 4 {
		wg.Go(func() {
			for !stop.Load() {
				if w%2 == 0 {
					do("GET", base+"/1.0.0/seed.txt", "")
					continue
				}
				name := fmt.Sprintf("f%d.txt", seq.Add(1))
				if do("PUT", base+"/1.0.0/"+name, name) == 201 {
					mu.Lock()
					published = append(published, name)
					mu.Unlock()
				}
			}
		})
	}
	ready := func() int {
		res, err := client.Get(e.URL + "/-/readiness")
		if err != nil {
			return -1
		}
		res.Body.Close()
		return res.StatusCode
	}

	time.Sleep(500 * time.Millisecond)
	pg.ctl(t, "stop", "-m", "fast")
	down := time.Now()
	time.Sleep(time.Second)
	if got := ready(); got != 503 {
		t.Errorf("readiness while Postgres is down: %d", got)
	}
	// Within the staleness bound the hot path may still serve the file it holds (a
	// short outage costs cached reads nothing); past it nothing cached is served, so
	// the download needs the database and says it is unavailable.
	time.Sleep(time.Until(down.Add(database.StalenessBound + 500*time.Millisecond)))
	if got := do("GET", base+"/1.0.0/seed.txt", ""); got != 503 {
		t.Errorf("a download while Postgres is down, past the staleness bound: %d", got)
	}
	pg.ctl(t, "start", "-w", "-l", filepath.Join(pg.dir, "log"))
	back := time.Now()
	var recovered time.Duration
	for time.Since(back) < 30*time.Second {
		if ready() == 200 && do("GET", base+"/1.0.0/seed.txt", "") == 200 {
			recovered = time.Since(back)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // load on the recovered server
	stop.Store(true)
	wg.Wait()
	if recovered == 0 {
		t.Fatalf("not recovered 30 s after Postgres came back")
	}
	t.Logf("Postgres down for %v; recovered %v after it was back; statuses %v; slowest request %v; %d files published",
		back.Sub(down).Round(time.Millisecond), recovered.Round(time.Millisecond), statuses, slowest.Round(time.Millisecond), len(published))

	for status, n := range statuses {
		if status != 200 && status != 201 && status != 503 {
			t.Errorf("%d requests answered %d", n, status)
		}
	}
	if statuses[503] == 0 {
		t.Errorf("no request saw the database down: %v", statuses)
	}
	if slowest > deadline {
		t.Errorf("a request took %v", slowest)
	}
	// Every confirmed publish is there, intact.
	sort.Strings(published)
	for _, name := range published {
		res := e.Do("GET", base+"/1.0.0/"+name, nil, tok...)
		if res.Status != 200 || string(res.Body) != name {
			t.Errorf("published %s: %d %q", name, res.Status, res.Body)
		}
	}
}

// cluster is a Postgres cluster the test started and stops.
type cluster struct {
	bin, dir, url string
	asPostgres    bool // root runs the cluster as the postgres user
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	bin := ""
	if p, err := exec.LookPath("initdb"); err == nil {
		bin = filepath.Dir(p)
	} else if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		sort.Strings(dirs)
		bin = dirs[len(dirs)-1]
	} else {
		t.Fatal("initdb not found (install postgresql)")
	}
	dir, err := os.MkdirTemp("/tmp", "pgrestart")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{bin: bin, dir: dir, asPostgres: os.Geteuid() == 0}
	t.Cleanup(func() {
		_ = c.run("pg_ctl", "-D", filepath.Join(dir, "data"), "stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if c.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := c.run("initdb", "-D", filepath.Join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v", err)
	}
	conf := fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = off\n", port, dir)
	f, err := os.OpenFile(filepath.Join(dir, "data", "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(conf)
	f.Close()
	c.ctl(t, "start", "-w", "-l", filepath.Join(dir, "log"))
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c
}

func (c *cluster) ctl(t *testing.T, args ...string) {
	t.Helper()
	if err := c.run("pg_ctl", append([]string{"-D", filepath.Join(c.dir, "data")}, args...)...); err != nil {
		t.Fatalf("pg_ctl %v: %v", args, err)
	}
}

func (c *cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	if c.asPostgres {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(c.bin, name)}, args...)...)
	}
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}
