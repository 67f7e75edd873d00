package pypi_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestIndexPagesCostAFixedNumberOfQueries: a group's project page costs the same
// number of SQL statements for 5 versions as for 50, and a page that did not change
// is served from the documents cache with fewer.
func TestIndexPagesCostAFixedNumberOfQueries(t *testing.T) {
	e, statements := compattest.NewCounted(t)
	e.Group("acme", "private")
	e.Project("acme/a", "private", "")
	e.Project("acme/b", "private", "")
	e.User("rep")
	e.Member("rep", "acme", "reporter")
	rep := []string{"Basic", "rep:" + e.PAT("rep", "read_api")}
	root := []string{"Basic", "root:" + e.RootToken}
	count := func(path string) int64 {
		before := statements.Load()
		if res := e.Do("GET", path, nil, rep...); res.Status != 200 {
			t.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		return statements.Load() - before
	}
	costs := map[int][2]int64{}
	for _, n := range []int{5, 50} {
		name := fmt.Sprintf("lib%d", n)
		for i := range n {
			d := dist{name: name, version: fmt.Sprintf("1.%d", i), file: fmt.Sprintf("%s-1.%d.tar.gz", name, i), content: []byte(fmt.Sprint(n, i))}
			body, ct := form(d.fields(false)...)
			project := []string{"acme/a", "acme/b"}[i%2]
			if res := e.Do("POST", "/api/v4/projects/"+escape(project)+"/packages/pypi", body, append([]string{"Content-Type", ct}, root...)...); res.Status != 201 {
				t.Fatalf("upload: %d %s", res.Status, res.Body)
			}
		}
		page := "/api/v4/groups/acme/-/packages/pypi/simple/" + name + "/"
		// The token's last use is recorded once a minute: not in the figures.
		e.Do("GET", "/api/v4/groups/acme/-/packages/pypi/simple/none/", nil, rep...)
		costs[n] = [2]int64{count(page), count(page)}
	}
	if costs[5][0] != costs[50][0] {
		t.Errorf("a first read costs %d statements for 5 versions, %d for 50", costs[5][0], costs[50][0])
	}
	if costs[50][1] > costs[50][0] {
		t.Errorf("a cached read costs more (%d) than the first (%d)", costs[50][1], costs[50][0])
	}
	t.Logf("statements per group page: first %d, cached %d", costs[50][0], costs[50][1])
}

func escape(p string) string { return url.PathEscape(p) }
