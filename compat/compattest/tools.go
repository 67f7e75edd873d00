package compattest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ToolsDir is where .ci/install.d keeps the clients and servers it builds or
// downloads (NuGet, MinIO, ...), so that later runs on the same machine find them:
// $PKGREG_TOOLS, or ~/.cache/pkgreg/tools.
func ToolsDir() string {
	if d := os.Getenv("PKGREG_TOOLS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "pkgreg-tools")
	}
	return filepath.Join(home, ".cache", "pkgreg", "tools")
}

// RequireTool returns the path of a real client or server: on PATH, or in
// ToolsDir()/bin. When it is missing (or a probe command it is run with fails),
// the test fails under CI (CI is set: .ci/run installs every tool) and is skipped on
// a bare local go test, naming the install script.
func RequireTool(t testing.TB, name string, probe ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if p := filepath.Join(ToolsDir(), "bin", name); fileExists(p) {
			path, err = p, nil
		}
	}
	if err == nil && len(probe) > 0 {
		err = exec.Command(path, probe...).Run()
	}
	if err != nil {
		missing(t, name+" ("+err.Error()+")")
	}
	return path
}

// RequireFile fails (under CI) or skips the test when a file a real client needs is
// missing, as RequireTool does for commands.
func RequireFile(t testing.TB, path, what string) {
	t.Helper()
	if !fileExists(path) {
		missing(t, what+" ("+path+")")
	}
}

// Missing fails the test under CI, and skips it locally, for a requirement that is
// not there.
func Missing(t testing.TB, what string) { t.Helper(); missing(t, what) }

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing: .ci/run installs it (.ci/install.d/*.sh)", what)
	}
	t.Skipf("%s is missing; run the installers in .ci/install.d, or bash .ci/run", what)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
