package registry

import (
	"context"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/planlimit"
)

const (
	mib = int64(1) << 20
	gib = int64(1) << 30
)

// defaultMaxFileSize is GitLab's default plan limit per package type (spec B3), for
// the plan-limits API and for types no format registered; a registered format's
// FormatSpec.MaxFileSize comes first.
var defaultMaxFileSize = map[packageversion.PackageType]int64{
	packageversion.PackageTypeConan:           3 * gib,
	packageversion.PackageTypeMaven:           3 * gib,
	packageversion.PackageTypePypi:            3 * gib,
	packageversion.PackageTypeDebian:          3 * gib,
	packageversion.PackageTypeRubygems:        3 * gib,
	packageversion.PackageTypeGeneric:         5 * gib,
	packageversion.PackageTypeCargo:           5 * gib,
	packageversion.PackageTypeNpm:             500 * mib,
	packageversion.PackageTypeNuget:           500 * mib,
	packageversion.PackageTypeTerraformModule: 1 * gib,
	packageversion.PackageTypeGolang:          100 * mib,
	packageversion.PackageTypeHelm:            5 * mib,
}

// MaxFileSize is the instance's limit for one file of the given format.
func (s *Service) MaxFileSize(ctx context.Context, t packageversion.PackageType) (int64, error) {
	l, err := s.client.PlanLimit.Query().Where(planlimit.PackageTypeEQ(planlimit.PackageType(t))).Only(ctx)
	if ent.IsNotFound(err) {
		if f, ok := s.format(t); ok && f.MaxFileSize > 0 {
			return f.MaxFileSize, nil
		}
		if d, ok := defaultMaxFileSize[t]; ok {
			return d, nil
		}
		return 3 * gib, nil
	}
	if err != nil {
		return 0, err
	}
	return l.MaxFileSize, nil
}

// SetMaxFileSize sets the instance's limit for one format (administrators only).
func (s *Service) SetMaxFileSize(ctx context.Context, t packageversion.PackageType, size int64) error {
	if err := s.requireAdmin(ctx); err != nil {
		return err
	}
	if size < 0 {
		return InvalidParam(string(t) + "_max_file_size")
	}
	return s.client.PlanLimit.Create().SetPackageType(planlimit.PackageType(t)).SetMaxFileSize(size).
		OnConflictColumns(planlimit.FieldPackageType).UpdateMaxFileSize().Exec(ctx)
}
