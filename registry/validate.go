package registry

import (
	"regexp"
	"strings"
)

// GitLab's package regexes (lib/gitlab/regex/packages.rb), translated to RE2: the
// lookarounds of the Ruby originals become the explicit checks in the functions below.
var (
	genericNameRe    = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)
	genericVersionRe = regexp.MustCompile(`^[\w+.-]+$`)
	genericFileRe    = regexp.MustCompile(`^[A-Za-z0-9._+~@-]+$`)
	pathSegmentRe    = regexp.MustCompile(`^[A-Za-z0-9._+~@-]+$`)
	namespacePathRe  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
	usernameRe       = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
)

// ValidGenericName reports whether name is a valid generic package name.
func ValidGenericName(name string) bool {
	return len(name) <= 255 && genericNameRe.MatchString(name) && name != "." && name != ".."
}

// ValidGenericVersion reports whether version is a valid generic package version
// (word characters, '+', '.', '-', and never "..").
func ValidGenericVersion(version string) bool {
	return len(version) <= 255 && genericVersionRe.MatchString(version) && !strings.Contains(version, "..")
}

// ValidGenericFilePath reports whether p is a valid generic file name with an optional
// sub-path: every segment is a file name that does not start or end with '~' or '@',
// and no segment is "." or "..".
func ValidGenericFilePath(p string) bool {
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
	return genericFileRe.MatchString(strings.ReplaceAll(p, "/", "-"))
}

// validPath reports whether p is a valid group, project or user path segment.
func validPath(p string) bool {
	return len(p) <= 255 && namespacePathRe.MatchString(p) && !strings.HasSuffix(p, ".") &&
		!strings.HasSuffix(p, ".git") && !strings.HasSuffix(p, ".atom")
}
