package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
	"github.com/pkgreg/registry/ent/packageproperty"
	"github.com/pkgreg/registry/ent/packagerevision"
	"github.com/pkgreg/registry/ent/packagetag"
	"github.com/pkgreg/registry/ent/packageversion"
)

// Package revisions. A package (a normalized name of one type in one project) has
// one revision row, bumped by every write to its versions, files, tags or
// properties, in the write's own transaction. The bump is an ent hook on those four
// entities, so no write path can forget it: it reads which packages the write
// touches before the write runs (a delete's rows are gone after it) and bumps them
// as the transaction commits (bumpOnCommit), so a reader that sees the new revision
// also sees the write. A write outside a transaction bumps just after it: a reader
// in between builds the new content under the old key, which only costs a rebuild.
//
// Rows are never deleted and only grow, so the sum of the revisions of a set of
// packages changes with any change to any of them: an index document's key is one
// indexed lookup of those sums (documentKey), not a scan of its versions.
//
// Writes that change only download counters bump nothing: documents do not show them.

// packageKey names a package.
type packageKey struct {
	ProjectID int
	Type      packageversion.PackageType
	Name      string
}

// bumpingKey marks the context of a write whose packages a hook is bumping, so a
// hook registered twice on one client bumps once.
type bumpingKey struct{}

// touches reads the versions a write touches, before it runs.
type touches func(ctx context.Context, c *ent.Client, m ent.Mutation) ([]int, error)

// useRevisionHooks registers the hooks that bump package revisions on c.
func useRevisionHooks(c *ent.Client) {
	c.PackageVersion.Use(revisionHook(nil))
	c.PackageFile.Use(revisionHook(func(ctx context.Context, c *ent.Client, m ent.Mutation) ([]int, error) {
		return ownerVersions(ctx, m, func(ids []int) ([]int, error) {
			return c.PackageFile.Query().Where(packagefile.IDIn(ids...)).GroupBy(packagefile.FieldPackageID).Ints(ctx)
		})
	}))
	c.PackageTag.Use(revisionHook(func(ctx context.Context, c *ent.Client, m ent.Mutation) ([]int, error) {
		return ownerVersions(ctx, m, func(ids []int) ([]int, error) {
			return c.PackageTag.Query().Where(packagetag.IDIn(ids...)).GroupBy(packagetag.FieldPackageID).Ints(ctx)
		})
	}))
	c.PackageProperty.Use(revisionHook(func(ctx context.Context, c *ent.Client, m ent.Mutation) ([]int, error) {
		return ownerVersions(ctx, m, func(ids []int) ([]int, error) {
			return c.PackageProperty.Query().Where(packageproperty.IDIn(ids...)).GroupBy(packageproperty.FieldPackageID).Ints(ctx)
		})
	}))
}

// revisionHook bumps the packages of the versions a write touches (found by
// touches; nil for writes to versions themselves).
func revisionHook(find touches) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if ctx.Value(bumpingKey{}) != nil || countersOnly(m) {
				return next.Mutate(ctx, m)
			}
			ctx = context.WithValue(ctx, bumpingKey{}, true)
			c := clientOf(m)
			var keys []packageKey
			var err error
			if find == nil {
				keys, err = versionKeys(ctx, c, m)
			} else {
				var ids []int
				if ids, err = find(ctx, c, m); err == nil {
					keys, err = keysOf(ctx, c, ids)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("package revision: %w", err)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if vm, ok := m.(*ent.PackageVersionMutation); ok && find == nil && !m.Op().Is(ent.OpCreate) && movesPackage(vm) {
				// A version renamed or moved: its new package changes too.
				ids, err := vm.IDs(ctx)
				if err != nil {
					return nil, fmt.Errorf("package revision: %w", err)
				}
				moved, err := keysOf(ctx, c, ids)
				if err != nil {
					return nil, fmt.Errorf("package revision: %w", err)
				}
				keys = append(keys, moved...)
			}
			if tx, err := m.(interface{ Tx() (*ent.Tx, error) }).Tx(); err == nil {
				tx.OnCommit(bumpOnCommit(keys))
				return v, nil
			}
			if err := bumpRevisions(ctx, c, keys); err != nil {
				return nil, err
			}
			return v, nil
		})
	}
}

// bumpOnCommit bumps the revisions of a transaction's packages as it commits: the
// row lock on a revision is the last lock the transaction takes, so it adds no
// order to those the writers take on versions (lockPackage), and cannot deadlock.
func bumpOnCommit(keys []packageKey) ent.CommitHook {
	return func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := bumpRevisions(ctx, tx.Client(), keys); err != nil {
				_ = tx.Rollback()
				return err
			}
			return next.Commit(ctx, tx)
		})
	}
}

// clientOf is the client of a mutation: the transaction's, inside one.
func clientOf(m ent.Mutation) *ent.Client {
	return m.(interface{ Client() *ent.Client }).Client()
}

// countersOnly reports whether an update changes only download counters.
func countersOnly(m ent.Mutation) bool {
	if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
		return false
	}
	if len(m.AddedEdges())+len(m.RemovedEdges())+len(m.ClearedEdges()) > 0 {
		return false
	}
	for _, f := range slices.Concat(m.Fields(), m.AddedFields(), m.ClearedFields()) {
		switch f {
		case "download_count", "last_downloaded_at", "updated_at":
		default:
			return false
		}
	}
	return true
}

// movesPackage reports whether a version update changes which package it is in.
func movesPackage(m *ent.PackageVersionMutation) bool {
	_, p := m.ProjectID()
	_, t := m.PackageType()
	_, n := m.NormalizedName()
	return p || t || n
}

// versionKeys are the packages a write to versions touches.
func versionKeys(ctx context.Context, c *ent.Client, m ent.Mutation) ([]packageKey, error) {
	vm := m.(*ent.PackageVersionMutation)
	if m.Op().Is(ent.OpCreate) {
		p, _ := vm.ProjectID()
		t, _ := vm.PackageType()
		n, _ := vm.NormalizedName()
		return []packageKey{{p, t, n}}, nil
	}
	ids, err := vm.IDs(ctx)
	if err != nil {
		return nil, err
	}
	return keysOf(ctx, c, ids)
}

// ownerVersions are the versions owning the rows a write to files, tags or
// properties touches: the one it sets, for a create; those of the rows it
// selects (through owners), otherwise.
func ownerVersions(ctx context.Context, m ent.Mutation, owners func(ids []int) ([]int, error)) ([]int, error) {
	if m.Op().Is(ent.OpCreate) {
		id, _ := m.(interface{ PackageID() (int, bool) }).PackageID()
		return []int{id}, nil
	}
	ids, err := m.(interface {
		IDs(context.Context) ([]int, error)
	}).IDs(ctx)
	if err != nil {
		return nil, err
	}
	return inChunks(ids, owners)
}

// keysOf are the packages of versions.
func keysOf(ctx context.Context, c *ent.Client, versionIDs []int) ([]packageKey, error) {
	var keys []packageKey
	_, err := inChunks(versionIDs, func(ids []int) ([]int, error) {
		rows, err := c.PackageVersion.Query().Where(packageversion.IDIn(ids...)).
			Select(packageversion.FieldProjectID, packageversion.FieldPackageType, packageversion.FieldNormalizedName).All(ctx)
		for _, v := range rows {
			keys = append(keys, packageKey{v.ProjectID, v.PackageType, v.NormalizedName})
		}
		return nil, err
	})
	return keys, err
}

// inChunks calls fn on ids in slices short enough for any database's bound on a
// statement's parameters, and concatenates what it returns.
func inChunks(ids []int, fn func([]int) ([]int, error)) ([]int, error) {
	var out []int
	for chunk := range slices.Chunk(ids, 500) {
		r, err := fn(chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	return out, nil
}

// bumpRevisions adds one to the revision of each package, creating its row at the
// first write. Packages are bumped in one order, so two transactions bumping the
// same packages wait for each other instead of deadlocking.
func bumpRevisions(ctx context.Context, c *ent.Client, keys []packageKey) error {
	slices.SortFunc(keys, func(a, b packageKey) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ProjectID, b.ProjectID))
	})
	for _, k := range slices.Compact(keys) {
		if k.Name == "" || k.ProjectID == 0 {
			continue
		}
		err := c.PackageRevision.Create().SetProjectID(k.ProjectID).SetPackageType(packagerevision.PackageType(k.Type)).
			SetNormalizedName(k.Name).
			OnConflictColumns(packagerevision.FieldPackageType, packagerevision.FieldNormalizedName, packagerevision.FieldProjectID).
			AddRevision(1).Exec(ctx)
		if err != nil {
			return fmt.Errorf("bump package revision: %w", err)
		}
	}
	return nil
}
