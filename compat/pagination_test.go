package compat_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat"
)

// GitLab's offset pagination headers, with the total and without it (above 10,000
// rows GitLab sends no X-Total, X-Total-Pages or rel="last").
func TestPageHeaders(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		page                       compat.Page
		total                      int
		more                       bool
		xTotal, xPages, next, prev string
		rels                       []string
	}{
		{"counted, first page", compat.Page{Number: 1, Size: 20}, 45, true, "45", "3", "2", "", []string{"next", "first", "last"}},
		{"counted, last page", compat.Page{Number: 3, Size: 20}, 45, false, "45", "3", "", "2", []string{"prev", "first", "last"}},
		{"uncounted, first page", compat.Page{Number: 1, Size: 20}, -1, true, "", "", "2", "", []string{"next", "first"}},
		{"uncounted, deep page", compat.Page{Number: 600, Size: 20}, -1, true, "", "", "601", "599", []string{"prev", "next", "first"}},
		{"uncounted, last page", compat.Page{Number: 601, Size: 20}, -1, false, "", "", "", "600", []string{"prev", "first"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/api/v4/projects/1/packages?page=1&private_token=secret", nil)
			compat.SetPageHeadersUpTo(w, r, "http://registry.test", tc.page, tc.total, tc.more)
			h := w.Header()
			_, hasTotal := h["X-Total"]
			_, hasPages := h["X-Total-Pages"]
			if h.Get("X-Total") != tc.xTotal || h.Get("X-Total-Pages") != tc.xPages || hasTotal != (tc.xTotal != "") ||
				hasPages != (tc.xPages != "") || h.Get("X-Next-Page") != tc.next || h.Get("X-Prev-Page") != tc.prev {
				t.Errorf("headers %v", h)
			}
			var rels []string
			for _, l := range strings.Split(h.Get("Link"), ", ") {
				_, rel, _ := strings.Cut(l, `rel="`)
				rels = append(rels, strings.TrimSuffix(rel, `"`))
				if strings.Contains(l, "secret") {
					t.Errorf("token in link %s", l)
				}
			}
			if strings.Join(rels, " ") != strings.Join(tc.rels, " ") {
				t.Errorf("links %v, want %v", rels, tc.rels)
			}
		})
	}
}
