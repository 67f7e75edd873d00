// Package database opens the registry's database: an embedded SQLite file by default,
// or Postgres for production and for several replicas, and migrates its schema with
// the versioned migrations of database/migrations.
//
// SQLite comes from modernc.org/sqlite, a pure-Go translation of SQLite, so that
// `go build` needs no C compiler and the binary runs anywhere with zero setup.
package database

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq" // Postgres driver.
	"modernc.org/sqlite"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/schema"
)

// DB is an open database: the ent client plus what the service needs to know of it.
type DB struct {
	Client   *ent.Client
	SQL      *sql.DB
	Dialect  string
	observed *observed
	changes  *Changes
	closed   sync.Once
}

// Close stops hearing other replicas and closes the connection pool.
func (d *DB) Close() error {
	d.closed.Do(d.changes.close)
	return d.Client.Close()
}

// Changes is the database's change signal (changes.go).
func (d *DB) Changes() *Changes { return d.changes }

// Statements is the number of statements sent through the ent client so far (tests
// bound what a request costs with it).
func (d *DB) Statements() int64 { return d.observed.statements.Load() }

// Postgres reports whether the database is Postgres.
func (d *DB) Postgres() bool { return d.Dialect == dialect.Postgres }

// Option adjusts how Open connects and the ent client it returns.
type Option func(*settings)

type settings struct {
	ent    []ent.Option
	record func(query string, args []any)
	pool   Pool
	now    func() time.Time
	bound  time.Duration
}

// Pool sizes the connection pool; a zero field keeps its default. On Postgres
// MaxOpen and MaxIdle bound the pool (defaults 20 and 10); on SQLite they bound the
// readers (default twice the CPUs, at least 4), beside the one writer connection
// that every write and transaction takes in turn.
type Pool struct {
	MaxOpen, MaxIdle int
}

// WithPool sizes the connection pool.
func WithPool(p Pool) Option { return func(s *settings) { s.pool = p } }

// LogStatements calls fn with a line for every statement and transaction step sent
// to the database (tests bound what a request costs with it).
func LogStatements(fn func(line string)) Option {
	return func(s *settings) {
		s.ent = append(s.ent, ent.Debug(), ent.Log(func(args ...any) { fn(fmt.Sprint(args...)) }))
	}
}

// RecordStatements calls fn with every statement the ent client sends and its
// arguments (tests explain the plans of what requests send).
func RecordStatements(fn func(query string, args []any)) Option {
	return func(s *settings) { s.record = fn }
}

// Clock sets the clock the change signal measures staleness by (tests); nil is time.Now.
func Clock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// Staleness sets the staleness bound across replicas (StalenessBound when 0).
func Staleness(d time.Duration) Option { return func(s *settings) { s.bound = d } }

// DefaultURL is the SQLite file under the data directory.
func DefaultURL(dataDir string) string {
	return "sqlite://" + filepath.Join(dataDir, "registry.db")
}

// Exists reports whether rawURL holds a registry's database already (Open would
// create one): the SQLite file, or the tables in Postgres's schema.
func Exists(ctx context.Context, rawURL string) (bool, error) {
	if path, ok := strings.CutPrefix(rawURL, "sqlite://"); ok {
		path, _, _ = strings.Cut(path, "?")
		_, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	db, err := sql.Open("postgres", rawURL)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var found bool
	err = db.QueryRowContext(ctx, "SELECT to_regclass('users') IS NOT NULL").Scan(&found)
	return found, err
}

// Open connects to rawURL (postgres://, postgresql:// or sqlite://PATH; sqlite::memory:
// is not supported because every pool connection would see its own database) and
// brings its schema up to date.
func Open(ctx context.Context, rawURL string, opts ...Option) (*DB, error) {
	db, err := Connect(ctx, rawURL, opts...)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.Postgres() {
		if err := db.changes.listen(ctx, db, withConnectTimeout(rawURL)); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Connect connects to rawURL as Open does, but leaves the schema as it is: for
// looking at its migrations (registry admin db status, migrate --dry-run).
func Connect(ctx context.Context, rawURL string, opts ...Option) (*DB, error) {
	var set settings
	for _, o := range opts {
		o(&set)
	}
	var (
		drv  dialect.Driver
		pool *sql.DB
		name string
		err  error
	)
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		name = dialect.Postgres
		pool, err = sql.Open("postgres", withConnectTimeout(rawURL))
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		pool.SetMaxOpenConns(cmp.Or(set.pool.MaxOpen, 20))
		pool.SetMaxIdleConns(cmp.Or(set.pool.MaxIdle, 10))
		if err := pool.PingContext(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("connect to database %s: %w", redact(rawURL), err)
		}
		drv = entsql.OpenDB(name, pool)
	case strings.HasPrefix(rawURL, "sqlite://"):
		name = dialect.SQLite
		if drv, pool, err = openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite://"), set.pool); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("database url %q: want postgres:// or sqlite://", redact(rawURL))
	}
	if set.record != nil {
		drv = &recorded{Driver: drv, fn: set.record}
	}
	obs := &observed{Driver: drv}
	entOpts := append([]ent.Option{ent.Driver(obs)}, set.ent...)
	changes := newChanges(set.now, set.bound)
	if name == dialect.SQLite {
		if changes, err = sqliteChanges(ctx, strings.TrimPrefix(rawURL, "sqlite://"), pool, changes); err != nil {
			drv.Close()
			return nil, err
		}
	}
	return &DB{Client: ent.NewClient(entOpts...), SQL: pool, Dialect: name, observed: obs, changes: changes}, nil
}

// openSQLite opens the file as SQLite in WAL mode serves best: many readers at once
// and one writer. Two pools share the file: the writer's single connection, which
// every write and every transaction takes in turn (waiting in Go, not polling
// SQLite's lock), and the readers', which are query-only and never wait for the
// writer. Both keep their prepared statements. pool is the writer's, for the
// migrations.
func openSQLite(ctx context.Context, path string, size Pool) (drv dialect.Driver, pool *sql.DB, err error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	writer := sql.OpenDB(cachingConnector{dsnConnector{dsn: sqliteDSN(path, false), drv: &sqlite.Driver{}}})
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	// The writer first: it creates the file and turns WAL on.
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, nil, fmt.Errorf("connect to database %s: %w", path, err)
	}
	reader := sql.OpenDB(cachingConnector{dsnConnector{dsn: sqliteDSN(path, true), drv: &sqlite.Driver{}}})
	readers := cmp.Or(size.MaxOpen, max(4, 2*runtime.NumCPU()))
	reader.SetMaxOpenConns(readers)
	// Idle readers are kept, with the statements they prepared.
	reader.SetMaxIdleConns(cmp.Or(size.MaxIdle, readers))
	if err := reader.PingContext(ctx); err != nil {
		writer.Close()
		reader.Close()
		return nil, nil, fmt.Errorf("connect to database %s: %w", path, err)
	}
	return &split{read: entsql.OpenDB(dialect.SQLite, reader), Driver: entsql.OpenDB(dialect.SQLite, writer)}, writer, nil
}

// sqliteDSN turns on what a server needs from SQLite: foreign keys, WAL so readers do
// not block the writer, a busy timeout instead of immediate "database is locked",
// and BEGIN IMMEDIATE so a transaction takes the write lock up front rather than
// failing when it upgrades from a read.
//
// A reader's connection is query-only, so that a write sent to the readers by
// mistake fails rather than racing the writer.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// migrate applies the pending migrations (database/migrations), then the data
// backfills, which find nothing left to do once they have run. On Postgres an
// advisory lock makes replicas that start together migrate one after the other.
func (d *DB) migrate(ctx context.Context) error {
	_, err := d.Migrate(ctx)
	return err
}

// Migrate applies the pending migrations and the backfills under the migration lock,
// and says what it did.
func (d *DB) Migrate(ctx context.Context) (Result, error) {
	if d.Postgres() {
		conn, err := d.SQL.Conn(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockMigrate); err != nil {
			return Result{}, fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockMigrate)
	}
	m, err := d.Migrations()
	if err != nil {
		return Result{}, fmt.Errorf("migrate: %w", err)
	}
	res, err := m.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate: %w", err)
	}
	if err := d.migrateDuplicateSettings(ctx); err != nil {
		return res, fmt.Errorf("migrate: %w", err)
	}
	if err := d.backfillTypeRank(ctx); err != nil {
		return res, fmt.Errorf("migrate: %w", err)
	}
	return res, nil
}

// backfillTypeRank sets the type_rank of versions a previous release wrote (0):
// GitLab's package_type enum value, the position in schema.PackageTypes plus one.
func (d *DB) backfillTypeRank(ctx context.Context) error {
	var b strings.Builder
	b.WriteString("UPDATE package_versions SET type_rank = CASE package_type")
	for i, t := range schema.PackageTypes {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", t, i+1)
	}
	b.WriteString(" ELSE 0 END WHERE type_rank = 0")
	_, err := d.SQL.ExecContext(ctx, b.String())
	return err
}

// legacyTypes are the formats whose duplicate settings the previous schema kept as
// columns of one namespace_package_settings row per group.
var legacyTypes = []string{"generic", "maven", "nuget", "terraform_module"}

// migrateDuplicateSettings moves a previous release's duplicate settings (one row
// per group, two columns per format) into duplicate_settings (one row per group and
// format), once: the old table is renamed when its rows are copied.
func (d *DB) migrateDuplicateSettings(ctx context.Context) error {
	var exists bool
	var err error
	if d.Postgres() {
		err = d.SQL.QueryRowContext(ctx, "SELECT to_regclass('namespace_package_settings') IS NOT NULL").Scan(&exists)
	} else {
		var n int
		err = d.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'namespace_package_settings'").Scan(&n)
		exists = n > 0
	}
	if err != nil || !exists {
		return err
	}
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range legacyTypes {
		_, err := tx.ExecContext(ctx, `INSERT INTO duplicate_settings (group_id, package_type, allowed, exception_regex, created_at, updated_at)
			SELECT o.group_id, '`+t+`', o.`+t+`_duplicates_allowed, o.`+t+`_duplicate_exception_regex, o.created_at, o.updated_at
			FROM namespace_package_settings o
			WHERE NOT EXISTS (SELECT 1 FROM duplicate_settings d WHERE d.group_id = o.group_id AND d.package_type = '`+t+`')`)
		if err != nil {
			return fmt.Errorf("duplicate settings of %s: %w", t, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "ALTER TABLE namespace_package_settings RENAME TO legacy_namespace_package_settings"); err != nil {
		return err
	}
	return tx.Commit()
}

// Advisory lock keys (Postgres) for work that only one replica may do at a time.
const (
	lockMigrate int64 = 0x7265670001
	// LockGC serializes garbage collection across replicas.
	LockGC int64 = 0x7265670002
)

// WithLock runs fn only if this process wins the named lock; on Postgres it is a
// session advisory lock, so two replicas never run the same job at once. SQLite
// serves one process, where the caller's own mutex is enough. It reports whether fn ran.
func (d *DB) WithLock(ctx context.Context, key int64, fn func(context.Context) error) (bool, error) {
	if !d.Postgres() {
		return true, fn(ctx)
	}
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		return false, err
	}
	if !got {
		return false, nil
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
	return true, fn(ctx)
}

// redact hides a password in a database URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// withConnectTimeout bounds how long connecting may take (lib/pq's connect_timeout,
// 5 s unless the URL sets it), so that requests fail fast while the database host
// does not answer, rather than hanging until their clients give up.
func withConnectTimeout(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
