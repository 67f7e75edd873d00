package main

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
)

// The index documents the bench reads, each published the way the format's
// client publishes (one template version, then clones, then one more real
// publish: see seed.go), and the URL and check of each.

// docVersion is the i-th version of a document package: 1.0.0, 1.0.1 ... 1.9.99.
func docVersion(i int) string { return fmt.Sprintf("1.%d.%d", i/100, i%100) }

func hexSum(b []byte, h interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
}) string {
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// npmManifest is the package.json of one version, as npm publish sends it and
// as the bench writes it into Verdaccio's storage.
func npmManifest(name, version, tarballURL string, tgz []byte) map[string]any {
	s512 := sha512.Sum512(tgz)
	return map[string]any{
		"name": name, "version": version, "description": "the " + name + " package", "license": "MIT",
		"dependencies": map[string]any{"left-pad": "^1.3.0"}, "engines": map[string]any{"node": ">=18"},
		"_id": name + "@" + version,
		"dist": map[string]any{
			"shasum": hexSum(tgz, sha1.New()), "integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
			"tarball": tarballURL,
		},
	}
}

func npmTarball(name, version string) []byte {
	return []byte("tarball of " + name + "@" + version)
}

func npmBase(name string) string {
	_, base, _ := strings.Cut(name, "/")
	if base == "" {
		return name
	}
	return base
}

// npmPath is the project-level packument path of name.
func npmPath(projectID int64, name string) string {
	return fmt.Sprintf("/api/v4/projects/%d/packages/npm/%s", projectID, strings.Replace(name, "/", "%2f", 1))
}

// publishNPM publishes one version with npm's publish document.
func publishNPM(in *instance, projectID int64, name, version string) error {
	tgz := npmTarball(name, version)
	file := npmBase(name) + "-" + version + ".tgz"
	doc := map[string]any{
		"_id": name, "name": name, "dist-tags": map[string]any{"latest": version},
		"versions": map[string]any{version: npmManifest(name, version, "http://example.invalid/"+name+"/-/"+file, tgz)},
		"_attachments": map[string]any{file: map[string]any{"content_type": "application/octet-stream",
			"data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}},
	}
	b, _ := json.Marshal(doc)
	_, err := in.send("PUT", npmPath(projectID, name), "application/json", b)
	return err
}

// publishPyPI uploads one source distribution as twine does.
func publishPyPI(in *instance, projectID int64, name, version string) error {
	content := []byte("sdist of " + name + " " + version)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{":action", "file_upload"}, {"protocol_version", "1"}, {"name", name},
		{"version", version}, {"metadata_version", "2.1"}, {"summary", "the " + name + " package"},
		{"requires_python", ">=3.8"}, {"md5_digest", hexSum(content, md5.New())},
		{"sha256_digest", hexSum(content, sha256.New())}, {"filetype", "sdist"}} {
		mw.WriteField(kv[0], kv[1])
	}
	w, _ := mw.CreateFormFile("content", strings.ReplaceAll(name, "-", "_")+"-"+version+".tar.gz")
	w.Write(content)
	mw.Close()
	_, err := in.send("POST", fmt.Sprintf("/api/v4/projects/%d/packages/pypi", projectID), mw.FormDataContentType(), body.Bytes())
	return err
}

func pypiSimplePath(projectID int64, name string) string {
	return fmt.Sprintf("/api/v4/projects/%d/packages/pypi/simple/%s/", projectID, name)
}

// publishMaven deploys one version's pom and jar as mvn deploy does (the
// maven-metadata.xml the client would upload is the registry's to render).
func publishMaven(in *instance, projectID int64, group, artifact, version string) error {
	dir := fmt.Sprintf("/api/v4/projects/%d/packages/maven/%s/%s/%s/", projectID, strings.ReplaceAll(group, ".", "/"), artifact, version)
	pom := fmt.Sprintf(`<project><modelVersion>4.0.0</modelVersion><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></project>`,
		group, artifact, version)
	if _, err := in.send("PUT", dir+artifact+"-"+version+".pom", "application/octet-stream", []byte(pom)); err != nil {
		return err
	}
	_, err := in.send("PUT", dir+artifact+"-"+version+".jar", "application/octet-stream", []byte("jar of "+artifact+" "+version))
	return err
}

func mavenMetadataPath(projectID int64, group, artifact string) string {
	return fmt.Sprintf("/api/v4/projects/%d/packages/maven/%s/%s/maven-metadata.xml", projectID, strings.ReplaceAll(group, ".", "/"), artifact)
}

// countIn checks that a document lists want entries, counted by marker.
func countIn(marker string, want int) func(int, []byte, int64) error {
	return func(st int, head []byte, n int64) error {
		if err := status200(-1)(st, head, n); err != nil {
			return err
		}
		if got := bytes.Count(head, []byte(marker)); got != want {
			return fmt.Errorf("the document lists %d entries (%q), want %d", got, marker, want)
		}
		return nil
	}
}

// countVersions checks that a packument lists want versions.
func countVersions(want int) func(int, []byte, int64) error {
	return func(st int, head []byte, n int64) error {
		if err := status200(-1)(st, head, n); err != nil {
			return err
		}
		var doc struct {
			Versions map[string]json.RawMessage `json:"versions"`
		}
		if err := json.Unmarshal(head, &doc); err != nil {
			return fmt.Errorf("packument: %v", err)
		}
		if len(doc.Versions) != want {
			return fmt.Errorf("the packument lists %d versions, want %d", len(doc.Versions), want)
		}
		return nil
	}
}

func gqlPath(query string) string { return "/api/graphql?query=" + url.QueryEscape(query) }
