package registry_test

import (
	"errors"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// Every kind of change to a package gives its documents a new ETag, and leaves the
// documents of every other package alone: their key is the packages' revisions.
func TestRevisionsChangeDocumentsOfTheirPackageOnly(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	e.Project("g/q", "private", "")
	g, _ := e.Svc.GroupByRef(e.Admin, "g")
	files := upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{Tags: []string{"latest"}}, map[string]string{"a": "1", "b": "2"})
	upload(t, e, "g/p", "lib", "2.0", registry.UploadVersion{}, map[string]string{"f": "2"})
	upload(t, e, "g/p", "other", "1.0", registry.UploadVersion{}, map[string]string{"f": "o"})
	upload(t, e, "g/q", "elsewhere", "1.0", registry.UploadVersion{}, map[string]string{"f": "e"})
	etag := func(sc registry.Scope, name string) string {
		t.Helper()
		d, err := e.Svc.Document(e.Admin, registry.DocumentInput{
			Query: registry.VersionQuery{Scope: sc, Type: typ, Name: name}, Variant: "test", AllowEmpty: true,
			Build: func(registry.DocumentData) ([]byte, error) { return []byte("doc"), nil }})
		if err != nil {
			t.Fatal(err)
		}
		return d.ETag
	}
	docs := []struct {
		scope registry.Scope
		name  string
	}{{registry.Scope{Project: p}, "lib"}, {registry.Scope{Group: g}, "lib"}, {registry.Scope{}, "lib"}, {registry.Scope{Project: p}, ""}}
	scopes := []string{"project", "group", "instance", "project, every name"}
	unrelated := []struct {
		scope registry.Scope
		name  string
	}{{registry.Scope{Project: p}, "other"}, {registry.Scope{Group: g}, "elsewhere"}}
	for _, c := range []struct {
		change string
		do     func() error
	}{
		{"publish", func() error {
			upload(t, e, "g/p", "lib", "3.0", registry.UploadVersion{}, map[string]string{"f": "3"})
			return nil
		}},
		{"file added", func() error {
			upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{}, map[string]string{"c": "3"})
			return nil
		}},
		{"file deleted", func() error { return e.Svc.DeletePackageFile(e.Admin, p, files[0].PackageID, files[0].ID) }},
		{"tag moved", func() error {
			return e.Svc.SetTag(e.Admin, registry.TagInput{Project: p, Type: typ, Name: "lib", Tag: "latest", Version: "2.0"})
		}},
		{"tag removed", func() error {
			return e.Svc.RemoveTag(e.Admin, registry.TagInput{Project: p, Type: typ, Name: "lib", Tag: "latest", Version: "2.0"})
		}},
		{"status", func() error {
			return e.Svc.SetVersionStatus(e.Admin, registry.VersionStatusInput{Project: p, Type: typ, Name: "lib",
				Messages: map[string]string{"2.0": "old"}, Status: registry.StatusDeprecated})
		}},
		{"metadata", func() error {
			upload(t, e, "g/p", "lib", "2.0", registry.UploadVersion{Metadata: map[string]string{"a": "b"}, ReplaceMetadata: true},
				map[string]string{"m": "m"})
			return nil
		}},
		{"version deleted", func() error {
			_, err := e.Svc.DeleteVersions(e.Admin, registry.DeleteVersionsInput{Project: p, Type: typ, Name: "lib", Versions: []string{"3.0"}})
			return err
		}},
		{"package deleted", func() error {
			_, err := e.Svc.DeleteVersions(e.Admin, registry.DeleteVersionsInput{Project: p, Type: typ, Name: "lib"})
			return err
		}},
	} {
		t.Run(c.change, func(t *testing.T) {
			before := make([]string, len(docs))
			for i, d := range docs {
				before[i] = etag(d.scope, d.name)
			}
			others := make([]string, len(unrelated))
			for i, d := range unrelated {
				others[i] = etag(d.scope, d.name)
			}
			if err := c.do(); err != nil {
				t.Fatal(err)
			}
			for i, d := range docs {
				if etag(d.scope, d.name) == before[i] {
					t.Errorf("document %q at %s level kept its ETag", d.name, scopes[i])
				}
			}
			for i, d := range unrelated {
				if etag(d.scope, d.name) != others[i] {
					t.Errorf("document %q of another package changed its ETag", d.name)
				}
			}
		})
	}
	// A package with nothing left to show is not found, its revision row notwithstanding.
	_, err := e.Svc.Document(e.Admin, registry.DocumentInput{Query: registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib"},
		Build: func(registry.DocumentData) ([]byte, error) { return []byte("doc"), nil }})
	if !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a deleted package's document: %v", err)
	}
}

// A document's key is the viewer's: who may read fewer projects of a group gets
// another ETag, and a project they may not read changing leaves theirs alone.
func TestDocumentKeysFollowTheReadableProjects(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/a", "private", "")
	e.Project("g/b", "private", "")
	e.User("dev")
	e.Member("dev", "g/a", "developer")
	g, _ := e.Svc.GroupByRef(e.Admin, "g")
	upload(t, e, "g/a", "lib", "1.0", registry.UploadVersion{}, map[string]string{"f": "a"})
	upload(t, e, "g/b", "lib", "2.0", registry.UploadVersion{}, map[string]string{"f": "b"})
	dev, _ := e.Svc.UserContext(e.Admin, "dev")
	build := func(got *string) func(registry.DocumentData) ([]byte, error) {
		return func(d registry.DocumentData) ([]byte, error) {
			*got = ""
			for _, v := range d.Versions {
				*got += v.Version + " "
			}
			return []byte(*got), nil
		}
	}
	q := registry.VersionQuery{Scope: registry.Scope{Group: g}, Type: typ, Name: "lib"}
	var devSaw, adminSaw string
	dd, err := e.Svc.Document(dev, registry.DocumentInput{Query: q, Build: build(&devSaw)})
	if err != nil || string(dd.Body) != "1.0 " {
		t.Fatalf("dev's document: %q %v", devSaw, err)
	}
	ad, err := e.Svc.Document(e.Admin, registry.DocumentInput{Query: q, Build: build(&adminSaw)})
	if err != nil || string(ad.Body) != "1.0 2.0 " || ad.ETag == dd.ETag {
		t.Fatalf("admin's document: %q %v (ETag %s, dev's %s)", ad.Body, err, ad.ETag, dd.ETag)
	}
	upload(t, e, "g/b", "lib", "3.0", registry.UploadVersion{}, map[string]string{"f": "b3"})
	if again, err := e.Svc.Document(dev, registry.DocumentInput{Query: q, IfNoneMatch: dd.ETag, Build: build(&devSaw)}); err != nil || !again.NotModified {
		t.Errorf("a project dev may not read changed dev's document: %+v %v", again, err)
	}
	if again, err := e.Svc.Document(e.Admin, registry.DocumentInput{Query: q, IfNoneMatch: ad.ETag, Build: build(&adminSaw)}); err != nil || again.NotModified {
		t.Errorf("the admin's document kept its ETag: %+v %v", again, err)
	}
}
