package registry

import (
	"context"
	"database/sql"
	"errors"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagetag"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/ent/predicate"
)

// Tags are named pointers to one version of a package in a project (dist-tags,
// release channels): a tag lives on at most one version of the package at a
// time, and moving it bumps the revision of both versions, so the documents that show
// tags are rebuilt.

// livePackage selects the live versions of one package in one project.
func livePackage(projectID int, t PackageType, name string) []predicate.PackageVersion {
	return []predicate.PackageVersion{
		packageversion.ProjectID(projectID), packageversion.PackageTypeEQ(t),
		packageversion.NormalizedName(name), notDestroyed(),
	}
}

// notDestroyed selects the versions not being destroyed, spelled as the predicate of
// the unique (project, type, name, version) index: with the status written literally
// (not as a bound parameter) SQLite and a generic Postgres plan can prove that the
// partial index holds every row the query wants, and use it.
func notDestroyed() predicate.PackageVersion {
	return func(s *entsql.Selector) {
		s.Where(entsql.ExprP(s.C(packageversion.FieldStatus) + " <> 'pending_destruction'"))
	}
}

// lockPackage serializes changes to one package's versions and tags: on Postgres it
// locks the package's live rows, in id order so that two writers cannot deadlock.
// SQLite transactions take the database's write lock when they begin (BEGIN IMMEDIATE).
func (s *Service) lockPackage(ctx context.Context, tx *ent.Tx, projectID int, t PackageType, name string) error {
	if !s.db.Postgres() {
		return nil
	}
	_, err := tx.PackageVersion.Query().Where(livePackage(projectID, t, name)...).
		Order(ent.Asc(packageversion.FieldID)).ForUpdate().IDs(ctx)
	return err
}

// moveTag points tag at the version with id target: it leaves every other version of
// the package, and both versions' revisions move so cached documents are rebuilt.
func moveTag(ctx context.Context, tx *ent.Tx, target, projectID int, t PackageType, name, tag string) error {
	holders, err := tx.PackageTag.Query().Where(packagetag.Name(tag),
		packagetag.HasPackageWith(livePackage(projectID, t, name)...)).All(ctx)
	if err != nil {
		return err
	}
	has := false
	for _, h := range holders {
		if h.PackageID == target {
			has = true
			continue
		}
		if err := dropTag(ctx, tx, h); err != nil {
			return err
		}
	}
	if has {
		return nil
	}
	// A concurrent publish may have tagged the same version already.
	err = tx.PackageTag.Create().SetName(tag).SetPackageID(target).
		OnConflictColumns(packagetag.FieldPackageID, packagetag.FieldName).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return tx.PackageVersion.UpdateOneID(target).AddRevision(1).Exec(ctx)
}

// dropTag removes a tag row and bumps its version's revision. A row a concurrent
// transaction removed first is not an error.
func dropTag(ctx context.Context, tx *ent.Tx, t *ent.PackageTag) error {
	if _, err := tx.PackageTag.Delete().Where(packagetag.ID(t.ID)).Exec(ctx); err != nil {
		return err
	}
	return tx.PackageVersion.Update().Where(packageversion.ID(t.PackageID)).AddRevision(1).Exec(ctx)
}

// TagInput names one tag of a package in a project.
type TagInput struct {
	Project *ent.Project
	Type    PackageType
	Name    string // normalized name
	Tag     string
	Version string // the version SetTag points the tag at
}

var errTagNotFound = Errorf(ErrNotFound, "404 Package Tag Not Found")

// SetTag points a tag at a live version of the package (create permission).
func (s *Service) SetTag(ctx context.Context, in TagInput) error {
	if err := s.AuthorizeProject(ctx, in.Project, CreatePackages); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.lockPackage(ctx, tx, in.Project.ID, in.Type, in.Name); err != nil {
			return err
		}
		v, err := tx.PackageVersion.Query().Where(append(livePackage(in.Project.ID, in.Type, in.Name),
			packageversion.Version(in.Version), packageversion.StatusIn(installableStatuses...))...).Only(ctx)
		if ent.IsNotFound(err) {
			return errPackageNotFound
		} else if err != nil {
			return err
		}
		return moveTag(ctx, tx, v.ID, in.Project.ID, in.Type, in.Name, in.Tag)
	})
}

// RemoveTag removes a tag from the package (destroy permission).
func (s *Service) RemoveTag(ctx context.Context, in TagInput) error {
	if err := s.AuthorizeProject(ctx, in.Project, DestroyPackages); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *ent.Tx) error {
		if err := s.lockPackage(ctx, tx, in.Project.ID, in.Type, in.Name); err != nil {
			return err
		}
		holders, err := tx.PackageTag.Query().Where(packagetag.Name(in.Tag),
			packagetag.HasPackageWith(livePackage(in.Project.ID, in.Type, in.Name)...)).All(ctx)
		if err != nil {
			return err
		}
		if len(holders) == 0 {
			return errTagNotFound
		}
		for _, h := range holders {
			if err := dropTag(ctx, tx, h); err != nil {
				return err
			}
		}
		return nil
	})
}

// maxLabels bounds the labels of one version (a nuspec's tags), and maxLabel one label.
const (
	maxLabels = 100
	maxLabel  = 255
)

// setLabels makes labels the tags of one version, in place of the ones it had;
// other versions keep theirs (labels, unlike tags, may sit on many versions).
func setLabels(ctx context.Context, tx *ent.Tx, packageID int, labels []string) error {
	if len(labels) > maxLabels {
		return Errorf(ErrInvalid, "at most %d tags are allowed, got %d", maxLabels, len(labels))
	}
	want := map[string]bool{}
	for _, l := range labels {
		if l == "" || len(l) > maxLabel {
			return Errorf(ErrInvalid, "tag %.40q is empty or longer than %d characters", l, maxLabel)
		}
		want[l] = true
	}
	have, err := tx.PackageTag.Query().Where(packagetag.PackageID(packageID)).All(ctx)
	if err != nil {
		return err
	}
	for _, h := range have {
		if want[h.Name] {
			delete(want, h.Name)
			continue
		}
		if _, err := tx.PackageTag.Delete().Where(packagetag.ID(h.ID)).Exec(ctx); err != nil {
			return err
		}
	}
	for l := range want {
		err := tx.PackageTag.Create().SetName(l).SetPackageID(packageID).
			OnConflictColumns(packagetag.FieldPackageID, packagetag.FieldName).DoNothing().Exec(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}
