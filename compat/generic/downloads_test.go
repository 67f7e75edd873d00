package generic_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestDownloadsAreCounted downloads a file over HTTP in every way a client may and
// checks what the flush writes: only GETs that send the file from its first byte
// count, nothing is written before the flush, and the version, the file and the
// REST entity show it.
func TestDownloadsAreCounted(t *testing.T) {
	e := compattest.New(t)
	p := e.Project("root/app", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	file := fmt.Sprintf("/api/v4/projects/%d/packages/generic/app/1.0.0/app.bin", p.ID)
	if res := e.Do("PUT", file, strings.NewReader("0123456789"), tok...); res.Status != 201 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	if res := e.Do("PUT", fmt.Sprintf("/api/v4/projects/%d/packages/generic/app/1.0.0/other.bin", p.ID), strings.NewReader("x"), tok...); res.Status != 201 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	etag := ""
	for _, c := range []struct {
		method string
		header []string
		status int
	}{
		{"GET", nil, 200},
		{"GET", nil, 200},
		{"GET", nil, 200},
		{"HEAD", nil, 200}, // not a download
		{"GET", []string{"Range", "bytes=0-3"}, 206},    // the first part of a download in parts: counts
		{"GET", []string{"Range", "bytes=4-"}, 206},     // its continuation: does not
		{"GET", []string{"Range", "bytes=-2"}, 206},     // the end of the file: does not
		{"GET", []string{"Range", "bytes=99-"}, 416},    // nothing sent
		{"GET", []string{"If-None-Match", "etag"}, 304}, // the client has it
	} {
		h := append(append([]string{}, tok...), c.header...)
		if len(c.header) == 2 && c.header[1] == "etag" {
			h[len(h)-1] = etag
		}
		res := e.Do(c.method, file, nil, h...)
		if res.Status != c.status {
			t.Fatalf("%s %v: %d", c.method, c.header, res.Status)
		}
		if etag == "" {
			etag = res.Header.Get("ETag")
		}
	}
	// Nothing is written on the request path: before a flush the database knows nothing.
	if before := onlyPackage(t, e, "root/app"); before.DownloadsCount != 0 || before.LastDownloadedAt != nil {
		t.Fatalf("written before the flush: %+v", before)
	}
	e.FlushDownloads()
	after := onlyPackage(t, e, "root/app")
	if after.DownloadsCount != 4 || after.LastDownloadedAt == nil {
		t.Fatalf("version after the flush: %+v", after)
	}
	for _, f := range after.PackageFiles.Nodes {
		if (f.DownloadsCount > 0) != (f.LastDownloadedAt != nil) {
			t.Errorf("file %s: count %d, last downloaded %v", f.FileName, f.DownloadsCount, f.LastDownloadedAt)
		}
	}
	if counts := after.FileDownloads(); counts["app.bin"] != 4 || counts["other.bin"] != 0 {
		t.Fatalf("file counts %v", counts)
	}
	// A second flush has nothing to add.
	e.FlushDownloads()
	if again := onlyPackage(t, e, "root/app"); again.DownloadsCount != 4 {
		t.Fatalf("a second flush counted again: %+v", again)
	}
	var rest []struct {
		LastDownloadedAt *time.Time `json:"last_downloaded_at"`
	}
	res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages", p.ID), nil, tok...)
	if err := json.Unmarshal(res.Body, &rest); err != nil || len(rest) != 1 || rest[0].LastDownloadedAt == nil {
		t.Fatalf("REST: %v %s", err, res.Body)
	}
}

// onlyPackage is the one package version of a project, with its download counts.
func onlyPackage(t *testing.T, e *compattest.Env, project string) compattest.PackageDownloads {
	t.Helper()
	got := e.Downloads(project)
	if len(got) != 1 {
		t.Fatalf("packages of %s: %+v", project, got)
	}
	return got[0]
}

// TestReplicasCountTogether: two registry processes on one database each tally
// their own downloads, and their flushes add up rather than overwrite each other.
func TestReplicasCountTogether(t *testing.T) {
	a := compattest.New(t)
	b := compattest.Start(t, a.DatabaseURL, a.StorageURL)
	p := a.Project("root/shared", "private", "")
	tok := []string{"Private-Token", a.RootToken}
	file := fmt.Sprintf("/api/v4/projects/%d/packages/generic/pkg/1.0.0/f.bin", p.ID)
	if res := a.Do("PUT", file, strings.NewReader("v1"), tok...); res.Status != 201 {
		t.Fatalf("upload: %d", res.Status)
	}
	for i, r := range []*compattest.Env{a, b, b, a, b} {
		if res := r.Do("GET", file, nil, tok...); res.Status != 200 {
			t.Fatalf("download %d: %d", i, res.Status)
		}
	}
	b.FlushDownloads()
	if got := onlyPackage(t, a, "root/shared"); got.DownloadsCount != 3 {
		t.Fatalf("after b's flush: %+v", got)
	}
	a.FlushDownloads()
	got := onlyPackage(t, b, "root/shared")
	if got.DownloadsCount != 5 || got.FileDownloads()["f.bin"] != 5 {
		t.Fatalf("after both flushes: %+v", got)
	}
}

// TestFullBufferFlushesEarly: a tally that names more files than the bound is
// written at once, without waiting for the interval.
func TestFullBufferFlushesEarly(t *testing.T) {
	e := compattest.NewWithConfig(t, func(c *registry.Config) {
		c.DownloadBufferIDs = 2
		c.DownloadFlushInterval = time.Hour
	})
	p := e.Project("root/app", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	for _, name := range []string{"a", "b", "c"} {
		path := fmt.Sprintf("/api/v4/projects/%d/packages/generic/app/1.0.0/%s", p.ID, name)
		if res := e.Do("PUT", path, strings.NewReader(name), tok...); res.Status != 201 {
			t.Fatalf("upload: %d", res.Status)
		}
		if res := e.Do("GET", path, nil, tok...); res.Status != 200 {
			t.Fatalf("download: %d", res.Status)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := onlyPackage(t, e, "root/app")
		if got.DownloadsCount == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the third file did not flush the tally: %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
