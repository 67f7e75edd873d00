package nuget

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
)

// Names and versions as GitLab validates them (Gitlab::Regex::Packages: nuget
// package name and version), and versions normalised and ordered as NuGet does.
// https://learn.microsoft.com/en-us/nuget/concepts/package-versioning#normalized-version-numbers

var (
	nameRe = regexp.MustCompile(`\A[-+._a-zA-Z0-9]+\z`)
	// versionRe: major.minor, optional patch and a fourth part, then SemVer 2's
	// prerelease and build suffixes.
	versionRe = regexp.MustCompile(`\A(0|[1-9]\d*)\.(0|[1-9]\d*)(\.(0|[1-9]\d*))?(\.\d*)?` +
		`(-((\d*[a-zA-Z-][0-9a-zA-Z-]*|[1-9]\d*|0)(\.(\d*[a-zA-Z-][0-9a-zA-Z-]*|[1-9]\d*|0))*))?` +
		`(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?\z`)
	leadingZeros = regexp.MustCompile(`^0+(\d)`)
)

// maxNameLength and maxVersionLength bound what a nuspec may name (GitLab's
// packages_packages columns).
const (
	maxNameLength    = 255
	maxVersionLength = 255
)

// ValidName reports whether name is a NuGet package id GitLab accepts. "." and
// ".." match GitLab's regex but are no NuGet ids (the client's own rule starts an
// id with a letter, digit or '_'), and as URL segments every client drops or
// resolves them (RFC 3986 dot segments): a package under one could be neither
// restored nor deleted by its name, so they are refused.
func ValidName(name string) bool {
	return len(name) <= maxNameLength && nameRe.MatchString(name) && name != "." && name != ".."
}

// ValidVersion reports whether v is a NuGet version GitLab accepts.
func ValidVersion(v string) bool { return len(v) <= maxVersionLength && versionRe.MatchString(v) }

// NormalizeVersion is NuGet's normalised form of a version, which the client puts
// in every URL: leading zeros dropped from each dot-separated part, build metadata
// dropped, lowercased, a zero fourth part dropped, and missing minor or patch parts
// filled in (1.0 is 1.0.0). Two versions are the same version when their normalised
// forms are equal.
func NormalizeVersion(v string) string {
	v, _, _ = strings.Cut(v, "+")
	v = strings.ToLower(v)
	core, pre, hasPre := strings.Cut(v, "-")
	parts := strings.Split(core, ".")
	for i, p := range parts {
		parts[i] = leadingZeros.ReplaceAllString(p, "$1")
	}
	if len(parts) == 4 && parts[3] == "0" {
		parts = parts[:3]
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	out := strings.Join(parts, ".")
	if hasPre {
		ids := strings.Split(pre, ".")
		for i, id := range ids {
			ids[i] = leadingZeros.ReplaceAllString(id, "$1")
		}
		out += "-" + strings.Join(ids, ".")
	}
	return out
}

// Prerelease reports whether v has a prerelease label.
func Prerelease(v string) bool {
	v, _, _ = strings.Cut(v, "+")
	return strings.Contains(v, "-")
}

// CompareVersions orders versions as NuGet does: the numeric parts one by one
// (missing ones are 0), then a version without prerelease above one with, then the
// prerelease labels part by part (numeric below alphanumeric, case ignored), then
// the build metadata, case ignored.
func CompareVersions(a, b string) int {
	aRest, aBuild, _ := strings.Cut(a, "+")
	bRest, bBuild, _ := strings.Cut(b, "+")
	aCore, aPre, aHasPre := strings.Cut(aRest, "-")
	bCore, bPre, bHasPre := strings.Cut(bRest, "-")
	as, bs := strings.Split(aCore, "."), strings.Split(bCore, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		if c := compareNumeric(numericPart(as, i), numericPart(bs, i)); c != 0 {
			return c
		}
	}
	switch {
	case aHasPre && !bHasPre:
		return -1
	case !aHasPre && bHasPre:
		return 1
	case aHasPre:
		if c := comparePrerelease(aPre, bPre); c != 0 {
			return c
		}
	}
	return strings.Compare(strings.ToLower(aBuild), strings.ToLower(bBuild))
}

// numericPart is the i-th dot-separated part, "" (zero) when missing.
func numericPart(parts []string, i int) string {
	if i >= len(parts) {
		return ""
	}
	return parts[i]
}

// compareNumeric orders two runs of decimal digits by value, however long: a part
// past uint64 (which the version regex allows) is not read as 0.
func compareNumeric(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func comparePrerelease(a, b string) int {
	as, bs := strings.Split(strings.ToLower(a), "."), strings.Split(strings.ToLower(b), ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		switch {
		case i >= len(as):
			return -1
		case i >= len(bs):
			return 1
		case as[i] == bs[i]:
			continue
		}
		an, aErr := strconv.ParseUint(as[i], 10, 64)
		bn, bErr := strconv.ParseUint(bs[i], 10, 64)
		switch {
		case aErr == nil && bErr == nil:
			return cmp.Compare(an, bn)
		case aErr == nil:
			return -1
		case bErr == nil:
			return 1
		}
		return strings.Compare(as[i], bs[i])
	}
	return 0
}
