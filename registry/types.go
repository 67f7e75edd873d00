package registry

import "github.com/pkgreg/registry/ent/packageversion"

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
// listings sorted by type follow.
var PackageTypeOrder = []PackageType{
	PackageTypeMaven, PackageTypeNPM, PackageTypeConan, PackageTypeNuGet, PackageTypePyPI,
	PackageTypeComposer, PackageTypeGeneric, PackageTypeGolang, PackageTypeDebian,
	PackageTypeRubyGems, PackageTypeHelm, PackageTypeTerraformModule,
	packageversion.PackageTypeRpm, packageversion.PackageTypeMlModel, PackageTypeCargo,
}

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
