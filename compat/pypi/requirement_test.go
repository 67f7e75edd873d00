package pypi

import (
	"encoding/json"
	"testing"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

func TestSplitRequirement(t *testing.T) {
	for _, c := range []struct{ in, name, rest string }{
		{"requests", "requests", ""},
		{"requests (>=2.0)", "requests", "(>=2.0)"},
		{"requests[socks]>=2.31; python_version < '3.9'", "requests", "[socks]>=2.31; python_version < '3.9'"},
		{"  zope.interface  ", "zope.interface", ""},
		{"; nothing", "", ""},
		{"", "", ""},
	} {
		name, rest := splitRequirement(c.in)
		if name != c.name || rest != c.rest {
			t.Errorf("splitRequirement(%q) = %q, %q; want %q, %q", c.in, name, rest, c.name, c.rest)
		}
	}
}

func TestDependencyLinksFromRequiresDist(t *testing.T) {
	form := &UploadForm{FileName: "demo-1.0-py3-none-any.whl", HasFile: true}
	for _, kv := range [][2]string{{"name", "demo"}, {"version", "1.0"}, {"requires_dist", "requests>=2"},
		{"requires_dist", "rich; extra == 'cli'"}, {"requires_dist", " "}, {"project_urls", "Source, https://example.com/src"}} {
		form.Set(kv[0], kv[1])
	}
	in, err := form.Input()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(in.Info)
	if err != nil {
		t.Fatal(err)
	}
	deps, err := dependencyLinks(&ent.PackageVersion{Metadata: raw})
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.Dependency{{Name: "requests", VersionPattern: ">=2", Type: "dependencies"},
		{Name: "rich", VersionPattern: "; extra == 'cli'", Type: "dependencies"}}
	if len(deps) != len(want) || deps[0] != want[0] || deps[1] != want[1] {
		t.Fatalf("dependencies = %+v, want %+v", deps, want)
	}
	if len(in.Info.ProjectURLs) != 1 || in.Info.ProjectURLs[0] != "Source, https://example.com/src" {
		t.Fatalf("project URLs = %q", in.Info.ProjectURLs)
	}
}
