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

// fallbackMaxFileSize is the limit of a type that no format registered and no
// administrator set.
const fallbackMaxFileSize = 3 * gib

// MaxFileSize is the instance's limit for one file of the given format: the
// administrator's plan limit, else the format's registered default.
func (s *Service) MaxFileSize(ctx context.Context, t packageversion.PackageType) (int64, error) {
	return s.MaxFileSizeOr(ctx, t, fallbackMaxFileSize)
}

// MaxFileSizeOr is MaxFileSize with def for a type no format registered (the plan
// limits API lists GitLab's defaults of every type).
func (s *Service) MaxFileSizeOr(ctx context.Context, t packageversion.PackageType, def int64) (int64, error) {
	l, err := s.client.PlanLimit.Query().Where(planlimit.PackageTypeEQ(planlimit.PackageType(t))).Only(ctx)
	if ent.IsNotFound(err) {
		if f, ok := s.format(t); ok && f.MaxFileSize > 0 {
			return f.MaxFileSize, nil
		}
		return def, nil
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
	before, err := s.MaxFileSize(ctx, t)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		err := tx.PlanLimit.Create().SetPackageType(planlimit.PackageType(t)).SetMaxFileSize(size).
			OnConflictColumns(planlimit.FieldPackageType).UpdateMaxFileSize().Exec(ctx)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEvent{Action: AuditPlanLimit, TargetType: auditTargetPlanLimit, TargetPath: string(t),
			Details: map[string]any{"max_file_size": map[string]any{"before": before, "after": size}}})
	})
}
