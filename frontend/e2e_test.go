package frontend_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/frontend"
	"github.com/pkgreg/registry/registry"
)

// TestBrowserEndToEnd drives the embedded UI in headless Chromium (e2e/e2e.mjs, with
// playwright-core) against a registry started for the test: sign in, create a group,
// a project and a token, publish over REST, search, sort, filter, page, read the details,
// delete, create and revoke project access tokens, and check an outsider's 404 and a
// signed-out visitor's view of a public and a private project. e2e/packages.mjs adds
// the package pages of every format (readmes, dependencies), the grouped table with
// bulk delete, usage charts and settings rows, with axe-core (e2e/a11y.mjs) failing on
// serious or critical accessibility violations. Screenshots go to test-artifacts/ui/ at the
// repository root. Outside CI it skips when Node, Chromium or the UI build are missing;
// in CI (CI set) they are required.
func TestBrowserEndToEnd(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, built := frontend.Files(); !built {
		missing = append(missing, "the UI build (make frontend)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		missing = append(missing, "frontend/node_modules (npm ci)")
	}
	if len(missing) > 0 {
		compattest.Missing(t, strings.Join(missing, ", "))
	}

	// Download counts are flushed as a server does, often enough for the page to show them.
	e := compattest.NewWithConfig(t, func(c *registry.Config) { c.DownloadFlushInterval = 100 * time.Millisecond })
	go e.Svc.RunDownloadFlush(t.Context())
	const password = "root-password-for-e2e"
	if err := e.Svc.SetPassword(e.Admin, "root", password); err != nil {
		t.Fatal(err)
	}
	artifacts, err := filepath.Abs(filepath.Join("..", "test-artifacts", "ui"))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		artifacts += "-postgres"
	}
	if err := os.RemoveAll(artifacts); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/e2e.mjs")
	cmd.Env = append(os.Environ(), "BASE_URL="+e.URL, "ROOT_PASSWORD="+password, "ARTIFACTS="+artifacts, "CHROMIUM="+chromium)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("e2e/e2e.mjs against %s:\n%s", e.URL, out)
	if err != nil {
		t.Fatalf("browser test failed (%v); screenshots in %s", err, artifacts)
	}
}
