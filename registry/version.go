package registry

import (
	"strings"
)

// VersionSortKey maps a version string to a key whose byte order is version order, so
// the database can sort and index it: each run of digits becomes its length followed
// by the digits (so 9 < 10), and a release sorts after its pre-releases
// (1.0.0-rc.1 < 1.0.0), as SemVer orders them. Build metadata after '+' is ignored.
func VersionSortKey(v string) string {
	v, _, _ = strings.Cut(v, "+")
	core, pre, hasPre := strings.Cut(v, "-")
	key := encodeNumbers(core)
	if hasPre {
		return key + "-" + encodeNumbers(pre)
	}
	return key + "~"
}

func encodeNumbers(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		digits := strings.TrimLeft(s[i:j], "0")
		if digits == "" {
			digits = "0"
		}
		// Lengths above 9 digits share the prefix ':' ... '~' range, which still
		// sorts after every shorter number.
		b.WriteByte(byte('0' + min(len(digits), 78)))
		b.WriteString(digits)
		i = j
	}
	return b.String()
}
