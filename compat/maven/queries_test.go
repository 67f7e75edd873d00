package maven_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestMetadataCostsAFixedNumberOfQueries: the instance-level maven-metadata.xml costs
// the same number of SQL statements for 5 versions as for 50, and one that did not
// change is served from the documents cache with fewer.
func TestMetadataCostsAFixedNumberOfQueries(t *testing.T) {
	e, statements := compattest.NewCounted(t)
	e.Group("acme", "private")
	e.Project("acme/a", "private", "")
	e.Project("acme/b", "private", "")
	e.User("rep")
	e.Member("rep", "acme", "reporter")
	rep := []string{"Private-Token", e.PAT("rep", "read_api")}
	root := []string{"Private-Token", e.RootToken}
	count := func(path string) int64 {
		before := statements.Load()
		if res := e.Do("GET", path, nil, rep...); res.Status != 200 {
			t.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		return statements.Load() - before
	}
	costs := map[int][2]int64{}
	for _, n := range []int{5, 50} {
		artifact := fmt.Sprintf("lib%d", n)
		for i := range n {
			project := []string{"acme%2Fa", "acme%2Fb"}[i%2]
			path := fmt.Sprintf("/api/v4/projects/%s/packages/maven/com/acme/%s/1.%d/%s-1.%d.jar", project, artifact, i, artifact, i)
			if res := e.Do("PUT", path, strings.NewReader("jar"), root...); res.Status != 200 {
				t.Fatalf("deploy: %d %s", res.Status, res.Body)
			}
		}
		doc := "/api/v4/packages/maven/com/acme/" + artifact + "/maven-metadata.xml"
		count("/api/v4/groups/acme") // the token's last use is recorded once a minute: not in the figures
		costs[n] = [2]int64{count(doc), count(doc)}
	}
	if costs[5][0] != costs[50][0] {
		t.Errorf("a first read costs %d statements for 5 versions, %d for 50", costs[5][0], costs[50][0])
	}
	if costs[50][1] > costs[50][0] {
		t.Errorf("a cached read costs more (%d) than the first (%d)", costs[50][1], costs[50][0])
	}
	t.Logf("statements per instance-level maven-metadata.xml: first %d, cached %d", costs[50][0], costs[50][1])
}
