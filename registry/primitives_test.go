package registry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// The core's primitives, tested as a format uses them (with the generic type, which
// every server registers).

const typ = registry.PackageTypeGeneric

func upload(t *testing.T, e *compattest.Env, project, name, version string, v registry.UploadVersion, files map[string]string) []*ent.PackageFile {
	t.Helper()
	p, err := e.Svc.ProjectByRef(e.Admin, project)
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.Svc.BeginUpload(e.Admin, p, typ)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Discard(e.Admin)
	v.Name, v.Version = name, version
	var fs []registry.UploadFile
	for fileName, content := range files {
		f, err := up.Receive(e.Admin, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, registry.UploadFile{File: f, FileName: fileName, Size: -1, Duplicates: registry.DuplicatesAllowed})
	}
	out, err := up.Publish(e.Admin, v, fs...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadPathByScope(t *testing.T) {
	e := compattest.New(t)
	e.Group("a", "private")
	e.Project("a/one", "private", "")
	e.Project("a/two", "private", "")
	e.Group("b", "private")
	e.Project("b/three", "private", "")
	e.User("dev")
	e.Member("dev", "a/one", "developer")
	upload(t, e, "a/one", "lib", "1.0", registry.UploadVersion{}, map[string]string{"f": "one"})
	upload(t, e, "a/two", "lib", "2.0", registry.UploadVersion{}, map[string]string{"f": "two"})
	upload(t, e, "b/three", "lib", "3.0", registry.UploadVersion{}, map[string]string{"f": "three"})
	ctx, _ := e.Svc.UserContext(e.Admin, "dev")
	g, _ := e.Svc.GroupByRef(e.Admin, "a")
	versions := func(ctx context.Context, sc registry.Scope) []string {
		vs, err := e.Svc.Versions(ctx, registry.VersionQuery{Scope: sc, Type: typ, Name: "lib"})
		if err != nil {
			return []string{err.Error()}
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.Version)
		}
		return out
	}
	// The group reads only what dev may read; the administrator all of the group.
	if got := fmt.Sprint(versions(ctx, registry.Scope{Group: g})); got != "[1.0]" {
		t.Errorf("dev in group a: %s", got)
	}
	if got := fmt.Sprint(versions(e.Admin, registry.Scope{Group: g})); got != "[1.0 2.0]" {
		t.Errorf("admin in group a: %s", got)
	}
	// At instance level a name belongs to one tenant: the first to publish it.
	if got := fmt.Sprint(versions(e.Admin, registry.Scope{})); got != "[1.0 2.0]" {
		t.Errorf("admin at instance level: %s", got)
	}
	// A project the viewer may not read is an error, not an empty answer.
	three, _ := e.Svc.ProjectByRef(e.Admin, "b/three")
	if _, err := e.Svc.Versions(ctx, registry.VersionQuery{Scope: registry.Scope{Project: three}, Type: typ, Name: "lib"}); !registry.IsDenied(err) {
		t.Errorf("dev reads b/three: %v", err)
	}
	// FindFile: the newest file of that name among readable versions; it opens.
	f, err := e.Svc.FindFile(ctx, registry.FileQuery{VersionQuery: registry.VersionQuery{Scope: registry.Scope{Group: g},
		Type: typ, Name: "lib"}, FileName: "f"})
	if err != nil || f.Edges.Package.Version != "1.0" {
		t.Fatalf("find file: %v %v", f, err)
	}
	c, err := e.Svc.OpenFile(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "one" {
		t.Errorf("content %q", b)
	}
}

// TestReadPathRefuses: with Refuse, a group-scope read of versions the viewer may
// read none of answers the refusal of their project, not nothing.
func TestReadPathRefuses(t *testing.T) {
	e := compattest.New(t)
	e.Group("pub", "public")
	e.Project("pub/priv", "private", "")
	e.User("guest")
	e.Member("guest", "pub/priv", "guest")
	e.User("outsider")
	upload(t, e, "pub/priv", "lib", "1.0", registry.UploadVersion{}, map[string]string{"f": "one"})
	g, _ := e.Svc.GroupByRef(e.Admin, "pub")
	guest, _ := e.Svc.UserContext(e.Admin, "guest")
	outsider, _ := e.Svc.UserContext(e.Admin, "outsider")
	read := func(ctx context.Context, name string, refuse bool) error {
		vs, err := e.Svc.Versions(ctx, registry.VersionQuery{Scope: registry.Scope{Group: g}, Type: typ, Name: name, Refuse: refuse})
		if err == nil && len(vs) > 0 {
			return fmt.Errorf("read %d versions", len(vs))
		}
		return err
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
		pkg  string
		want error // nil: nothing, no error
	}{
		{"anonymous", t.Context(), "lib", registry.ErrUnauthenticated},
		{"guest of the project", guest, "lib", registry.ErrForbidden},
		{"outsider", outsider, "lib", registry.ErrNotFound},
		{"no such package", outsider, "nothing", nil},
	} {
		err := read(c.ctx, c.pkg, true)
		if (c.want == nil && err != nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if err := read(c.ctx, c.pkg, false); err != nil {
			t.Errorf("%s without Refuse: %v", c.name, err)
		}
	}
}

func TestOpenFileTrustsOnlyWhatTheReadPathIssued(t *testing.T) {
	e := compattest.New(t)
	e.Group("victim", "private")
	e.Project("victim/secret", "private", "")
	e.User("mallory")
	files := upload(t, e, "victim/secret", "lib", "1.0", registry.UploadVersion{}, map[string]string{"f": "secret bytes"})
	ctx, _ := e.Svc.UserContext(e.Admin, "mallory")
	// A row mallory built herself, naming the victim's file and blob, opens nothing.
	forged := &ent.PackageFile{ID: files[0].ID, Sha256: files[0].Sha256, BlobKey: files[0].BlobKey}
	if _, err := e.Svc.OpenFile(ctx, forged); !registry.IsDenied(err) {
		t.Fatalf("a forged file opened: %v", err)
	}
	// And a project row claiming to be public authorizes nothing.
	p, _ := e.Svc.ProjectByRef(e.Admin, "victim/secret")
	fake := *p
	fake.Visibility = "public"
	if err := e.Svc.AuthorizeProject(ctx, &fake, registry.ReadPackages); !registry.IsDenied(err) {
		t.Fatalf("a forged project authorized a read: %v", err)
	}
}

func TestUploadInspectsBeforePublishingAndLeavesNothingOnFailure(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	up, err := e.Svc.BeginUpload(e.Admin, p, typ)
	if err != nil {
		t.Fatal(err)
	}
	f, err := up.Receive(e.Admin, strings.NewReader("PK archive bytes"))
	if err != nil {
		t.Fatal(err)
	}
	var head []byte
	if err := up.Inspect(e.Admin, f, func(r io.ReaderAt, size int64) error {
		head = make([]byte, 2)
		_, err := r.ReadAt(head, 0)
		return err
	}); err != nil || string(head) != "PK" || f.Size != 16 {
		t.Fatalf("inspect: %q %d %v", head, f.Size, err)
	}
	// A digest that does not match refuses the whole publish: no version appears.
	_, err = up.Publish(e.Admin, registry.UploadVersion{Name: "lib", Version: "1.0"},
		registry.UploadFile{File: f, FileName: "a.zip", Size: -1, Expect: registry.Digests{SHA256: strings.Repeat("0", 64)}})
	if !errors.Is(err, registry.ErrInvalid) {
		t.Fatalf("bad digest: %v", err)
	}
	up.Discard(e.Admin)
	if vs, _ := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib"}); len(vs) != 0 {
		t.Fatalf("a refused upload left a version: %v", vs)
	}
	// Over the limit: refused while receiving.
	if err := e.Svc.SetMaxFileSize(e.Admin, typ, 4); err != nil {
		t.Fatal(err)
	}
	up, _ = e.Svc.BeginUpload(e.Admin, p, typ)
	if _, err := up.Receive(e.Admin, bytes.NewReader(make([]byte, 5))); !errors.Is(err, registry.ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	up.Discard(e.Admin)
}

func TestDocumentsAreBuiltOncePerChange(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{}, map[string]string{"f": "1"})
	builds := 0
	doc := func(etag string) *registry.Document {
		d, err := e.Svc.Document(e.Admin, registry.DocumentInput{
			Query: registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib"}, Variant: "v", IfNoneMatch: etag,
			Build: func(d registry.DocumentData) ([]byte, error) {
				builds++
				return []byte(fmt.Sprint(len(d.Versions), " versions")), nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := doc("")
	again := doc("")
	if builds != 1 || string(again.Body) != "1 versions" || again.ETag != first.ETag {
		t.Fatalf("second read rebuilt (%d builds) or changed: %s %s", builds, again.ETag, again.Body)
	}
	if nm := doc(first.ETag); !nm.NotModified || builds != 1 {
		t.Fatalf("If-None-Match: %+v", nm)
	}
	upload(t, e, "g/p", "lib", "2.0", registry.UploadVersion{}, map[string]string{"f": "2"})
	if changed := doc(first.ETag); changed.NotModified || changed.ETag == first.ETag || string(changed.Body) != "2 versions" || builds != 2 {
		t.Fatalf("after a publish: %+v (%d builds)", changed, builds)
	}
	// Nothing to build from is not found, not an empty document.
	_, err := e.Svc.Document(e.Admin, registry.DocumentInput{Query: registry.VersionQuery{Scope: registry.Scope{Project: p},
		Type: typ, Name: "none"}, Build: func(registry.DocumentData) ([]byte, error) { return nil, nil }})
	if !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("empty document: %v", err)
	}
}

func TestTagsStatusAndDeletion(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{Tags: []string{"latest"}}, map[string]string{"f": "1"})
	upload(t, e, "g/p", "lib", "2.0", registry.UploadVersion{}, map[string]string{"f": "2"})
	tags := func() map[string]string {
		vs, err := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib",
			With: registry.Edges{Tags: true}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, v := range vs {
			for _, tag := range v.Edges.Tags {
				out[tag.Name] = v.Version
			}
		}
		return out
	}
	if got := tags(); got["latest"] != "1.0" {
		t.Fatalf("published tag: %v", got)
	}
	in := registry.TagInput{Project: p, Type: typ, Name: "lib", Tag: "latest", Version: "2.0"}
	if err := e.Svc.SetTag(e.Admin, in); err != nil {
		t.Fatal(err)
	}
	if got := tags(); len(got) != 1 || got["latest"] != "2.0" {
		t.Fatalf("moved tag: %v", got)
	}
	if err := e.Svc.RemoveTag(e.Admin, in); err != nil || len(tags()) != 0 {
		t.Fatalf("removed tag: %v %v", err, tags())
	}
	if err := e.Svc.RemoveTag(e.Admin, in); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("removing it again: %v", err)
	}
	// A status with a message, and back.
	mark := func(msg string) registry.Status {
		if err := e.Svc.SetVersionStatus(e.Admin, registry.VersionStatusInput{Project: p, Type: typ, Name: "lib",
			Messages: map[string]string{"1.0": msg}, Status: registry.StatusDeprecated}); err != nil {
			t.Fatal(err)
		}
		vs, _ := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib", Versions: []string{"1.0"}})
		if len(vs) != 1 || vs[0].StatusMessage != msg {
			t.Fatalf("status message: %v", vs)
		}
		return vs[0].Status
	}
	if st := mark("use 2.0"); st != registry.StatusDeprecated {
		t.Fatalf("marked: %s", st)
	}
	if st := mark(""); st != registry.StatusDefault {
		t.Fatalf("cleared: %s", st)
	}
	// Deleting all but one version.
	n, err := e.Svc.DeleteVersions(e.Admin, registry.DeleteVersionsInput{Project: p, Type: typ, Name: "lib", Keep: []string{"2.0"}})
	if err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	if vs, _ := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib"}); len(vs) != 1 || vs[0].Version != "2.0" {
		t.Fatalf("after delete: %v", vs)
	}
}

func TestPropertiesSelectVersions(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{Properties: []registry.Property{
		{Name: "distribution", Value: "stable"}, {Name: "architecture", Value: "amd64"}, {Name: "architecture", Value: "arm64"},
	}}, map[string]string{"f": "1"})
	upload(t, e, "g/p", "lib", "2.0", registry.UploadVersion{Properties: []registry.Property{
		{Name: "distribution", Value: "unstable"},
	}}, map[string]string{"f": "2"})
	vs, err := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib",
		Property: &registry.Property{Name: "distribution", Value: "stable"}, With: registry.Edges{Properties: true}})
	if err != nil || len(vs) != 1 || vs[0].Version != "1.0" {
		t.Fatalf("by property: %v %v", vs, err)
	}
	if got := registry.PropertyValues(vs[0], "architecture"); fmt.Sprint(got) != "[amd64 arm64]" && fmt.Sprint(got) != "[arm64 amd64]" {
		t.Fatalf("values: %v", got)
	}
	p2, _ := e.Svc.ProjectByRef(e.Admin, "g/p")
	up, _ := e.Svc.BeginUpload(e.Admin, p2, typ)
	defer up.Discard(e.Admin)
	f, _ := up.Receive(e.Admin, strings.NewReader("x"))
	_, err = up.Publish(e.Admin, registry.UploadVersion{Name: "lib", Version: "3.0",
		Properties: []registry.Property{{Name: "", Value: "x"}}}, registry.UploadFile{File: f, FileName: "f", Size: -1})
	if !errors.Is(err, registry.ErrInvalid) {
		t.Fatalf("an empty property name: %v", err)
	}
}

// Labels replace one version's tags and leave other versions' alone; replaced
// metadata is the newest upload's, whole.
func TestLabelsAndReplacedMetadata(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	type meta struct {
		A string `json:"a,omitempty"`
		B string `json:"b,omitempty"`
	}
	upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{Labels: []string{"x", "y"}, SetLabels: true,
		Metadata: meta{A: "1", B: "1"}, ReplaceMetadata: true}, map[string]string{"f1": "1"})
	upload(t, e, "g/p", "lib", "2.0", registry.UploadVersion{Labels: []string{"x"}, SetLabels: true}, map[string]string{"f": "2"})
	upload(t, e, "g/p", "lib", "1.0", registry.UploadVersion{Labels: []string{"y", "z"}, SetLabels: true,
		Metadata: meta{A: "2"}, ReplaceMetadata: true}, map[string]string{"f2": "1b"})
	vs, err := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib",
		With: registry.Edges{Tags: true}})
	if err != nil || len(vs) != 2 {
		t.Fatal(vs, err)
	}
	labels := func(v *ent.PackageVersion) string {
		var out []string
		for _, t := range v.Edges.Tags {
			out = append(out, t.Name)
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	if labels(vs[0]) != "y,z" || labels(vs[1]) != "x" {
		t.Errorf("labels: 1.0 %q, 2.0 %q", labels(vs[0]), labels(vs[1]))
	}
	if m, _ := registry.DecodeMetadata[meta](vs[0].Metadata); m != (meta{A: "2"}) {
		t.Errorf("replaced metadata: %+v", m)
	}
	up, _ := e.Svc.BeginUpload(e.Admin, p, typ)
	defer up.Discard(e.Admin)
	f, _ := up.Receive(e.Admin, strings.NewReader("x"))
	if _, err := up.Publish(e.Admin, registry.UploadVersion{Name: "lib", Version: "3.0", Labels: []string{""}, SetLabels: true},
		registry.UploadFile{File: f, FileName: "f", Size: -1}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("an empty label: %v", err)
	}
}

// LiveVersions is authorized by what the writer is about to do, and sees versions
// in any status but pending destruction (hidden ones here); a document with a Limit is built from
// the newest versions only.
func TestLiveVersionsAndDocumentLimit(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	for _, v := range []string{"1.0", "2.0", "3.0"} {
		upload(t, e, "g/p", "lib", v, registry.UploadVersion{Properties: []registry.Property{{Name: "major", Value: v[:1]}},
			Status: registry.StatusHidden}, map[string]string{"f": v})
	}
	e.User("dev")
	e.Member("dev", "g/p", "developer")
	ctx := e.TokenContext(e.PAT("dev", "api"))
	vs, err := e.Svc.LiveVersions(ctx, p, registry.CreatePackages, typ, "lib", &registry.Property{Name: "major", Value: "2"})
	if err != nil || len(vs) != 1 || vs[0].Version != "2.0" {
		t.Fatalf("live versions: %v %v", vs, err)
	}
	if _, err := e.Svc.LiveVersions(ctx, p, registry.DestroyPackages, typ, "lib", nil); !errors.Is(err, registry.ErrForbidden) {
		t.Fatalf("a Developer looked up versions to destroy: %v", err)
	}
	d, err := e.Svc.Document(e.Admin, registry.DocumentInput{
		Query: registry.VersionQuery{Scope: registry.Scope{Project: p}, Type: typ, Name: "lib", Newest: true, Limit: 2},
		Build: func(d registry.DocumentData) ([]byte, error) {
			var out []string
			for _, v := range d.Versions {
				out = append(out, v.Version)
			}
			return []byte(strings.Join(out, " ")), nil
		}})
	if err != nil || string(d.Body) != "3.0 2.0" {
		t.Fatalf("limited document: %q %v", d.Body, err)
	}
}

// A format's group flags: the default until set, read through a project of the
// group, changed by the group's Owner only, and only the flags the format declares.
func TestGroupFlags(t *testing.T) {
	e := compattest.New(t)
	g := e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	const typ, flag = registry.PackageTypeNuGet, "symbol_server_enabled" // a flag its format declares
	on, err := e.Svc.GroupFlag(e.Admin, registry.Scope{Project: p}, typ, flag)
	if err != nil || on {
		t.Fatalf("default: %v %v", on, err)
	}
	e.User("maint")
	e.Member("maint", "g", "maintainer")
	if _, err := e.Svc.SetGroupFlags(e.TokenContext(e.PAT("maint", "api")), g, typ, map[string]bool{flag: true}); !errors.Is(err, registry.ErrForbidden) {
		t.Fatalf("a Maintainer set a group flag: %v", err)
	}
	if _, err := e.Svc.SetGroupFlags(e.Admin, g, typ, map[string]bool{"nope": true}); !errors.Is(err, registry.ErrInvalid) {
		t.Fatalf("an undeclared flag: %v", err)
	}
	flags, err := e.Svc.SetGroupFlags(e.Admin, g, typ, map[string]bool{flag: true})
	if err != nil || !flags[typ][flag] {
		t.Fatalf("set: %v %v", flags, err)
	}
	for _, sc := range []registry.Scope{{Project: p}, {Group: g}} {
		if on, err := e.Svc.GroupFlag(e.Admin, sc, typ, flag); err != nil || !on {
			t.Errorf("%+v: %v %v", sc, on, err)
		}
	}
}

// A listing counts its total up to 10,000 (registry.CountedTotal) and, past it,
// says only whether another page follows; pages read past the count all the same.
func TestListPackagesCountsUpToTenThousand(t *testing.T) {
	for _, tc := range []struct {
		versions, total int
	}{
		{registry.CountedTotal, registry.CountedTotal},
		{registry.CountedTotal + 1, -1},
	} {
		t.Run(fmt.Sprint(tc.versions), func(t *testing.T) {
			e := compattest.New(t)
			e.Group("g", "private")
			e.Project("g/p", "private", "")
			seed(t, e, "g/p", "lib", tc.versions)
			scope := registry.Scope{Project: e.ProjectRow("g/p")}
			last := (tc.versions + 19) / 20
			for _, page := range []struct {
				number, rows int
				more         bool
				first        string
			}{
				{1, 20, true, "1.0.0"},
				{last, tc.versions - (last-1)*20, false, fmt.Sprintf("1.%d.%d", (last-1)*20/1000, (last-1)*20%1000)},
				{last + 1, 0, false, ""},
			} {
				res, err := e.Svc.ListPackages(e.Admin, scope, registry.ListPackagesInput{OrderBy: "version",
					Page: page.number, PerPage: 20})
				if err != nil {
					t.Fatal(err)
				}
				first := ""
				if len(res.Packages) > 0 {
					first = res.Packages[0].Version
				}
				if res.Total != tc.total || res.More != page.more || len(res.Packages) != page.rows || first != page.first {
					t.Errorf("page %d: total %d, more %v, %d rows from %q; want %d, %v, %d from %q", page.number,
						res.Total, res.More, len(res.Packages), first, tc.total, page.more, page.rows, page.first)
				}
			}
		})
	}
}
