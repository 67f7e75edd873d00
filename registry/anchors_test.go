package registry_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestDeepPagesFromAnchors: pages read from an anchor (anchors.go) hold exactly the
// rows the offset gives, in every sort and direction, walked forwards, backwards and
// at random, with ties in the sort column (every row created at the same instant),
// and after a publish and a deletion have moved the positions.
func TestDeepPagesFromAnchors(t *testing.T) {
	e := compattest.New(t)
	p := e.Project("root/p", "private", "")
	root := []string{"Private-Token", e.RootToken}
	publish := func(i int) {
		t.Helper()
		// Names and versions out of step with the ids, so every sort is its own order.
		path := fmt.Sprintf("/api/v4/projects/%d/packages/generic/pkg-%02d/1.%d.0/f.txt", p.ID, (i*7)%23, i%5)
		if res := e.Do("PUT", path, strings.NewReader("x"), root...); res.Status != 201 {
			t.Fatalf("publish %s: %d %s", path, res.Status, res.Body)
		}
	}
	for i := range 23 {
		publish(i)
	}
	// Ties: every version created at the same instant (before any listing is cached).
	if _, err := e.DB.SQL.ExecContext(t.Context(),
		`UPDATE package_versions SET created_at = (SELECT MIN(created_at) FROM package_versions)`); err != nil {
		t.Fatal(err)
	}
	scope := registry.Scope{Project: p}
	list := func(order string, desc bool, page, perPage int) []int {
		t.Helper()
		res, err := e.Svc.ListPackages(e.Admin, scope, registry.ListPackagesInput{OrderBy: order, Desc: desc, Page: page, PerPage: perPage})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int, len(res.Packages))
		for i, v := range res.Packages {
			ids[i] = v.ID
		}
		return ids
	}
	const perPage = 4
	walks := [][]int{{1, 2, 3, 4, 5, 6, 7}, {7, 6, 5, 4, 3, 2, 1}, {6, 3, 7, 2, 5, 1, 4, 4, 8}}
	check := func(when string) {
		for _, order := range []string{"created_at", "name", "version", "type"} {
			for _, desc := range []bool{false, true} {
				all := list(order, desc, 1, 100) // the first page: never from an anchor
				for _, walk := range walks {
					for _, page := range walk {
						want := all[min((page-1)*perPage, len(all)):min(page*perPage, len(all))]
						if got := list(order, desc, page, perPage); !slices.Equal(got, want) {
							t.Errorf("%s: %s desc=%v walk %v page %d: %v, want %v", when, order, desc, walk, page, got, want)
						}
					}
				}
			}
		}
	}
	check("seeded")
	publish(23)
	ids := list("name", false, 1, 100)
	if err := e.Svc.DeletePackage(e.Admin, p, ids[5]); err != nil {
		t.Fatal(err)
	}
	check("after a publish and a deletion")
}
