package graph

import (
	"context"
	"errors"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/graph/model"
	"github.com/pkgreg/registry/registry"
)

// GitLab's limits on the bulk destroy mutations (MAX_PACKAGES of
// app/graphql/mutations/packages/bulk_destroy.rb, MAX_FILES of destroy_files.rb).
const (
	maxDestroyPackages     = 20
	maxDestroyPackageFiles = 100
)

// errNoAccess is GitLab's wording for anything the viewer may not see or do.
var errNoAccess = registry.Errorf(registry.ErrNotFound,
	"The resource that you are attempting to access does not exist or you don't have permission to perform this action")

// payloadErrors splits a mutation's error: problems with the input go into the
// payload's errors list (GitLab's convention); refusals and internal failures are
// returned as GraphQL errors, refusals with GitLab's "does not exist" wording.
func payloadErrors(err error) ([]string, error) {
	switch {
	case err == nil:
		return []string{}, nil
	case errors.Is(err, registry.ErrInvalid), errors.Is(err, registry.ErrConflict), errors.Is(err, registry.ErrTooLarge):
		return []string{registry.PublicMessage(err)}, nil
	case registry.IsDenied(err):
		if errors.Is(err, registry.ErrForbidden) && registry.PublicMessage(err) != "403 Forbidden" {
			return nil, err
		}
		return nil, errNoAccess
	}
	return nil, err
}

// orNil turns a refusal into a null field, as GitLab answers for what a viewer may not see.
func orNil[T any](v *T, err error) (*T, error) {
	if err != nil && registry.IsDenied(err) {
		return nil, nil
	}
	return v, err
}

// auditFilter is the filter arguments of the auditEvents fields.
func auditFilter(action, targetType, authorUsername *string, since *time.Time) registry.AuditFilter {
	return registry.AuditFilter{Action: str(action), TargetType: str(targetType), AuthorUsername: str(authorUsername), Since: since}
}

// pageAuditEvents pages events newest first. It orders by id, which grows with
// created_at: a cursor of a time value does not compare equal to the stored one on
// every database, and paging back from it skipped events.
func pageAuditEvents(ctx context.Context, q *ent.AuditEventQuery, err error, after *ent.Cursor, first *int, before *ent.Cursor, last *int) (*ent.AuditEventConnection, error) {
	if err != nil {
		return nil, err
	}
	first, last = clamp(first, last)
	return q.Paginate(detach(ctx), after, first, before, last, ent.WithAuditEventOrder(
		&ent.AuditEventOrder{Direction: entgql.OrderDirectionDesc, Field: ent.DefaultAuditEventOrder.Field}))
}

// orNone answers a list the viewer may not see as null, as orNil does one object.
func orNone[T any](v []T, err error) ([]T, error) {
	if err != nil && registry.IsDenied(err) {
		return nil, nil
	}
	return v, err
}

// relationsOf says which memberships a members field lists: direct, inherited.
func relationsOf(rs []model.MemberRelation) registry.MemberRelations {
	var out registry.MemberRelations
	for _, r := range rs {
		out.Direct = out.Direct || r == model.MemberRelationDirect
		out.Inherited = out.Inherited || r == model.MemberRelationInherited
	}
	return out
}

// manageable is the highest role a viewer may manage members up to, or null when
// they may not manage members at all.
func manageable(role registry.Role, err error) (*model.AccessLevelEnum, error) {
	if err != nil {
		return orNil[model.AccessLevelEnum](nil, err)
	}
	l := upper[model.AccessLevelEnum](role.String())
	return &l, nil
}
