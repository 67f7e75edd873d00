package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
)

// On Postgres, the package listing's version sort and name search must be able to use
// an index (the planner is told to avoid sequential scans, as it would prefer them on
// a table this small).
func TestPostgresIndexesServeVersionSortAndNameSearch(t *testing.T) {
	if !compattest.Postgres() {
		t.Skip("Postgres only: make test runs this on Postgres")
	}
	ctx := context.Background()
	db, err := database.Open(ctx, compattest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for query, index := range map[string]string{
		"SELECT id FROM package_versions WHERE project_id = 1 ORDER BY version_sort DESC LIMIT 20": "packageversion_project_id_version_sort",
		"SELECT id FROM package_versions WHERE name ILIKE '%left%'":                                "packageversion_name_trgm",
	} {
		rows, err := conn.QueryContext(ctx, "EXPLAIN "+query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			rows.Scan(&line)
			plan = append(plan, line)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "\n"), index) {
			t.Errorf("%s\ndoes not use %s:\n%s", query, index, strings.Join(plan, "\n"))
		}
	}
}
