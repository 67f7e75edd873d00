package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pkgreg/registry/database"
)

// instance is one registry: a data dir (file storage, and SQLite unless dbURL
// names a Postgres database), restartable on the same port, so the bench can
// seed its database while it is stopped.
type instance struct {
	name    string
	bin     string
	dataDir string
	pgURL   string // "" for SQLite in dataDir
	token   string // the bootstrap (root) token
	port    int
	base    string
	c       *child
	starts  int
}

func newInstance(name, bin, dataDir, pgURL, token string) (*instance, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	return &instance{name: name, bin: bin, dataDir: dataDir, pgURL: pgURL, token: token, port: port,
		base: fmt.Sprintf("http://127.0.0.1:%d", port)}, nil
}

// dbURL is the database the instance runs on.
func (in *instance) dbURL() string {
	if in.pgURL != "" {
		return in.pgURL
	}
	return database.DefaultURL(in.dataDir)
}

func (in *instance) dbFlags() []string {
	f := []string{"--data-dir", in.dataDir}
	if in.pgURL != "" {
		f = append(f, "--database-url", in.pgURL)
	}
	return f
}

func (in *instance) start() error {
	in.starts++
	env := append(os.Environ(), "REGISTRY_BOOTSTRAP_TOKEN="+in.token)
	args := append([]string{"serve", "--listen", fmt.Sprintf("127.0.0.1:%d", in.port)}, in.dbFlags()...)
	c, err := startChild(in.name, filepath.Join(in.dataDir, fmt.Sprintf("registry-%d.log", in.starts)), env, in.bin, args...)
	if err != nil {
		return err
	}
	in.c = c
	took, err := waitReady(in.base+"/-/readiness", c, 120*time.Second)
	if err != nil {
		in.stop()
		return err
	}
	logf("%s: pid %d ready on %s after %v", in.name, c.pid(), in.base, took.Round(time.Millisecond))
	return nil
}

// stop ends the instance with SIGTERM (SIGKILL after 20 s) and says how it went.
func (in *instance) stop() string {
	if in.c == nil {
		return ""
	}
	c := in.c
	in.c = nil
	el, err, killed := c.stop(syscall.SIGTERM, 20*time.Second)
	switch {
	case killed:
		return fmt.Sprintf("%s: did not exit within 20s of SIGTERM; killed (SIGKILL)", in.name)
	case err != nil:
		return fmt.Sprintf("%s: SIGTERM -> exited after %v with %v", in.name, el.Round(time.Millisecond), err)
	}
	return fmt.Sprintf("%s: SIGTERM -> exited 0 after %v", in.name, el.Round(time.Millisecond))
}

func (in *instance) pid() int {
	if in.c == nil {
		return 0
	}
	return in.c.pid()
}

func (in *instance) logTail() string {
	if in.c == nil {
		return ""
	}
	return in.c.logTail(20)
}

// project creates a project with `registry admin project create` and returns its id.
func (in *instance) project(path, visibility string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"admin", "project", "create", "--path", path, "--visibility", visibility}, in.dbFlags()...)
	cmd := exec.CommandContext(ctx, in.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("registry admin project create %s: %v\nstdout: %s\nstderr: %s",
			path, err, tail(stdout.String(), 10), tail(stderr.String(), 10))
	}
	lines := strings.Split(stdout.String(), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var p struct {
			ID *int64 `json:"id"`
		}
		if json.Unmarshal([]byte(strings.TrimSpace(lines[i])), &p) == nil && p.ID != nil {
			return *p.ID, nil
		}
	}
	return 0, fmt.Errorf("admin project create %s: no JSON line with an id: %q", path, tail(stdout.String(), 5))
}

// send makes one request with the root token and expects a 2xx answer.
func (in *instance) send(method, path, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, in.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("PRIVATE-TOKEN", in.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode/100 != 2 {
		return b, fmt.Errorf("%s %s: %s: %.300s", method, path, resp.Status, b)
	}
	return b, nil
}
