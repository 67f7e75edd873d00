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
	"time"
)

// moduleRoot returns the directory of the main module (where go.mod is).
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return os.Getwd()
	}
	return filepath.Dir(gomod), nil
}

func buildRegistry(root, out string) error {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/registry")
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./cmd/registry: %v\n%s", err, tail(string(b), 30))
	}
	return nil
}

// waitReady polls GET url until it answers 200, the child exits, or timeout.
func waitReady(url string, c *child, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	cl := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer cl.CloseIdleConnections()
	last := "no answer"
	for time.Since(start) < timeout {
		if c.exited() {
			return 0, fmt.Errorf("%s exited before it was ready (%v); log:\n%s", c.name, c.waitErr, c.logTail(30))
		}
		resp, err := cl.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("%s not ready after %v (last: %s); log:\n%s", url, timeout, last, c.logTail(30))
}

// createProject runs `registry admin project create` and returns the id.
func createProject(bin, dataDir, path string, env []string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "admin", "project", "create",
		"--data-dir", dataDir, "--path", path, "--visibility", "private")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("registry admin project create: %v\nstdout: %s\nstderr: %s",
			err, tail(stdout.String(), 10), tail(stderr.String(), 10))
	}
	// One JSON line; tolerate other lines around it.
	lines := strings.Split(stdout.String(), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var p struct {
			ID       *int64 `json:"id"`
			FullPath string `json:"full_path"`
		}
		if err := json.Unmarshal([]byte(l), &p); err != nil || p.ID == nil {
			continue
		}
		if p.FullPath != "" && p.FullPath != path {
			return 0, fmt.Errorf("admin project create: full_path %q, want %q", p.FullPath, path)
		}
		return *p.ID, nil
	}
	return 0, fmt.Errorf("admin project create: no JSON line with an id on stdout: %q (stderr %q)",
		tail(stdout.String(), 5), tail(stderr.String(), 5))
}

func genericURL(base string, projectID int64, version, name string) string {
	return fmt.Sprintf("%s/api/v4/projects/%d/packages/generic/bench/%s/%s", base, projectID, version, name)
}

// putBody uploads body (of exactly size bytes) and expects 201.
func putBody(cl *http.Client, url, token string, body io.Reader, size int64) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodPut, url, body)
	if err != nil {
		return 0, err
	}
	req.ContentLength = size
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/octet-stream")
	start := time.Now()
	resp, err := cl.Do(req)
	if err != nil {
		return 0, fmt.Errorf("PUT %s: %w", url, err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	el := time.Since(start)
	if resp.StatusCode != http.StatusCreated {
		return el, fmt.Errorf("PUT %s: %s, want 201 Created; body: %s", url, resp.Status, strings.TrimSpace(string(msg)))
	}
	return el, nil
}

func putFile(cl *http.Client, url, token, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	_, err = putBody(cl, url, token, f, st.Size())
	return err
}
