// Command gen writes the versioned migrations for a change of ent/schema, one file per
// dialect, into database/migrations/sqlite and database/migrations/postgres:
//
//	make migration name=add_audit_events
//	# which runs: scripts/with-postgres go run ./database/migrations/gen add_audit_events
//
// Each directory is replayed on an empty database of its dialect (SQLite in memory;
// a fresh schema in the Postgres of --postgres-url, default $TEST_DATABASE_URL) and
// compared with ent/schema; the difference becomes the new file. Run `make generate`
// first. With -hash it only rewrites both atlas.sum files after a hand edit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"entgo.io/ent/dialect"

	"github.com/pkgreg/registry/database/migrations"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "migrations:", err)
		os.Exit(1)
	}
}

var validName = regexp.MustCompile(`^[a-z0-9_]+$`)

func run(ctx context.Context) error {
	dir := flag.String("dir", "database/migrations", "the migrations directory (holding sqlite/ and postgres/)")
	pgURL := flag.String("postgres-url", os.Getenv("TEST_DATABASE_URL"), "a Postgres database to make a scratch schema in (scripts/with-postgres sets $TEST_DATABASE_URL)")
	hash := flag.Bool("hash", false, "only rewrite the atlas.sum files (after editing a migration by hand)")
	flag.Parse()
	if *hash {
		for _, d := range migrations.Dialects {
			if err := migrations.Hash(filepath.Join(*dir, d)); err != nil {
				return err
			}
		}
		return nil
	}
	name := flag.Arg(0)
	if flag.NArg() != 1 || !validName.MatchString(name) {
		return errors.New("usage: make migration name=<what_changed> (lower case, digits and _)")
	}
	if *pgURL == "" {
		return errors.New("no Postgres to diff against: run under scripts/with-postgres (make migration does), or give --postgres-url")
	}
	sqlite, err := migrations.DevSQLite(ctx)
	if err != nil {
		return err
	}
	defer sqlite.Close()
	pg, closePG, err := migrations.DevPostgres(ctx, *pgURL)
	if err != nil {
		return err
	}
	defer closePG()
	wrote := false
	for entDialect, dev := range map[string]dialect.Driver{dialect.SQLite: sqlite, dialect.Postgres: pg} {
		path := filepath.Join(*dir, migrations.Dialects[entDialect])
		file, err := migrations.Generate(ctx, dev, path, name)
		if err != nil {
			return err
		}
		if file != "" {
			fmt.Println("wrote", filepath.Join(path, file))
			wrote = true
		}
	}
	if !wrote {
		fmt.Println("ent/schema and the migrations agree: nothing to write")
	}
	return nil
}
