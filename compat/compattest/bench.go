package compattest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/registry"
)

// SeedVersions publishes n versions (1.0.0, 1.0.1, ...) of a package of type t in a
// project through the core, one file each, named by file, for benchmarks of the
// documents that list them.
func SeedVersions(tb testing.TB, e *Env, projectPath string, t registry.PackageType, name string, n int, file func(version string) string) {
	tb.Helper()
	p, err := e.Svc.ProjectByRef(e.Admin, projectPath)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		v := fmt.Sprintf("1.%d.%d", i/100, i%100)
		up, err := e.Svc.BeginUpload(e.Admin, p, t)
		if err != nil {
			tb.Fatal(err)
		}
		f, err := up.Receive(e.Admin, strings.NewReader("content of "+name+" "+v))
		if err == nil {
			_, err = up.Publish(e.Admin, registry.UploadVersion{Name: name, Version: v},
				registry.UploadFile{File: f, FileName: file(v), Size: -1, Duplicates: registry.DuplicatesAllowed})
		}
		up.Discard(e.Admin)
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchDocument measures serving the document at url over HTTP with a token: full
// GETs (cached after the first; Go's client asks for gzip and decodes it) and
// revalidations with If-None-Match. It reports requests per second and the 99th
// percentile latency.
func BenchDocument(b *testing.B, name, url, token string) {
	get := func(headers ...string) *http.Response {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	first := get()
	if first.StatusCode != http.StatusOK {
		b.Fatalf("%s: status %d", url, first.StatusCode)
	}
	etag := first.Header.Get("ETag")
	for _, mode := range []string{"get", "revalidate"} {
		b.Run(name+"/"+mode, func(b *testing.B) {
			var headers []string
			want := http.StatusOK
			if mode == "revalidate" {
				headers, want = []string{"If-None-Match", etag}, http.StatusNotModified
			}
			lat := make([]time.Duration, 0, b.N)
			start := time.Now()
			for b.Loop() {
				t0 := time.Now()
				res := get(headers...)
				lat = append(lat, time.Since(t0))
				if res.StatusCode != want {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
			elapsed := time.Since(start)
			slices.Sort(lat)
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
		})
	}
}
