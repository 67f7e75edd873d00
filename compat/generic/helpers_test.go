package generic_test

import (
	"strings"
	"testing"

	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/registry"
)

func jobScope(target, source string) registry.JobTokenScopeInput {
	return registry.JobTokenScopeInput{ProjectPath: target, SourceProjectPath: source}
}

// publish adds a file through the service as the administrator and returns the package id.
func (e *matrixEnv) publish(t *testing.T, projectPath, name, version, file string) int {
	t.Helper()
	p, err := e.Svc.ProjectByRef(e.Admin, projectPath)
	if err != nil {
		t.Fatal(err)
	}
	// The registry may be disabled for the project: publish with it on, then restore.
	lvl := p.PackageRegistryAccessLevel.String()
	if lvl == "disabled" {
		on := "private"
		if p, err = e.Svc.UpdateProject(e.Admin, p, registry.UpdateProjectInput{PackageRegistryAccessLevel: &on}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if _, err := e.Svc.UpdateProject(e.Admin, p, registry.UpdateProjectInput{PackageRegistryAccessLevel: &lvl}); err != nil {
				t.Fatal(err)
			}
		}()
	}
	f, err := e.Svc.PublishFile(e.Admin, registry.PublishFileInput{Project: p, Type: packageversion.PackageTypeGeneric,
		Name: name, Version: version, FileName: file, Body: strings.NewReader("content"), Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	return f.PackageID
}
