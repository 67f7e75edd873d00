package npm

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

func TestDependencyLinksAndReadme(t *testing.T) {
	m, err := storedManifest(map[string]any{
		"name": "a", "version": "1.0.0", "readme": "# A\n" + strings.Repeat("x", MaxReadme),
		"dependencies":       map[string]any{"zed": "^1", "alpha": "~2.0"},
		"peerDependencies":   map[string]any{"react": ">=18"},
		"bundleDependencies": []any{"bundled", 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	v := &ent.PackageVersion{Metadata: raw}
	deps, err := dependencyLinks(v)
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.Dependency{
		{Name: "alpha", VersionPattern: "~2.0", Type: "dependencies"},
		{Name: "zed", VersionPattern: "^1", Type: "dependencies"},
		{Name: "bundled", Type: "bundleDependencies"},
		{Name: "react", VersionPattern: ">=18", Type: "peerDependencies"},
	}
	if !slices.Equal(deps, want) {
		t.Fatalf("dependencies = %+v, want %+v", deps, want)
	}
	md, err := graphQLMetadata(v)
	if err != nil {
		t.Fatal(err)
	}
	meta := md.(*Metadata)
	if meta.Readme == nil || !strings.HasPrefix(*meta.Readme, "# A\n") || len([]rune(*meta.Readme)) != MaxReadme {
		t.Fatalf("readme not kept, or not cut to %d characters", MaxReadme)
	}
	if _, ok := meta.PackageJSON[readmeKey]; ok {
		t.Fatal("the readme shows in packageJson")
	}
}
