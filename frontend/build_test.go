package frontend_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/frontend"
)

// TestMakeRebuildsTheUIOnlyOnChange: `make serve` and `make test` build the UI
// through a make target that is up to date after a build and stale when a source it
// is made from changes (make -W pretends a file was modified, so nothing is touched).
func TestMakeRebuildsTheUIOnlyOnChange(t *testing.T) {
	if _, built := frontend.Files(); !built {
		compattest.Missing(t, "the UI build (make frontend)")
	}
	if _, err := exec.LookPath("make"); err != nil {
		compattest.Missing(t, "make")
	}
	target := "frontend/dist/app/index.html"
	question := func(args ...string) int {
		t.Helper()
		cmd := exec.Command("make", append([]string{"--question", "--no-print-directory"}, append(args, target)...)...)
		cmd.Dir = ".."
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &exit):
			return exit.ExitCode()
		}
		t.Fatal(err)
		return -1
	}
	if got := question(); got != 0 {
		t.Fatalf("right after a build, make says the UI needs rebuilding (exit %d)", got)
	}
	for _, changed := range []string{"schema.graphqls", "frontend/src/App.tsx", "frontend/package-lock.json", "frontend/vite.config.ts"} {
		if got := question("--what-if", changed); got != 1 {
			t.Errorf("after a change of %s make would not rebuild the UI (exit %d, want 1)", changed, got)
		}
	}
	if got := question("--what-if", "README.md"); got != 0 {
		t.Errorf("a README change would rebuild the UI (exit %d)", got)
	}
}

// TestLockfileRunsOnTheREADMEsNode: every package in the lockfile accepts the Node
// version the README asks for, so npm ci prints no engine warnings and nothing
// refuses to run on it (a newer vitest or codegen needs Node 22 and Debian's machines
// have 20).
func TestLockfileRunsOnTheREADMEsNode(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`needs Node (\d+\.\d+(?:\.\d+)?)\+`).FindSubmatch(readme)
	if m == nil {
		t.Fatal(`the README does not say which Node the UI needs ("needs Node X.Y+")`)
	}
	node := semver.MustParse(string(m[1]))
	raw, err := os.ReadFile("package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
			Engines any    `json:"engines"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		t.Fatal(err)
	}
	var refused []string
	for path, p := range lock.Packages {
		engines, ok := p.Engines.(map[string]any)
		if !ok {
			continue // absent, or the old array form that npm ignores
		}
		want, ok := engines["node"].(string)
		if !ok {
			continue
		}
		c, err := semver.NewConstraint(want)
		if err != nil {
			t.Errorf("%s@%s: engines.node %q does not parse: %v", path, p.Version, want, err)
			continue
		}
		if !c.Check(node) {
			refused = append(refused, path+"@"+p.Version+" needs node "+want)
		}
	}
	sort.Strings(refused)
	for _, r := range refused {
		t.Errorf("the README says Node %s is enough, but %s", node, r)
	}
}
