package database_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/database/migrations"
)

// previousRelease makes the database at url what the release before versioned
// migrations left behind: its auto-migrated schema (testdata), no version table, a
// user, a project and a package whose type_rank that release had not set yet.
func previousRelease(t *testing.T, url string) {
	t.Helper()
	ctx := t.Context()
	db, err := database.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	file := "testdata/previous-release-sqlite.sql"
	if db.Postgres() {
		file = "testdata/previous-release-postgres.sql"
	}
	dump, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(string(dump), ";\n") {
		if stmt = strings.TrimSpace(stripComments(stmt)); stmt != "" {
			if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}
	for _, stmt := range []string{
		`INSERT INTO users (id, created_at, updated_at, username, name, email, admin, bot, state)
			VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'root', 'Root', 'root@example.com', true, false, 'active')`,
		`INSERT INTO projects (id, created_at, updated_at, path, name, full_path, visibility, package_registry_access_level, packages_cleanup_keep_n_duplicated_package_files, owner_id)
			VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'tools', 'tools', 'root/tools', 'private', 'private', 'all', 1)`,
		`INSERT INTO package_versions (id, created_at, updated_at, name, normalized_name, version, version_sort, package_type, type_rank, status, revision, project_id, creator_id)
			VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'left-pad', 'left-pad', '1.0.0', '1.0.0', 'npm', 0, 'default', 1, 1, 1)`,
	} {
		if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

func stripComments(s string) string {
	var kept []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

// requireSchemaOfTheCode fails unless the database is exactly what ent/schema
// declares (Atlas's diff of the two is empty) and has every migration recorded.
func requireSchemaOfTheCode(t *testing.T, db *database.DB) {
	t.Helper()
	drift, err := migrations.Drift(t.Context(), entsql.OpenDB(db.Dialect, db.SQL))
	if err != nil {
		t.Fatal(err)
	}
	if drift != "" {
		t.Errorf("the migrated database differs from ent/schema:\n%s", drift)
	}
	m, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	status, err := m.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if !s.Applied {
			t.Errorf("%s is not recorded as applied", s.File)
		}
	}
}

// TestUpgradeFromThePreviousRelease: a database the previous release created with
// its auto-migration is baselined (the first migration recorded, not run), keeps its
// data, gets what later migrations add and the backfills, and ends up as ent/schema.
func TestUpgradeFromThePreviousRelease(t *testing.T) {
	ctx := t.Context()
	url := compattest.DatabaseURL(t)
	previousRelease(t, url)

	// The plan (what migrate --dry-run prints) baselines and writes nothing.
	db, err := database.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status, _ := m.Status(ctx)
	if plan.Baseline == nil || plan.Baseline.Version != status[0].Version || len(plan.Pending) != len(status)-1 {
		t.Fatalf("plan for the previous release's database: %+v", plan)
	}
	if again, _ := m.Plan(ctx); again.Baseline == nil {
		t.Fatal("planning wrote to the database")
	}
	db.Close()

	for range 2 { // the second start finds nothing to do
		db, err := database.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.Client.PackageVersion.Query().WithProject().WithCreator().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v.Name != "left-pad" || v.Edges.Project.FullPath != "root/tools" || v.Edges.Creator.Username != "root" {
			t.Errorf("data after the upgrade: %+v", v)
		}
		if want := 2; v.TypeRank != want { // npm in GitLab's package_type enum
			t.Errorf("type_rank = %d, want the backfilled %d", v.TypeRank, want)
		}
		requireSchemaOfTheCode(t, db)
		db.Close()
	}
}

// TestNewDatabaseIsTheSchemaOfTheCode: the migrations, run on an empty database,
// make what ent/schema declares.
func TestNewDatabaseIsTheSchemaOfTheCode(t *testing.T) {
	db, err := database.Open(t.Context(), compattest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	requireSchemaOfTheCode(t, db)
}

// TestLaterMigrationApplies: a migration added after the ones a database has is
// planned with its SQL, then applied once and recorded.
func TestLaterMigrationApplies(t *testing.T) {
	ctx := t.Context()
	db, err := database.Open(ctx, compattest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir, err := migrations.Files(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"99991231000000_users_email.sql": {Data: []byte(
		"-- +goose Up\nCREATE INDEX user_email ON users (email);\n-- +goose Down\nDROP INDEX user_email;\n")}}
	names, _ := fs.Glob(dir, "*")
	for _, n := range names {
		b, _ := fs.ReadFile(dir, n)
		fsys[n] = &fstest.MapFile{Data: b}
	}
	m, err := db.MigrationsFrom(fsys)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Baseline != nil || len(plan.Pending) != 1 || plan.Pending[0].Version != 99991231000000 {
		t.Fatalf("plan: %+v", plan)
	}
	if sql, _ := m.SQL(plan.Pending[0]); !strings.Contains(sql, "CREATE INDEX user_email ON users (email);") || strings.Contains(sql, "DROP") {
		t.Errorf("planned SQL:\n%s", sql)
	}
	for want := 1; want >= 0; want-- { // applied once, then nothing is pending
		res, err := m.Up(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Applied) != want || res.Baseline != nil {
			t.Fatalf("applied %+v, want %d", res, want)
		}
	}
	if _, err := db.SQL.ExecContext(ctx, "CREATE INDEX user_email ON users (email)"); err == nil {
		t.Error("the migration's index is not there")
	}
}

// TestBaselineRefusesAnOlderSchema: a database from before the previous release
// lacks tables the baseline has; recording the baseline would hide that, so the
// start fails and says what is missing.
func TestBaselineRefusesAnOlderSchema(t *testing.T) {
	ctx := t.Context()
	url := compattest.DatabaseURL(t)
	db, err := database.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE users (id integer PRIMARY KEY, username varchar NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE blobs (id integer PRIMARY KEY, sha256 varchar NOT NULL, size bigint NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = database.Open(ctx, url)
	if err == nil || !strings.Contains(err.Error(), "predates") || !strings.Contains(err.Error(), "application_settings, ") ||
		!strings.Contains(err.Error(), "blobs.created_at") {
		t.Fatalf("open of an older schema: %v", err)
	}
}

// TestReplicasStartingTogetherMigrateOnce: on Postgres the migration lock makes
// replicas that start at once on an empty database migrate one after the other.
func TestReplicasStartingTogetherMigrateOnce(t *testing.T) {
	if !compattest.Postgres() {
		t.Skip("Postgres only (SQLite serves one process): make test runs this on Postgres")
	}
	url := compattest.DatabaseURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			db, err := database.Open(context.WithoutCancel(t.Context()), url)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestSQLiteTableRebuildKeepsReferencingRows: SQLite changes a column by copying its
// table and dropping the old one, which with foreign keys enforced would null or
// refuse the rows pointing at it; the generator marks such a migration to run
// outside a transaction, where Atlas's PRAGMA foreign_keys = off takes effect.
func TestSQLiteTableRebuildKeepsReferencingRows(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	if err := migrations.CopyDir(dialect.SQLite, dir); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.sql"))
	baseline := names[0]
	for _, later := range names[1:] { // what ent/schema added since: the generated file's too
		os.Remove(later)
	}
	b, _ := os.ReadFile(baseline)
	// The previous schema had users.name nullable: ent/schema's NOT NULL is a rebuild.
	users := regexp.MustCompile("(CREATE TABLE `users` [^\n]*`name` text) NOT NULL")
	if !users.Match(b) {
		t.Fatal("no users.name in the baseline")
	}
	if err := os.WriteFile(baseline, users.ReplaceAll(b, []byte("$1 NULL")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Hash(dir); err != nil {
		t.Fatal(err)
	}
	dev, err := migrations.DevSQLite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	file, err := migrations.Generate(ctx, dev, dir, "users_name_not_null")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, file)); !strings.HasPrefix(string(b), "-- +goose NO TRANSACTION\n") {
		t.Fatalf("the rebuild runs in a transaction:\n%s", b)
	}

	db, err := database.Connect(ctx, database.DefaultURL(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err = os.ReadFile(baseline)
	if err != nil {
		t.Fatal(err)
	}
	onlyBaseline, err := db.MigrationsFrom(fstest.MapFS{filepath.Base(baseline): {Data: b}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := onlyBaseline.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO users (id, created_at, updated_at, username, name, email, admin, bot, state) VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'root', 'Root', '', true, false, 'active')`,
		`INSERT INTO projects (id, created_at, updated_at, path, name, full_path, owner_id) VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'tools', 'tools', 'root/tools', 1)`,
		`INSERT INTO memberships (id, created_at, updated_at, role, project_id, user_id) VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'owner', 1, 1)`,
	} {
		if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	all, err := db.MigrationsFrom(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := all.Up(ctx); err != nil || len(res.Applied) != 1 {
		t.Fatalf("the rebuild: %+v %v", res, err)
	}
	var owner sql.NullInt64
	var members int
	if err := db.SQL.QueryRowContext(ctx, "SELECT owner_id, (SELECT count(*) FROM memberships) FROM projects").Scan(&owner, &members); err != nil {
		t.Fatal(err)
	}
	if owner.Int64 != 1 || members != 1 {
		t.Errorf("after the rebuild of users: owner %v, %d memberships", owner, members)
	}
}
