package maven_test

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

func hexSum(b []byte, algo string) string {
	switch algo {
	case "sha1":
		s := sha1.Sum(b)
		return hex.EncodeToString(s[:])
	case "sha256":
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:])
	}
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

func ptr[T any](v T) *T { return &v }

func TestMavenProtocol(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	p := e.Project("acme/lib", "private", "")
	e.Group("other", "private")
	other := e.Project("other/lib", "private", "")
	e.User("dev")
	e.Member("dev", "acme/lib", "developer")
	e.User("rep")
	e.Member("rep", "acme", "reporter")
	e.User("stranger")
	tok := []string{"Private-Token", e.RootToken}
	base := fmt.Sprintf("/api/v4/projects/%d/packages/maven", p.ID)
	rel := base + "/com/acme/hello/1.0.0/"
	jar := []byte("PK release jar")
	pom := []byte("<project><artifactId>hello</artifactId></project>")

	t.Run("deploy a release", func(t *testing.T) {
		for _, f := range []struct {
			name string
			body []byte
		}{{"hello-1.0.0.pom", pom}, {"hello-1.0.0.jar", jar}} {
			res := e.Do("PUT", rel+f.name, bytes.NewReader(f.body), "Private-Token", e.PAT("dev", "api"))
			var out struct {
				FileName string `json:"file_name"`
				FileSHA1 string `json:"file_sha1"`
			}
			if err := json.Unmarshal(res.Body, &out); err != nil || res.Status != 200 || out.FileName != f.name || out.FileSHA1 != hexSum(f.body, "sha1") {
				t.Fatalf("PUT %s: %d %s", f.name, res.Status, res.Body)
			}
		}
	})
	t.Run("checksum uploads are verified, not stored", func(t *testing.T) {
		cases := []struct {
			file, body string
			want       int
		}{
			{"hello-1.0.0.jar.sha1", hexSum(jar, "sha1"), 204},
			{"hello-1.0.0.jar.sha1", strings.ToUpper(hexSum(jar, "sha1")) + "  hello-1.0.0.jar\n", 204},
			{"hello-1.0.0.jar.sha256", hexSum(jar, "sha256"), 204},
			{"hello-1.0.0.jar.sha512", hexSum(jar, "sha512"), 204},
			{"hello-1.0.0.jar.md5", "00000000000000000000000000000000", 200},
			{"hello-1.0.0.jar.sha1", hexSum(pom, "sha1"), 409},
			{"hello-1.0.0.jar.sha256", hexSum(pom, "sha256"), 409},
			{"hello-1.0.0.jar.sha1", "not a digest", 400},
			{"hello-1.0.0.jar.sha1", strings.Repeat("a", 2000), 400},
			{"hello-1.0.0-sources.jar.sha1", hexSum(jar, "sha1"), 404},
		}
		for _, c := range cases {
			res := e.Do("PUT", rel+c.file, strings.NewReader(c.body), tok...)
			if res.Status != c.want {
				t.Errorf("PUT %s %q: %d %s, want %d", c.file, c.body, res.Status, res.Body, c.want)
			}
			if (c.want == 200 || c.want == 204) && len(res.Body) != 0 {
				t.Errorf("PUT %s: body %q", c.file, res.Body)
			}
		}
		if res := e.Do("GET", rel+"hello-1.0.0.jar.sha1", nil, tok...); string(res.Body) != hexSum(jar, "sha1") {
			t.Errorf("stored digest changed: %s", res.Body)
		}
		files := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_type=maven", p.ID), nil, tok...)
		var pkgs []struct {
			ID      int    `json:"id"`
			Name    string `json:"name"`
			Version string `json:"version"`
		}
		if err := json.Unmarshal(files.Body, &pkgs); err != nil || len(pkgs) != 1 || pkgs[0].Name != "com/acme/hello" || pkgs[0].Version != "1.0.0" {
			t.Fatalf("packages: %s", files.Body)
		}
		res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages/%d/package_files", p.ID, pkgs[0].ID), nil, tok...)
		if n := strings.Count(string(res.Body), `"file_name"`); n != 2 {
			t.Errorf("want 2 files (no checksum files), got %s", res.Body)
		}
	})
	t.Run("download files and digests", func(t *testing.T) {
		res := e.Do("GET", rel+"hello-1.0.0.jar", nil, tok...)
		if res.Status != 200 || !bytes.Equal(res.Body, jar) {
			t.Fatalf("GET jar: %d %q", res.Status, res.Body)
		}
		for _, algo := range []string{"sha1", "sha256", "sha512"} {
			res := e.Do("GET", rel+"hello-1.0.0.pom."+algo, nil, tok...)
			if res.Status != 200 || string(res.Body) != hexSum(pom, algo) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("GET .%s: %d %q %v", algo, res.Status, res.Body, res.Header)
			}
		}
		if res := e.Do("GET", rel+"hello-1.0.0.pom.md5", nil, tok...); res.Status != 200 || len(res.Body) != 32 {
			t.Errorf("GET .md5: %d %q", res.Status, res.Body)
		}
		res = e.Do("HEAD", rel+"hello-1.0.0.jar", nil, tok...)
		if res.Status != 200 || len(res.Body) != 0 || res.Header.Get("Content-Length") != fmt.Sprint(len(jar)) {
			t.Errorf("HEAD: %d %v", res.Status, res.Header)
		}
		if res := e.Do("GET", rel+"hello-1.0.0-javadoc.jar", nil, tok...); res.Status != 404 {
			t.Errorf("missing file: %d %s", res.Status, res.Body)
		}
		if res := e.Do("GET", base+"/com/acme/hello/9.9/hello-9.9.jar", nil, tok...); res.Status != 404 {
			t.Errorf("missing version: %d %s", res.Status, res.Body)
		}
	})
	t.Run("artifact metadata is rendered without an upload", func(t *testing.T) {
		res := e.Do("GET", base+"/com/acme/hello/maven-metadata.xml", nil, tok...)
		if res.Status != 200 || !strings.Contains(string(res.Body), "<release>1.0.0</release>") ||
			!strings.Contains(string(res.Body), "<groupId>com.acme</groupId>") {
			t.Fatalf("metadata: %d %s", res.Status, res.Body)
		}
		sum := e.Do("GET", base+"/com/acme/hello/maven-metadata.xml.sha1", nil, tok...)
		if string(sum.Body) != hexSum(res.Body, "sha1") {
			t.Errorf("metadata sha1 %q does not match the document", sum.Body)
		}
		head := e.Do("HEAD", base+"/com/acme/hello/maven-metadata.xml", nil, tok...)
		if head.Status != 200 || len(head.Body) != 0 || head.Header.Get("Content-Length") != fmt.Sprint(len(res.Body)) {
			t.Errorf("HEAD metadata: %d %v", head.Status, head.Header)
		}
		if res := e.Do("GET", base+"/com/acme/nothing/maven-metadata.xml", nil, tok...); res.Status != 404 {
			t.Errorf("unknown artifact: %d", res.Status)
		}
	})
	t.Run("snapshots: timestamped files, metadata re-uploads, newest wins", func(t *testing.T) {
		snap := base + "/com/acme/hello/1.1.0-SNAPSHOT/"
		for i, ts := range []string{"20261121.232502-1", "20261122.101010-2"} {
			for _, f := range []string{"hello-1.1.0-" + ts + ".jar", "hello-1.1.0-" + ts + ".pom"} {
				if res := e.Do("PUT", snap+f, strings.NewReader(f), tok...); res.Status != 200 {
					t.Fatalf("PUT %s: %d %s", f, res.Status, res.Body)
				}
			}
			meta := fmt.Sprintf("<metadata><version>1.1.0-SNAPSHOT</version><buildNumber>%d</buildNumber></metadata>", i+1)
			if res := e.Do("PUT", snap+"maven-metadata.xml", strings.NewReader(meta), tok...); res.Status != 200 {
				t.Fatalf("PUT version metadata: %d %s", res.Status, res.Body)
			}
			if res := e.Do("PUT", snap+"maven-metadata.xml.sha1", strings.NewReader(hexSum([]byte(meta), "sha1")), tok...); res.Status != 204 {
				t.Fatalf("PUT version metadata sha1: %d %s", res.Status, res.Body)
			}
		}
		res := e.Do("GET", snap+"maven-metadata.xml", nil, tok...)
		if !strings.Contains(string(res.Body), "<buildNumber>2</buildNumber>") {
			t.Fatalf("version metadata: %d %s", res.Status, res.Body)
		}
		if res := e.Do("GET", snap+"hello-1.1.0-20261121.232502-1.jar", nil, tok...); string(res.Body) != "hello-1.1.0-20261121.232502-1.jar" {
			t.Errorf("first build: %d %s", res.Status, res.Body)
		}
		var m struct {
			Versioning struct {
				Latest   string   `xml:"latest"`
				Release  string   `xml:"release"`
				Versions []string `xml:"versions>version"`
			} `xml:"versioning"`
		}
		res = e.Do("GET", base+"/com/acme/hello/maven-metadata.xml", nil, tok...)
		if err := xml.Unmarshal(res.Body, &m); err != nil || m.Versioning.Latest != "1.1.0-SNAPSHOT" || m.Versioning.Release != "1.0.0" ||
			strings.Join(m.Versioning.Versions, ",") != "1.0.0,1.1.0-SNAPSHOT" {
			t.Fatalf("artifact metadata: %v %s", err, res.Body)
		}
	})
	t.Run("artifact-level upload makes a versionless package; rendering still wins", func(t *testing.T) {
		meta := "<metadata><versioning><versions><version>0.1</version></versions></versioning></metadata>"
		for range 2 {
			if res := e.Do("PUT", base+"/com/acme/hello/maven-metadata.xml", strings.NewReader(meta), tok...); res.Status != 200 {
				t.Fatalf("PUT: %d %s", res.Status, res.Body)
			}
		}
		if res := e.Do("PUT", base+"/com/acme/hello/maven-metadata.xml.sha1", strings.NewReader(hexSum([]byte(meta), "sha1")), tok...); res.Status != 204 {
			t.Fatalf("PUT sha1: %d %s", res.Status, res.Body)
		}
		list := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?include_versionless=true&order_by=version", p.ID), nil, tok...)
		var pkgs []struct{ Name, Version string }
		if err := json.Unmarshal(list.Body, &pkgs); err != nil || len(pkgs) != 3 || !strings.Contains(string(list.Body), `"version":""`) {
			t.Fatalf("packages: %s", list.Body)
		}
		if res := e.Do("GET", base+"/com/acme/hello/maven-metadata.xml", nil, tok...); strings.Contains(string(res.Body), "0.1") {
			t.Errorf("served the uploaded metadata instead of rendering: %s", res.Body)
		}
		// A path with no versions (a groupId's plugin metadata) serves the upload.
		plugins := "<metadata><plugins/></metadata>"
		if res := e.Do("PUT", base+"/com/acme/plugins/maven-metadata.xml", strings.NewReader(plugins), tok...); res.Status != 200 {
			t.Fatalf("PUT plugins: %d %s", res.Status, res.Body)
		}
		if res := e.Do("GET", base+"/com/acme/plugins/maven-metadata.xml", nil, tok...); string(res.Body) != plugins {
			t.Errorf("plugins: %d %s", res.Status, res.Body)
		}
		if res := e.Do("GET", base+"/com/acme/plugins/maven-metadata.xml.sha1", nil, tok...); string(res.Body) != hexSum([]byte(plugins), "sha1") {
			t.Errorf("plugins sha1: %d %s", res.Status, res.Body)
		}
	})
	t.Run("packages appear in GraphQL with Maven metadata", func(t *testing.T) {
		query := `{ project(fullPath: "acme/lib") { packages(packageType: MAVEN, includeVersionless: true, sort: NAME_ASC) {
			nodes { name version metadata { ... on MavenMetadata { appGroup appName appVersion path } } } } } }`
		body, _ := json.Marshal(map[string]string{"query": query})
		res := e.Do("POST", "/api/graphql", bytes.NewReader(body), "Authorization", "Bearer "+e.RootToken, "Content-Type", "application/json")
		var out struct {
			Data struct {
				Project struct {
					Packages struct {
						Nodes []struct {
							Name, Version string
							Metadata      map[string]any
						}
					}
				}
			}
		}
		if err := json.Unmarshal(res.Body, &out); err != nil || res.Status != 200 {
			t.Fatalf("graphql: %d %s", res.Status, res.Body)
		}
		got := map[string]string{}
		for _, n := range out.Data.Project.Packages.Nodes {
			b, _ := json.Marshal(n.Metadata)
			got[n.Name+"@"+n.Version] = string(b)
		}
		want := map[string]string{
			"com/acme/hello@1.0.0":          `{"appGroup":"com.acme","appName":"hello","appVersion":"1.0.0","path":"com/acme/hello/1.0.0"}`,
			"com/acme/hello@1.1.0-SNAPSHOT": `{"appGroup":"com.acme","appName":"hello","appVersion":"1.1.0-SNAPSHOT","path":"com/acme/hello/1.1.0-SNAPSHOT"}`,
			"com/acme/hello@":               `{"appGroup":"com.acme","appName":"hello","appVersion":null,"path":"com/acme/hello"}`,
			"com/acme/plugins@":             `{"appGroup":"com.acme","appName":"plugins","appVersion":null,"path":"com/acme/plugins"}`,
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: metadata %s, want %s (response %s)", k, got[k], v, res.Body)
			}
		}
	})
	t.Run("duplicates follow the group's Maven setting", func(t *testing.T) {
		g, _ := e.Svc.GroupByRef(e.Admin, "acme")
		if _, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{registry.PackageTypeMaven: {Allowed: ptr(false)}}); err != nil {
			t.Fatal(err)
		}
		res := e.Do("PUT", rel+"hello-1.0.0.jar", strings.NewReader("again"), tok...)
		if res.Status != 400 || !strings.Contains(string(res.Body), "Duplicate package is not allowed") {
			t.Fatalf("release duplicate: %d %s", res.Status, res.Body)
		}
		// A new file in the release is not a duplicate; metadata files always re-upload.
		if res := e.Do("PUT", rel+"hello-1.0.0-sources.jar", strings.NewReader("src"), tok...); res.Status != 200 {
			t.Errorf("new file: %d %s", res.Status, res.Body)
		}
		for _, path := range []string{base + "/com/acme/hello/maven-metadata.xml", base + "/com/acme/hello/1.1.0-SNAPSHOT/maven-metadata.xml"} {
			if res := e.Do("PUT", path, strings.NewReader("<metadata/>"), tok...); res.Status != 200 {
				t.Errorf("metadata re-upload %s: %d %s", path, res.Status, res.Body)
			}
		}
		// A third build of a SNAPSHOT file is the same file once the timestamp is stripped.
		snap := base + "/com/acme/hello/1.1.0-SNAPSHOT/hello-1.1.0-20261123.000000-3.jar"
		if res := e.Do("PUT", snap, strings.NewReader("3"), tok...); res.Status != 400 {
			t.Errorf("snapshot duplicate: %d %s", res.Status, res.Body)
		}
		if res := e.Do("PUT", base+"/com/acme/hello/1.1.0-SNAPSHOT/hello-1.1.0-20261123.000000-3-tests.jar", strings.NewReader("3"), tok...); res.Status != 200 {
			t.Errorf("new snapshot classifier: %d %s", res.Status, res.Body)
		}
		// The exception regex lets snapshots through.
		if _, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{registry.PackageTypeMaven: {ExceptionRegex: ptr(`.*-SNAPSHOT`)}}); err != nil {
			t.Fatal(err)
		}
		if res := e.Do("PUT", snap, strings.NewReader("3"), tok...); res.Status != 200 {
			t.Errorf("snapshot with exception: %d %s", res.Status, res.Body)
		}
		if res := e.Do("PUT", rel+"hello-1.0.0.jar", strings.NewReader("again"), tok...); res.Status != 400 {
			t.Errorf("release is not an exception: %d %s", res.Status, res.Body)
		}
		if _, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{registry.PackageTypeMaven: {Allowed: ptr(true), ExceptionRegex: ptr("")}}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("group and instance level read across readable projects", func(t *testing.T) {
		otherBase := fmt.Sprintf("/api/v4/projects/%d/packages/maven", other.ID)
		for _, f := range []string{"com/acme/hello/3.0.0/hello-3.0.0.jar", "com/acme/hello/1.0.0/hello-1.0.0.jar"} {
			if res := e.Do("PUT", otherBase+"/"+f, strings.NewReader("other "+f), tok...); res.Status != 200 {
				t.Fatalf("PUT other: %d %s", res.Status, res.Body)
			}
		}
		devTok := []string{"Private-Token", e.PAT("rep", "read_api")} // reporter in acme, outsider in other
		group := "/api/v4/groups/acme/-/packages/maven/com/acme/hello/"
		inst := "/api/v4/packages/maven/com/acme/hello/"
		for _, prefix := range []string{group, inst} {
			res := e.Do("GET", prefix+"1.0.0/hello-1.0.0.jar", nil, devTok...)
			if res.Status != 200 || !bytes.Equal(res.Body, jar) {
				t.Errorf("%s jar: %d %s", prefix, res.Status, res.Body)
			}
			res = e.Do("GET", prefix+"maven-metadata.xml", nil, devTok...)
			if res.Status != 200 || strings.Contains(string(res.Body), "3.0.0") || !strings.Contains(string(res.Body), "<latest>1.1.0-SNAPSHOT</latest>") {
				t.Errorf("%s metadata shows another group's project: %d %s", prefix, res.Status, res.Body)
			}
			if res := e.Do("GET", prefix+"3.0.0/hello-3.0.0.jar", nil, devTok...); res.Status != 404 {
				t.Errorf("%s unreadable version: %d", prefix, res.Status)
			}
			if res := e.Do("PUT", prefix+"1.0.0/x.jar", strings.NewReader("x"), tok...); res.Status != 405 {
				t.Errorf("%s PUT: %d", prefix, res.Status)
			}
		}
		// Even the administrator, who reads both projects, gets only the owner's
		// artifact at instance level: com.acme belongs to the root namespace acme (the
		// groupId names it), so the other tenant's later upload shadows nothing.
		if res := e.Do("GET", inst+"1.0.0/hello-1.0.0.jar", nil, tok...); !bytes.Equal(res.Body, jar) {
			t.Errorf("instance 1.0.0 is not the owner's: %s", res.Body)
		}
		res := e.Do("GET", inst+"maven-metadata.xml", nil, tok...)
		if !strings.Contains(string(res.Body), "<version>1.0.0</version>\n      <version>1.1.0-SNAPSHOT</version>\n") ||
			strings.Contains(string(res.Body), "3.0.0") || strings.Count(string(res.Body), "<version>1.0.0</version>") != 1 {
			t.Errorf("instance metadata: %s", res.Body)
		}
		if res := e.Do("GET", inst+"3.0.0/hello-3.0.0.jar", nil, tok...); res.Status != 404 {
			t.Errorf("instance serves another tenant's version: %d", res.Status)
		}
		// Outsiders: 404 at group level; nothing readable at instance level is a 403,
		// as a path no package has is (GitLab's Maven API, instance level: a 403 there
		// tells nothing about what exists).
		st := []string{"Private-Token", e.PAT("stranger", "api")}
		if res := e.Do("GET", group+"maven-metadata.xml", nil, st...); res.Status != 404 {
			t.Errorf("stranger group: %d", res.Status)
		}
		if res := e.Do("GET", inst+"1.0.0/hello-1.0.0.jar", nil, st...); res.Status != 403 {
			t.Errorf("stranger instance: %d", res.Status)
		}
	})
	t.Run("anonymous callers are challenged so Basic clients retry", func(t *testing.T) {
		for _, path := range []string{
			rel + "hello-1.0.0.jar",
			"/api/v4/groups/acme/-/packages/maven/com/acme/hello/maven-metadata.xml",
			"/api/v4/packages/maven/com/acme/hello/1.0.0/hello-1.0.0.jar",
		} {
			res := e.Do("GET", path, nil)
			if res.Status != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("GET %s: %d %v", path, res.Status, res.Header)
			}
		}
		// A path no package has is 403 at instance level, whoever asks (GitLab's
		// forbidden! unless the path exists).
		if res := e.Do("GET", "/api/v4/packages/maven/com/acme/nothing/1.0.0/nothing-1.0.0.jar", nil); res.Status != 403 {
			t.Errorf("GET a path no package has: %d", res.Status)
		}
		res := e.Do("GET", rel+"hello-1.0.0.jar", nil, "Basic", "dev:"+e.PAT("dev", "read_api"))
		if res.Status != 200 {
			t.Errorf("Basic: %d %s", res.Status, res.Body)
		}
	})
	t.Run("who may deploy", func(t *testing.T) {
		_, ro := e.DeployToken("acme/lib", "", "read_package_registry")
		roUser, ro2 := e.DeployToken("acme/lib", "", "read_package_registry")
		_, rw := e.DeployToken("acme/lib", "", "write_package_registry")
		job, _ := e.Job("acme/lib", "dev", 1)
		path := base + "/com/acme/perm/1.0/perm-1.0.jar"
		cases := []struct {
			name    string
			headers []string
			want    int
		}{
			{"read-only deploy token", []string{"Deploy-Token", ro}, 403},
			{"read-only deploy token, Basic", []string{"Basic", roUser + ":" + ro2}, 403},
			{"reporter", []string{"Private-Token", e.PAT("rep", "api")}, 403},
			{"read_api token", []string{"Private-Token", e.PAT("dev", "read_api")}, 403},
			{"stranger", []string{"Private-Token", e.PAT("stranger", "api")}, 404},
			{"anonymous", nil, 401},
			{"write deploy token", []string{"Deploy-Token", rw}, 200},
			{"job token", []string{"Job-Token", job}, 200},
		}
		for _, c := range cases {
			res := e.Do("PUT", path, strings.NewReader(c.name), c.headers...)
			if res.Status != c.want {
				t.Errorf("%s: %d %s, want %d", c.name, res.Status, res.Body, c.want)
			}
			// Checksums need the same right.
			res = e.Do("PUT", rel+"hello-1.0.0.jar.md5", strings.NewReader(strings.Repeat("0", 32)), c.headers...)
			if res.Status != c.want {
				t.Errorf("%s md5: %d %s", c.name, res.Status, res.Body)
			}
		}
		if res := e.Do("GET", rel+"hello-1.0.0.jar", nil, "Deploy-Token", ro); res.Status != 200 {
			t.Errorf("read-only deploy token reads: %d", res.Status)
		}
	})
	t.Run("bad input is a 4xx, never a 5xx", func(t *testing.T) {
		paths := []string{
			"/com/acme/hello/../../../../etc/passwd",
			"/com/acme/hello/1.0.0/..%2f..%2fhello.jar",
			"/com%2Facme/hello/1.0.0/hello.jar",
			"/com/acme/hello/%2e%2e/hello.jar",
			"/com/acme/hello/1.0.0/hello%5C.jar",
			"/hello/1.0.0/hello.jar",
			"/com/acme/hello/1..0/hello.jar",
			"/com/acme/hello/1.0.0/hello$.jar",
			"/com/acme/he%20llo/1.0.0/hello.jar",
			"/com/acme/hello/1.0.0/" + strings.Repeat("x", 5001),
			"/com/acme/hello/1.0.0/",
			"/",
		}
		for _, path := range paths {
			for _, method := range []string{"GET", "PUT"} {
				res := e.Do(method, base+path, strings.NewReader("x"), tok...)
				if res.Status < 400 || res.Status >= 500 {
					t.Errorf("%s %s: %d %s", method, path, res.Status, res.Body)
				}
			}
		}
		if res := e.Do("GET", "/api/v4/projects/9999/packages/maven/com/acme/hello/1.0.0/hello-1.0.0.jar", nil, tok...); res.Status != 404 {
			t.Errorf("unknown project: %d", res.Status)
		}
		if res := e.Do("GET", "/api/v4/groups/nope/-/packages/maven/com/acme/hello/maven-metadata.xml", nil, tok...); res.Status != 404 {
			t.Errorf("unknown group: %d", res.Status)
		}
	})
	t.Run("oversize bodies are refused", func(t *testing.T) {
		if err := e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeMaven, 1024); err != nil {
			t.Fatal(err)
		}
		defer e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeMaven, 3<<30)
		big := base + "/com/acme/big/1.0/big-1.0.jar"
		res := e.Do("PUT", big, bytes.NewReader(make([]byte, 2048)), tok...)
		if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), "File is too large") {
			t.Fatalf("declared: %d %s", res.Status, res.Body)
		}
		req, _ := http.NewRequest("PUT", e.URL+big, io.MultiReader(bytes.NewReader(make([]byte, 4096)))) // chunked
		req.Header.Set("Private-Token", e.RootToken)
		if r2, err := http.DefaultClient.Do(req); err == nil {
			r2.Body.Close()
			if r2.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("chunked: %d", r2.StatusCode)
			}
		}
		if res := e.Do("GET", big, nil, tok...); res.Status != 404 {
			t.Fatalf("oversize upload left a file: %d", res.Status)
		}
	})
}

// TestMavenGroupRefusals: at group level a file in a project the caller may not read
// is that project's refusal (GitLab finds the package, then authorizes its project),
// except that whoever may not see the project gets exactly the answer a missing file
// gets, so its existence does not leak (README, "Differences from GitLab").
func TestMavenGroupRefusals(t *testing.T) {
	e := compattest.New(t)
	e.Group("pub", "public")
	e.Project("pub/open", "public", "")
	e.Project("pub/secret", "private", "")
	e.User("guest")
	e.Member("guest", "pub/secret", "guest")
	e.User("stranger")
	for _, f := range []struct{ project, path string }{
		{"pub%2Fopen", "pub/open/1.0/open-1.0.jar"}, {"pub%2Fsecret", "pub/secret/1.0/secret-1.0.jar"},
	} {
		if res := e.Do("PUT", "/api/v4/projects/"+f.project+"/packages/maven/"+f.path, strings.NewReader("jar"), "Private-Token", e.RootToken); res.Status != 200 {
			t.Fatalf("PUT %s: %d %s", f.path, res.Status, res.Body)
		}
	}
	group := "/api/v4/groups/pub/-/packages/maven/"
	secret, missing := group+"pub/secret/1.0/secret-1.0.jar", group+"pub/nothing/1.0/nothing-1.0.jar"
	for _, c := range []struct {
		name, url string
		headers   []string
		want      int
	}{
		{"anonymous, private project", secret, nil, 401},
		{"anonymous, missing", missing, nil, 404},
		{"guest, private project", secret, []string{"Private-Token", e.PAT("guest", "api")}, 403},
		{"stranger, private project", secret, []string{"Private-Token", e.PAT("stranger", "api")}, 404},
		{"stranger, missing", missing, []string{"Private-Token", e.PAT("stranger", "api")}, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := e.Do("GET", c.url, nil, c.headers...)
			if res.Status != c.want {
				t.Errorf("got %d %s, want %d", res.Status, res.Body, c.want)
			}
			if c.want == 404 && strings.TrimSpace(string(res.Body)) != `{"message":"404 Package Not Found"}` {
				t.Errorf("body %s", res.Body)
			}
		})
	}
}
