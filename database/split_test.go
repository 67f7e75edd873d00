package database

import (
	"path/filepath"
	"strings"
	"testing"

	entsql "entgo.io/ent/dialect/sql"
)

// SQLite's statements go where they may run: reads to the query-only readers, and
// everything else, an INSERT with RETURNING included, to the one writer.
func TestSQLiteReadsAndWritesSplit(t *testing.T) {
	drv, writer, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "r.db"), Pool{})
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	if got := writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool of %d connections", got)
	}
	ctx := t.Context()
	for _, tc := range []struct {
		query string
		read  bool
	}{
		{"CREATE TABLE t (id integer PRIMARY KEY, name text)", false},
		{"INSERT INTO t (name) VALUES ('a') RETURNING id", false},
		{"  SELECT id FROM t", true},
		{"SELECT id FROM t UNION SELECT 2", true},
		{"select count(*) from t", true},
		{"WITH x AS (SELECT 1) INSERT INTO t (name) SELECT 'b' FROM x RETURNING id", false},
		{"UPDATE t SET name = 'c' RETURNING id", false},
	} {
		if isSelect(tc.query) != tc.read {
			t.Errorf("%q: read %v", tc.query, !tc.read)
		}
		var rows entsql.Rows
		if err := drv.Query(ctx, tc.query, []any{}, &rows); err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		rows.Close()
	}
	// A write the readers were handed by mistake fails instead of racing the writer.
	var rows entsql.Rows
	err = drv.(*split).read.Query(ctx, "INSERT INTO t (name) VALUES ('d') RETURNING id", []any{}, &rows)
	if err == nil {
		rows.Close()
		t.Fatal("a reader wrote")
	}
	if !strings.Contains(err.Error(), "readonly") && !strings.Contains(err.Error(), "read-only") {
		t.Errorf("reader's write: %v", err)
	}
}
