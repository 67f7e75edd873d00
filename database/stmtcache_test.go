package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

func openCached(t testing.TB, cached bool) *sql.DB {
	t.Helper()
	var c driver.Connector = dsnConnector{dsn: sqliteDSN(filepath.Join(t.TempDir(), "t.db"), false), drv: &sqlite.Driver{}}
	if cached {
		c = cachingConnector{c}
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, err := db.Exec("INSERT INTO t (name) VALUES (?)", fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// cachedTexts is how many statements the pool's one connection keeps.
func cachedTexts(t *testing.T, db *sql.DB) int {
	t.Helper()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := -1
	conn.Raw(func(dc any) error {
		c := dc.(*cachingConn)
		n = len(c.stmts)
		if c.lru.Len() != n {
			t.Errorf("%d statements in the list, %d in the map", c.lru.Len(), n)
		}
		return nil
	})
	return n
}

func TestStatementCache(t *testing.T) {
	const lookup = "SELECT id FROM t WHERE name = ?"
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, db *sql.DB)
		want int // statements kept afterwards, beyond the setup's two
	}{
		{"a statement sent again is kept once", func(t *testing.T, db *sql.DB) {
			for i := range 5 {
				var id int
				if err := db.QueryRow(lookup, fmt.Sprint("n", i)).Scan(&id); err != nil || id != i+1 {
					t.Fatalf("n%d: id %d, %v", i, id, err)
				}
			}
		}, 1},
		{"a busy statement is not shared", func(t *testing.T, db *sql.DB) {
			conn, err := db.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			outer, err := conn.QueryContext(t.Context(), "SELECT name FROM t WHERE id <= ? ORDER BY id", 3)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for outer.Next() {
				var name string
				outer.Scan(&name)
				// The same text again while outer still reads its rows.
				if err := conn.QueryRowContext(t.Context(), "SELECT name FROM t WHERE id <= ? ORDER BY id", 1).Scan(&name); err != nil {
					t.Fatal(err)
				}
				names = append(names, name)
			}
			if err := outer.Close(); err != nil || len(names) != 3 {
				t.Fatalf("outer rows: %v, %v", names, err)
			}
		}, 1},
		{"the cache is bounded", func(t *testing.T, db *sql.DB) {
			for i := range stmtCacheSize + 10 {
				if _, err := db.Exec(fmt.Sprintf("SELECT %d FROM t WHERE name = ?", i), "n1"); err != nil {
					t.Fatal(err)
				}
			}
		}, stmtCacheSize - 2},
		{"a failed statement is dropped and prepared again", func(t *testing.T, db *sql.DB) {
			const insert = "INSERT INTO t (name) VALUES (?)"
			if _, err := db.Exec(insert, "n1"); err == nil {
				t.Fatal("a duplicate name was inserted")
			}
			if _, err := db.Exec(insert, "fresh"); err != nil {
				t.Fatal(err)
			}
			var id int
			if err := db.QueryRow(lookup, "fresh").Scan(&id); err != nil || id != 101 {
				t.Fatalf("fresh: %d, %v", id, err)
			}
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openCached(t, true)
			tc.run(t, db)
			if got := cachedTexts(t, db); got != tc.want+2 {
				t.Errorf("%d statements kept, want %d", got, tc.want+2)
			}
		})
	}
}

// A lookup by a unique key, as most of a request's statements are, prepared once
// per connection or parsed on every call.
func BenchmarkSQLiteLookup(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(map[bool]string{false: "parsed each time", true: "prepared once"}[cached], func(b *testing.B) {
			db := openCached(b, cached)
			const q = `SELECT "t"."id", "t"."name" FROM "t" WHERE "t"."name" = ? AND "t"."id" > ? ORDER BY "t"."id" LIMIT 1`
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				var id int
				var name string
				if err := db.QueryRowContext(ctx, q, fmt.Sprint("n", i%100), 0).Scan(&id, &name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
