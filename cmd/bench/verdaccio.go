package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Verdaccio, the npm peer: installed from npm into the tools cache when missing,
// run on loopback with no uplinks, its storage written directly with the same
// versions the registry holds (a publish per version would take minutes: Verdaccio
// rewrites the whole package.json each time).

const verdaccioPackage = "verdaccio@6"

func toolsDir() string {
	if d := os.Getenv("PKGREG_TOOLS"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "pkgreg", "tools")
}

// verdaccioBin returns Verdaccio's entry point, installing it when missing.
func verdaccioBin() (string, error) {
	dir := filepath.Join(toolsDir(), "verdaccio")
	bin := filepath.Join(dir, "node_modules", "verdaccio", "bin", "verdaccio")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("verdaccio is not installed and npm is not on PATH")
	}
	logf("verdaccio: npm install %s into %s", verdaccioPackage, dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--omit=dev", verdaccioPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install %s: %v\n%s", verdaccioPackage, err, tail(string(out), 20))
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("npm install %s left no %s", verdaccioPackage, bin)
	}
	return bin, nil
}

type verdaccio struct {
	c       *child
	base    string
	version string
}

// verdaccioVersion is the installed version, from its package.json.
func verdaccioVersion(bin string) string {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(bin)), "package.json"))
	var p struct {
		Version string `json:"version"`
	}
	if err != nil || json.Unmarshal(b, &p) != nil || p.Version == "" {
		return "?"
	}
	return p.Version
}

// startVerdaccio writes name's versions into a fresh storage and starts Verdaccio
// on it.
func startVerdaccio(dir, name string, versions []string) (*verdaccio, error) {
	bin, err := verdaccioBin()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	storage := filepath.Join(dir, "storage")
	if err := writeVerdaccioStorage(storage, base, name, versions); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`storage: %q
uplinks: {}
packages:
  '@*/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
auth:
  htpasswd:
    file: %q
    max_users: -1
server:
  keepAliveTimeout: 60
log: { type: stdout, format: pretty, level: error }
web:
  enable: false
`, storage, filepath.Join(dir, "htpasswd"))
	confPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("verdaccio needs node on PATH")
	}
	c, err := startChild("verdaccio", filepath.Join(dir, "verdaccio.log"), os.Environ(), node, bin,
		"--config", confPath, "--listen", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	v := &verdaccio{c: c, base: base, version: verdaccioVersion(bin)}
	if _, err := waitReady(base+"/-/ping", c, 60*time.Second); err != nil {
		v.stop()
		return nil, err
	}
	logf("verdaccio: pid %d ready on %s", c.pid(), base)
	return v, nil
}

func (v *verdaccio) stop() {
	if _, _, killed := v.c.stop(syscall.SIGTERM, 10*time.Second); killed {
		logf("verdaccio did not stop on SIGTERM within 10s; killed")
	}
}

// writeVerdaccioStorage writes the package.json Verdaccio's local storage keeps
// for name, with the tarballs beside it.
func writeVerdaccioStorage(storage, base, name string, versions []string) error {
	dir := filepath.Join(storage, filepath.FromSlash(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	now := time.Now().UTC()
	vs := map[string]any{}
	times := map[string]any{"created": now.Format(time.RFC3339Nano), "modified": now.Format(time.RFC3339Nano)}
	for i, v := range versions {
		file := npmBase(name) + "-" + v + ".tgz"
		tgz := npmTarball(name, v)
		if err := os.WriteFile(filepath.Join(dir, file), tgz, 0o644); err != nil {
			return err
		}
		vs[v] = npmManifest(name, v, base+"/"+name+"/-/"+file, tgz)
		times[v] = now.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano)
	}
	doc := map[string]any{
		"name": name, "versions": vs, "time": times, "users": map[string]any{},
		"dist-tags": map[string]any{"latest": versions[len(versions)-1]},
		"_uplinks":  map[string]any{}, "_distfiles": map[string]any{}, "_attachments": map[string]any{},
		"_rev": "1-" + strings.Repeat("0", 16),
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "package.json"), b, 0o644)
}
