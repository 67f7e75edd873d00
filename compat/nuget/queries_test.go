package nuget_test

import (
	"fmt"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestDocumentsCostAFixedNumberOfQueries: a group's registration index and search
// cost the same number of SQL statements for 5 versions as for 50, and a document
// that did not change is served from the documents cache with fewer.
func TestDocumentsCostAFixedNumberOfQueries(t *testing.T) {
	e, statements := compattest.NewCounted(t)
	g := e.Group("acme", "private")
	a := e.Project("acme/a", "private", "")
	b := e.Project("acme/b", "private", "")
	e.User("rep")
	e.Member("rep", "acme", "reporter")
	rep := []string{"Basic", "rep:" + e.PAT("rep", "read_api")}
	count := func(path string) int64 {
		before := statements.Load()
		if res := e.Do("GET", path, nil, rep...); res.Status != 200 {
			t.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		return statements.Load() - before
	}
	groupRoot := fmt.Sprintf("/api/v4/groups/%d/-/packages/nuget", g.ID)
	costs := map[string]map[int][2]int64{"registration": {}, "search": {}}
	for _, n := range []int{5, 50} {
		name := fmt.Sprintf("Lib%d", n)
		for i := range n {
			p := []int{a.ID, b.ID}[i%2]
			pkg := nupkg(t, name, nuspec(name, fmt.Sprintf("1.%d.0", i)), []byte(fmt.Sprint(n, i)))
			if res := push(e, p, "", pkg, "Private-Token", e.RootToken); res.Status != 201 {
				t.Fatalf("push: %d %s", res.Status, res.Body)
			}
		}
		// The token's last use is recorded once a minute: not in the figures.
		e.Do("GET", fmt.Sprintf("%s/metadata/none/index.json", groupRoot), nil, rep...)
		reg := fmt.Sprintf("%s/metadata/lib%d/index.json", groupRoot, n)
		costs["registration"][n] = [2]int64{count(reg), count(reg)}
		search := fmt.Sprintf("%s/query?q=lib%d&take=5", groupRoot, n)
		costs["search"][n] = [2]int64{count(search), count(search)}
	}
	for doc, c := range costs {
		if c[5][0] != c[50][0] {
			t.Errorf("%s: a first read costs %d statements for 5 versions, %d for 50", doc, c[5][0], c[50][0])
		}
		if c[50][1] >= c[50][0] {
			t.Errorf("%s: a cached read costs %d statements, the first %d", doc, c[50][1], c[50][0])
		}
		t.Logf("%s: statements per group document: first %d, cached %d", doc, c[50][0], c[50][1])
	}
}
