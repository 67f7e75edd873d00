package generic

import (
	"regexp"
	"strings"
)

// GitLab's generic package regexes (lib/gitlab/regex/packages.rb), translated to
// RE2: the lookarounds of the Ruby originals become the explicit checks below.
var (
	nameRe        = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)
	versionRe     = regexp.MustCompile(`^[\w+.-]+$`)
	fileRe        = regexp.MustCompile(`^[A-Za-z0-9._+~@-]+$`)
	pathSegmentRe = regexp.MustCompile(`^[A-Za-z0-9._+~@-]+$`)
)

// ValidName reports whether name is a valid generic package name.
func ValidName(name string) bool {
	return len(name) <= 255 && nameRe.MatchString(name) && name != "." && name != ".."
}

// ValidVersion reports whether version is a valid generic package version
// (word characters, '+', '.', '-', and never ".."). A version of "." alone matches
// GitLab's regex, but as a URL segment every client drops it (RFC 3986 dot
// segments), so a file stored under it is reachable only by a client that does not
// normalize: it is refused as ".." is.
func ValidVersion(version string) bool {
	return len(version) <= 255 && versionRe.MatchString(version) && !strings.Contains(version, "..") && version != "."
}

// ValidFilePath reports whether p is a valid generic file name with an optional
// sub-path: every segment is a file name that does not start or end with '~' or '@',
// and no segment is "." or "..".
func ValidFilePath(p string) bool {
	if p == "" || len(p) > 1024 {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if !pathSegmentRe.MatchString(seg) || seg == "." || seg == ".." {
			return false
		}
		if strings.HasPrefix(seg, "~") || strings.HasSuffix(seg, "~") ||
			strings.HasPrefix(seg, "@") || strings.HasSuffix(seg, "@") {
			return false
		}
	}
	return fileRe.MatchString(strings.ReplaceAll(p, "/", "-"))
}
