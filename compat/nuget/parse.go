package nuget

import (
	"net/url"
	"regexp"
	"strconv"
)

var (
	nonNegative = regexp.MustCompile(`\A(0|[1-9]\d{0,8})\z`)
	positive    = regexp.MustCompile(`\A[1-9]\d{0,8}\z`)
)

// defaultTake is the page size of a search that names none (GitLab's default per_page).
const defaultTake = 20

// ParseSearch reads a search's parameters as GitLab validates them: skip a
// non-negative and take a positive integer, prerelease a boolean (true when absent).
func ParseSearch(q url.Values) (SearchInput, error) {
	in := SearchInput{Text: q.Get("q"), Prerelease: true, Take: defaultTake}
	if v := q.Get("skip"); v != "" {
		if !nonNegative.MatchString(v) {
			return in, invalid("skip")
		}
		in.Skip, _ = strconv.Atoi(v)
	}
	if v := q.Get("take"); v != "" {
		if !positive.MatchString(v) {
			return in, invalid("take")
		}
		in.Take, _ = strconv.Atoi(v)
	}
	if v := q.Get("prerelease"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return in, invalid("prerelease")
		}
		in.Prerelease = b
	}
	return in, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
