package registry

import (
	"regexp"
	"strings"
)

// GitLab's namespace and user path rules, translated to RE2.
var (
	namespacePathRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
	usernameRe      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
)

// ValidNamespacePath reports whether p is a valid group, project or user path
// segment (formats whose package names embed one, as a scope, check with it).
func ValidNamespacePath(p string) bool { return validPath(p) }

// validPath reports whether p is a valid group, project or user path segment.
func validPath(p string) bool {
	return len(p) <= 255 && namespacePathRe.MatchString(p) && !strings.HasSuffix(p, ".") &&
		!strings.HasSuffix(p, ".git") && !strings.HasSuffix(p, ".atom")
}
