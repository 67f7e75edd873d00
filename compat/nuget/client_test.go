package nuget_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
)

// nugetClient runs NuGet.exe 5.8 (on mono, installed by .ci/install.d/nuget.sh) with
// its own HOME, so that its caches (the service index, the http cache, the global
// packages folder) are the test's and every run talks to the server.
type nugetClient struct {
	t    *testing.T
	exe  string
	home string
}

func newNuGet(t *testing.T) *nugetClient {
	exe := compattest.RequireTool(t, "nuget", "help")
	return &nugetClient{t: t, exe: exe, home: t.TempDir()}
}

func (c *nugetClient) runErr(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.exe, append(args, "-NonInteractive")...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + c.home, "PATH=" + os.Getenv("PATH"), "XDG_CONFIG_HOME=" + filepath.Join(c.home, ".config"),
		"NUGET_PACKAGES=" + filepath.Join(c.home, "packages"), "NUGET_HTTP_CACHE_PATH=" + filepath.Join(c.home, "http-cache"),
		"MONO_ENV_OPTIONS=--gc=sgen"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *nugetClient) run(dir string, args ...string) string {
	c.t.Helper()
	out, err := c.runErr(dir, args...)
	if err != nil {
		c.t.Fatalf("nuget %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// nugetConfig writes a NuGet.Config with one source named gitlab and, when user is
// set, its credentials (packageSourceCredentials, as GitLab's docs write them).
func nugetConfig(t *testing.T, dir, source, user, password string) string {
	t.Helper()
	creds := ""
	if user != "" {
		creds = fmt.Sprintf(`<packageSourceCredentials><gitlab>
      <add key="Username" value="%s" /><add key="ClearTextPassword" value="%s" />
    </gitlab></packageSourceCredentials>`, user, password)
	}
	cfg := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="gitlab" value="%s" /></packageSources>
  %s
</configuration>`, source, creds)
	path := filepath.Join(dir, "NuGet.Config")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pack writes a nuspec with a content file (and a .pdb for symbols) and packs it
// with the real client; it returns the .nupkg's path.
func (c *nugetClient) pack(dir, id, version, deps string, symbols bool) string {
	c.t.Helper()
	src := filepath.Join(dir, id+"-"+version)
	must(c.t, os.MkdirAll(filepath.Join(src, "lib", "net6.0"), 0o755))
	must(c.t, os.WriteFile(filepath.Join(src, "lib", "net6.0", id+".txt"), []byte(id+" "+version+"\n"), 0o644))
	files := `<file src="lib/net6.0/` + id + `.txt" target="lib/net6.0/` + id + `.txt" />`
	if symbols {
		must(c.t, os.WriteFile(filepath.Join(src, "lib", "net6.0", id+".pdb"), fakePDB(), 0o644))
		files += `<file src="lib/net6.0/` + id + `.pdb" target="lib/net6.0/` + id + `.pdb" />`
	}
	spec := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>%s</id><version>%s</version><authors>Acme</authors>
    <description>%s for the client test.</description>
    <projectUrl>https://example.com/%s</projectUrl><tags>acme test</tags>
    <dependencies><group targetFramework="net6.0">%s</group></dependencies>
  </metadata>
  <files>%s</files>
</package>`, id, version, id, id, deps, files)
	must(c.t, os.WriteFile(filepath.Join(src, id+".nuspec"), []byte(spec), 0o644))
	args := []string{"pack", id + ".nuspec", "-OutputDirectory", dir}
	if symbols {
		args = append(args, "-Symbols", "-SymbolPackageFormat", "snupkg")
	}
	c.run(src, args...)
	return filepath.Join(dir, id+"."+version+".nupkg")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestNuGetClient packs two packages (one depending on the other) and a symbol
// package with NuGet.exe, pushes them with a personal access token, a deploy token,
// a job token and a source's username and password, installs them from the project
// and the group source (a version, and the newest), deletes a version, and checks
// who may not.
func TestNuGetClient(t *testing.T) {
	c := newNuGet(t)
	w := newWorld(t)
	e := w.e
	dir := t.TempDir()
	project := e.URL + w.libRoot + "/index.json"
	group := e.URL + w.gRoot + "/index.json"
	anon := nugetConfig(t, t.TempDir(), project, "", "")

	core := c.pack(dir, "Acme.Core", "1.0.0", "", true)
	dep := `<dependency id="Acme.Core" version="1.0.0" />`
	hello := c.pack(dir, "Acme.Hello", "1.0.0", dep, false)
	hello11 := c.pack(dir, "Acme.Hello", "1.1.0", dep, false)
	hello12 := c.pack(dir, "Acme.Hello", "1.2.0", dep, false)
	if _, err := os.Stat(strings.TrimSuffix(core, ".nupkg") + ".snupkg"); err != nil {
		t.Fatalf("pack wrote no symbol package: %v", err)
	}

	// Pushes with -ApiKey only: the client reads the service index anonymously.
	deployUser, deploySecret := e.DeployToken("acme/lib", "", "read_package_registry", "write_package_registry")
	_, readOnly := e.DeployToken("acme/lib", "", "read_package_registry")
	job, _ := e.Job("acme/lib", "dev", 1)
	out := c.run(dir, "push", core, "-Source", project, "-ApiKey", w.dev, "-ConfigFile", anon)
	if !strings.Contains(out, "Your package was pushed") || strings.Count(out, "Created") < 2 {
		t.Fatalf("push with the symbol package: %s", out)
	}
	c.run(dir, "push", hello, "-Source", project, "-ApiKey", deploySecret, "-ConfigFile", anon)
	c.run(dir, "push", hello11, "-Source", project, "-ApiKey", job, "-ConfigFile", anon)
	if out, err := c.runErr(dir, "push", hello12, "-Source", project, "-ApiKey", readOnly, "-ConfigFile", anon); err == nil {
		t.Fatalf("a read-only deploy token pushed: %s", out)
	} else if !strings.Contains(out, "403 (Forbidden)") {
		t.Errorf("a read-only deploy token's push: want 403, got %s", out)
	}
	// A source added by name with a username and password, and no API key.
	named := filepath.Join(t.TempDir(), "NuGet.Config")
	must(t, os.WriteFile(named, []byte(`<?xml version="1.0" encoding="utf-8"?><configuration></configuration>`), 0o600))
	c.run(dir, "sources", "add", "-Name", "gitlab", "-Source", project, "-Username", deployUser, "-Password", deploySecret,
		"-StorePasswordInClearText", "-ConfigFile", named)
	c.run(dir, "push", hello12, "-Source", "gitlab", "-ConfigFile", named)

	// The symbol package was indexed.
	if errs := e.GraphQL(`mutation { updateNamespacePackageSettings(input: {namespacePath: "acme", nugetSymbolServerEnabled: true}) { errors } }`,
		nil, nil, "Private-Token", e.RootToken); len(errs) > 0 {
		t.Fatal(errs)
	}
	res := e.Do("GET", w.libRoot+"/symbolfiles/acme.core.pdb/"+fakeSignature+"/acme.core.pdb", nil,
		append(w.devBasic, "Symbolchecksum", "SHA256:"+fakeChecksum)...)
	if res.Status != 200 || !bytes.Equal(res.Body, fakePDB()) {
		t.Fatalf("symbol file: %d %s", res.Status, res.Body)
	}

	// Installs from the project and from the group, with credentials in NuGet.Config.
	for _, src := range []struct{ name, url string }{{"project", project}, {"group", group}} {
		t.Run("install from the "+src.name, func(t *testing.T) {
			cfg := nugetConfig(t, t.TempDir(), src.url, "dev", w.dev)
			outDir := t.TempDir()
			c.home = t.TempDir() // an empty global packages folder and http cache
			c.run(dir, "install", "Acme.Hello", "-Version", "1.1.0", "-Source", "gitlab", "-ConfigFile", cfg, "-OutputDirectory", outDir)
			for file, want := range map[string]string{
				filepath.Join(outDir, "Acme.Hello.1.1.0", "Acme.Hello.1.1.0.nupkg"): hello11,
				filepath.Join(outDir, "Acme.Core.1.0.0", "Acme.Core.1.0.0.nupkg"):   core,
			} {
				got, err := os.ReadFile(file)
				must(t, err)
				wantBytes, err := os.ReadFile(want)
				must(t, err)
				if !bytes.Equal(got, wantBytes) {
					t.Errorf("%s differs from what was pushed", file)
				}
			}
			if b, err := os.ReadFile(filepath.Join(outDir, "Acme.Hello.1.1.0", "lib", "net6.0", "Acme.Hello.txt")); err != nil ||
				string(b) != "Acme.Hello 1.1.0\n" {
				t.Errorf("extracted content: %q %v", b, err)
			}
		})
	}

	// Without a version the client resolves the newest from the registration index.
	// (NuGet.exe 5.8 has no search of v3 sources: its list command needs a v2 feed,
	// which GitLab does not have; TestSearch sends the search requests dotnet sends.)
	cfg := nugetConfig(t, t.TempDir(), project, "dev", w.dev)
	c.home = t.TempDir()
	latest := t.TempDir()
	c.run(dir, "install", "Acme.Hello", "-Source", "gitlab", "-ConfigFile", cfg, "-OutputDirectory", latest)
	if _, err := os.Stat(filepath.Join(latest, "Acme.Hello.1.2.0", "Acme.Hello.1.2.0.nupkg")); err != nil {
		t.Errorf("install without a version did not take 1.2.0: %v", err)
	}

	// Delete a version (a Maintainer's key): installing it fails afterwards.
	if out, err := c.runErr(dir, "delete", "Acme.Hello", "1.1.0", "-Source", project, "-ApiKey", w.dev, "-ConfigFile", anon); err == nil {
		t.Fatalf("a Developer deleted a version: %s", out)
	}
	c.run(dir, "delete", "Acme.Hello", "1.1.0", "-Source", project, "-ApiKey", w.maint, "-ConfigFile", anon)
	c.home = t.TempDir()
	if out, err := c.runErr(dir, "install", "Acme.Hello", "-Version", "1.1.0", "-Source", "gitlab", "-ConfigFile", cfg,
		"-OutputDirectory", t.TempDir()); err == nil {
		t.Fatalf("installed a deleted version: %s", out)
	}

	// An outsider, and anyone without credentials, cannot install from the private project.
	for _, who := range []struct{ name, cfg, want string }{
		{"outsider", nugetConfig(t, t.TempDir(), project, "outsider", w.outsider), "is not found"}, // a 404
		{"anonymous", anon, "401 (Unauthorized)"},
	} {
		c.home = t.TempDir()
		out, err := c.runErr(dir, "install", "Acme.Hello", "-Version", "1.0.0", "-Source", "gitlab", "-ConfigFile", who.cfg,
			"-OutputDirectory", t.TempDir())
		if err == nil || !strings.Contains(out, who.want) {
			t.Errorf("%s installing from a private project: want %q, got %v %s", who.name, who.want, err, out)
		}
	}
}
