package compat

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/pkgreg/registry/registry"
)

// FuzzPagination fuzzes GitLab's page and per_page parameters: an invalid one is a
// parameter error, a valid page starts at an offset the database can take. The
// seeds in testdata/fuzz run in every go test; make fuzz goes on.
func FuzzPagination(f *testing.F) {
	for _, q := range []string{"", "page=2&per_page=50", "per_page=1000", "page=0", "page=-1", "page=9223372036854775807&per_page=100",
		"page=2147483649&per_page=1", "per_page=abc", "page=%zz", "page=1&page=2"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		p, err := Pagination(&http.Request{URL: &url.URL{RawQuery: query}})
		if err != nil {
			var re *registry.Error
			if !errors.As(err, &re) || !errors.Is(err, registry.ErrInvalid) || re.Param == "" {
				t.Fatalf("Pagination(%q): %v", query, err)
			}
			return
		}
		if p.Number < 1 || p.Size < 1 || p.Size > 100 || (p.Number-1)*p.Size > MaxOffset || (p.Number-1)*p.Size < 0 {
			t.Fatalf("Pagination(%q) = %+v", query, p)
		}
	})
}
