package generic_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

func requireTool(t *testing.T, name string) string {
	t.Helper()
	return compattest.RequireTool(t, name)
}

// TestCurlAsInGitLabDocs runs GitLab's documented curl commands with only the host
// and ids changed, once per kind of credential.
func TestCurlAsInGitLabDocs(t *testing.T) {
	curl := requireTool(t, "curl")
	e := compattest.New(t)
	e.Group("acme", "private")
	p := e.Project("acme/tools", "private", "")
	e.User("alice")
	e.Member("alice", "acme", "developer")
	pat := e.PAT("alice", "api")
	deployUser, deployToken := e.DeployToken("acme/tools", "", "read_package_registry", "write_package_registry")
	jobToken, jobID := e.Job("acme/tools", "alice", 4242)

	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"--silent", "--show-error", "--fail-with-body"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	api := fmt.Sprintf("%s/api/v4/projects/%d/packages/generic", e.URL, p.ID)
	creds := []struct {
		name string
		args []string
	}{
		{"personal access token", []string{"--header", "PRIVATE-TOKEN: " + pat}},
		{"deploy token", []string{"--header", "DEPLOY-TOKEN: " + deployToken}},
		{"job token", []string{"--header", "JOB-TOKEN: " + jobToken}},
		{"basic with personal access token", []string{"--user", "alice:" + pat}},
		{"basic with deploy token", []string{"--user", deployUser + ":" + deployToken}},
		{"basic with job token", []string{"--user", "gitlab-ci-token:" + jobToken}},
	}
	for i, c := range creds {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, fmt.Sprintf("file%d.txt", i))
			content := fmt.Sprintf("content for %s\n", c.name)
			os.WriteFile(file, []byte(content), 0o644)
			url := fmt.Sprintf("%s/my_package/0.0.%d/file.txt", api, i+1)
			out := run(append(append([]string{"--location"}, c.args...), "--upload-file", file, url)...)
			if out != "{\"message\":\"201 Created\"}\n" {
				t.Fatalf("upload said %q", out)
			}
			got := filepath.Join(dir, fmt.Sprintf("got%d.txt", i))
			run(append(append([]string{"--location"}, c.args...), url, "--output", got)...)
			if b, _ := os.ReadFile(got); string(b) != content {
				t.Fatalf("downloaded %q", b)
			}
		})
	}
	t.Run("status=hidden and select=package_file", func(t *testing.T) {
		file := filepath.Join(dir, "hidden.txt")
		os.WriteFile(file, []byte("hidden"), 0o644)
		out := run("--location", "--header", "PRIVATE-TOKEN: "+pat, "--upload-file", file,
			api+"/my_package/0.1.0/hidden.txt?status=hidden&select=package_file")
		var f struct {
			FileName string `json:"file_name"`
		}
		if err := json.Unmarshal([]byte(out), &f); err != nil || f.FileName != "hidden.txt" {
			t.Fatalf("select=package_file said %q", out)
		}
	})
	t.Run("the job's pipeline is recorded", func(t *testing.T) {
		out := run("--header", "PRIVATE-TOKEN: "+pat, fmt.Sprintf("%s/api/v4/projects/%d/packages?package_version=0.0.3", e.URL, p.ID))
		var pkgs []struct {
			ID       int
			Pipeline struct {
				IID  int64 `json:"iid"`
				Ref  string
				User struct{ Username string }
			}
		}
		if err := json.Unmarshal([]byte(out), &pkgs); err != nil || len(pkgs) != 1 {
			t.Fatalf("list: %q", out)
		}
		if pl := pkgs[0].Pipeline; pl.IID != 4242 || pl.Ref != "main" || pl.User.Username != "alice" {
			t.Fatalf("pipeline = %+v", pl)
		}
		out = run("--header", "PRIVATE-TOKEN: "+pat, fmt.Sprintf("%s/api/v4/projects/%d/packages/%d/pipelines", e.URL, p.ID, pkgs[0].ID))
		if !strings.Contains(out, `"iid":4242`) {
			t.Fatalf("pipelines: %q", out)
		}
	})
	t.Run("a finished job's token stops working", func(t *testing.T) {
		if err := e.Svc.FinishJob(e.Admin, jobID, "success"); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(curl, "--silent", "--output", "/dev/null", "--write-out", "%{http_code}",
			"--header", "JOB-TOKEN: "+jobToken, api+"/my_package/0.0.3/file.txt")
		out, _ := cmd.Output()
		if string(out) != "401" {
			t.Fatalf("finished job token: %s", out)
		}
	})
}
