package maven_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
)

// debianRepo is Debian's Maven repository: the plugins of Maven's super-POM, which
// .ci/install.d/maven.sh installs, serve as the "central" mirror so mvn runs offline.
const debianRepo = "/usr/share/maven-repo"

// requestLog records what mvn sent through a reverse proxy in front of the registry.
type requestLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *requestLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

// take returns the lines logged since the last call.
func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// mvnEnv runs the real mvn against one registry.
type mvnEnv struct {
	t       *testing.T
	dir     string
	proxy   string // base URL of the logging proxy
	log     *requestLog
	plugins string // a local repository holding only plugins, copied into fresh ones
}

// settings writes a settings.xml with its own local repository and the credentials
// of the server "gitlab-maven" (the XML inside <server>).
func (m *mvnEnv) settings(name, localRepo, server string) string {
	m.t.Helper()
	p := filepath.Join(m.dir, name+"-settings.xml")
	doc := `<settings>
  <localRepository>` + localRepo + `</localRepository>
  <mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf><url>file://` + debianRepo + `</url></mirror></mirrors>
  <servers><server><id>gitlab-maven</id>` + server + `</server></servers>
</settings>
`
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		m.t.Fatal(err)
	}
	return p
}

func headerServer(name, value string) string {
	return `<configuration><httpHeaders><property><name>` + name + `</name><value>` + value +
		`</value></property></httpHeaders></configuration>`
}

func basicServer(user, password string) string {
	return `<username>` + user + `</username><password>` + password + `</password>`
}

// run runs mvn in dir and returns its output and the requests it made
// (MVN_TEST_VERBOSE=1 logs both).
func (m *mvnEnv) run(dir, settings string, args ...string) (string, []string, error) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(m.t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mvn", append([]string{"-B", "--no-transfer-progress", "-s", settings}, args...)...)
	cmd.Dir = dir
	// Short-lived JVMs start faster with the client compiler only.
	cmd.Env = append(os.Environ(), "MAVEN_OPTS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC", "MAVEN_ARGS=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	m.t.Logf("mvn %s in %s: %.1fs", strings.Join(args, " "), filepath.Base(dir), time.Since(start).Seconds())
	reqs := m.log.take()
	if os.Getenv("MVN_TEST_VERBOSE") != "" {
		m.t.Logf("requests:\n%s\noutput:\n%s", strings.Join(reqs, "\n"), out)
	}
	return string(out), reqs, err
}

// mustRun runs mvn and fails the test, showing its output and requests, if it fails.
func (m *mvnEnv) mustRun(dir, settings string, args ...string) []string {
	m.t.Helper()
	out, reqs, err := m.run(dir, settings, args...)
	if err != nil {
		m.t.Fatalf("mvn %v: %v\n%s\nrequests:\n%s", args, err, out, strings.Join(reqs, "\n"))
	}
	return reqs
}

// freshRepo returns a new local repository that holds Maven's plugins (copied from
// the first build's) and nothing from the registry, so that resolution must ask it.
func (m *mvnEnv) freshRepo(name string) string {
	m.t.Helper()
	dst := filepath.Join(m.dir, name)
	if out, err := exec.Command("cp", "-r", m.plugins, dst).CombinedOutput(); err != nil {
		m.t.Fatalf("cp: %v %s", err, out)
	}
	if err := os.RemoveAll(filepath.Join(dst, "com", "acme")); err != nil {
		m.t.Fatal(err)
	}
	return dst
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const pomHead = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <properties>
    <maven.compiler.source>11</maven.compiler.source>
    <maven.compiler.target>11</maven.compiler.target>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
`

// library is the deployed project at one version; build 2 of the SNAPSHOT adds v2().
func library(repoURL, version string, withV2 bool) map[string]string {
	v2 := ""
	if withV2 {
		v2 = `  public static String v2() { return "two"; }` + "\n"
	}
	return map[string]string{
		"pom.xml": pomHead + `  <groupId>com.acme</groupId>
  <artifactId>hello</artifactId>
  <version>` + version + `</version>
  <distributionManagement>
    <repository><id>gitlab-maven</id><url>` + repoURL + `</url></repository>
    <snapshotRepository><id>gitlab-maven</id><url>` + repoURL + `</url></snapshotRepository>
  </distributionManagement>
</project>
`,
		"src/main/java/com/acme/hello/Hello.java": "package com.acme.hello;\n\npublic class Hello {\n" +
			`  public static String greet() { return "hello ` + version + `"; }` + "\n" + v2 + "}\n",
	}
}

// consumer depends on com.acme:hello at version, read from repoURL; call is the
// expression it compiles against.
func consumer(repoURL, version, call string) map[string]string {
	return map[string]string{
		"pom.xml": pomHead + `  <groupId>com.example</groupId>
  <artifactId>app</artifactId>
  <version>1.0</version>
  <repositories>
    <repository><id>gitlab-maven</id><url>` + repoURL + `</url></repository>
  </repositories>
  <dependencies>
    <dependency><groupId>com.acme</groupId><artifactId>hello</artifactId><version>` + version + `</version></dependency>
  </dependencies>
</project>
`,
		"src/main/java/com/example/App.java": "package com.example;\n\npublic class App {\n" +
			"  public static void main(String[] args) { System.out.println(" + call + "); }\n}\n",
	}
}

// TestMavenClient deploys a library with the real mvn (a release and two SNAPSHOT
// builds, with a Private-Token header, a Deploy-Token header and Basic credentials)
// and builds a project depending on it from the project, group and instance URLs,
// fully offline (spec: clients.md, "Maven").
func TestMavenClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real mvn (about a minute)")
	}
	compattest.RequireTool(t, "mvn")
	compattest.RequireFile(t, filepath.Join(debianRepo, "org/apache/maven/plugins/maven-deploy-plugin"), "Debian's Maven plugins")
	e := compattest.New(t)
	g := e.Group("acme", "private")
	p := e.Project("acme/lib", "private", "")
	e.User("alice")
	e.Member("alice", "acme", "developer")
	pat := e.PAT("alice", "api")
	_, writeToken := e.DeployToken("acme/lib", "", "write_package_registry")
	_, readToken := e.DeployToken("acme/lib", "", "read_package_registry")
	jobToken, _ := e.Job("acme/lib", "alice", 1)

	log := &requestLog{}
	target, _ := url.Parse(e.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(res *http.Response) error {
		auth := "anonymous"
		switch {
		case res.Request.Header.Get("Authorization") != "":
			auth = "basic"
		case res.Request.Header.Get("Private-Token") != "" || res.Request.Header.Get("Deploy-Token") != "" ||
			res.Request.Header.Get("Job-Token") != "":
			auth = "header"
		}
		log.add(fmt.Sprintf("%s %s %d %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, auth))
		return nil
	}
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)

	dir := t.TempDir()
	m := &mvnEnv{t: t, dir: dir, proxy: proxy.URL, log: log, plugins: filepath.Join(dir, "m2-deploy")}
	projectURL := fmt.Sprintf("%s/api/v4/projects/%d/packages/maven", proxy.URL, p.ID)
	lib := filepath.Join(dir, "lib")
	api := fmt.Sprintf("/api/v4/projects/%d/packages/maven/com/acme/hello", p.ID)

	t.Run("deploy a release with a Private-Token header", func(t *testing.T) {
		writeFiles(t, lib, library(projectURL, "1.0.0", false))
		reqs := m.mustRun(lib, m.settings("pat", m.plugins, headerServer("Private-Token", pat)), "deploy")
		for _, want := range []string{
			"PUT " + api + "/1.0.0/hello-1.0.0.jar 200 header", "PUT " + api + "/1.0.0/hello-1.0.0.jar.sha1 204",
			"PUT " + api + "/1.0.0/hello-1.0.0.jar.md5 200", "PUT " + api + "/1.0.0/hello-1.0.0.pom 200",
			"PUT " + api + "/1.0.0/hello-1.0.0.pom.sha1 204", "PUT " + api + "/maven-metadata.xml 200",
			"PUT " + api + "/maven-metadata.xml.sha1 204",
		} {
			if !contains(reqs, want) {
				t.Errorf("no %q in:\n%s", want, strings.Join(reqs, "\n"))
			}
		}
	})
	t.Run("deploy SNAPSHOT build 1 with a Deploy-Token header", func(t *testing.T) {
		writeFiles(t, lib, library(projectURL, "1.1.0-SNAPSHOT", false))
		reqs := m.mustRun(lib, m.settings("deploy", m.plugins, headerServer("Deploy-Token", writeToken)), "deploy")
		if !contains(reqs, "GET "+api+"/1.1.0-SNAPSHOT/maven-metadata.xml 404") ||
			!contains(reqs, "PUT "+api+"/1.1.0-SNAPSHOT/maven-metadata.xml 200") || !contains(reqs, "-1.jar 200") {
			t.Errorf("requests:\n%s", strings.Join(reqs, "\n"))
		}
	})
	t.Run("deploy SNAPSHOT build 2 with Basic credentials", func(t *testing.T) {
		writeFiles(t, lib, library(projectURL, "1.1.0-SNAPSHOT", true))
		reqs := m.mustRun(lib, m.settings("basic", m.plugins, basicServer("alice", pat)), "deploy")
		// The first GET goes out without credentials; the 401 challenge makes mvn retry.
		if !contains(reqs, "GET "+api+"/1.1.0-SNAPSHOT/maven-metadata.xml 401 anonymous") ||
			!contains(reqs, "GET "+api+"/1.1.0-SNAPSHOT/maven-metadata.xml 200 basic") || !contains(reqs, "-2.jar 200 basic") {
			t.Errorf("requests:\n%s", strings.Join(reqs, "\n"))
		}
	})
	t.Run("the registry holds what mvn deployed", func(t *testing.T) {
		tok := []string{"Private-Token", pat}
		res := e.Do("GET", api+"/maven-metadata.xml", nil, tok...)
		if !strings.Contains(string(res.Body), "<latest>1.1.0-SNAPSHOT</latest>") || !strings.Contains(string(res.Body), "<release>1.0.0</release>") {
			t.Errorf("artifact metadata: %s", res.Body)
		}
		res = e.Do("GET", api+"/1.1.0-SNAPSHOT/maven-metadata.xml", nil, tok...)
		if !strings.Contains(string(res.Body), "<buildNumber>2</buildNumber>") {
			t.Errorf("version metadata: %s", res.Body)
		}
		// A wrong checksum for a deployed file is refused.
		if res := e.Do("PUT", api+"/1.0.0/hello-1.0.0.jar.sha1", strings.NewReader(strings.Repeat("0", 40)), tok...); res.Status != http.StatusConflict {
			t.Errorf("wrong checksum: %d %s", res.Status, res.Body)
		}
	})
	t.Run("a read-only deploy token cannot deploy", func(t *testing.T) {
		writeFiles(t, lib, library(projectURL, "1.2.0", false))
		out, reqs, err := m.run(lib, m.settings("readonly", m.plugins, headerServer("Deploy-Token", readToken)), "deploy")
		if err == nil || !strings.Contains(out, "403") || !contains(reqs, "PUT "+api+"/1.2.0/hello-1.2.0") {
			t.Errorf("deploy with a read-only token: err %v\n%s\nrequests:\n%s", err, out, strings.Join(reqs, "\n"))
		}
		for _, r := range reqs {
			if strings.HasPrefix(r, "PUT ") && !strings.Contains(r, " 403 ") {
				t.Errorf("PUT not refused: %s", r)
			}
		}
	})

	levels := []struct {
		name, url, version, call, creds string
		server                          string
	}{
		{"project level, SNAPSHOT, Job-Token header", projectURL, "1.1.0-SNAPSHOT", "com.acme.hello.Hello.v2()", "header",
			headerServer("Job-Token", jobToken)},
		{"group level, release, Basic", fmt.Sprintf("%s/api/v4/groups/%d/-/packages/maven", proxy.URL, g.ID), "1.0.0",
			"com.acme.hello.Hello.greet()", "basic", basicServer("alice", pat)},
		{"instance level, SNAPSHOT, read-only Deploy-Token header", proxy.URL + "/api/v4/packages/maven", "1.1.0-SNAPSHOT",
			"com.acme.hello.Hello.v2()", "header", headerServer("Deploy-Token", readToken)},
	}
	for i, lv := range levels {
		t.Run("resolve at "+lv.name, func(t *testing.T) {
			app := filepath.Join(dir, fmt.Sprint("app", i))
			writeFiles(t, app, consumer(lv.url, lv.version, lv.call))
			repo := m.freshRepo(fmt.Sprint("m2-app", i))
			reqs := m.mustRun(app, m.settings(fmt.Sprint("app", i), repo, lv.server), "compile")
			jar := ".jar 200 " + lv.creds
			if !contains(reqs, jar) {
				t.Errorf("no %q in:\n%s", jar, strings.Join(reqs, "\n"))
			}
			// The resolved jar is the newest build's.
			name := "hello-" + lv.version + ".jar"
			got, err := os.ReadFile(filepath.Join(repo, "com/acme/hello", lv.version, name))
			if err != nil {
				t.Fatal(err)
			}
			path := api + "/" + lv.version + "/" + name
			if strings.HasSuffix(lv.version, "-SNAPSHOT") {
				path = newestSnapshotJar(t, api, reqs)
			}
			want := e.Do("GET", path, nil, "Private-Token", pat)
			if want.Status != 200 || !bytes.Equal(got, want.Body) {
				t.Errorf("resolved %s differs from the registry's %s (%d)", name, path, want.Status)
			}
		})
	}
}

// newestSnapshotJar finds the timestamped jar path mvn downloaded.
func newestSnapshotJar(t *testing.T, api string, reqs []string) string {
	t.Helper()
	for _, r := range reqs {
		f := strings.Fields(r)
		if len(f) >= 3 && f[0] == "GET" && f[2] == "200" && strings.HasSuffix(f[1], "-2.jar") {
			_, rest, _ := strings.Cut(f[1], "/com/acme/hello/")
			return api + "/" + rest
		}
	}
	t.Fatalf("mvn did not download build 2 of the snapshot:\n%s", strings.Join(reqs, "\n"))
	return ""
}
