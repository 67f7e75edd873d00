package pypi_test

import (
	"context"
	"fmt"
	"net/url"
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

func requireTool(t *testing.T, name string, probe ...string) string {
	t.Helper()
	return compattest.RequireTool(t, name, probe...)
}

// pyProject writes a pure-Python project and builds its sdist and wheel offline with
// Debian's build frontend; it returns the two files.
func pyProject(t *testing.T, python, dir, name, version string, deps ...string) []string {
	t.Helper()
	mod := strings.ToLower(strings.NewReplacer("-", "_", ".", "_").Replace(name))
	quoted := make([]string, len(deps))
	for i, d := range deps {
		quoted[i] = fmt.Sprintf("%q", d)
	}
	files := map[string]string{
		"pyproject.toml": fmt.Sprintf(`[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = %q
version = %q
description = "Test package <%s> & friends"
requires-python = ">=3.8"
dependencies = [%s]
`, name, version, name, strings.Join(quoted, ", ")),
		"README.md":                              "# " + name + "\n",
		filepath.Join("src", mod, "__init__.py"): fmt.Sprintf("NAME = %q\n", name),
	}
	for p, c := range files {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, nil, python, "-m", "build", "--no-isolation", "--outdir", "dist", ".")
	out, err := filepath.Glob(filepath.Join(dir, "dist", "*"))
	if err != nil || len(out) != 2 {
		t.Fatalf("built %v (%v)", out, err)
	}
	return out
}

// run runs a command and returns its combined output; it fails the test on error.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runErr(dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(dir string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// cleanEnv is the environment without pip, twine and Python settings of this machine
// (it presets PIP_FIND_LINKS, for example), with HOME in a temporary directory so
// that no ~/.pypirc or pip.conf applies, and pip told never to prompt or use keyring.
func cleanEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PIP_") || strings.HasPrefix(k, "TWINE_") || strings.HasPrefix(k, "PYTHON") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+t.TempDir(), "PIP_CONFIG_FILE="+os.DevNull, "PIP_NO_INPUT=1",
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_KEYRING_PROVIDER=disabled", "PIP_DEFAULT_TIMEOUT=60")
}

// TestPyPIClients publishes with the real twine and installs with the real pip, with
// GitLab's documented URLs and only the host changed.
func TestPyPIClients(t *testing.T) { pypiClients(t, compattest.New) }

// TestPyPIClientsOnS3 runs the same on a real S3 bucket (once: in the SQLite pass).
func TestPyPIClientsOnS3(t *testing.T) {
	if compattest.Postgres() {
		t.Skip("storage does not depend on the database: run once, on SQLite")
	}
	pypiClients(t, func(t testing.TB, _ ...database.Option) *compattest.Env {
		return compattest.StartWithConfig(t, compattest.DatabaseURL(t), compattest.StartS3(t).Bucket(t, "pypi"),
			func(c *registry.Config) { c.DirectDownload = true })
	})
}

func pypiClients(t *testing.T, start func(testing.TB, ...database.Option) *compattest.Env) {
	twine := requireTool(t, "twine", "--version")
	pip := requireTool(t, "pip", "--version")
	python := requireTool(t, "/usr/bin/python3", "-c", "import build, setuptools, wheel")
	e := start(t)
	e.Group("acme", "private")
	e.Group("acme/apps", "private")
	libs := e.Project("acme/libs", "private", "")
	app := e.Project("acme/apps/app", "private", "")
	acme, _ := e.Svc.GroupByRef(e.Admin, "acme")
	e.Group("oss", "public")
	pub := e.Project("oss/pub", "public", "")
	e.User("alice")
	e.Member("alice", "acme", "developer")
	e.Member("alice", "oss", "developer")
	pat := e.PAT("alice", "api")
	deployUser, deployToken := e.DeployToken("acme/apps/app", "", "read_package_registry", "write_package_registry")
	jobToken, _ := e.Job("acme/libs", "alice", 7)

	env := cleanEnv(t)
	dir := t.TempDir()
	alpha := pyProject(t, python, filepath.Join(dir, "alpha"), "alpha-lib", "0.1.0")
	beta := pyProject(t, python, filepath.Join(dir, "beta"), "Beta.App", "1.0.0", "alpha-lib>=0.1")

	host := strings.TrimPrefix(e.URL, "http://")
	projectAPI := func(id int) string { return fmt.Sprintf("%s/api/v4/projects/%d/packages/pypi", e.URL, id) }
	twineUpload := func(repo, user, password string, files ...string) (string, error) {
		args := append([]string{"upload", "--non-interactive", "--disable-progress-bar", "--repository-url", repo,
			"-u", user, "-p", password}, files...)
		return runErr(dir, env, twine, args...)
	}
	// pipInstall installs into a fresh target directory and returns it with pip's output.
	pipInstall := func(t *testing.T, index string, args ...string) (string, string) {
		t.Helper()
		target := t.TempDir()
		args = append([]string{"install", "--no-cache-dir", "--root-user-action=ignore", "--target", target,
			"--index-url", index}, args...)
		return target, run(t, dir, env, pip, args...)
	}
	installed := func(t *testing.T, target string, modules ...string) {
		t.Helper()
		entries, _ := os.ReadDir(target)
		var names []string
		for _, en := range entries {
			if !strings.HasSuffix(en.Name(), ".dist-info") {
				names = append(names, en.Name())
			}
		}
		if strings.Join(names, " ") != strings.Join(modules, " ") {
			t.Errorf("installed %v, want %v", names, modules)
		}
	}
	withCreds := func(user, password, rawURL string) string {
		u, _ := url.Parse(rawURL)
		u.User = url.UserPassword(user, password)
		return u.String()
	}

	t.Run("twine upload with a personal access token", func(t *testing.T) {
		if out, err := twineUpload(projectAPI(libs.ID), "__token__", pat, alpha...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("twine upload with a deploy token", func(t *testing.T) {
		if out, err := twineUpload(projectAPI(app.ID), deployUser, deployToken, beta...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("twine upload of the same file name is refused", func(t *testing.T) {
		out, err := twineUpload(projectAPI(libs.ID), "__token__", pat, alpha[0])
		if err == nil || !strings.Contains(out, "400 Bad Request") {
			t.Fatalf("duplicate accepted or wrong error: %v\n%s", err, out)
		}
		t.Logf("twine:\n%s", out)
	})
	t.Run("pip install --no-deps from the project index", func(t *testing.T) {
		index := fmt.Sprintf("http://__token__:%s@%s/api/v4/projects/%d/packages/pypi/simple", pat, host, app.ID)
		target, out := pipInstall(t, index, "--no-deps", "beta-app")
		installed(t, target, "beta_app")
		if !strings.Contains(out, "Successfully installed beta-app-1.0.0") || strings.Contains(out, "alpha") {
			t.Errorf("pip said:\n%s", out)
		}
	})
	t.Run("pip resolves a dependency from the group index with core metadata", func(t *testing.T) {
		index := withCreds("__token__", pat, fmt.Sprintf("%s/api/v4/groups/%d/-/packages/pypi/simple", e.URL, acme.ID))
		target, out := pipInstall(t, index, "beta.app==1.0.0")
		t.Logf("pip:\n%s", out)
		installed(t, target, "alpha_lib", "beta_app")
		// pip read the dependency from "<wheel>.metadata" (PEP 658) before downloading.
		if !strings.Contains(out, "Obtaining dependency information for") || !strings.Contains(out, ".whl.metadata") {
			t.Errorf("pip did not use core metadata:\n%s", out)
		}
	})
	t.Run("pip with a deploy token and with a job token", func(t *testing.T) {
		index := withCreds(deployUser, deployToken, projectAPI(app.ID)+"/simple")
		target, _ := pipInstall(t, index, "--no-deps", "Beta_App")
		installed(t, target, "beta_app")
		index = withCreds("gitlab-ci-token", jobToken, projectAPI(libs.ID)+"/simple")
		target, _ = pipInstall(t, index, "--no-deps", "alpha-lib")
		installed(t, target, "alpha_lib")
	})
	t.Run("pip without credentials fails on a private project", func(t *testing.T) {
		out, err := runErr(dir, env, pip, "install", "--no-cache-dir", "--target", t.TempDir(),
			"--index-url", projectAPI(libs.ID)+"/simple", "alpha-lib")
		if err == nil || !strings.Contains(out, "No matching distribution found for alpha-lib") {
			t.Fatalf("anonymous install from a private project: %v\n%s", err, out)
		}
	})
	t.Run("pip installs anonymously from a public project", func(t *testing.T) {
		if out, err := twineUpload(projectAPI(pub.ID), "alice", pat, alpha...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		target, _ := pipInstall(t, projectAPI(pub.ID)+"/simple", "alpha_lib==0.1.0")
		installed(t, target, "alpha_lib")
	})
}
