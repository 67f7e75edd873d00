package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/registry"
)

// TestServeAsANewUser runs `registry serve` as the README says: a fresh data directory,
// a bootstrap token, then admin commands, a publish and downloads, and a graceful
// stop, which writes the download counts (the interval is far longer than the test).
func TestServeAsANewUser(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REGISTRY_BOOTSTRAP_TOKEN", "glpat-test-bootstrap-secret")
	t.Setenv("REGISTRY_DATABASE_URL", "")
	ctx, stop := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--listen", "127.0.0.1:0", "--data-dir", dir, "--log-level", "warn", "--download-flush-interval", "1h"}, outW, io.Discard)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	var printed []string
	addr := ""
	for addr == "" && lines.Scan() {
		printed = append(printed, lines.Text())
		if m := regexp.MustCompile(`Listening on http://(\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	go io.Copy(io.Discard, outR)
	// The preset token is announced but never printed: logs and terminals keep output.
	if all := strings.Join(printed, "\n"); addr == "" || strings.Contains(all, "glpat-test-bootstrap-secret") ||
		!strings.Contains(all, "REGISTRY_BOOTSTRAP_TOKEN") {
		t.Fatalf("serve printed %q", printed)
	}
	base := "http://" + addr
	for _, path := range []string{"/-/health", "/-/readiness"} {
		res, err := http.Get(base + path)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, res, err)
		}
		res.Body.Close()
	}
	// The admin command works on the same data directory while the server runs.
	var out strings.Builder
	if err := run(context.Background(), []string{"admin", "project", "create", "--data-dir", dir, "--path", "root/tools"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var p struct{ ID int }
	if err := json.Unmarshal([]byte(out.String()), &p); err != nil || p.ID == 0 {
		t.Fatalf("admin printed %q", out.String())
	}
	if curl, err := exec.LookPath("curl"); err == nil {
		file := filepath.Join(dir, "f.txt")
		exec.Command("sh", "-c", "echo hello > "+file).Run()
		got, err := exec.Command(curl, "--fail", "--silent", "--header", "PRIVATE-TOKEN: glpat-test-bootstrap-secret", "--upload-file", file,
			base+"/api/v4/projects/1/packages/generic/tool/1.0.0/f.txt").CombinedOutput()
		if err != nil || !strings.Contains(string(got), "201 Created") {
			t.Fatalf("curl: %v %s", err, got)
		}
	}
	fileURL := base + "/api/v4/projects/1/packages/generic/counted/1.0.0/g.txt"
	for _, method := range []string{"PUT", "GET", "GET", "HEAD"} {
		req, _ := http.NewRequest(method, fileURL, strings.NewReader("counted"))
		req.Header.Set("PRIVATE-TOKEN", "glpat-test-bootstrap-secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode >= 300 {
			t.Fatalf("%s: %v %v", method, res, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	// The server's webhook worker delivers what a publish enqueues.
	events := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		events <- r.Header.Get("X-Registry-Event")
	}))
	defer receiver.Close()
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/api/v4/application/settings?allow_local_requests_from_web_hooks_and_services=true", ""},
		{"POST", "/api/v4/projects/1/hooks?url=" + url.QueryEscape(receiver.URL), ""},
		{"PUT", "/api/v4/projects/1/packages/generic/tool/2.0.0/f.txt", "hello"},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		req.Header.Set("PRIVATE-TOKEN", "glpat-test-bootstrap-secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode >= 300 {
			t.Fatalf("%s %s: %v %v", c.method, c.path, res, err)
		}
		res.Body.Close()
	}
	select {
	case ev := <-events:
		if ev != "package_published" {
			t.Fatalf("webhook event %q", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve delivered no webhook")
	}
	stop() // what SIGTERM does
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	db, err := database.Open(context.Background(), database.DefaultURL(dir))
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Client.PackageVersion.Query().Where(packageversion.Name("counted")).WithFiles().Only(context.Background())
	db.Close()
	if err != nil || v.DownloadCount != 2 || v.LastDownloadedAt == nil || v.Edges.Files[0].DownloadCount != 2 {
		t.Fatalf("after a graceful stop the two downloads are written: %+v %v", v, err)
	}
	// And the version command answers.
	out.Reset()
	if err := run(context.Background(), []string{"version"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "registry ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
}

// TestShortPresetTokenIsRefused: any REGISTRY_BOOTSTRAP_TOKEN was accepted, however
// guessable.
func TestShortPresetTokenIsRefused(t *testing.T) {
	t.Setenv("REGISTRY_BOOTSTRAP_TOKEN", "root-token")
	t.Setenv("REGISTRY_DATABASE_URL", "")
	var out strings.Builder
	err := run(context.Background(), []string{"admin", "user", "create", "--data-dir", t.TempDir(), "--create", "--username", "x"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "at least 20 characters") || strings.Contains(out.String(), "root-token") {
		t.Fatalf("a 10-character preset: %v %q", err, out.String())
	}
}

// TestStorageMigrateCommand copies the storage of a data directory to another with
// `registry admin storage migrate`, which shows its progress and prints what it did,
// and a second run finds everything there already.
func TestStorageMigrateCommand(t *testing.T) {
	t.Setenv("REGISTRY_BOOTSTRAP_TOKEN", "")
	t.Setenv("REGISTRY_DATABASE_URL", "")
	dir := t.TempDir()
	to := "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "new"))
	admin := func(args ...string) (map[string]any, string) {
		t.Helper()
		var out, progress strings.Builder
		if err := run(context.Background(), append([]string{"admin"}, append(args, "--data-dir", dir)...), &out, &progress); err != nil {
			t.Fatalf("%v: %v %s", args, err, progress.String())
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
			t.Fatalf("%v printed %q", args, out.String())
		}
		return res, progress.String()
	}
	admin("project", "create", "--path", "root/tools", "--create")
	// Publish through the service of the same data directory.
	cfg := config{dataDir: dir, listen: "127.0.0.1:0"}
	svc, closeAll, err := cfg.open(context.Background(), slogDiscard())
	if err != nil {
		t.Fatal(err)
	}
	actx, _ := svc.AdminContext(context.Background())
	p, _ := svc.ProjectByRef(actx, "root/tools")
	for _, f := range []string{"a", "b", "c"} {
		if _, err := svc.PublishFile(actx, registryPublish(p, f)); err != nil {
			t.Fatal(err)
		}
	}
	closeAll()
	dry, _ := admin("storage", "migrate", "--to", to, "--dry-run")
	if dry["copied"] != float64(3) || dry["dry_run"] != true {
		t.Fatalf("dry run: %v", dry)
	}
	res, progress := admin("storage", "migrate", "--to", to)
	if res["copied"] != float64(3) || res["blobs"] != float64(3) || !strings.Contains(progress, "3/3 blobs") {
		t.Fatalf("migrate: %v, progress %q", res, progress)
	}
	again, _ := admin("storage", "migrate", "--to", to, "--no-progress")
	if again["copied"] != float64(0) || again["present"] != float64(3) {
		t.Fatalf("second run: %v", again)
	}
}

// TestDatabaseMigrateCommand: `registry admin db migrate --dry-run` prints the
// pending migrations with their SQL and applies nothing; without it they are applied
// once, and `db status` tells which are.
func TestDatabaseMigrateCommand(t *testing.T) {
	t.Setenv("REGISTRY_DATABASE_URL", "")
	dir := t.TempDir()
	admin := func(args ...string) map[string]any {
		t.Helper()
		var out, errOut strings.Builder
		if err := run(context.Background(), append([]string{"admin", "db"}, append(args, "--data-dir", dir, "--create")...), &out, &errOut); err != nil {
			t.Fatalf("%v: %v %s", args, err, errOut.String())
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
			t.Fatalf("%v printed %q", args, out.String())
		}
		return res
	}
	pending := func(res map[string]any) []any { p, _ := res["pending"].([]any); return p }
	dry := admin("migrate", "--dry-run")
	if p := pending(dry); len(p) == 0 || !strings.Contains(p[0].(map[string]any)["sql"].(string), "CREATE TABLE `users`") {
		t.Fatalf("dry run on an empty database: %v", dry)
	}
	if st := admin("status"); st["pending"] != float64(len(pending(dry))) {
		t.Fatalf("status after the dry run: %v", st)
	}
	if res := admin("migrate"); len(res["applied"].([]any)) != len(pending(dry)) {
		t.Fatalf("migrate: %v", res)
	}
	if again := admin("migrate", "--dry-run"); len(pending(again)) != 0 {
		t.Fatalf("dry run after migrating: %v", again)
	}
	st := admin("status")
	for _, m := range st["migrations"].([]any) {
		if m.(map[string]any)["applied"] != true {
			t.Errorf("after migrate: %v", st)
		}
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func registryPublish(p *ent.Project, name string) registry.PublishFileInput {
	return registry.PublishFileInput{Project: p, Type: registry.PackageTypeGeneric, Name: name, Version: "1.0.0",
		FileName: name + ".txt", Body: strings.NewReader("content of " + name), Size: -1}
}

// TestCommandLine: help for the binary and each command (flags with their defaults
// and environment variables), unknown commands named, admin commands that refuse
// to create a new instance by accident, and JSON output in snake_case.
func TestCommandLine(t *testing.T) {
	t.Setenv("REGISTRY_BOOTSTRAP_TOKEN", "")
	t.Setenv("REGISTRY_DATABASE_URL", "")
	do := func(args ...string) (string, string, error) {
		var out, errOut strings.Builder
		err := run(context.Background(), args, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	for _, args := range [][]string{nil, {"help"}, {"--help"}, {"-h"}} {
		out, _, err := do(args...)
		if err != nil || !strings.Contains(out, "Commands:") || strings.Index(out, "serve") > strings.Index(out, "admin") ||
			strings.Index(out, "admin") > strings.Index(out, "version") {
			t.Fatalf("%v: %v %q", args, err, out)
		}
	}
	out, _, err := do("help", "serve")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "--listen value") ||
		!strings.Contains(out, `(default "127.0.0.1:8080") [$REGISTRY_LISTEN]`) || !strings.Contains(out, "[$REGISTRY_GC_INTERVAL]") {
		t.Fatalf("help serve: %v %q", err, out)
	}
	out, _, err = do("admin", "--help")
	if err != nil || !strings.Contains(out, "user create") || strings.Index(out, "user create") > strings.Index(out, "gc run") {
		t.Fatalf("admin help: %v %q", err, out)
	}
	out, _, _ = do("help", "admin", "token", "create")
	if !strings.Contains(out, "--scopes value") || strings.Contains(out, "--listen") || !strings.Contains(out, "[$REGISTRY_DATA_DIR]") ||
		strings.Contains(out, "--scopes value  comma-separated scopes (default \"api\") [$") {
		t.Fatalf("help admin token create shows other commands' flags or no environment: %q", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serv"}, `unknown command "serv"`},
		{[]string{"admin", "user", "destroy"}, `unknown admin command "user destroy"`},
		{[]string{"admin", "user"}, "want registry admin <noun> <verb>"},
		{[]string{"serve", "extra"}, "serve takes no arguments"},
	} {
		if _, _, err := do(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	// Run from a directory with no instance, an admin command says so and creates nothing.
	dir := t.TempDir()
	if _, _, err := do("admin", "group", "create", "--data-dir", dir, "--path", "acme"); err == nil ||
		!strings.Contains(err.Error(), "no registry database") {
		t.Fatalf("admin on an empty directory: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the refused command created %v", entries)
	}
	if _, _, err := do("admin", "group", "create", "--data-dir", dir, "--path", "acme", "--create"); err != nil {
		t.Fatal(err)
	}
	out, _, err = do("admin", "token", "create", "--data-dir", dir, "--user", "root", "--name", "ci")
	var tok map[string]any
	if err != nil || json.Unmarshal([]byte(out), &tok) != nil || tok["token"] == nil || tok["created_at"] == nil || tok["Token"] != nil {
		t.Fatalf("token create: %v %q", err, out)
	}
	// audit list: one snake_case JSON object a line, filtered, never a token.
	out, _, err = do("admin", "audit", "list", "--data-dir", dir, "--action", "personal_access_token.create", "--since", "1h")
	var evs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(l), &ev) == nil {
			evs = append(evs, ev)
		}
	}
	if err != nil || len(evs) != 2 || evs[1]["target_path"] != "root" || evs[1]["author_username"] != "root" ||
		evs[1]["details"].(map[string]any)["name"] != "ci" || strings.Contains(out, tok["token"].(string)) {
		t.Fatalf("audit list: %v %q", err, out)
	}
	if out, _, err = do("admin", "audit", "list", "--data-dir", dir, "--since", "2999-01-01"); err != nil || out != "" {
		t.Fatalf("audit list --since the future: %v %q", err, out)
	}
	if _, _, err = do("admin", "audit", "list", "--data-dir", dir, "--since", "last week"); err == nil {
		t.Fatal("audit list took --since \"last week\"")
	}
	out, _, _ = do("admin", "gc", "run", "--data-dir", dir)
	if !strings.Contains(out, `"cleaned_up"`) {
		t.Fatalf("gc run: %q", out)
	}
	out, _, _ = do("version")
	if !regexp.MustCompile(`^registry \S+ \(commit \S+, built \S+\)\n$`).MatchString(out) {
		t.Fatalf("version: %q", out)
	}
}

// TestMetricsListen: with --metrics-listen the metrics are served on their own
// address (announced at start), and the API's listener has no /-/metrics.
func TestMetricsListen(t *testing.T) {
	t.Setenv("REGISTRY_BOOTSTRAP_TOKEN", "")
	t.Setenv("REGISTRY_DATABASE_URL", "")
	ctx, stop := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-level", "warn",
			"--metrics-listen", "127.0.0.1:0"}, outW, io.Discard)
		outW.Close()
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	lines := bufio.NewScanner(outR)
	var api, metricsURL string
	for api == "" && lines.Scan() {
		if m := regexp.MustCompile(`Metrics on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			metricsURL = m[1]
		}
		if m := regexp.MustCompile(`Listening on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			api = m[1]
		}
	}
	go io.Copy(io.Discard, outR)
	if metricsURL == "" || api == "" {
		t.Fatalf("serve did not announce both addresses: api %q metrics %q", api, metricsURL)
	}
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	get(api + "/-/health")
	if code, body := get(metricsURL); code != 200 || !strings.Contains(body, `registry_http_requests_total{method="GET",route="/-/health",status="200"} 1`) {
		t.Fatalf("metrics listener: %d %.400s", code, body)
	}
	if code, _ := get(api + "/-/metrics"); code != http.StatusNotFound {
		t.Fatalf("/-/metrics on the API listener with --metrics-listen: %d, want 404", code)
	}
}

// TestREADMEWalkThrough runs the README's walk-through, the shell block between its
// walk-through markers, verbatim in an empty directory with bin/registry built from
// this source, on a free port (REGISTRY_LISTEN, which the block honours).
func TestREADMEWalkThrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "cmp"} {
		if _, err := exec.LookPath(tool); err != nil {
			compattest.Missing(t, tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- walk-through: begin -->\\s*```sh\\n(.*?)```\\s*<!-- walk-through: end -->").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README has no walk-through block between its markers")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "bin", "registry"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", string(m[1]))
	sh.Dir = dir
	sh.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "REGISTRY_LISTEN=" + addr}
	// Its own process group, so that a failure also stops the server it started.
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sh.Cancel = func() error { return syscall.Kill(-sh.Process.Pid, syscall.SIGKILL) }
	out, err := sh.CombinedOutput()
	if sh.Process != nil {
		_ = syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
	}
	if err != nil || !strings.Contains(string(out), "downloaded what was published") {
		t.Fatalf("the walk-through failed: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		t.Fatalf("the walk-through left no ./data: %v", err)
	}
}

// TestREADMEListsEveryFlag: the README's configuration table has a row for every
// flag of `registry serve`, with the environment variable the flag reads.
func TestREADMEListsEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var help strings.Builder
	if err := run(context.Background(), []string{"help", "serve"}, &help, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("help serve: %v", err)
	}
	flags := regexp.MustCompile(`(?m)^\s+--([a-z-]+)\b.*?(?:\[\$(REGISTRY_[A-Z_]+)\])?$`).FindAllStringSubmatch(help.String(), -1)
	if len(flags) < 5 {
		t.Fatalf("help serve lists %d flags: %s", len(flags), help.String())
	}
	for _, f := range flags {
		row := regexp.MustCompile("(?m)^\\| `--" + regexp.QuoteMeta(f[1]) + "` \\| (.*?) \\|").FindSubmatch(readme)
		switch {
		case row == nil:
			t.Errorf("the README's configuration table has no row for --%s", f[1])
		case f[2] != "" && string(row[1]) != "`"+f[2]+"`":
			t.Errorf("the README's row for --%s names %s as its environment variable, want `%s`", f[1], row[1], f[2])
		}
	}
}
