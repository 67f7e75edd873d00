package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestStorageHistoryAndLargestPackages checks the usage fields the UI charts: each
// day counts the content stored by then (once per project, even uploaded twice), the
// largest versions come first, and who may not see a scope's usage gets null.
func TestStorageHistoryAndLargestPackages(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/a", "private", "")
	e.Project("g/b", "private", "")
	e.User("dev")
	e.Member("dev", "g/a", "developer")
	tok := []string{"Private-Token", e.RootToken}
	upload := func(project, name, version, file string, size int) {
		t.Helper()
		if st := put(t, e, project, name, version, file, strings.Repeat("x", size), tok...); st != 201 {
			t.Fatalf("upload %s %s: %d", name, file, st)
		}
	}
	upload("g/a", "small", "1", "s.bin", 100)
	// Published two days ago (the database stamps files with the real clock).
	// (created_at is immutable in the schema, so SQL moves it).
	if _, err := e.DB.SQL.ExecContext(t.Context(), `UPDATE package_files SET created_at = $1 WHERE file_name = 's.bin'`,
		time.Now().Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	upload("g/a", "big", "1", "b.bin", 1000)
	upload("g/a", "big", "1", "copy.bin", 1000) // the same content: stored once
	upload("g/b", "other", "1", "o.bin", 10)

	type usage struct {
		PackagesSizePerDay []struct {
			Day          string
			PackagesSize float64
		}
		LargestPackages []struct {
			Size    float64
			Package struct{ Name, Version string }
		}
	}
	const fields = `packagesSizePerDay(days: 4) { day packagesSize } largestPackages(first: 2) { size package { name version } }`
	var out struct{ Project, Group *usage }
	gql(t, e, e.RootToken, `{ project(fullPath: "g/a") { `+fields+` } group(fullPath: "g") { `+fields+` } }`, nil, &out)
	sizes := func(u *usage) []float64 {
		var s []float64
		for _, d := range u.PackagesSizePerDay {
			s = append(s, d.PackagesSize)
		}
		return s
	}
	for _, c := range []struct {
		name    string
		u       *usage
		history []float64
		largest []string
	}{
		{"project", out.Project, []float64{0, 100, 100, 1100}, []string{"big 1000", "small 100"}},
		{"group", out.Group, []float64{0, 100, 100, 1110}, []string{"big 1000", "small 100"}},
	} {
		if got := sizes(c.u); len(got) != 4 || got[0] != c.history[0] || got[1] != c.history[1] || got[2] != c.history[2] || got[3] != c.history[3] {
			t.Errorf("%s history = %v, want %v", c.name, got, c.history)
		}
		if today := time.Now().UTC().Format(time.DateOnly); c.u.PackagesSizePerDay[3].Day != today {
			t.Errorf("%s history ends on %s, want today %s", c.name, c.u.PackagesSizePerDay[3].Day, today)
		}
		var largest []string
		for _, l := range c.u.LargestPackages {
			largest = append(largest, fmt.Sprintf("%s %v", l.Package.Name, l.Size))
		}
		if strings.Join(largest, ",") != strings.Join(c.largest, ",") {
			t.Errorf("%s largest = %v, want %v", c.name, largest, c.largest)
		}
	}

	// A Developer of g/a sees the project's usage but not the group's (Owners).
	dev := e.PAT("dev", "read_api")
	var mine struct{ Project, Group *usage }
	gql(t, e, dev, `{ project(fullPath: "g/a") { `+fields+` } group(fullPath: "g") { `+fields+` } }`, nil, &mine)
	if mine.Project == nil || len(mine.Project.LargestPackages) != 2 {
		t.Errorf("a Developer reads the project's usage: %+v", mine.Project)
	}
	if mine.Group != nil && (mine.Group.PackagesSizePerDay != nil || mine.Group.LargestPackages != nil) {
		t.Errorf("a Developer sees the group's usage: %+v", mine.Group)
	}
	if errs := e.GraphQL(`{ project(fullPath: "g/a") { largestPackages(first: 21) { size } } }`, nil, &struct{}{}, "Authorization", "Bearer "+e.RootToken); len(errs) == 0 {
		t.Error("first: 21 accepted")
	}
}
