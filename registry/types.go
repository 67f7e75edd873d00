package registry

import (
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/schema"
)

// PackageType is a package format, as GitLab's package_type enum.
type PackageType = packageversion.PackageType

// Package types. Formats name their type with these, not with the ent package.
const (
	PackageTypeMaven           = packageversion.PackageTypeMaven
	PackageTypeNPM             = packageversion.PackageTypeNpm
	PackageTypeConan           = packageversion.PackageTypeConan
	PackageTypeNuGet           = packageversion.PackageTypeNuget
	PackageTypePyPI            = packageversion.PackageTypePypi
	PackageTypeComposer        = packageversion.PackageTypeComposer
	PackageTypeGeneric         = packageversion.PackageTypeGeneric
	PackageTypeGolang          = packageversion.PackageTypeGolang
	PackageTypeDebian          = packageversion.PackageTypeDebian
	PackageTypeRubyGems        = packageversion.PackageTypeRubygems
	PackageTypeHelm            = packageversion.PackageTypeHelm
	PackageTypeTerraformModule = packageversion.PackageTypeTerraformModule
	PackageTypeCargo           = packageversion.PackageTypeCargo
)

// PackageTypeOrder is GitLab's order of the package_type enum (spec B2), which
// listings sorted by type follow: the order the schema declares the values in, the
// one list of them (the type_rank backfill reads it too).
var PackageTypeOrder = func() []PackageType {
	out := make([]PackageType, len(schema.PackageTypes))
	for i, t := range schema.PackageTypes {
		out[i] = PackageType(t)
	}
	return out
}()

// TypeRank is a type's value in GitLab's package_type enum (the order of its values).
func TypeRank(t PackageType) int {
	for i, o := range PackageTypeOrder {
		if o == t {
			return i + 1
		}
	}
	return 0
}

// Status is a package version's status (spec B2).
type Status = packageversion.Status

// Version statuses.
const (
	StatusDefault            = packageversion.StatusDefault
	StatusHidden             = packageversion.StatusHidden
	StatusProcessing         = packageversion.StatusProcessing
	StatusError              = packageversion.StatusError
	StatusPendingDestruction = packageversion.StatusPendingDestruction
	StatusDeprecated         = packageversion.StatusDeprecated
)
