// Package migrations holds the registry's versioned schema migrations, one directory
// per dialect, and what writes and checks them against ent/schema.
//
// Layout: sqlite/ and postgres/ each hold goose files (<version>_<name>.sql, the
// version a UTC timestamp, "-- +goose Up" then the statements) and an atlas.sum that
// hashes every file in order, so that two branches adding a migration each conflict
// in git instead of applying in an order nobody tested. The first file is the
// baseline: the whole schema of the release that still created it with ent's
// auto-migration. Files are written by `make migration name=<what_changed>` (the gen
// command beside this file) and applied by database.Open, never edited by hand
// unless the sums are rewritten too (go run ./database/migrations/gen -hash).
package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	atlas "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	entschema "entgo.io/ent/dialect/sql/schema"

	_ "github.com/lib/pq"  // Postgres driver.
	_ "modernc.org/sqlite" // SQLite driver, registered as "sqlite".

	"github.com/pkgreg/registry/ent/migrate"
)

//go:embed sqlite postgres
var files embed.FS

// Dialects are the ent dialects that have a migration directory, as named there.
var Dialects = map[string]string{dialect.SQLite: "sqlite", dialect.Postgres: "postgres"}

// Files is the migration directory of an ent dialect (dialect.SQLite or dialect.Postgres).
func Files(entDialect string) (fs.FS, error) {
	dir, ok := Dialects[entDialect]
	if !ok {
		return nil, fmt.Errorf("migrations: no directory for dialect %q", entDialect)
	}
	return fs.Sub(files, dir)
}

// handWritten are schema objects the migrations create that ent/schema cannot
// declare: Postgres's trigram index for the package name search (ILIKE '%x%'), with
// an operator class from an extension. Diffs against ent/schema leave them alone.
var handWritten = map[string]bool{"packageversion_name_trgm": true}

// skipHandWritten leaves alone the handWritten objects ent/schema does not know.
var skipHandWritten = skipTableChanges(func(c atlas.Change) bool {
	d, ok := c.(*atlas.DropIndex)
	return ok && handWritten[d.I.Name]
})

// skipRewrittenIndexes drops an index change that keeps its name, uniqueness and
// columns. Inspecting a live database, with no dev database to normalize ent/schema's
// side, Postgres's rewrite of a partial index's predicate (status <> 'x' read back as
// ((status)::text <> 'x'::text)) is otherwise a change. Generate replays on a dev
// database, which normalizes, so it needs no such hook.
var skipRewrittenIndexes = skipTableChanges(func(c atlas.Change) bool {
	m, ok := c.(*atlas.ModifyIndex)
	return ok && sameParts(m.From, m.To)
})

// skipTableChanges is a diff hook leaving out the changes to a table that skip says.
func skipTableChanges(skip func(atlas.Change) bool) entschema.DiffHook {
	return func(next entschema.Differ) entschema.Differ {
		return entschema.DiffFunc(func(current, desired *atlas.Schema) ([]atlas.Change, error) {
			changes, err := next.Diff(current, desired)
			if err != nil {
				return nil, err
			}
			for _, c := range changes {
				if m, ok := c.(*atlas.ModifyTable); ok {
					m.Changes = slices.DeleteFunc(m.Changes, skip)
				}
			}
			return changes, nil
		})
	}
}

func sameParts(a, b *atlas.Index) bool {
	if a.Unique != b.Unique || len(a.Parts) != len(b.Parts) {
		return false
	}
	for i := range a.Parts {
		if a.Parts[i].C == nil || b.Parts[i].C == nil || a.Parts[i].C.Name != b.Parts[i].C.Name || a.Parts[i].Desc != b.Parts[i].Desc {
			return false
		}
	}
	return true
}

// diffOptions are the options every diff against ent/schema uses, so that what the
// generator writes and what the checks accept are the same thing: indexes and columns
// ent/schema no longer has are dropped (review such a migration before committing it).
func diffOptions(dir atlasmigrate.Dir) []entschema.MigrateOption {
	return []entschema.MigrateOption{
		entschema.WithDir(dir),
		entschema.WithFormatter(sqltool.GooseFormatter),
		entschema.WithDropIndex(true),
		entschema.WithDropColumn(true),
		entschema.WithDiffHook(skipHandWritten),
		entschema.WithErrNoPlan(true),
	}
}

// Generate writes a migration named name into dir (a goose directory with its
// atlas.sum) for what ent/schema has that the migrations in dir do not: dev, an
// empty database of the directory's dialect, has the directory replayed on it and is
// compared with ent/schema. It returns the new file's name, or "" when nothing changed.
func Generate(ctx context.Context, dev dialect.Driver, dir, name string) (string, error) {
	d, err := sqltool.NewGooseDir(dir)
	if err != nil {
		return "", err
	}
	before, err := d.Files()
	if err != nil {
		return "", err
	}
	opts := append(diffOptions(d), entschema.WithMigrationMode(entschema.ModeReplay))
	m, err := entschema.NewMigrate(dev, opts...)
	if err != nil {
		return "", err
	}
	err = m.NamedDiff(ctx, name, migrate.Tables...)
	if errors.Is(err, atlasmigrate.ErrNoPlan) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("diff %s against ent/schema: %w", dir, err)
	}
	after, err := d.Files()
	if err != nil {
		return "", err
	}
	if len(after) == len(before) {
		return "", errors.New("ent wrote no migration file")
	}
	file := after[len(after)-1]
	if strings.Contains(string(file.Bytes()), "PRAGMA foreign_keys = off") {
		if err := outsideTransaction(dir, file.Name()); err != nil {
			return "", err
		}
	}
	return file.Name(), nil
}

// outsideTransaction marks a migration to run outside a transaction. SQLite changes
// most of a table by copying it into a new one and dropping the old, which with
// foreign keys enforced deletes the old rows first, cascades included; Atlas turns
// enforcement off around it, but that PRAGMA does nothing inside a transaction,
// where goose runs a migration unless told otherwise.
func outsideTransaction(dir, name string) error {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append([]byte("-- +goose NO TRANSACTION\n"), b...), 0o644); err != nil {
		return err
	}
	return Hash(dir)
}

// Drift is the SQL that would bring the database behind drv to what ent/schema
// declares, "" when they agree: the check that a migrated database is the schema
// the code was generated for.
func Drift(ctx context.Context, drv dialect.Driver) (string, error) {
	dir := atlasmigrate.OpenMemDir("drift")
	defer dir.Close()
	m, err := entschema.NewMigrate(drv, append(diffOptions(dir), entschema.WithDiffHook(skipRewrittenIndexes))...)
	if err != nil {
		return "", err
	}
	err = m.NamedDiff(ctx, "drift", migrate.Tables...)
	if errors.Is(err, atlasmigrate.ErrNoPlan) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	written, err := dir.Files()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, f := range written {
		b.Write(f.Bytes())
	}
	return b.String(), nil
}

// Hash rewrites the atlas.sum of a migration directory after a file in it was edited
// by hand (Atlas's `migrate hash`).
func Hash(dir string) error {
	d, err := sqltool.NewGooseDir(dir)
	if err != nil {
		return err
	}
	sum, err := d.Checksum()
	if err != nil {
		return err
	}
	return atlasmigrate.WriteSumFile(d, sum)
}

// CopyDir writes the embedded migration directory of an ent dialect into dir, for a
// generator or a test to work on a copy.
func CopyDir(entDialect, dir string) error {
	src, err := Files(entDialect)
	if err != nil {
		return err
	}
	return fs.WalkDir(src, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
}

// DevSQLite is an empty in-memory SQLite database to replay migrations on. One
// connection, since every connection to :memory: is a database of its own.
func DevSQLite(ctx context.Context) (dialect.Driver, error) {
	db, err := sql.Open("sqlite", "file:dev?mode=memory&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return entsql.OpenDB(dialect.SQLite, db), nil
}

// DevPostgres is an empty database, made for the purpose on the Postgres server at
// rawURL (one a developer may create databases on: scripts/with-postgres starts
// one). A database rather than a schema, since Atlas only replays on a connection
// that sees nothing but an empty public schema. Closing it drops the database.
func DevPostgres(ctx context.Context, rawURL string) (dialect.Driver, func() error, error) {
	admin, err := sql.Open("postgres", rawURL)
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "migrations_dev_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("dev database: %w", err)
	}
	drop := func() error {
		defer admin.Close()
		_, err := admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE "+name+" WITH (FORCE)")
		return err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		return nil, nil, errors.Join(err, drop())
	}
	return entsql.OpenDB(dialect.Postgres, db), func() error { return errors.Join(db.Close(), drop()) }, nil
}
