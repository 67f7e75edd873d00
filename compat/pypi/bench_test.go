package pypi_test

import (
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// BenchmarkSimplePage measures serving the simple index page of a package of 1,000
// files (one per version) over HTTP.
func BenchmarkSimplePage(b *testing.B) {
	e := compattest.New(b)
	e.Group("acme", "private")
	e.Project("acme/tools", "private", "")
	compattest.SeedVersions(b, e, "acme/tools", registry.PackageTypePyPI, "bench", 1000,
		func(v string) string { return "bench-" + v + ".tar.gz" })
	compattest.BenchDocument(b, "files=1000", e.URL+"/api/v4/projects/acme%2Ftools/packages/pypi/simple/bench/", e.RootToken)
}
