package compat

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pkgreg/registry/registry"
)

// Page is a validated page/per_page pair.
type Page struct{ Number, Size int }

// Pagination reads GitLab's page and per_page (default 20, at most 100).
func Pagination(r *http.Request) (Page, error) {
	p := Page{Number: 1, Size: 20}
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, registry.InvalidParam("page")
		}
		p.Number = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, registry.InvalidParam("per_page")
		}
		p.Size = min(n, 100)
	}
	// (page-1)*per_page is the query's OFFSET: refuse one that overflows or that
	// would have the database skip more rows than any listing holds.
	if p.Number-1 > MaxOffset/p.Size {
		return p, registry.InvalidParam("page")
	}
	return p, nil
}

// MaxOffset is the largest row offset a page may start at.
const MaxOffset = 1 << 31

// SetPageHeaders writes GitLab's pagination headers and the Link header.
func SetPageHeaders(w http.ResponseWriter, r *http.Request, base string, p Page, total int) {
	SetPageHeadersUpTo(w, r, base, p, total, p.Number*p.Size < total)
}

// SetPageHeadersUpTo writes the pagination headers of a listing whose total may be
// unknown (total < 0: above what is counted), as GitLab does above 10,000 rows:
// no X-Total, no X-Total-Pages and no rel="last" link; more says whether a next
// page follows.
func SetPageHeadersUpTo(w http.ResponseWriter, r *http.Request, base string, p Page, total int, more bool) {
	pages := max(1, (total+p.Size-1)/p.Size)
	h := w.Header()
	if total >= 0 {
		h.Set("X-Total", strconv.Itoa(total))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
	}
	h.Set("X-Page", strconv.Itoa(p.Number))
	h.Set("X-Per-Page", strconv.Itoa(p.Size))
	next, prev := "", ""
	if more {
		next = strconv.Itoa(p.Number + 1)
	}
	if p.Number > 1 {
		prev = strconv.Itoa(p.Number - 1)
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)
	link := func(rel string, n int) string {
		return pageLink(r, base, rel, "page", strconv.Itoa(n), p.Size)
	}
	var links []string
	if prev != "" {
		links = append(links, link("prev", p.Number-1))
	}
	if next != "" {
		links = append(links, link("next", p.Number+1))
	}
	links = append(links, link("first", 1))
	if total >= 0 {
		links = append(links, link("last", pages))
	}
	h.Set("Link", strings.Join(links, ", "))
}

// pageLink is a Link header entry for this request with one parameter set (page or
// cursor) and per_page; the token parameters are never repeated into it.
func pageLink(r *http.Request, base, rel, param, value string, perPage int) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "private_token" && k != "job_token" {
			q[k] = v
		}
	}
	q.Set(param, value)
	q.Set("per_page", strconv.Itoa(perPage))
	return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, base, r.URL.Path, q.Encode(), rel)
}

// SetKeysetLink is GitLab's keyset pagination: no totals, and a Link rel="next"
// with the cursor to go on from, when there is more.
func SetKeysetLink(w http.ResponseWriter, r *http.Request, base, cursor string, perPage int) {
	if cursor != "" {
		w.Header().Set("Link", pageLink(r, base, "next", "cursor", cursor, perPage))
	}
}
