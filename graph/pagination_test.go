package graph_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
)

// TestPackagesPageReadsWhatItShows checks what a packages page sends to the
// database: a count only when the query selects `count`, and the edges a list
// eager-loads (files, tags, pipelines, project) only when the nodes show one of them,
// while a page that shows them still gets them.
func TestPackagesPageReadsWhatItShows(t *testing.T) {
	var (
		mu   sync.Mutex
		sent []string
	)
	e := compattest.New(t, database.RecordStatements(func(query string, _ []any) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, query)
	}))
	e.Project("root/p", "private", "")
	for i := range 3 {
		if st := put(t, e, "root/p", fmt.Sprintf("p%d", i), "1.0.0", "f.txt", "x", "Private-Token", e.RootToken); st != 201 {
			t.Fatalf("publish: %d", st)
		}
	}
	type pkg struct {
		Name         string
		PackageFiles struct{ Nodes []struct{ FileName string } }
	}
	var out struct {
		Project struct {
			Packages struct {
				Count int
				Nodes []pkg
				Edges []struct{ Node pkg }
			}
		}
	}
	cases := []struct {
		name, selection string
		counts, files   bool
	}{
		{"columns only", `nodes { id name version status createdAt }`, false, false},
		{"columns only, as edges", `edges { node { __typename name } } pageInfo { hasNextPage endCursor }`, false, false},
		{"with the count", `count nodes { name }`, true, false},
		{"with files", `nodes { name packageFiles { nodes { fileName } } }`, false, true},
		{"with files, as edges", `edges { node { name packageFiles { nodes { fileName } } } }`, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			sent = nil
			mu.Unlock()
			out.Project.Packages.Nodes, out.Project.Packages.Edges = nil, nil
			gql(t, e, e.RootToken, `{ project(fullPath: "root/p") { packages(first: 2) { `+tc.selection+` } } }`, nil, &out)
			mu.Lock()
			stmts := sent
			mu.Unlock()
			var counted, filesRead bool
			for _, q := range stmts {
				counted = counted || strings.Contains(q, "COUNT(")
				filesRead = filesRead || strings.Contains(q, "FROM `package_files`") || strings.Contains(q, `FROM "package_files"`)
			}
			if counted != tc.counts || filesRead != tc.files {
				t.Errorf("counted %v (want %v), read files %v (want %v) in:\n%s", counted, tc.counts, filesRead, tc.files,
					strings.Join(stmts, "\n"))
			}
			nodes := out.Project.Packages.Nodes
			for _, ed := range out.Project.Packages.Edges {
				nodes = append(nodes, ed.Node)
			}
			if len(nodes) != 2 {
				t.Fatalf("%d nodes", len(nodes))
			}
			if tc.counts && out.Project.Packages.Count != 3 {
				t.Errorf("count %d, want 3", out.Project.Packages.Count)
			}
			for _, n := range nodes {
				if got := len(n.PackageFiles.Nodes); tc.files && (got != 1 || n.PackageFiles.Nodes[0].FileName != "f.txt") {
					t.Errorf("%s: files %+v", n.Name, n.PackageFiles.Nodes)
				}
			}
		})
	}
}
