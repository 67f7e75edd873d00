package npm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/registry"
)

// npmClient runs the real npm CLI with its own home, configuration and cache, so it
// never reads the machine's settings or reaches the public registry.
type npmClient struct {
	t    *testing.T
	bin  string
	home string
}

func newNPMClient(t *testing.T) *npmClient {
	t.Helper()
	bin := compattest.RequireTool(t, "npm")
	return &npmClient{t: t, bin: bin, home: t.TempDir()}
}

// npmrc writes a user configuration: the scope's registry at an endpoint, the token
// keyed by that endpoint (GitLab's documented .npmrc), and the default registry
// pointed at the test server's instance endpoint.
func (c *npmClient) npmrc(server, scope, endpoint, token string) string {
	c.t.Helper()
	host := strings.TrimPrefix(server, "http://")
	lines := []string{
		"registry=" + server + "/api/v4/packages/npm/",
		"@" + scope + ":registry=" + server + endpoint + "/",
		"audit=false", "fund=false", "update-notifier=false", "progress=false",
	}
	if token != "" {
		lines = append(lines, "//"+host+endpoint+"/:_authToken="+token)
	}
	f := filepath.Join(c.t.TempDir(), "npmrc")
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return f
}

// run runs npm in dir with a user configuration and a fresh cache; it returns the
// combined output and whether npm succeeded.
func (c *npmClient) run(dir, userconfig string, args ...string) (string, bool) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), 60*time.Second)
	defer cancel()
	empty := filepath.Join(c.home, "globalnpmrc")
	_ = os.WriteFile(empty, nil, 0o600)
	args = append(args, "--userconfig", userconfig, "--globalconfig", empty, "--cache", c.t.TempDir())
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + c.home, "PATH=" + os.Getenv("PATH"), "NO_UPDATE_NOTIFIER=1", "NO_COLOR=1", "CI=true"}
	out, err := cmd.CombinedOutput()
	c.t.Logf("npm %s\n%s", strings.Join(args[:len(args)-6], " "), out)
	return string(out), err == nil
}

func (c *npmClient) mustRun(dir, userconfig string, args ...string) string {
	c.t.Helper()
	out, ok := c.run(dir, userconfig, args...)
	if !ok {
		c.t.Fatalf("npm %s failed:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// packageDir writes a package to publish: a package.json and an index.js, no dependencies.
func (c *npmClient) packageDir(name, version string, extra map[string]any) string {
	c.t.Helper()
	dir := c.t.TempDir()
	pj := map[string]any{"name": name, "version": version, "main": "index.js", "license": "MIT",
		"description": "test package " + name}
	for k, v := range extra {
		pj[k] = v
	}
	b, _ := json.MarshalIndent(pj, "", "  ")
	must(c.t, os.WriteFile(filepath.Join(dir, "package.json"), b, 0o644))
	must(c.t, os.WriteFile(filepath.Join(dir, "index.js"), []byte(fmt.Sprintf("module.exports = %q;\n", version)), 0o644))
	return dir
}

// consumer is an empty project to install into.
func (c *npmClient) consumer() string {
	c.t.Helper()
	dir := c.t.TempDir()
	must(c.t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"consumer","version":"1.0.0","private":true}`), 0o644))
	return dir
}

func installedVersion(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json"))
	if err != nil {
		t.Fatalf("%s is not installed: %v", name, err)
	}
	var pj struct{ Version string }
	must(t, json.Unmarshal(b, &pj))
	return pj.Version
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestNPMClient(t *testing.T) { npmClients(t, compattest.New) }

// TestNPMClientOnS3 runs the same on a real S3 bucket (once: in the SQLite pass).
func TestNPMClientOnS3(t *testing.T) {
	if compattest.Postgres() {
		t.Skip("storage does not depend on the database: run once, on SQLite")
	}
	// npm keeps its token on a redirect to the same host name (on another port),
	// which S3 refuses next to a signature: the bucket is reached as localhost,
	// as a real bucket has a host name of its own.
	// Where localhost also names ::1 (MinIO listens on 127.0.0.1 only), the files
	// are streamed through the server instead.
	host, direct := "localhost", compattest.LocalhostIsLoopback()
	if !direct {
		host = ""
		t.Log("localhost names more than 127.0.0.1: direct downloads off")
	}
	npmClients(t, func(t testing.TB, _ ...database.Option) *compattest.Env {
		return compattest.StartWithConfig(t, compattest.DatabaseURL(t), compattest.StartS3(t).BucketAt(t, "npm", host),
			func(c *registry.Config) { c.DirectDownload = direct })
	})
}

func npmClients(t *testing.T, start func(testing.TB, ...database.Option) *compattest.Env) {
	e := start(t)
	e.Group("acme", "private")
	proj := e.Project("acme/tools", "private", "")
	e.Group("pub", "public")
	pub := e.Project("pub/lib", "public", "")
	_, readOnly := e.DeployToken("acme/tools", "", "read_package_registry")
	c := newNPMClient(t)

	projectEP := fmt.Sprintf("/api/v4/projects/%d/packages/npm", proj.ID)
	groupEP := "/api/v4/groups/acme/-/packages/npm"
	instanceEP := "/api/v4/packages/npm"
	projectRC := c.npmrc(e.URL, "acme", projectEP, e.RootToken)

	t.Run("publish two versions with a personal access token", func(t *testing.T) {
		for _, v := range []string{"1.0.0", "1.0.1"} {
			c.mustRun(c.packageDir("@acme/hello", v, nil), projectRC, "publish")
		}
	})
	t.Run("publishing the same version again fails with 403", func(t *testing.T) {
		// npm 11 refuses by itself after reading the packument; --force sends the PUT.
		dir := c.packageDir("@acme/hello", "1.0.1", nil)
		if out, ok := c.run(dir, projectRC, "publish"); ok || !strings.Contains(out, "cannot publish over the previously published versions") {
			t.Fatalf("second publish: ok=%v\n%s", ok, out)
		}
		out, ok := c.run(dir, projectRC, "publish", "--force")
		if ok || !strings.Contains(out, "403 Forbidden") || !strings.Contains(out, "Package already exists.") {
			t.Fatalf("second publish with --force: ok=%v\n%s", ok, out)
		}
	})
	t.Run("a read-only deploy token cannot publish", func(t *testing.T) {
		rc := c.npmrc(e.URL, "acme", projectEP, readOnly)
		out, ok := c.run(c.packageDir("@acme/hello", "1.0.2", nil), rc, "publish")
		if ok || !strings.Contains(out, "403") {
			t.Fatalf("deploy token publish: ok=%v\n%s", ok, out)
		}
	})
	for _, level := range []struct{ name, endpoint string }{
		{"project", projectEP}, {"group", groupEP}, {"instance", instanceEP},
	} {
		t.Run("install at "+level.name+" level", func(t *testing.T) {
			rc := c.npmrc(e.URL, "acme", level.endpoint, e.RootToken)
			dir := c.consumer()
			c.mustRun(dir, rc, "install", "@acme/hello")
			if v := installedVersion(t, dir, "@acme/hello"); v != "1.0.1" {
				t.Fatalf("installed %s, want 1.0.1 (latest)", v)
			}
			lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
			must(t, err)
			if !strings.Contains(string(lock), e.URL+level.endpoint+"/@acme/hello/-/@acme/hello-1.0.1.tgz") {
				t.Fatalf("the lock file's tarball URL is not at the %s endpoint:\n%s", level.name, lock)
			}
		})
	}
	t.Run("dist-tag add, ls and rm", func(t *testing.T) {
		dir := c.consumer()
		c.mustRun(dir, projectRC, "dist-tag", "add", "@acme/hello@1.0.0", "beta")
		if out := c.mustRun(dir, projectRC, "dist-tag", "ls", "@acme/hello"); !strings.Contains(out, "beta: 1.0.0") || !strings.Contains(out, "latest: 1.0.1") {
			t.Fatalf("dist-tag ls after add:\n%s", out)
		}
		c.mustRun(dir, projectRC, "install", "@acme/hello@beta")
		if v := installedVersion(t, dir, "@acme/hello"); v != "1.0.0" {
			t.Fatalf("installed %s for @beta, want 1.0.0", v)
		}
		c.mustRun(dir, projectRC, "dist-tag", "rm", "@acme/hello", "beta")
		if out := c.mustRun(dir, projectRC, "dist-tag", "ls", "@acme/hello"); strings.Contains(out, "beta") {
			t.Fatalf("dist-tag ls after rm:\n%s", out)
		}
	})
	t.Run("deprecate warns on install, undeprecate stops it", func(t *testing.T) {
		dir := c.consumer()
		c.mustRun(dir, projectRC, "deprecate", "@acme/hello@1.0.0", "use 1.0.1 instead")
		out := c.mustRun(dir, projectRC, "install", "@acme/hello@1.0.0")
		if !strings.Contains(out, "deprecated @acme/hello@1.0.0: use 1.0.1 instead") {
			t.Fatalf("no deprecation warning:\n%s", out)
		}
		c.mustRun(dir, projectRC, "deprecate", "@acme/hello@1.0.0", "")
		out = c.mustRun(c.consumer(), projectRC, "install", "@acme/hello@1.0.0")
		if strings.Contains(out, "deprecated") {
			t.Fatalf("still deprecated:\n%s", out)
		}
	})
	t.Run("view, search and audit", func(t *testing.T) {
		dir := c.consumer()
		out := c.mustRun(dir, projectRC, "view", "@acme/hello", "--json")
		var view struct {
			Name     string            `json:"name"`
			Versions []string          `json:"versions"`
			DistTags map[string]string `json:"dist-tags"`
			Dist     struct{ Tarball string }
		}
		must(t, json.Unmarshal([]byte(out[strings.Index(out, "{"):strings.LastIndex(out, "}")+1]), &view))
		if view.Name != "@acme/hello" || strings.Join(view.Versions, ",") != "1.0.0,1.0.1" || view.DistTags["latest"] != "1.0.1" {
			t.Fatalf("npm view: %+v", view)
		}
		// search and audit go to the default registry (the instance endpoint here).
		rc := c.npmrcWithDefaultToken(e.URL, "/api/v4/packages/npm/", e.RootToken)
		if out := c.mustRun(dir, rc, "search", "hello"); !strings.Contains(out, "@acme/hello") {
			t.Fatalf("npm search:\n%s", out)
		}
		c.mustRun(dir, projectRC, "install", "@acme/hello")
		// Audit needs a project endpoint: GitLab's group and instance endpoints have no
		// project to audit in (404), with request forwarding off.
		auditRC := c.npmrcWithDefaultToken(e.URL, projectEP+"/", e.RootToken)
		if out, ok := c.run(dir, auditRC, "audit"); !ok || !strings.Contains(out, "found 0 vulnerabilities") {
			t.Fatalf("npm audit: ok=%v\n%s", ok, out)
		}
	})
	t.Run("unpublish one version", func(t *testing.T) {
		dir := c.consumer()
		c.mustRun(dir, projectRC, "unpublish", "@acme/hello@1.0.0")
		out := c.mustRun(dir, projectRC, "view", "@acme/hello", "versions", "--json")
		if strings.Contains(out, "1.0.0") || !strings.Contains(out, "1.0.1") {
			t.Fatalf("versions after unpublish: %s", out)
		}
		if _, ok := c.run(c.consumer(), projectRC, "install", "@acme/hello@1.0.0"); ok {
			t.Fatal("an unpublished version installed")
		}
	})
	t.Run("anonymous install from a public project", func(t *testing.T) {
		pubRC := c.npmrc(e.URL, "pub", fmt.Sprintf("/api/v4/projects/%d/packages/npm", pub.ID), e.RootToken)
		c.mustRun(c.packageDir("@pub/lib", "2.0.0", nil), pubRC, "publish")
		anon := c.npmrc(e.URL, "pub", fmt.Sprintf("/api/v4/projects/%d/packages/npm", pub.ID), "")
		dir := c.consumer()
		c.mustRun(dir, anon, "install", "@pub/lib")
		if v := installedVersion(t, dir, "@pub/lib"); v != "2.0.0" {
			t.Fatalf("installed %s", v)
		}
		// The private project stays closed to anonymous clients.
		anonPrivate := c.npmrc(e.URL, "acme", projectEP, "")
		if out, ok := c.run(c.consumer(), anonPrivate, "install", "@acme/hello"); ok || !strings.Contains(out, "401") {
			t.Fatalf("anonymous install from a private project: ok=%v\n%s", ok, out)
		}
	})
	t.Run("packages API lists the npm package", func(t *testing.T) {
		res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_type=npm", proj.ID), nil, "Private-Token", e.RootToken)
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"name":"@acme/hello"`) ||
			!strings.Contains(string(res.Body), `"version":"1.0.1"`) || strings.Contains(string(res.Body), `"version":"1.0.0"`) {
			t.Fatalf("packages API: %d %s", res.Status, res.Body)
		}
	})
}

// npmrcWithDefaultToken points only the default registry at an endpoint ("/api/v4/
// packages/npm/"), with the token, as commands without a scope (search, audit) use it.
func (c *npmClient) npmrcWithDefaultToken(server, endpoint, token string) string {
	c.t.Helper()
	host := strings.TrimPrefix(server, "http://")
	lines := []string{
		"registry=" + server + endpoint,
		"//" + host + endpoint + ":_authToken=" + token,
		"audit=false", "fund=false", "update-notifier=false", "progress=false",
	}
	f := filepath.Join(c.t.TempDir(), "npmrc")
	must(c.t, os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return f
}
