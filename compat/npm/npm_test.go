package npm_test

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// publishDoc builds the document `npm publish` sends for one version.
func publishDoc(name, version string, tgz []byte, edit func(doc, manifest, attachment map[string]any)) []byte {
	s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
	manifest := map[string]any{
		"name": name, "version": version, "description": "the " + name + " package", "license": "MIT",
		"dependencies": map[string]any{"left-pad": "^1.3.0"}, "bin": map[string]any{"hello": "bin/hello.js"},
		"engines": map[string]any{"node": ">=18"}, "scripts": map[string]any{"postinstall": "node setup.js"},
		"readme": strings.Repeat("long readme ", 100), "_id": name + "@" + version,
		"dist": map[string]any{
			"shasum": hex.EncodeToString(s1[:]), "integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
			"tarball": "http://example.invalid/" + name + "/-/" + name + "-" + version + ".tgz",
		},
	}
	attachment := map[string]any{"content_type": "application/octet-stream",
		"data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}
	doc := map[string]any{
		"_id": name, "name": name, "dist-tags": map[string]any{"latest": version},
		"versions": map[string]any{version: manifest}, "access": nil,
		"_attachments": map[string]any{name + "-" + version + ".tgz": attachment},
	}
	if edit != nil {
		edit(doc, manifest, attachment)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// protocol wraps an environment with checks every npm answer must pass.
type protocol struct {
	*compattest.Env
	t *testing.T
}

// do sends a request and fails on any 5xx, and on any error body not shaped as
// GitLab's npm errors ({"message":m,"error":e}, e being m or its reason without the
// status, or Grape's {"error":"<param> ..."} alone), and on a 401 without a challenge.
func (p protocol) do(method, path string, body []byte, headers ...string) *compattest.Response {
	p.t.Helper()
	var res *compattest.Response
	if body == nil {
		res = p.Do(method, path, nil, headers...)
	} else {
		res = p.Do(method, path, bytes.NewReader(body), append([]string{"Content-Type", "application/json"}, headers...)...)
	}
	if res.Status >= 500 {
		p.t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
	}
	if res.Status >= 400 && strings.Contains(path, "/packages/npm") {
		var e struct{ Message, Error string }
		err := json.Unmarshal(res.Body, &e)
		if err != nil || e.Error == "" || (e.Message != "" && !strings.Contains(strings.ToLower(e.Message), strings.ToLower(e.Error))) {
			p.t.Fatalf("%s %s: error body %d %s", method, path, res.Status, res.Body)
		}
	}
	if res.Status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
		p.t.Fatalf("%s %s: 401 without WWW-Authenticate", method, path)
	}
	return res
}

func (p protocol) expect(res *compattest.Response, status int, message string) {
	p.t.Helper()
	if res.Status != status || !strings.Contains(string(res.Body), message) {
		p.t.Fatalf("got %d %s, want %d %q", res.Status, res.Body, status, message)
	}
}

type packument struct {
	ID       string            `json:"_id"`
	Rev      string            `json:"_rev"`
	Name     string            `json:"name"`
	DistTags map[string]string `json:"dist-tags"`
	Time     map[string]string `json:"time"`
	Versions map[string]struct {
		Name             string            `json:"name"`
		Version          string            `json:"version"`
		Deprecated       string            `json:"deprecated"`
		Dependencies     map[string]string `json:"dependencies"`
		Bin              map[string]string `json:"bin"`
		Engines          map[string]string `json:"engines"`
		HasInstallScript bool              `json:"hasInstallScript"`
		Readme           string            `json:"readme"`
		Dist             struct {
			Shasum, Integrity, Tarball string
		} `json:"dist"`
	} `json:"versions"`
}

func decodePackument(t *testing.T, res *compattest.Response) packument {
	t.Helper()
	var p packument
	if res.Status != http.StatusOK {
		t.Fatalf("packument: %d %s", res.Status, res.Body)
	}
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatalf("packument: %v\n%s", err, res.Body)
	}
	return p
}

func TestNPMProtocol(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	e.Group("acme/sub", "private")
	proj := e.Project("acme/sub/tools", "private", "")
	other := e.Project("acme/other", "private", "")
	e.User("dev")
	e.Member("dev", "acme/sub/tools", "developer")
	e.User("reporter")
	e.Member("reporter", "acme/sub/tools", "reporter")
	e.User("outsider")
	root := []string{"Authorization", "Bearer " + e.RootToken}
	dev := []string{"Authorization", "Bearer " + e.PAT("dev", "api")}
	reporter := []string{"Authorization", "Bearer " + e.PAT("reporter", "api")}
	outsider := []string{"Authorization", "Bearer " + e.PAT("outsider", "api")}
	_, readDT := e.DeployToken("acme/sub/tools", "", "read_package_registry")
	_, writeDT := e.DeployToken("acme/sub/tools", "", "write_package_registry")

	projectEP := fmt.Sprintf("/api/v4/projects/%d/packages/npm", proj.ID)
	groupEP := "/api/v4/groups/acme/-/packages/npm"
	instanceEP := "/api/v4/packages/npm"
	const name = "@acme/hello"
	esc := "@acme%2fhello"
	tgz := []byte("not really a gzip, but bytes all the same\x00\x01\x02")

	t.Run("publish", func(t *testing.T) {
		p := protocol{e, t}
		res := p.do("PUT", projectEP+"/"+esc, publishDoc(name, "1.0.0", tgz, nil), root...)
		p.expect(res, http.StatusOK, `"ok":true`)
	})
	t.Run("packument", func(t *testing.T) {
		p := protocol{e, t}
		doc := decodePackument(t, p.do("GET", projectEP+"/"+esc, nil, root...))
		v := doc.Versions["1.0.0"]
		s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
		switch {
		case doc.Name != name || doc.ID != name || doc.Rev == "" || doc.DistTags["latest"] != "1.0.0":
			t.Fatalf("document: %+v", doc)
		case v.Dist.Tarball != e.URL+projectEP+"/@acme/hello/-/@acme/hello-1.0.0.tgz":
			t.Fatalf("tarball URL %s", v.Dist.Tarball)
		case v.Dist.Shasum != hex.EncodeToString(s1[:]) || v.Dist.Integrity != "sha512-"+base64.StdEncoding.EncodeToString(s512[:]):
			t.Fatalf("dist %+v", v.Dist)
		case v.Dependencies["left-pad"] != "^1.3.0" || v.Bin["hello"] != "bin/hello.js" || v.Engines["node"] != ">=18" || !v.HasInstallScript:
			t.Fatalf("manifest %+v", v)
		case v.Readme != "":
			t.Fatal("the readme is dropped, as GitLab does")
		case doc.Time["1.0.0"] == "" || doc.Time["created"] == "" || doc.Time["modified"] == "":
			t.Fatalf("time %v", doc.Time)
		}
		// The slash may come unescaped too.
		if res := p.do("GET", projectEP+"/@acme/hello", nil, root...); res.Status != http.StatusOK {
			t.Fatalf("unescaped name: %d", res.Status)
		}
		// And %2F upper case, with the project given by its path.
		res := p.do("GET", "/api/v4/projects/acme%2Fsub%2Ftools/packages/npm/@acme%2Fhello", nil, root...)
		if doc := decodePackument(t, res); !strings.HasPrefix(doc.Versions["1.0.0"].Dist.Tarball, e.URL+"/api/v4/projects/acme%2Fsub%2Ftools/packages/npm/") {
			t.Fatalf("tarball must keep the request's prefix: %s", doc.Versions["1.0.0"].Dist.Tarball)
		}
	})
	t.Run("tarball links point at the level asked, and download there", func(t *testing.T) {
		p := protocol{e, t}
		for _, ep := range []string{projectEP, groupEP, instanceEP} {
			doc := decodePackument(t, p.do("GET", ep+"/"+esc, nil, root...))
			link := doc.Versions["1.0.0"].Dist.Tarball
			if link != e.URL+ep+"/@acme/hello/-/@acme/hello-1.0.0.tgz" {
				t.Fatalf("%s: tarball %s", ep, link)
			}
			res := p.do("GET", strings.TrimPrefix(link, e.URL), nil, root...)
			if res.Status != http.StatusOK || !bytes.Equal(res.Body, tgz) {
				t.Fatalf("%s: download %d", ep, res.Status)
			}
			// npmjs' file naming works too.
			if res := p.do("GET", ep+"/@acme/hello/-/hello-1.0.0.tgz", nil, root...); res.Status != http.StatusOK {
				t.Fatalf("%s: short file name %d", ep, res.Status)
			}
		}
		p.expect(p.do("GET", projectEP+"/@acme/hello/-/@acme/hello-9.9.9.tgz", nil, root...), 404, "Not Found")
		p.expect(p.do("GET", projectEP+"/@acme/hello/-/other-1.0.0.tgz", nil, root...), 400, "file_name")
	})
	t.Run("abbreviated metadata", func(t *testing.T) {
		p := protocol{e, t}
		res := p.do("GET", projectEP+"/"+esc, nil, append(root, "Accept", "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*")...)
		if ct := res.Header.Get("Content-Type"); res.Status != 200 || ct != "application/vnd.npm.install-v1+json" {
			t.Fatalf("%d %s", res.Status, ct)
		}
		var doc map[string]any
		if err := json.Unmarshal(res.Body, &doc); err != nil || doc["modified"] == nil || doc["time"] != nil {
			t.Fatalf("abbreviated: %s", res.Body)
		}
		v := doc["versions"].(map[string]any)["1.0.0"].(map[string]any)
		if v["description"] != nil || v["dependencies"] == nil || v["dist"] == nil {
			t.Fatalf("abbreviated version: %v", v)
		}
	})
	t.Run("ETag revalidation", func(t *testing.T) {
		p := protocol{e, t}
		res := p.do("GET", projectEP+"/"+esc, nil, root...)
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if res := p.do("GET", projectEP+"/"+esc, nil, append(root, "If-None-Match", etag)...); res.Status != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", res.Status)
		}
		// A different endpoint renders other links, so it has another ETag.
		if res := p.do("GET", groupEP+"/"+esc, nil, append(root, "If-None-Match", etag)...); res.Status != http.StatusOK {
			t.Fatalf("group with project's ETag: %d", res.Status)
		}
		p.expect(p.do("PUT", projectEP+"/-/package/"+esc+"/dist-tags/next", []byte(`"1.0.0"`), root...), http.StatusNoContent, "")
		res = p.do("GET", projectEP+"/"+esc, nil, append(root, "If-None-Match", etag)...)
		if doc := decodePackument(t, res); doc.DistTags["next"] != "1.0.0" || res.Header.Get("ETag") == etag {
			t.Fatalf("after a tag change: %v %s", doc.DistTags, res.Header.Get("ETag"))
		}
	})
	t.Run("same version twice is 403", func(t *testing.T) {
		p := protocol{e, t}
		p.expect(p.do("PUT", projectEP+"/"+esc, publishDoc(name, "1.0.0", tgz, nil), root...), 403, "Package already exists.")
	})
	t.Run("a version another project of the namespace holds is 400", func(t *testing.T) {
		// GitLab's npm_allow_packages_in_multiple_projects (on): other versions of the
		// name may go to another project (gitlab_spec_test.go covers that).
		p := protocol{e, t}
		ep := fmt.Sprintf("/api/v4/projects/%d/packages/npm/", other.ID)
		p.expect(p.do("PUT", ep+esc, publishDoc(name, "1.0.0", tgz, nil), root...), 400, "Validation failed: Package already exists")
	})
	t.Run("bad documents are 4xx with a message", func(t *testing.T) {
		p := protocol{e, t}
		must(t, e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeNPM, 1000))
		t.Cleanup(func() { _ = e.Svc.SetMaxFileSize(e.Admin, registry.PackageTypeNPM, 500<<20) })
		doc := func(version string, edit func(doc, manifest, attachment map[string]any)) []byte {
			return publishDoc(name, version, tgz, edit)
		}
		for _, c := range []struct {
			name    string
			path    string
			body    []byte
			status  int
			message string
		}{
			{"missing attachment", esc, doc("2.0.0", func(d, m, a map[string]any) { delete(d, "_attachments") }), 400, "Attachment data is empty."},
			{"empty attachment", esc, doc("2.0.0", func(d, m, a map[string]any) { a["data"] = "" }), 400, "Attachment data is empty."},
			{"bad base64", esc, doc("2.0.0", func(d, m, a map[string]any) { a["data"] = "!!!not base64!!!" }), 400, "base64"},
			{"truncated base64", esc, doc("2.0.0", func(d, m, a map[string]any) { a["data"] = "QUJDR" }), 400, "base64"},
			{"shasum mismatch", esc, doc("2.0.0", func(d, m, a map[string]any) {
				m["dist"].(map[string]any)["shasum"] = strings.Repeat("0", 40)
			}), 400, "sha1 digest mismatch"},
			{"integrity mismatch", esc, doc("2.0.0", func(d, m, a map[string]any) {
				m["dist"].(map[string]any)["integrity"] = "sha512-" + base64.StdEncoding.EncodeToString(make([]byte, 64))
			}), 400, "sha512 digest mismatch"},
			{"malformed shasum", esc, doc("2.0.0", func(d, m, a map[string]any) { m["dist"].(map[string]any)["shasum"] = "xyz" }), 400, "shasum"},
			{"length mismatch", esc, doc("2.0.0", func(d, m, a map[string]any) { a["length"] = 3 }), 400, "length"},
			{"no version", esc, doc("2.0.0", func(d, m, a map[string]any) { d["versions"] = map[string]any{} }), 400, "Version is empty."},
			{"invalid version", esc, doc("1.0", nil), 400, "SemVer"},
			{"v-prefixed version", esc, doc("v2.0.0", nil), 400, "SemVer"},
			{"manifest version differs", esc, doc("2.0.0", func(d, m, a map[string]any) { m["version"] = "2.0.1" }), 400, "does not match"},
			{"document name differs", esc, doc("2.0.0", func(d, m, a map[string]any) { d["name"] = "@acme/other" }), 400, "does not match"},
			{"invalid name", "@acme%2fhel%20lo", publishDoc("@acme/hel lo", "2.0.0", tgz, nil), 400, "Name should be a valid NPM package name"},
			{"invalid scope", "@-acme%2fhello", publishDoc("@-acme/hello", "2.0.0", tgz, nil), 400, "Name should be a valid NPM package name"},
			{"not JSON", esc, []byte("this is not json"), 400, "Invalid json"},
			{"truncated document", esc, doc("2.0.0", nil)[:60], 400, "truncated"},
			{"trailing data", esc, append(doc("2.0.0", nil), []byte(`{"x":1}`)...), 400, "Invalid json"},
			{"tag pointing elsewhere", esc, doc("2.0.0", func(d, m, a map[string]any) { d["dist-tags"] = map[string]any{"latest": "1.0.0"} }), 400, "published version"},
			{"oversize tarball", esc, publishDoc(name, "2.0.0", bytes.Repeat([]byte("x"), 1001), nil), 400, "File is too large."},
			{"package.json too large", esc, doc("2.0.0", func(d, m, a map[string]any) {
				m["keywords"] = strings.Split(strings.Repeat("keyword ", 3000), " ")
			}), 400, "Package json structure is too large"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := protocol{e, t}
				p.expect(p.do("PUT", projectEP+"/"+c.path, c.body, root...), c.status, c.message)
			})
		}
		if doc := decodePackument(t, p.do("GET", projectEP+"/"+esc, nil, root...)); len(doc.Versions) != 1 {
			t.Fatalf("a refused publish left a version behind: %v", doc.Versions)
		}
	})
	t.Run("attachment first, escaped slashes and line breaks in base64", func(t *testing.T) {
		p := protocol{e, t}
		body := publishDoc(name, "1.1.0", tgz, nil)
		var doc map[string]json.RawMessage
		must(t, json.Unmarshal(body, &doc))
		b64 := base64.StdEncoding.EncodeToString(tgz)
		b64 = strings.ReplaceAll(b64[:20], "/", `\/`) + `\n` + b64[20:]
		att := fmt.Sprintf(`{"@acme/hello-1.1.0.tgz":{"content_type":"application/octet-stream","data":"%s","length":%d}}`, b64, len(tgz))
		reordered := fmt.Sprintf(`{"_attachments":%s,"name":%s,"versions":%s,"dist-tags":%s}`, att, doc["name"], doc["versions"], doc["dist-tags"])
		p.expect(p.do("PUT", projectEP+"/"+esc, []byte(reordered), root...), 200, "ok")
		res := p.do("GET", projectEP+"/@acme/hello/-/@acme/hello-1.1.0.tgz", nil, root...)
		if !bytes.Equal(res.Body, tgz) {
			t.Fatalf("tarball %q", res.Body)
		}
	})
	t.Run("authorization", func(t *testing.T) {
		p := protocol{e, t}
		anon := p.do("GET", projectEP+"/"+esc, nil)
		p.expect(anon, 401, "401 Unauthorized")
		p.expect(p.do("GET", projectEP+"/"+esc, nil, outsider...), 404, "Not Found")
		p.expect(p.do("GET", projectEP+"/"+esc, nil, reporter...), 200, name)
		p.expect(p.do("PUT", projectEP+"/"+esc, publishDoc(name, "1.2.0", tgz, nil), reporter...), 403, "Forbidden")
		p.expect(p.do("GET", projectEP+"/"+esc, nil, "Authorization", "Bearer "+readDT), 200, name)
		p.expect(p.do("PUT", projectEP+"/"+esc, publishDoc(name, "1.2.0", tgz, nil), "Authorization", "Bearer "+readDT), 403, "Forbidden")
		p.expect(p.do("PUT", projectEP+"/"+esc, publishDoc(name, "1.2.0", tgz, nil), "Authorization", "Bearer "+writeDT), 200, "ok")
		// A token that does not authenticate is refused by the shared middleware, before npm's router.
		if res := e.Do("GET", projectEP+"/"+esc, nil, "Authorization", "Bearer not-a-token"); res.Status != 401 || res.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("bad token: %d %v", res.Status, res.Header)
		}
		// The group endpoint hides the private project from an outsider.
		p.expect(p.do("GET", groupEP+"/"+esc, nil, outsider...), 404, "Not Found")
	})
	t.Run("job token publishes and records the pipeline", func(t *testing.T) {
		p := protocol{e, t}
		job, _ := e.Job("acme/sub/tools", "dev", 7)
		p.expect(p.do("PUT", projectEP+"/"+esc, publishDoc(name, "1.3.0", tgz, nil), "Authorization", "Bearer "+job), 200, "ok")
		res := p.do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_name=hello&package_version=1.3.0", proj.ID), nil, root...)
		if !strings.Contains(string(res.Body), `"pipeline":{`) {
			t.Fatalf("no pipeline on the package: %s", res.Body)
		}
	})
	t.Run("dist-tags", func(t *testing.T) {
		p := protocol{e, t}
		tags := p.do("GET", projectEP+"/-/package/"+esc+"/dist-tags", nil, root...)
		var m map[string]string
		must(t, json.Unmarshal(tags.Body, &m))
		if m["latest"] != "1.3.0" || m["next"] != "1.0.0" {
			t.Fatalf("dist-tags: %s", tags.Body)
		}
		p.expect(p.do("PUT", projectEP+"/-/package/"+esc+"/dist-tags/beta", []byte(`"9.9.9"`), dev...), 404, "Not Found")
		p.expect(p.do("PUT", projectEP+"/-/package/"+esc+"/dist-tags/1.0.0", []byte(`"1.0.0"`), dev...), 400, "tag is invalid")
		p.expect(p.do("PUT", projectEP+"/-/package/"+esc+"/dist-tags/beta", []byte(`"1.x"`), dev...), 400, "SemVer")
		p.expect(p.do("PUT", projectEP+"/-/package/"+esc+"/dist-tags/beta", []byte(`"1.1.0"`), reporter...), 403, "Forbidden")
		p.expect(p.do("PUT", projectEP+"/-/package/"+esc+"/dist-tags/beta", []byte(`"1.1.0"`), dev...), 204, "")
		// Moving a tag takes it off the old version.
		p.expect(p.do("PUT", groupEP+"/-/package/"+esc+"/dist-tags/beta", []byte(`"1.2.0"`), root...), 204, "")
		p.expect(p.do("GET", instanceEP+"/-/package/"+esc+"/dist-tags", nil, root...), 200, `"beta":"1.2.0"`)
		// Removing needs destroy permission (Maintainer).
		p.expect(p.do("DELETE", projectEP+"/-/package/"+esc+"/dist-tags/beta", nil, dev...), 403, "Forbidden")
		p.expect(p.do("DELETE", projectEP+"/-/package/"+esc+"/dist-tags/beta", nil, root...), 204, "")
		p.expect(p.do("DELETE", projectEP+"/-/package/"+esc+"/dist-tags/beta", nil, root...), 404, "Package Tag Not Found")
		p.expect(p.do("GET", projectEP+"/-/package/@acme%2fnone/dist-tags", nil, root...), 404, "Not Found")
	})
	t.Run("deprecate", func(t *testing.T) {
		p := protocol{e, t}
		body := func(msgs map[string]string) []byte {
			versions := map[string]any{}
			for v, m := range msgs {
				versions[v] = map[string]any{"name": name, "version": v, "deprecated": m}
			}
			versions["1.1.0"] = map[string]any{"name": name, "version": "1.1.0"}
			b, _ := json.Marshal(map[string]any{"_id": name, "name": name, "versions": versions})
			return b
		}
		cmd := []string{"Npm-Command", "deprecate"}
		p.expect(p.do("PUT", projectEP+"/"+esc, body(map[string]string{"1.0.0": "old"}), append(dev, cmd...)...), 403, "Forbidden")
		p.expect(p.do("PUT", projectEP+"/"+esc, []byte(`{"versions":{"1.0.0":{}}}`), append(root, cmd...)...), 400, `400 Bad request - \"package versions to deprecate\" not given`)
		p.expect(p.do("PUT", projectEP+"/"+esc, []byte(`{"versions":{"1.0.0":{"deprecated":3}}}`), append(root, cmd...)...), 400, "must be a string")
		p.expect(p.do("PUT", projectEP+"/"+esc, body(map[string]string{"1.0.0": "old", "1.2.0": "older"}), append(root, cmd...)...), 200, "ok")
		doc := decodePackument(t, p.do("GET", projectEP+"/"+esc, nil, root...))
		if doc.Versions["1.0.0"].Deprecated != "old" || doc.Versions["1.2.0"].Deprecated != "older" || doc.Versions["1.1.0"].Deprecated != "" {
			t.Fatalf("deprecated: %+v", doc.Versions)
		}
		p.expect(p.do("PUT", projectEP+"/"+esc, body(map[string]string{"1.2.0": ""}), append(root, "Npm-Command", "undeprecate")...), 200, "ok")
		doc = decodePackument(t, p.do("GET", projectEP+"/"+esc, nil, root...))
		if doc.Versions["1.0.0"].Deprecated != "old" || doc.Versions["1.2.0"].Deprecated != "" {
			t.Fatalf("after undeprecate: %+v", doc.Versions)
		}
		// Deprecated versions stay installable and listed in the Packages API.
		p.expect(p.do("GET", projectEP+"/@acme/hello/-/@acme/hello-1.0.0.tgz", nil, root...), 200, "")
		p.expect(p.do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_version=1.0.0", proj.ID), nil, root...), 200, `"status":"deprecated"`)
	})
	t.Run("GraphQL shows the npm metadata", func(t *testing.T) {
		p := protocol{e, t}
		q := `{"query":"{ project(fullPath: \"acme/sub/tools\") { packages(packageType: NPM, packageVersion: \"1.0.0\") { nodes { name version status metadata { __typename ... on NpmMetadata { packageJson deprecated } } } } } }"}`
		res := p.do("POST", "/api/graphql", []byte(q), root...)
		var out struct {
			Data struct {
				Project struct {
					Packages struct {
						Nodes []struct {
							Name, Version, Status string
							Metadata              struct {
								Typename    string         `json:"__typename"`
								PackageJSON map[string]any `json:"packageJson"`
								Deprecated  string
							}
						}
					}
				}
			}
		}
		if err := json.Unmarshal(res.Body, &out); err != nil || len(out.Data.Project.Packages.Nodes) != 1 {
			t.Fatalf("graphql: %d %s", res.Status, res.Body)
		}
		n := out.Data.Project.Packages.Nodes[0]
		deps, _ := n.Metadata.PackageJSON["dependencies"].(map[string]any)
		if n.Name != name || n.Status != "DEPRECATED" || n.Metadata.Typename != "NpmMetadata" ||
			n.Metadata.Deprecated != "old" || deps["left-pad"] != "^1.3.0" || n.Metadata.PackageJSON["readme"] != nil {
			t.Fatalf("graphql node: %s", res.Body)
		}
	})
	t.Run("scoped names at group and instance level", func(t *testing.T) {
		p := protocol{e, t}
		p.expect(p.do("PUT", projectEP+"/plain", publishDoc("plain", "1.0.0", tgz, nil), root...), 200, "ok")
		p.expect(p.do("PUT", projectEP+"/@elsewhere%2fthing", publishDoc("@elsewhere/thing", "1.0.0", tgz, nil), root...), 200, "ok")
		p.expect(p.do("GET", projectEP+"/plain", nil, root...), 200, "plain")
		// Any name at group level (GitLab's group spec reads an unscoped one); at
		// instance level the scope is the root namespace.
		p.expect(p.do("GET", groupEP+"/plain", nil, root...), 200, "plain")
		p.expect(p.do("GET", instanceEP+"/plain", nil, root...), 404, "Not Found")
		p.expect(p.do("GET", groupEP+"/@elsewhere%2fthing", nil, root...), 200, "@elsewhere/thing")
		p.expect(p.do("GET", instanceEP+"/@elsewhere%2fthing", nil, root...), 404, "Not Found")
		p.expect(p.do("GET", "/api/v4/groups/acme%2Fsub/-/packages/npm/"+esc, nil, root...), 200, name)
		// Writes of a package happen at project level only.
		p.expect(p.do("PUT", groupEP+"/"+esc, publishDoc(name, "5.0.0", tgz, nil), root...), 405, "project level")
		p.expect(p.do("PUT", instanceEP+"/"+esc, publishDoc(name, "5.0.0", tgz, nil), root...), 405, "project level")
		p.expect(p.do("DELETE", instanceEP+"/"+esc+"/-rev/1", nil, root...), 405, "project level")
	})
	t.Run("search, audit, ping, whoami", func(t *testing.T) {
		p := protocol{e, t}
		res := p.do("GET", instanceEP+"/-/v1/search?text=hello&size=20&from=0", nil, root...)
		var s struct {
			Objects []struct {
				Package struct{ Name, Version string }
			}
			Total int
		}
		must(t, json.Unmarshal(res.Body, &s))
		if s.Total != 1 || s.Objects[0].Package.Name != name || s.Objects[0].Package.Version != "1.3.0" {
			t.Fatalf("search: %s", res.Body)
		}
		if res := p.do("GET", instanceEP+"/-/v1/search?text=hello", nil, outsider...); strings.Contains(string(res.Body), name) {
			t.Fatalf("search shows a private package to an outsider: %s", res.Body)
		}
		p.expect(p.do("GET", projectEP+"/-/v1/search?text=thing", nil, root...), 200, "@elsewhere/thing")
		// Audit with forwarding off, as GitLab: no advisories from a project, none of
		// the project a group or the instance would need (gitlab_spec_test.go).
		p.expect(p.do("POST", instanceEP+"/-/npm/v1/security/advisories/bulk", []byte(`{"@acme/hello":["1.0.0"]}`)), 401, "Unauthorized")
		p.expect(p.do("POST", instanceEP+"/-/npm/v1/security/advisories/bulk", []byte(`{"@acme/hello":["1.0.0"]}`), root...), 404, "Project Not Found")
		p.expect(p.do("POST", projectEP+"/-/npm/v1/security/audits/quick", []byte(`{}`), root...), 200, `[]`)
		p.expect(p.do("GET", instanceEP+"/-/ping", nil), 200, "{}")
		p.expect(p.do("GET", instanceEP+"/-/whoami", nil, dev...), 200, `"username":"dev"`)
		p.expect(p.do("GET", instanceEP+"/-/whoami", nil), 401, "Unauthorized")
		p.expect(p.do("GET", instanceEP+"/-/unknown", nil), 404, "Not Found")
	})
	t.Run("unpublish", func(t *testing.T) {
		p := protocol{e, t}
		// npm unpublish name@version: the packument without the version, then the tarball.
		doc := decodePackument(t, p.do("GET", projectEP+"/"+esc+"?write=true", nil, root...))
		delete(doc.Versions, "1.3.0")
		delete(doc.DistTags, "latest")
		doc.DistTags["latest"] = "1.2.0"
		body, _ := json.Marshal(doc)
		p.expect(p.do("PUT", projectEP+"/"+esc+"/-rev/"+doc.Rev, body, dev...), 403, "Forbidden")
		p.expect(p.do("PUT", projectEP+"/"+esc+"/-rev/"+doc.Rev, body, root...), 200, "ok")
		p.expect(p.do("DELETE", projectEP+"/ckages/npm/@acme/hello/-/@acme/hello-1.3.0.tgz/-rev/x", nil, root...), 404, "Not Found")
		p.expect(p.do("DELETE", projectEP+"/@acme/hello/-/@acme/hello-1.2.0.tgz/-rev/x", nil, root...), 200, "ok")
		after := decodePackument(t, p.do("GET", projectEP+"/"+esc, nil, root...))
		if _, ok := after.Versions["1.3.0"]; ok || after.DistTags["latest"] == "1.3.0" || after.DistTags["latest"] == "" {
			t.Fatalf("after unpublish: %+v", after.DistTags)
		}
		if _, ok := after.Versions["1.2.0"]; ok {
			t.Fatal("1.2.0 still listed")
		}
		p.expect(p.do("PUT", projectEP+"/"+esc+"/-rev/x", []byte(`{"versions":{}}`), root...), 400, "keeps no version")
		// The whole package.
		p.expect(p.do("DELETE", projectEP+"/"+esc+"/-rev/"+url.PathEscape(after.Rev), nil, root...), 200, "ok")
		p.expect(p.do("GET", projectEP+"/"+esc, nil, root...), 404, "Not Found")
		p.expect(p.do("DELETE", projectEP+"/"+esc+"/-rev/x", nil, root...), 404, "Not Found")
		// The name is free again, in this project or another.
		p.expect(p.do("PUT", projectEP+"/"+esc, publishDoc(name, "1.0.0", tgz, nil), root...), 200, "ok")
	})
}

// TestNPMConcurrentPublish publishes in parallel: the same version (one wins, the
// others get 403) and different versions (all win, one latest).
func TestNPMConcurrentPublish(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	proj := e.Project("acme/tools", "private", "")
	ep := fmt.Sprintf("/api/v4/projects/%d/packages/npm/@acme%%2frace", proj.ID)
	auth := []string{"Authorization", "Bearer " + e.RootToken, "Content-Type", "application/json"}
	publish := func(version, content string) int {
		return e.Do("PUT", ep, bytes.NewReader(publishDoc("@acme/race", version, []byte(content), nil)), auth...).Status
	}
	statuses := make(chan int, 16)
	for i := range 8 {
		go func() { statuses <- publish("1.0.0", fmt.Sprint("same version, content ", i)) }()
		go func() { statuses <- publish(fmt.Sprintf("2.0.%d", i), "v") }()
	}
	count := map[int]int{}
	for range 16 {
		count[<-statuses]++
	}
	if count[200] != 9 || count[403] != 7 {
		t.Fatalf("statuses %v, want 9×200 and 7×403", count)
	}
	res := e.Do("GET", ep, nil, auth...)
	var doc packument
	if err := json.Unmarshal(res.Body, &doc); err != nil || len(doc.Versions) != 9 || doc.DistTags["latest"] == "" {
		t.Fatalf("after the race: %d %s", res.Status, res.Body)
	}
	tags := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?package_name=race&per_page=100", proj.ID), nil, auth...)
	if n := strings.Count(string(tags.Body), `"name":"latest"`); n != 1 {
		t.Fatalf("%d versions carry latest: %s", n, tags.Body)
	}
}
