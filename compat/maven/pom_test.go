package maven

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

func TestPomDependencies(t *testing.T) {
	for _, c := range []struct {
		name string
		pom  string
		want []registry.Dependency
	}{
		{"compile and test scopes", `<project><dependencies>
			<dependency><groupId>com.acme</groupId><artifactId>core</artifactId><version>1.2</version></dependency>
			<dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13</version><scope>test</scope></dependency>
			<dependency><groupId>org.x</groupId><artifactId>managed</artifactId><scope>compile</scope></dependency>
			<dependency><artifactId>no-group</artifactId></dependency>
		</dependencies><build><plugins><plugin><dependencies><dependency><groupId>p</groupId><artifactId>plugin-dep</artifactId></dependency></dependencies></plugin></plugins></build></project>`,
			[]registry.Dependency{
				{Name: "com/acme/core", VersionPattern: "1.2", Type: "dependencies"},
				{Name: "junit/junit", VersionPattern: "4.13 (test)", Type: "dependencies"},
				{Name: "org/x/managed", Type: "dependencies"},
			}},
		{"no dependencies", `<project><artifactId>a</artifactId></project>`, []registry.Dependency{}},
		{"not XML", `not a pom`, []registry.Dependency{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			coords := coordinates("com/acme/lib", "1.0")
			coords.Dependencies = pomDependencies([]byte(c.pom))
			raw, err := json.Marshal(coords)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dependencyLinks(&ent.PackageVersion{Metadata: raw})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("dependencies = %+v, want %+v", got, c.want)
			}
		})
	}
}
