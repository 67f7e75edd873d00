package maven_test

import (
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// BenchmarkArtifactMetadata measures serving the maven-metadata.xml of an artifact
// of 1,000 versions over HTTP.
func BenchmarkArtifactMetadata(b *testing.B) {
	e := compattest.New(b)
	e.Group("acme", "private")
	e.Project("acme/tools", "private", "")
	compattest.SeedVersions(b, e, "acme/tools", registry.PackageTypeMaven, "com/acme/bench", 1000,
		func(v string) string { return "bench-" + v + ".jar" })
	compattest.BenchDocument(b, "versions=1000", e.URL+"/api/v4/projects/acme%2Ftools/packages/maven/com/acme/bench/maven-metadata.xml", e.RootToken)
}
