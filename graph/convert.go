package graph

import (
	"regexp"
	"strings"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/graph/model"
	"github.com/pkgreg/registry/registry"
)

// GraphQL enums are GitLab's upper-case names; ent stores lower-case values.

func lower[T ~string](v *T) string {
	if v == nil {
		return ""
	}
	return strings.ToLower(string(*v))
}

func upper[T ~string](s string) T { return T(strings.ToUpper(s)) }

// packageOrder maps a GitLab sort to an ent order.
func packageOrder(sort string) *ent.PackageOrder {
	i := strings.LastIndexByte(sort, '_')
	field, dir := sort, ""
	if i >= 0 {
		field, dir = sort[:i], sort[i+1:]
	}
	// CREATED sorts by id, which grows with created_at: a cursor holding a time value
	// does not compare equal to the stored one on every database (SQLite), and the
	// next page repeated a package.
	o := &ent.PackageOrder{Direction: "DESC", Field: ent.DefaultPackageOrder.Field}
	if dir == "ASC" {
		o.Direction = "ASC"
	}
	switch field {
	case "NAME":
		o.Field = ent.PackageVersionOrderFieldName
	case "VERSION":
		o.Field = ent.PackageVersionOrderFieldVersionSort
	case "TYPE":
		o.Field = ent.PackageVersionOrderFieldTypeRank // GitLab's enum order, not the names'
	case "PROJECT_PATH": // group listings only (PackageGroupSort)
		o.Field = ent.PackageVersionOrderFieldProjectFullPath
	}
	return o
}

var keepNames = map[string]model.PackagesCleanupKeepDuplicatedPackageFilesEnum{
	"all": model.PackagesCleanupKeepDuplicatedPackageFilesEnumAllPackageFiles,
	"1":   model.PackagesCleanupKeepDuplicatedPackageFilesEnumOnePackageFile,
	"10":  model.PackagesCleanupKeepDuplicatedPackageFilesEnumTenPackageFiles,
	"20":  model.PackagesCleanupKeepDuplicatedPackageFilesEnumTwentyPackageFiles,
	"30":  model.PackagesCleanupKeepDuplicatedPackageFilesEnumThirtyPackageFiles,
	"40":  model.PackagesCleanupKeepDuplicatedPackageFilesEnumFortyPackageFiles,
	"50":  model.PackagesCleanupKeepDuplicatedPackageFilesEnumFiftyPackageFiles,
}

func keepValue(e model.PackagesCleanupKeepDuplicatedPackageFilesEnum) string {
	for k, v := range keepNames {
		if v == e {
			return k
		}
	}
	return ""
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// cleanupPolicyModel is a cleanup policy in GraphQL's shape.
func cleanupPolicyModel(pol *registry.CleanupPolicy) *model.PackagesCleanupPolicy {
	return &model.PackagesCleanupPolicy{KeepNDuplicatedPackageFiles: keepNames[pol.Keep],
		RemoveNotDownloadedForDays: pol.RemoveNotDownloadedForDays, NextRunAt: pol.NextRunAt}
}

// untrustedRegexp refuses what GitLab's UntrustedRegexp argument type refuses: a
// pattern RE2 does not compile is a top-level error, before anything is looked up.
func untrustedRegexp(re *string) error {
	if re == nil {
		return nil
	}
	if _, err := regexp.Compile(*re); err != nil {
		return registry.Errorf(registry.ErrInvalid, "%s is an invalid regexp", *re)
	}
	return nil
}
