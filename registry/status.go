package registry

import (
	"context"
	"sort"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packageversion"
)

// Version status: a version marked with a message (deprecated, yanked, unlisted)
// stays installable while clients see the mark; clearing the message
// returns it to default. Versions are removed by marking them for destruction, as
// every delete is: they disappear at once and garbage collection removes the rest.

// VersionStatusInput marks or unmarks versions of one package in a project.
type VersionStatusInput struct {
	Project *ent.Project
	Type    PackageType
	Name    string // normalized name
	// Messages maps a version to its message; "" returns the version to default.
	Messages map[string]string
	// Status is what a non-empty message sets (StatusDeprecated, say).
	Status Status
}

var errNoSuchVersions = Errorf(ErrNotFound, "404 Package Not Found")

// SetVersionStatus applies the messages (destroy permission). It fails when none of
// the versions exists; versions whose message does not change are left alone.
func (s *Service) SetVersionStatus(ctx context.Context, in VersionStatusInput) error {
	if err := s.AuthorizeProject(ctx, in.Project, DestroyPackages); err != nil {
		return err
	}
	if len(in.Messages) == 0 {
		return Errorf(ErrInvalid, "no versions to change")
	}
	versions := make([]string, 0, len(in.Messages))
	for v := range in.Messages {
		versions = append(versions, v)
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.lockPackage(ctx, tx, in.Project.ID, in.Type, in.Name); err != nil {
			return err
		}
		rows, err := tx.PackageVersion.Query().Where(append(livePackage(in.Project.ID, in.Type, in.Name),
			packageversion.StatusIn(packageversion.StatusDefault, in.Status),
			packageversion.VersionIn(versions...))...).All(ctx)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return errNoSuchVersions
		}
		for _, v := range rows {
			msg := in.Messages[v.Version]
			status := in.Status
			if msg == "" {
				status = packageversion.StatusDefault
			}
			if status == v.Status && msg == v.StatusMessage {
				continue
			}
			if err := tx.PackageVersion.UpdateOneID(v.ID).SetStatus(status).SetStatusMessage(msg).
				AddRevision(1).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteVersionsInput removes versions of one package from a project.
type DeleteVersionsInput struct {
	Project *ent.Project
	Type    PackageType
	Name    string // normalized name
	// Versions to remove; nil removes every version.
	Versions []string
	// Keep, when not nil, lists the versions to keep instead.
	Keep []string
	// Retag, when not nil, are tags to point at kept versions afterwards (a client
	// that removes a version may send the package's tags without it).
	Retag map[string]string
}

// DeleteVersions marks versions for destruction (destroy permission) and returns
// how many. Removing nothing is an error unless Keep was given.
func (s *Service) DeleteVersions(ctx context.Context, in DeleteVersionsInput) (int, error) {
	if err := s.AuthorizeProject(ctx, in.Project, DestroyPackages); err != nil {
		return 0, err
	}
	removed := 0
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.lockPackage(ctx, tx, in.Project.ID, in.Type, in.Name); err != nil {
			return err
		}
		where := livePackage(in.Project.ID, in.Type, in.Name)
		switch {
		case in.Keep != nil:
			where = append(where, packageversion.VersionNotIn(in.Keep...))
		case in.Versions != nil:
			where = append(where, packageversion.VersionIn(in.Versions...))
		}
		// The rows are read first for the webhooks, and only those are marked (on
		// Postgres lockPackage holds them; SQLite has one writer).
		rows, err := tx.PackageVersion.Query().Where(where...).Order(ent.Asc(packageversion.FieldID)).All(ctx)
		if err != nil {
			return err
		}
		ids := make([]int, len(rows))
		for i, v := range rows {
			ids[i] = v.ID
		}
		n, err := tx.PackageVersion.Update().Where(packageversion.IDIn(ids...)).
			SetStatus(packageversion.StatusPendingDestruction).AddRevision(1).Save(ctx)
		if err != nil {
			return err
		}
		removed = n
		if in.Keep == nil && n == 0 {
			return errNoSuchVersions
		}
		// One event per version, so that each version's history names its removal.
		for _, v := range rows {
			if err := s.auditDeletedVersion(ctx, tx, in.Project, v); err != nil {
				return err
			}
		}
		if err := s.enqueueWebhooks(ctx, tx, in.Project, deletedEvents(rows)...); err != nil {
			return err
		}
		tags := make([]string, 0, len(in.Retag))
		for t := range in.Retag {
			tags = append(tags, t)
		}
		sort.Strings(tags)
		for _, tag := range tags {
			target, err := tx.PackageVersion.Query().Where(append(livePackage(in.Project.ID, in.Type, in.Name),
				packageversion.Version(in.Retag[tag]))...).Only(ctx)
			if ent.IsNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			if err := moveTag(ctx, tx, target.ID, in.Project.ID, in.Type, in.Name, tag); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.log.InfoContext(ctx, "versions marked for destruction", "project_id", in.Project.ID, "type", in.Type,
		"name", in.Name, "count", removed, "by", auth.FromContext(ctx).Username)
	return removed, nil
}
