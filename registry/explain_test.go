package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/registry"
)

// statement is one statement a request sent, with its arguments.
type statement struct {
	query string
	args  []any
}

// smallTables hold a handful of rows whatever the instance's size: scanning them
// is no cost that grows.
var smallTables = []string{"goose_db_version", "application_settings", "capped"}

// TestHotQueriesUseIndexes explains every statement the hot requests send (file
// downloads with and without a token, a publish and its duplicate check, the
// package lists' first and deep pages in every sort, the GraphQL packages page,
// the versions a document reads) and fails on any that reads a table from end to
// end: SQLite's "SCAN table", Postgres's "Seq Scan" with sequential scans turned off
// (so the plan shows a seq scan only where no index can serve the query). Statements
// that skip rows to a deep page must do so in an index alone.
func TestHotQueriesUseIndexes(t *testing.T) {
	var (
		mu       sync.Mutex
		sent     []statement
		capture  bool
		captured = func() []statement {
			mu.Lock()
			defer mu.Unlock()
			out := sent
			sent, capture = nil, false
			return out
		}
	)
	e := compattest.New(t, database.RecordStatements(func(query string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		if capture {
			sent = append(sent, statement{query, slices.Clone(args)})
		}
	}))
	e.Group("g", "public")
	e.Project("g/pub", "public", "")
	e.Project("g/priv", "private", "")
	e.User("dev")
	e.Member("dev", "g/priv", "developer")
	dev := []string{"Private-Token", e.PAT("dev", "api")}
	seed(t, e, "g/pub", "lib", 50)
	seed(t, e, "g/priv", "lib", 50)
	pub := e.ProjectRow("g/pub")
	// Seeded files have no content: the downloads read a file uploaded into a seeded version.
	for _, p := range []string{"g%2Fpub", "g%2Fpriv"} {
		if res := e.Do(http.MethodPut, "/api/v4/projects/"+p+"/packages/generic/lib/1.0.7/real.txt",
			strings.NewReader("real"), "Private-Token", e.RootToken); res.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
	}

	type request struct {
		method, path, body string
		headers            []string
	}
	get := func(path string, headers ...string) request { return request{http.MethodGet, path, "", headers} }
	list := "/api/v4/projects/g%2Fpriv/packages?per_page=5&sort=desc&order_by="
	cases := []struct {
		name string
		req  request
		call func(ctx context.Context) error
		// covering: a statement containing this must be served from an index alone.
		covering string
	}{
		{name: "download with a token", req: get("/api/v4/projects/g%2Fpriv/packages/generic/lib/1.0.7/real.txt", dev...)},
		{name: "download, anonymous", req: get("/api/v4/projects/g%2Fpub/packages/generic/lib/1.0.7/real.txt")},
		{name: "publish, duplicate checked", req: request{http.MethodPut,
			"/api/v4/projects/g%2Fpriv/packages/generic/lib/1.0.8/new.txt", "new", dev}},
		{name: "list first page by created_at", req: get(list+"created_at", dev...)},
		{name: "list first page by name", req: get(list+"name", dev...)},
		{name: "list first page by version", req: get(list+"version", dev...)},
		{name: "list first page by type", req: get(list+"type", dev...)},
		{name: "list deep page by created_at", req: get(list+"created_at&page=8", dev...), covering: "OFFSET"},
		{name: "list deep page by name", req: get(list+"name&page=8", dev...), covering: "OFFSET"},
		{name: "list deep page by version", req: get(list+"version&page=8", dev...), covering: "OFFSET"},
		{name: "list deep page by type", req: get(list+"type&page=8", dev...), covering: "OFFSET"},
		// The same deep pages again start from the anchors the first reads left.
		{name: "list deep page by created_at, from its anchor", req: get(list+"created_at&page=8", dev...), covering: "anchor"},
		{name: "list deep page by version, from its anchor", req: get(list+"version&page=8", dev...), covering: "anchor"},
		{name: "list next page by name, from its anchor", req: get(list+"name&page=9", dev...), covering: "anchor"},
		{name: "graphql packages, default order", req: request{http.MethodPost, "/api/graphql",
			`{"query":"{ project(fullPath: \"g/priv\") { packages(first: 20) { nodes { name version } } } }"}`,
			append([]string{"Content-Type", "application/json"}, dev...)}},
		{name: "graphql packages by version", req: request{http.MethodPost, "/api/graphql",
			`{"query":"{ project(fullPath: \"g/priv\") { packages(first: 20, sort: VERSION_DESC) { nodes { name version } } } }"}`,
			append([]string{"Content-Type", "application/json"}, dev...)}},
		{name: "graphql packages after a cursor", call: func(context.Context) error {
			const q = `query($after: String) { project(fullPath: "g/priv") {
				packages(first: 20, after: $after, sort: VERSION_DESC) { pageInfo { endCursor } nodes { version } } } }`
			var out struct {
				Project struct {
					Packages struct {
						PageInfo struct{ EndCursor string }
					}
				}
			}
			for _, after := range []any{nil, ""} {
				vars := map[string]any{"after": after}
				if after != nil {
					vars["after"] = out.Project.Packages.PageInfo.EndCursor
				}
				if errs := e.GraphQL(q, vars, &out, dev...); len(errs) > 0 || out.Project.Packages.PageInfo.EndCursor == "" {
					return fmt.Errorf("graphql: %v", errs)
				}
			}
			return nil
		}},
		{name: "a document's versions", call: func(ctx context.Context) error {
			_, err := e.Svc.Versions(ctx, registry.VersionQuery{Scope: registry.Scope{Project: pub},
				Type: registry.PackageTypeGeneric, Name: "lib", With: registry.Edges{Files: true, Tags: true}})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			capture = true
			mu.Unlock()
			if tc.call != nil {
				if err := tc.call(e.Admin); err != nil {
					t.Fatal(err)
				}
			} else {
				var body io.Reader
				if tc.req.body != "" {
					body = strings.NewReader(tc.req.body)
				}
				res := e.Do(tc.req.method, tc.req.path, body, tc.req.headers...)
				if res.Status >= 300 || strings.Contains(string(res.Body), `"errors"`) {
					t.Fatalf("%s %s: %d %s", tc.req.method, tc.req.path, res.Status, res.Body)
				}
			}
			stmts := captured()
			if len(stmts) == 0 {
				t.Fatal("no statement recorded")
			}
			covered := tc.covering == ""
			for _, st := range stmts {
				plan, scans, indexOnly, sorts := explain(t, e.DB, st)
				if len(scans) > 0 {
					t.Errorf("%s\nreads %s from end to end:\n%s", st.query, strings.Join(scans, ", "), plan)
				}
				// A page (LIMIT) read in its order stops at its last row; one sorted
				// first reads every row that matches.
				if sorts && strings.Contains(st.query, "LIMIT") {
					t.Errorf("%s\nsorts every matching row for one page:\n%s", st.query, plan)
				}
				if tc.covering != "" && strings.Contains(st.query, tc.covering) {
					covered = true
					if !indexOnly {
						t.Errorf("%s\nis not served from an index alone:\n%s", st.query, plan)
					}
				}
			}
			t.Logf("%d statements explained", len(stmts))
			if !covered {
				t.Errorf("no statement with %q", tc.covering)
			}
		})
	}
}

// explain returns the plan of st, the growing tables it reads from end to end,
// whether the outermost table it reads is read from an index alone, and whether it
// sorts rows rather than reading them in an index's order.
func explain(t *testing.T, db *database.DB, st statement) (plan string, scans []string, indexOnly, sorts bool) {
	t.Helper()
	ctx := t.Context()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if !db.Postgres() {
		rows, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+st.query, st.args...)
		if err != nil {
			t.Fatalf("explain %s: %v", st.query, err)
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, detail)
			if table, ok := strings.CutPrefix(detail, "SCAN "); ok {
				table, _, _ = strings.Cut(table, " ")
				if !slices.Contains(smallTables, table) && !strings.HasPrefix(table, "CONSTANT") {
					scans = append(scans, table)
				}
			}
			indexOnly = indexOnly || strings.Contains(detail, "COVERING INDEX")
			sorts = sorts || strings.Contains(detail, "TEMP B-TREE FOR ORDER BY")
		}
		return strings.Join(lines, "\n"), scans, indexOnly, sorts
	}
	// Sequential scans and sorts off: the plan shows one only where no index serves.
	for _, set := range []string{"enable_seqscan", "enable_sort"} {
		if _, err := conn.ExecContext(ctx, "SET "+set+" = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "RESET "+set)
	}
	var out string
	if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+st.query, st.args...).Scan(&out); err != nil {
		t.Fatalf("explain %s: %v", st.query, err)
	}
	var nodes []struct{ Plan pgNode }
	if err := json.Unmarshal([]byte(out), &nodes); err != nil || len(nodes) != 1 {
		t.Fatalf("plan %s: %v", out, err)
	}
	nodes[0].Plan.walk(func(n pgNode) {
		if n.Relation == "" {
			return
		}
		if n.Type == "Seq Scan" && !slices.Contains(smallTables, n.Relation) {
			scans = append(scans, n.Relation)
		}
		indexOnly = indexOnly || n.Type == "Index Only Scan"
	})
	nodes[0].Plan.walk(func(n pgNode) { sorts = sorts || strings.HasSuffix(n.Type, "Sort") })
	return out, scans, indexOnly, sorts
}

// pgNode is a node of a Postgres plan in JSON.
type pgNode struct {
	Type     string   `json:"Node Type"`
	Relation string   `json:"Relation Name"`
	Plans    []pgNode `json:"Plans"`
}

func (n pgNode) walk(fn func(pgNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}
