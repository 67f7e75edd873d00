package registry_test

import (
	"fmt"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// benchVersions is the size the lookups and lists are measured at.
const benchVersions = 10_000

func benchEnv(b *testing.B) (*compattest.Env, registry.Scope) {
	e := compattest.New(b)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	seed(b, e, "g/p", "lib", benchVersions)
	return e, registry.Scope{Project: e.ProjectRow("g/p")}
}

// BenchmarkFindFile: a file by name and version among 10,000 versions of its
// package, as every download asks.
func BenchmarkFindFile(b *testing.B) {
	e, scope := benchEnv(b)
	for i := 0; b.Loop(); i++ {
		_, err := e.Svc.FindFile(e.Admin, registry.FileQuery{FileName: "file.txt",
			VersionQuery: registry.VersionQuery{Scope: scope, Type: registry.PackageTypeGeneric, Name: "lib",
				Versions: []string{fmt.Sprintf("1.%d.%d", i%benchVersions/1000, i%1000)}}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPackages: the REST list's first page and a deep one (the last
// 20 rows) of 10,000 versions, in each sort.
func BenchmarkListPackages(b *testing.B) {
	e, scope := benchEnv(b)
	for _, order := range []string{"created_at", "name", "version", "type"} {
		for _, page := range []int{1, benchVersions / 20} {
			b.Run(fmt.Sprintf("%s/page %d", order, page), func(b *testing.B) {
				for b.Loop() {
					res, err := e.Svc.ListPackages(e.Admin, scope, registry.ListPackagesInput{OrderBy: order, Desc: true,
						Page: page, PerPage: 20})
					if err != nil || len(res.Packages) != 20 {
						b.Fatalf("%v, %d rows", err, len(res.Packages))
					}
				}
			})
		}
	}
}
