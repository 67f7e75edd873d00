package compat

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCountsAsDownload(t *testing.T) {
	for _, c := range []struct {
		rng    string
		status int
		want   bool
	}{
		{"", http.StatusOK, true},
		{"bytes=0-", http.StatusPartialContent, true},
		{"bytes=0-99", http.StatusPartialContent, true},
		{" bytes=0-99, 200-300", http.StatusPartialContent, true},
		{"bytes=100-", http.StatusPartialContent, false},
		{"bytes=-500", http.StatusPartialContent, false},
		{"bytes=100-199,0-99", http.StatusPartialContent, false},
		{"bytes=5-", http.StatusOK, true}, // If-Range did not match: the whole file is sent
		{"", http.StatusNotModified, false},
		{"bytes=999-", http.StatusRequestedRangeNotSatisfiable, false},
		{"", http.StatusNotFound, false},
	} {
		r := httptest.NewRequest("GET", "/f", nil)
		if c.rng != "" {
			r.Header.Set("Range", c.rng)
		}
		if got := countsAsDownload(r, c.status); got != c.want {
			t.Errorf("Range %q, status %d: counts %v, want %v", c.rng, c.status, got, c.want)
		}
	}
}
