package npm

import (
	"regexp"
	"strings"

	"github.com/pkgreg/registry/registry"
)

// Regexes from GitLab's npm_package_name_regex (the scope is a namespace path) and
// SemVer 2.0's published grammar.
var (
	nameRe   = regexp.MustCompile(`^(?:@([A-Za-z0-9_][A-Za-z0-9_.-]*)/)?([-+._A-Za-z0-9]+)$`)
	semverRe = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	tagRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// ValidName reports whether name is a valid npm package name: GitLab's regex, at
// most 214 characters (npm's limit), and neither part "." or "..".
func ValidName(name string) bool {
	m := nameRe.FindStringSubmatch(name)
	return len(name) <= 214 && m != nil && m[2] != "." && m[2] != ".." &&
		(m[1] == "" || registry.ValidNamespacePath(m[1]))
}

// ScopeOf returns the scope of a scoped name ("acme" for "@acme/tool"), or "".
func ScopeOf(name string) string {
	if m := nameRe.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return ""
}

// ValidVersion reports whether v is a strict SemVer 2.0 version (no leading "v").
func ValidVersion(v string) bool {
	return len(v) <= 255 && semverRe.MatchString(v)
}

// ValidTag reports whether tag can be a dist-tag: a short word that is not itself a
// version (npm would read it as one).
func ValidTag(tag string) bool {
	return len(tag) <= 255 && tagRe.MatchString(tag) && !semverRe.MatchString(strings.TrimPrefix(tag, "v"))
}

// TarballName is the file name a version's tarball is stored under, as GitLab names
// it ("@scope/name-1.0.0.tgz").
func TarballName(name, version string) string { return name + "-" + version + ".tgz" }
