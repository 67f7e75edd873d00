package generic

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/registry"
)

// FuzzParams fuzzes what a generic upload or download names: the package name and
// version, and the file with its sub-path, each as chi hands them over (escaped).
// A parsed reference stays inside its package: every segment is a clean file name,
// and the stored name decodes back to the path. The seeds in testdata/fuzz run in
// every go test; make fuzz goes on.
func FuzzParams(f *testing.F) {
	for _, s := range [][3]string{
		{"hello", "1.0.0", "hello.tar.gz"}, {"hello", "1.0.0", "dir/sub/file.txt"}, {"my.pkg%2B1", "v1_2%2B3", "a%2Fb.txt"},
		{"..", "1.0.0", "f"}, {"hello", "1.0.0", "..%2F..%2Fetc%2Fpasswd"}, {"hello", "1.0.0", "dir/../f"},
		{"hello", "1.0.0", "a%5C..%5Cb"}, {"hello", "1..0", "f"}, {"hello", "1.0.0", "f%00.txt"},
		{"hello", "1.0.0", "~f"}, {"hello", "1.0.0", "dir//f"}, {"hello", "1.0.0", "%zz"}, {"%2e", "1", "%2e%2e/f"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, name, version, rest string) {
		rc := chi.NewRouteContext()
		rc.URLParams.Add("package_name", name)
		rc.URLParams.Add("package_version", version)
		rc.URLParams.Add("*", rest)
		r := (&http.Request{}).WithContext(context.WithValue(context.Background(), chi.RouteCtxKey, rc))
		ref, err := params(r)
		if err != nil {
			var re *registry.Error
			if !errors.As(err, &re) || !errors.Is(err, registry.ErrInvalid) || re.Param == "" {
				t.Fatalf("params(%q, %q, %q): %v is not a parameter error", name, version, rest, err)
			}
			return
		}
		if !ValidName(ref.name) || !ValidVersion(ref.version) || !ValidFilePath(ref.file) {
			t.Fatalf("params(%q, %q, %q) = %+v", name, version, rest, ref)
		}
		if path.IsAbs(ref.file) || path.Clean(ref.file) != ref.file || strings.HasPrefix(ref.file, "../") ||
			strings.ContainsAny(ref.file+ref.name+ref.version, "\\\x00%") {
			t.Fatalf("params(%q, %q, %q): file %q leaves the package", name, version, rest, ref.file)
		}
		if stored, err := url.PathUnescape(ref.stored); err != nil || stored != ref.file {
			t.Fatalf("stored name %q decodes to %q, %v; want %q", ref.stored, stored, err, ref.file)
		}
		if strings.Contains(ref.file, "/") == (ref.stored == ref.file) {
			t.Fatalf("stored name %q of %q", ref.stored, ref.file)
		}
	})
}
