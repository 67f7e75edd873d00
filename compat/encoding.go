package compat

import (
	"strconv"
	"strings"
)

// Content codings a document may be sent in, best first: on a tie of the client's
// preferences, the smaller wins.
var codings = []string{"br", "gzip", "identity"}

// NegotiateEncoding picks the content coding of a response from an Accept-Encoding
// header (RFC 9110, section 12.5.3) among those available ("identity" always is): the
// one the client weighs highest, smaller codings first on a tie. No header means
// identity; "*" weighs every coding the header does not name; a q of 0 refuses a
// coding. When the client refuses them all, identity is sent anyway.
func NegotiateEncoding(header string, available func(coding string) bool) string {
	weights := map[string]float64{}
	star := -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if name == "x-gzip" {
			name = "gzip"
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					q = f
				} else {
					q = 0 // a malformed weight accepts nothing
				}
			}
		}
		if name == "*" {
			star = q
		} else if w, seen := weights[name]; !seen || q > w {
			weights[name] = q
		}
	}
	best, bestQ := "identity", 0.0
	for _, c := range codings {
		if c != "identity" && !available(c) {
			continue
		}
		q, named := weights[c]
		switch {
		case named:
		case star >= 0:
			q = star
		case c == "identity":
			q = 0.001 // acceptable unless refused, below any coding asked for
		default:
			q = 0
		}
		if q > bestQ {
			best, bestQ = c, q
		}
	}
	return best
}
