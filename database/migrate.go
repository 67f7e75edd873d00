package database

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"github.com/pressly/goose/v3"
	goosedb "github.com/pressly/goose/v3/database"

	"github.com/pkgreg/registry/database/migrations"
)

// Migrations is the versioned schema of one database: goose applies the files of
// database/migrations for its dialect, in version order, each in a transaction, and
// records them in goose_db_version.
//
// A database the auto-migration of an earlier release created has the tables but no
// goose_db_version. It is baselined: the first migration (that release's whole
// schema) is recorded as applied without running, once every table and column it
// would create is found; the later ones then run as on any database.
type Migrations struct {
	db       *sql.DB
	dialect  string
	fsys     fs.FS
	store    goosedb.Store
	provider *goose.Provider
}

// Migration is one file of the migration directory and whether the database has it.
type Migration struct {
	Version   int64      `json:"version"`
	File      string     `json:"file"`
	Applied   bool       `json:"applied"`
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

// Plan is what Up would do.
type Plan struct {
	// Baseline, when set, is recorded as applied without running: the database was
	// made by an earlier release's auto-migration and has its tables already.
	Baseline *Migration `json:"baseline,omitempty"`
	// Pending run in this order.
	Pending []Migration `json:"pending"`
}

// Result is what Up did.
type Result struct {
	// Baseline was recorded as applied without running (see Plan).
	Baseline *Migration `json:"baseline,omitempty"`
	// Applied ran, in this order.
	Applied []Migration `json:"applied"`
}

// versionTable is goose's default, named here because the baseline writes it too.
const versionTable = "goose_db_version"

func newMigrations(db *sql.DB, entDialect string, fsys fs.FS) (*Migrations, error) {
	gd := goose.DialectSQLite3
	if entDialect == dialect.Postgres {
		gd = goose.DialectPostgres
	}
	store, err := goosedb.NewStore(gd, versionTable)
	if err != nil {
		return nil, err
	}
	// Our own store (the same one goose would make) so the baseline can write it.
	p, err := goose.NewProvider(goose.DialectCustom, db, fsys, goose.WithStore(store),
		goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrations{db: db, dialect: entDialect, fsys: fsys, store: store, provider: p}, nil
}

// Migrations is the database's versioned schema.
func (d *DB) Migrations() (*Migrations, error) {
	fsys, err := migrations.Files(d.Dialect)
	if err != nil {
		return nil, err
	}
	return newMigrations(d.SQL, d.Dialect, fsys)
}

// Status lists every migration with whether the database has it; it writes nothing.
func (m *Migrations) Status(ctx context.Context) ([]Migration, error) {
	applied, err := m.applied(ctx)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, s := range m.provider.ListSources() {
		mg := Migration{Version: s.Version, File: s.Path}
		if at, ok := applied[s.Version]; ok {
			mg.Applied, mg.AppliedAt = true, &at
		}
		out = append(out, mg)
	}
	return out, nil
}

// applied is when each version was applied, by version; empty while there is no
// version table.
func (m *Migrations) applied(ctx context.Context) (map[int64]time.Time, error) {
	exists, err := m.versioned(ctx)
	if err != nil || !exists {
		return nil, err
	}
	rows, err := m.store.ListMigrations(ctx, m.db)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	out := map[int64]time.Time{}
	for _, r := range rows {
		if !r.IsApplied || r.Version == 0 {
			continue
		}
		g, err := m.store.GetMigration(ctx, m.db, r.Version)
		if err != nil {
			return nil, fmt.Errorf("migrations: version %d: %w", r.Version, err)
		}
		out[r.Version] = g.Timestamp
	}
	return out, nil
}

func (m *Migrations) versioned(ctx context.Context) (bool, error) {
	return m.tableExists(ctx, versionTable)
}

func (m *Migrations) tableExists(ctx context.Context, name string) (bool, error) {
	var found bool
	var err error
	if m.dialect == dialect.Postgres {
		err = m.db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&found)
	} else {
		err = m.db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&found)
	}
	return found, err
}

// Plan says what Up would do; it writes nothing.
func (m *Migrations) Plan(ctx context.Context) (Plan, error) {
	status, err := m.Status(ctx)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Pending: []Migration{}}
	versioned, err := m.versioned(ctx)
	if err != nil {
		return Plan{}, err
	}
	legacy := false
	if !versioned {
		// users is the table every release had.
		if legacy, err = m.tableExists(ctx, "users"); err != nil {
			return Plan{}, err
		}
	}
	for i, s := range status {
		switch {
		case s.Applied:
		case i == 0 && legacy:
			plan.Baseline = &status[0]
		default:
			plan.Pending = append(plan.Pending, s)
		}
	}
	return plan, nil
}

// SQL is the Up part of a migration file: the statements it would run.
func (m *Migrations) SQL(mg Migration) (string, error) {
	b, err := fs.ReadFile(m.fsys, mg.File)
	if err != nil {
		return "", err
	}
	up, _, _ := strings.Cut(string(b), "-- +goose Down")
	up = strings.TrimPrefix(strings.TrimSpace(up), "-- +goose Up")
	return strings.TrimSpace(up) + "\n", nil
}

// Up baselines a database an earlier release made, then applies what is pending.
// The caller holds the migration lock.
func (m *Migrations) Up(ctx context.Context) (Result, error) {
	res := Result{Applied: []Migration{}}
	plan, err := m.Plan(ctx)
	if err != nil {
		return res, err
	}
	if plan.Baseline != nil {
		if err := m.baseline(ctx, *plan.Baseline); err != nil {
			return res, err
		}
		res.Baseline = plan.Baseline
	}
	if len(plan.Pending) == 0 {
		return res, nil
	}
	results, err := m.provider.Up(ctx)
	for _, r := range results {
		if r.Error == nil {
			res.Applied = append(res.Applied, Migration{Version: r.Source.Version, File: r.Source.Path, Applied: true})
		}
	}
	if err != nil {
		return res, fmt.Errorf("migrations: %w", err)
	}
	return res, nil
}

// baseline records mg as applied once the database has every table and column mg
// creates: a database older than that release would otherwise be marked as having a
// schema it lacks.
func (m *Migrations) baseline(ctx context.Context, mg Migration) error {
	want, err := baselineColumns(ctx)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	have, err := m.columns(ctx)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	tables := map[string]bool{}
	for _, c := range have {
		tables[strings.SplitN(c, ".", 2)[0]] = true
	}
	var missing []string // whole tables, else columns
	for _, c := range want {
		table := strings.SplitN(c, ".", 2)[0]
		switch {
		case slices.Contains(have, c):
		case !tables[table]:
			if !slices.Contains(missing, table) {
				missing = append(missing, table)
			}
		default:
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 5 {
			more = fmt.Sprintf(" and %d more", len(missing)-5)
			missing = missing[:5]
		}
		return fmt.Errorf("baseline: the database predates migration %s: it lacks %s%s; start the last release without versioned migrations on it once, then this one",
			mg.File, strings.Join(missing, ", "), more)
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, v := range []int64{0, mg.Version} { // goose's table starts with version 0
		if v == 0 {
			if err := m.store.CreateVersionTable(ctx, tx); err != nil {
				return fmt.Errorf("baseline: %w", err)
			}
		}
		if err := m.store.Insert(ctx, tx, goosedb.InsertRequest{Version: v}); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	return tx.Commit()
}

// columns are the database's "table.column"s.
func (m *Migrations) columns(ctx context.Context) ([]string, error) {
	q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if m.dialect == dialect.Postgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	return queryStrings(ctx, m.db, q)
}

// baselineColumns are the "table.column"s the SQLite baseline creates (the names
// Postgres's has too, both written from one ent/schema): the first file, replayed on
// an in-memory database.
func baselineColumns(ctx context.Context) ([]string, error) {
	fsys, err := migrations.Files(dialect.SQLite)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.sql") // in version order
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no SQLite baseline: %v", err)
	}
	b, err := fs.ReadFile(fsys, names[0])
	if err != nil {
		return nil, err
	}
	stmts, err := (&sqltool.GooseFile{LocalFile: atlasmigrate.NewLocalFile(names[0], b)}).Stmts()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:baseline?mode=memory")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // each connection to :memory: is a database of its own
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", names[0], err)
		}
	}
	return (&Migrations{db: db, dialect: dialect.SQLite}).columns(ctx)
}

func queryStrings(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
