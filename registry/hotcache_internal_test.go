package registry

import (
	"testing"

	"github.com/pkgreg/registry/ent"
)

// File lookups are cached for one project by everything that selects the file;
// lookups by digest, by search terms or property, in other statuses or beyond one
// project are not cached.
func TestFileKey(t *testing.T) {
	p := &ent.Project{ID: 7}
	base := FileQuery{VersionQuery: VersionQuery{Scope: Scope{Project: p}, Type: "generic", Name: "pkg",
		Versions: []string{"1.0.0"}}, FileName: "f.bin"}
	key, ok := fileKey(base)
	if !ok {
		t.Fatal("a project lookup by name is not cached")
	}
	for _, c := range []struct {
		name   string
		change func(q *FileQuery)
		cached bool
	}{
		{"another file", func(q *FileQuery) { q.FileName = "g.bin" }, true},
		{"another version", func(q *FileQuery) { q.Versions = []string{"1.0.1"} }, true},
		{"every version", func(q *FileQuery) { q.Versions = nil }, true},
		{"versions joined differently", func(q *FileQuery) { q.Name, q.Versions = "pkg\x001:1", []string{".0.0"} }, true},
		{"another project", func(q *FileQuery) { q.Scope.Project = &ent.Project{ID: 8} }, true},
		{"a limit", func(q *FileQuery) { q.Limit = 1 }, true},
		{"by digest", func(q *FileQuery) { q.SHA256 = "ab" }, false},
		{"search", func(q *FileQuery) { q.Terms = []string{"p"} }, false},
		{"property", func(q *FileQuery) { q.Property = &Property{Name: "n", Value: "v"} }, false},
		{"statuses", func(q *FileQuery) { q.Statuses = []Status{"hidden"} }, false},
		{"group scope", func(q *FileQuery) { q.Scope = Scope{Group: &ent.Group{ID: 1}} }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := base
			c.change(&q)
			k, ok := fileKey(q)
			if ok != c.cached {
				t.Fatalf("cached: %v, want %v", ok, c.cached)
			}
			if ok && k == key {
				t.Errorf("same key as the base lookup: %q", k)
			}
		})
	}
}
