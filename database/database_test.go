package database_test

import (
	"context"
	"fmt"
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
		"SELECT id FROM package_versions WHERE project_id = 1 ORDER BY version_sort DESC LIMIT 20": "packageversion_project_id_version_sort_id_status_version",
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

// TestDuplicateSettingsMoveFromThePreviousSchema: a database of the previous release
// keeps a group's duplicate settings as columns of namespace_package_settings; opening
// it moves them into duplicate_settings, once.
func TestDuplicateSettingsMoveFromThePreviousSchema(t *testing.T) {
	ctx := context.Background()
	url := compattest.DatabaseURL(t)
	db, err := database.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	g, err := db.Client.Group.Create().SetPath("acme").SetName("acme").SetFullPath("acme").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	legacy := `CREATE TABLE namespace_package_settings (id integer PRIMARY KEY, created_at timestamp NOT NULL, updated_at timestamp NOT NULL,
		group_id integer NOT NULL UNIQUE, generic_duplicates_allowed boolean NOT NULL, generic_duplicate_exception_regex varchar NOT NULL,
		maven_duplicates_allowed boolean NOT NULL, maven_duplicate_exception_regex varchar NOT NULL,
		nuget_duplicates_allowed boolean NOT NULL, nuget_duplicate_exception_regex varchar NOT NULL,
		terraform_module_duplicates_allowed boolean NOT NULL, terraform_module_duplicate_exception_regex varchar NOT NULL)`
	if _, err := db.SQL.ExecContext(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO namespace_package_settings VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, $1,
		false, 'x.*', true, '', true, '', false, '')`, g.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for range 2 { // the second open finds nothing left to move
		if db, err = database.Open(ctx, url); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Client.DuplicateSetting.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r.PackageType.String()] = fmt.Sprintf("%v %q", r.Allowed, r.ExceptionRegex)
		}
		if len(rows) != 4 || got["generic"] != `false "x.*"` || got["maven"] != `true ""` || got["terraform_module"] != `false ""` {
			t.Fatalf("moved settings: %v", got)
		}
		db.Close()
	}
}
