package compattest

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/pkgreg/registry/compat"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/registry"
)

// FormatSuite runs the cases every format shares through the format's own
// endpoints, in order, followed by the authorization matrix (FormatMatrix). A format
// supplies a Probe that speaks its protocol; the suite decides what must happen.

// Pkg is one package version a case publishes, with the one file it uploads.
type Pkg struct {
	Name, Version, File string
	Content             []byte
	id                  int // the version's id, once the suite looked it up
}

// DuplicatePolicy is what a second upload of the same file name into a version gets.
type DuplicatePolicy int

// Duplicate policies.
const (
	// DuplicatesBySetting: accepted by default, refused once the group's setting
	// for the format forbids it (generic, Maven, NuGet).
	DuplicatesBySetting DuplicatePolicy = iota
	// DuplicatesRefused: always refused (npm, PyPI).
	DuplicatesRefused
)

// Probe speaks one format's protocol: each method sends the request the format's
// client sends and returns the server's answer.
type Probe interface {
	Type() registry.PackageType
	// Levels lists where the format serves reads: project, group, instance.
	Levels() []compat.Level
	// NewPkg returns a package version for a case in project, the same for the same
	// id; content is what its file holds (the file is content itself, or a
	// format's archive of it: Pkg.Content is the file as uploaded).
	NewPkg(project, id string, content []byte) Pkg
	// Upload publishes pkg into the project with the format's own request.
	Upload(e *Env, project string, pkg Pkg, headers ...string) *Response
	// UploadStatus is the status of a successful Upload.
	UploadStatus() int
	// Download fetches pkg's file at a level: from the project, from a group (ref is
	// its path), or from the instance (ref is empty).
	Download(e *Env, level compat.Level, ref string, pkg Pkg, headers ...string) *Response
	// Index fetches the document that lists pkg's versions at a level; nil when the
	// format has none.
	Index(e *Env, level compat.Level, ref string, pkg Pkg, headers ...string) *Response
	// Delete removes pkg's version with the format's own request; nil when the
	// format has none (the suite then uses the Packages API).
	Delete(e *Env, project string, pkg Pkg, headers ...string) *Response
	// DeleteStatus is the status of a successful Delete; 0 for a format with no
	// delete of its own (its Delete returns nil: the Packages API's 204).
	DeleteStatus() int
	// Duplicates is the format's rule for a file name uploaded again.
	Duplicates() DuplicatePolicy
	// TooLargeStatus is the status of an upload over the size limit.
	TooLargeStatus() int
	// GroupDenied is the status of a group- or instance-level read that finds nothing
	// the caller may read.
	GroupDenied(anonymous bool) int
	// Unmatrixed lists the format's routes ("METHOD pattern") that the matrix does
	// not reach, each covered by the format's protocol tests instead; any other
	// route the matrix misses fails it.
	Unmatrixed() []string
}

// LevelDeniedProbe is a probe whose group- and instance-level reads that find
// nothing the caller may read answer by level, from what the project level answers
// (read): formats that find the package first and then authorize its project
// (Maven, as GitLab's Maven API). The suite asks it before GroupDenied.
type LevelDeniedProbe interface {
	LevelDenied(level compat.Level, read int) int
}

// denied is the status of a read at a level (not the project's) that finds nothing
// the caller may read, where the project level answers read.
func denied(p Probe, level compat.Level, read int, anonymous bool) int {
	if lp, ok := p.(LevelDeniedProbe); ok {
		return lp.LevelDenied(level, read)
	}
	return p.GroupDenied(anonymous)
}

// BadDigestProbe is a probe whose protocol carries a digest of the file.
type BadDigestProbe interface {
	// UploadBadDigest publishes pkg declaring a digest of other bytes.
	UploadBadDigest(e *Env, project string, pkg Pkg, headers ...string) *Response
}

// HiddenProbe is a probe whose protocol can publish a version hidden from listings.
type HiddenProbe interface {
	UploadHidden(e *Env, project string, pkg Pkg, headers ...string) *Response
}

// RefusingProbe is a probe whose group- and instance-level reads refuse a caller
// who may read none of the package's versions as its project-level reads do (a
// challenge to anonymous callers, 403 to those who see the project), rather than
// finding nothing: GitLab's npm namespace metadata, so that npm sends its token.
type RefusingProbe interface {
	RefusesAtGroupLevel()
}

// UnchallengedProbe is a probe whose file downloads do not challenge: an anonymous
// caller who may not see the project gets 404 (GitLab's npm tarball route).
type UnchallengedProbe interface {
	UnchallengedDownloads()
}

// FormatSuite runs the shared cases and the authorization matrix for a probe.
func FormatSuite(t *testing.T, p Probe) {
	t.Run("cases", func(t *testing.T) { formatCases(t, p) })
	t.Run("matrix", func(t *testing.T) { FormatMatrix(t, SetupMatrix(t), p) })
}

func isClientError(res *Response) bool { return res.Status >= 400 && res.Status < 500 }

func formatCases(t *testing.T, p Probe) {
	e := New(t)
	e.Group("suite", "private")
	e.Project("suite/lib", "private", "")
	e.User("outsider")
	root := []string{"Private-Token", e.RootToken}
	outsider := []string{"Private-Token", e.PAT("outsider", "api")}
	levels := p.Levels()
	refs := map[compat.Level]string{compat.ProjectLevel: "suite/lib", compat.GroupLevel: "suite", compat.InstanceLevel: ""}
	content := []byte("the first file's bytes\n")
	pkg := p.NewPkg("suite/lib", "main", content)

	t.Run("upload", func(t *testing.T) {
		if res := p.Upload(e, "suite/lib", pkg, root...); res.Status != p.UploadStatus() {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
	})
	t.Run("download at every level", func(t *testing.T) {
		for _, l := range levels {
			res := p.Download(e, l, refs[l], pkg, root...)
			if res.Status != http.StatusOK || !bytes.Equal(res.Body, pkg.Content) {
				t.Errorf("level %d: %d %q", l, res.Status, res.Body)
			}
		}
	})
	t.Run("index at every level", func(t *testing.T) {
		for _, l := range levels {
			res := p.Index(e, l, refs[l], pkg, root...)
			if res == nil {
				continue
			}
			if res.Status != http.StatusOK || !strings.Contains(string(res.Body), pkg.Version) {
				t.Errorf("level %d: %d %.300s", l, res.Status, res.Body)
			}
		}
	})
	t.Run("duplicate by the format's rule", func(t *testing.T) {
		again := p.NewPkg("suite/lib", "main", []byte("other bytes under the same name\n"))
		res := p.Upload(e, "suite/lib", again, root...)
		switch p.Duplicates() {
		case DuplicatesRefused:
			if !isClientError(res) {
				t.Fatalf("second upload: %d %s", res.Status, res.Body)
			}
			if res := p.Download(e, compat.ProjectLevel, "suite/lib", pkg, root...); !bytes.Equal(res.Body, pkg.Content) {
				t.Fatalf("a refused duplicate replaced the file: %q", res.Body)
			}
		case DuplicatesBySetting:
			if res.Status != p.UploadStatus() {
				t.Fatalf("second upload, duplicates allowed: %d %s", res.Status, res.Body)
			}
			g, _ := e.Svc.GroupByRef(e.Admin, "suite")
			no := false
			if _, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{
				p.Type(): {Allowed: &no}}); err != nil {
				t.Fatal(err)
			}
			if res := p.Upload(e, "suite/lib", again, root...); !isClientError(res) {
				t.Fatalf("third upload, duplicates forbidden: %d %s", res.Status, res.Body)
			}
			yes := true
			if _, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{
				p.Type(): {Allowed: &yes}}); err != nil {
				t.Fatal(err)
			}
		}
	})
	if bp, ok := p.(BadDigestProbe); ok {
		t.Run("bad digest", func(t *testing.T) {
			bad := p.NewPkg("suite/lib", "baddigest", []byte("bytes that do not match\n"))
			if res := bp.UploadBadDigest(e, "suite/lib", bad, root...); !isClientError(res) {
				t.Fatalf("bad digest: %d %s", res.Status, res.Body)
			}
			if res := p.Download(e, compat.ProjectLevel, "suite/lib", bad, root...); res.Status == http.StatusOK {
				t.Fatal("a refused upload is downloadable")
			}
		})
	}
	if hp, ok := p.(HiddenProbe); ok {
		t.Run("hidden", func(t *testing.T) {
			hidden := p.NewPkg("suite/lib", "hidden", []byte("hidden bytes\n"))
			if res := hp.UploadHidden(e, "suite/lib", hidden, root...); res.Status != p.UploadStatus() {
				t.Fatalf("hidden upload: %d %s", res.Status, res.Body)
			}
			if res := p.Download(e, compat.ProjectLevel, "suite/lib", hidden, root...); res.Status != http.StatusOK {
				t.Fatalf("a hidden version is installable: %d", res.Status)
			}
			list := e.Do("GET", "/api/v4/projects/suite%2Flib/packages?package_name="+hidden.Name, nil, root...)
			if strings.Contains(string(list.Body), `"version":"`+hidden.Version+`"`) {
				t.Fatalf("a hidden version is listed: %s", list.Body)
			}
		})
	}
	if bp, ok := p.(BadInputProbe); ok {
		t.Run("bad input", func(t *testing.T) { badInputCase(t, e, p, bp, "suite/lib", root...) })
	}
	t.Run("private is 404 to outsiders", func(t *testing.T) {
		for _, l := range levels {
			want := http.StatusNotFound
			if l != compat.ProjectLevel {
				want = denied(p, l, want, false)
			}
			res := p.Download(e, l, refs[l], pkg, outsider...)
			if res.Status != want {
				t.Errorf("level %d: %d %s", l, res.Status, res.Body)
			}
		}
		if res := p.Upload(e, "suite/lib", p.NewPkg("suite/lib", "outsider", []byte("x")), outsider...); res.Status != http.StatusNotFound {
			t.Errorf("outsider upload: %d %s", res.Status, res.Body)
		}
	})
	t.Run("size limit while streaming", func(t *testing.T) {
		const limit = 1 << 10
		if err := e.Svc.SetMaxFileSize(e.Admin, p.Type(), limit); err != nil {
			t.Fatal(err)
		}
		defer e.Svc.SetMaxFileSize(e.Admin, p.Type(), 3<<30) //nolint:errcheck
		big := p.NewPkg("suite/lib", "big", bytes.Repeat([]byte("x"), 32<<20))
		res := p.Upload(e, "suite/lib", big, root...)
		if res.Status != p.TooLargeStatus() {
			t.Fatalf("over the limit: %d %s", res.Status, res.Body)
		}
		if res.Sent > 12<<20 {
			t.Errorf("the server read %d bytes of a body over a %d-byte limit", res.Sent, limit)
		}
		if res := p.Download(e, compat.ProjectLevel, "suite/lib", big, root...); res.Status == http.StatusOK {
			t.Fatal("a refused upload is downloadable")
		}
	})
	t.Run("delete", func(t *testing.T) {
		doomed := p.NewPkg("suite/lib", "doomed", []byte("doomed\n"))
		if res := p.Upload(e, "suite/lib", doomed, root...); res.Status != p.UploadStatus() {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		if res := deletePkg(e, p, "suite/lib", doomed, root...); res.Status != deleteStatus(p) {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		if res := p.Download(e, compat.ProjectLevel, "suite/lib", doomed, root...); res.Status != http.StatusNotFound {
			t.Fatalf("after delete: %d", res.Status)
		}
	})
}

// deletePkg deletes pkg with the format's own request, or through the Packages API.
func deletePkg(e *Env, p Probe, project string, pkg Pkg, headers ...string) *Response {
	if res := p.Delete(e, project, pkg, headers...); res != nil {
		return res
	}
	return e.Do("DELETE", fmt.Sprintf("/api/v4/projects/%d/packages/%d", e.project(project).ID, versionID(e, p, project, pkg)), nil, headers...)
}

// versionID looks up the id of pkg's version in project (as the administrator, so
// the registry must be on).
func versionID(e *Env, p Probe, project string, pkg Pkg) int {
	if pkg.id != 0 {
		return pkg.id
	}
	vs, err := e.Svc.Versions(e.Admin, registry.VersionQuery{Scope: registry.Scope{Project: e.project(project)},
		Type: p.Type(), Name: normalize(p, pkg.Name), Versions: []string{pkg.Version}})
	if err != nil || len(vs) == 0 {
		e.T.Fatalf("no version %s@%s: %v", pkg.Name, pkg.Version, err)
	}
	return vs[0].ID
}

func deleteStatus(p Probe) int {
	if s := p.DeleteStatus(); s != 0 {
		return s
	}
	return http.StatusNoContent
}

// normalize gives the stored name of a package (PyPI folds it, PEP 503).
func normalize(p Probe, name string) string {
	if n, ok := p.(interface{ NormalizedName(string) string }); ok {
		return n.NormalizedName(name)
	}
	return name
}

func (e *Env) project(path string) *ent.Project {
	p, err := e.Svc.ProjectByRef(e.Admin, path)
	e.must(err)
	return p
}

// FormatMatrix walks every visibility × registry access level × actor × action
// through the format's own endpoints: reads at each level it serves, publish, and
// delete, checking the exact status against GitLab's tables (Expected).
func FormatMatrix(t *testing.T, e *Matrix, p Probe) {
	// One package per project to read, and one per (project, actor) to delete.
	readme := map[string]Pkg{}
	victims := map[string]Pkg{}
	for _, ps := range ProjectSpecs() {
		e.withRegistryOn(t, ps.Path(), func() {
			readme[ps.Path()] = p.NewPkg(ps.Path(), "readme-"+slug(ps.Path()), []byte("readme of "+ps.Path()))
			if res := p.Upload(e.Env, ps.Path(), readme[ps.Path()], "Private-Token", e.RootToken); res.Status != p.UploadStatus() {
				t.Fatalf("seed %s: %d %s", ps.Path(), res.Status, res.Body)
			}
			for _, a := range Actors() {
				v := p.NewPkg(ps.Path(), "victim-"+slug(ps.Path()+"-"+a.Name), []byte("victim"))
				if res := p.Upload(e.Env, ps.Path(), v, "Private-Token", e.RootToken); res.Status != p.UploadStatus() {
					t.Fatalf("seed victim %s: %d %s", ps.Path(), res.Status, res.Body)
				}
				v.id = versionID(e.Env, p, ps.Path(), v)
				victims[ps.Path()+"|"+a.Name] = v
			}
		})
	}
	refs := map[compat.Level]string{compat.GroupLevel: "g", compat.InstanceLevel: ""}
	for _, ps := range ProjectSpecs() {
		for _, a := range Actors() {
			t.Run(ps.Path()+"/"+a.Name, func(t *testing.T) {
				h := a.Headers(e, ps)
				check := func(what string, res *Response, want int) {
					t.Helper()
					if res.Status != want {
						t.Errorf("%s: got %d, want %d (%.200s)", what, res.Status, want, res.Body)
					}
					if res.Status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s: 401 without WWW-Authenticate", what)
					}
				}
				read := Expected(a, ps, "read")
				_, refusing := p.(RefusingProbe)
				_, unchallenged := p.(UnchallengedProbe)
				for _, l := range p.Levels() {
					ref, want := ps.Path(), read
					if l != compat.ProjectLevel {
						ref, want = refs[l], http.StatusOK
						if read != http.StatusOK && refusing {
							want = read
						} else if read != http.StatusOK {
							want = denied(p, l, read, a.Kind == "anon")
						}
					}
					download := want
					if unchallenged && want == http.StatusUnauthorized && a.Kind == "anon" && ExpectedSee(a, ps) != http.StatusOK {
						download = http.StatusNotFound
					}
					pkg := readme[ps.Path()]
					check(fmt.Sprintf("download at level %d", l), p.Download(e.Env, l, ref, pkg, h...), download)
					if res := p.Index(e.Env, l, ref, pkg, h...); res != nil {
						check(fmt.Sprintf("index at level %d", l), res, want)
					}
					check(fmt.Sprintf("HEAD at level %d", l), e.Head(p.Download, l, ref, pkg, h...), download)
				}
				create := Expected(a, ps, "create")
				if create == http.StatusCreated {
					create = p.UploadStatus()
				}
				fresh := p.NewPkg(ps.Path(), "new-"+slug(ps.Path()+"-"+a.Name), []byte("new"))
				check("create", p.Upload(e.Env, ps.Path(), fresh, h...), create)
				destroy := Expected(a, ps, "destroy")
				if p.DeleteStatus() == 0 { // the format deletes through the Packages API
					destroy = ExpectedREST(ThroughREST(a, h), ps, "destroy")
				}
				if destroy == http.StatusNoContent {
					destroy = deleteStatus(p)
				}
				check("destroy", deletePkg(e.Env, p, ps.Path(), victims[ps.Path()+"|"+a.Name], h...), destroy)
			})
		}
	}
	e.RequireRoutesHit(t, "/packages/"+string(p.Type()), p.Unmatrixed()...)
}

// Head sends the request a probe's method sends, as HEAD.
func (e *Env) Head(send func(*Env, compat.Level, string, Pkg, ...string) *Response, l compat.Level, ref string, pkg Pkg, h ...string) *Response {
	e.headNext = true
	defer func() { e.headNext = false }()
	return send(e, l, ref, pkg, h...)
}

func slug(s string) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(s)
}

// withRegistryOn runs fn with the project's package registry enabled, for seeding
// packages into projects whose registry the matrix disables.
func (e *Matrix) withRegistryOn(t *testing.T, path string, fn func()) {
	t.Helper()
	p, err := e.Svc.ProjectByRef(e.Admin, path)
	if err != nil {
		t.Fatal(err)
	}
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
	fn()
}

// RequireRoutesHit fails the test when a route whose pattern contains prefix was
// never requested:
// a new endpoint that no matrix reaches is a failing test, not a silent gap.
func (e *Env) RequireRoutesHit(t *testing.T, prefix string, exempt ...string) {
	t.Helper()
	e.RequireRoutesHitFunc(t, func(route string) bool { return strings.Contains(route, prefix) }, exempt...)
}

// RequireRoutesHitFunc is RequireRoutesHit for the routes match selects.
func (e *Env) RequireRoutesHitFunc(t *testing.T, match func(route string) bool, exempt ...string) {
	t.Helper()
	// chi reports the pattern that served a request without a trailing slash.
	trim := func(k string) string { return strings.TrimSuffix(k, "/") }
	hit := map[string]bool{}
	for k := range e.RoutesHit() {
		hit[trim(k)] = true
	}
	var missed []string
	err := chi.Walk(e.Router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + route
		if match(route) && !hit[trim(key)] && !slices.Contains(exempt, key) {
			missed = append(missed, key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(missed) > 0 {
		slices.Sort(missed)
		t.Errorf("routes no request reached (add them to the matrix): %s", strings.Join(missed, ", "))
	}
}
