package migrations_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database/migrations"
)

// devDatabases are the empty databases to replay migrations on: SQLite in memory,
// and Postgres when the tests run on it.
func devDatabases(t *testing.T) map[string]dialect.Driver {
	t.Helper()
	sqlite, err := migrations.DevSQLite(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlite.Close() })
	devs := map[string]dialect.Driver{dialect.SQLite: sqlite}
	if compattest.Postgres() {
		pg, closePG, err := migrations.DevPostgres(context.WithoutCancel(t.Context()), os.Getenv("TEST_DATABASE_URL"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closePG() })
		devs[dialect.Postgres] = pg
	}
	return devs
}

// TestMigrationsMatchEntSchema fails when ent/schema changed and no migration was
// generated for it: the migrations, replayed on an empty database, must be what
// ent/schema declares.
func TestMigrationsMatchEntSchema(t *testing.T) {
	for d, dev := range devDatabases(t) {
		t.Run(d, func(t *testing.T) {
			dir := t.TempDir()
			if err := migrations.CopyDir(d, dir); err != nil {
				t.Fatal(err)
			}
			file, err := migrations.Generate(t.Context(), dev, dir, "check")
			if err != nil {
				t.Fatal(err)
			}
			if file != "" {
				b, _ := os.ReadFile(filepath.Join(dir, file))
				t.Fatalf("ent/schema has changes database/migrations/%s lacks; write the migration with\n"+
					"  make migration name=<what_changed>\nand commit it. It would hold:\n%s", migrations.Dialects[d], b)
			}
		})
	}
}

// TestGenerateWritesWhatIsMissing: from an empty directory, the generator writes the
// whole schema, which the check above then finds complete.
func TestGenerateWritesWhatIsMissing(t *testing.T) {
	sqlite, err := migrations.DevSQLite(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer sqlite.Close()
	dir := t.TempDir()
	for run, wantFile := range []bool{true, false} {
		file, err := migrations.Generate(t.Context(), sqlite, dir, "all")
		if err != nil {
			t.Fatal(err)
		}
		if (file != "") != wantFile {
			t.Fatalf("run %d wrote %q", run+1, file)
		}
	}
}
