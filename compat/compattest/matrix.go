package compattest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/registry"
)

// The authorization matrix shared by the REST and GraphQL tests: every visibility ×
// registry access level × actor (role or token kind) × action. Expectations restate
// GitLab's tables (spec E1–E3) independently of registry/authz.go.

// ProjectSpec is one kind of project in the matrix.

type ProjectSpec struct {
	Visibility string // public, internal, private
	Level      string // private (follows visibility), public (anyone may pull), disabled
}

func (p ProjectSpec) Path() string { return "g/" + p.Visibility + "-" + p.Level }

// Actor is one kind of caller in the matrix.
type Actor struct {
	Name string
	Kind string // anon, user, job, deploy
	Role int    // membership in every project (users, and the user behind a job token)
	// Own: a job token of a job in this project (or an allowlisted one); a deploy
	// token of this project or its group.
	Own         bool
	Read, Write bool // token scopes allow reading / writing packages
	Admin       bool
	// User is the account the actor's personal token belongs to ("" for others).
	User string
	// Headers returns the request headers (name, value pairs; "Basic" takes user:secret).
	Headers func(e *Matrix, p ProjectSpec) []string
}

// Role levels of an Actor.
const (
	none = iota * 10
	guest
	reporter
	developer
	maintainer
	owner
)

var roleNames = map[int]string{guest: "guest", reporter: "reporter", developer: "developer", maintainer: "maintainer", owner: "owner"}

// Expected is the status GitLab answers for an action on a project, with the
// instance's default settings.
func Expected(a Actor, p ProjectSpec, action string) int { return ExpectedWith(a, p, action, false) }

// ExpectedWith is Expected with the instance setting that lets Guests pull from
// private projects (GitLab's allow_guest_plus_roles_to_pull_packages) on or off.
func ExpectedWith(a Actor, p ProjectSpec, action string, guestsPull bool) int {
	signed, role, reach := false, none, false
	switch a.Kind {
	case "user":
		signed, role = true, a.Role
	case "job":
		if a.Own { // acts as its user in reachable projects; an outsider elsewhere
			signed, role = true, a.Role
		}
	case "deploy":
		reach = a.Own
	}
	if a.Admin {
		role = owner
	}
	visible := p.Visibility == "public" || (p.Visibility == "internal" && signed) || role >= guest || reach
	canRead := false
	switch {
	case p.Level == "disabled":
	case p.Level == "public":
		canRead = true
	case a.Kind == "deploy":
		canRead = visible
	default:
		// GitLab's permission table: a private project's packages need Reporter;
		// Guests pull only when the instance allows it.
		canRead = visible && (p.Visibility != "private" || role >= reporter || (guestsPull && role >= guest))
	}
	on := p.Level != "disabled"
	var ok bool
	var success int
	switch action {
	case "read":
		ok, success = a.Read && canRead, http.StatusOK
	case "create":
		ok, success = on && a.Write && (role >= developer || reach), http.StatusCreated
	case "destroy":
		ok, success = on && a.Write && (role >= maintainer || reach), http.StatusNoContent
	}
	switch {
	case ok:
		return success
	case a.Kind == "anon":
		return http.StatusUnauthorized
	case !visible && !(canRead && a.Read):
		return http.StatusNotFound
	default:
		return http.StatusForbidden
	}
}

// ThroughREST is the actor as GitLab's Packages API sees it: that API reads no HTTP
// Basic and no Deploy-Token header, so whoever sends only those is anonymous there.
func ThroughREST(a Actor, headers []string) Actor {
	if len(headers) > 0 && (headers[0] == "Basic" || headers[0] == "Deploy-Token") {
		return Actors()[0] // anonymous
	}
	return a
}

// ExpectedREST is Expected through the Packages API (a the actor ThroughREST
// gives): anonymous callers are not challenged there; what they may not see is
// 404, what they see but may not change 403.
func ExpectedREST(a Actor, p ProjectSpec, action string) int {
	want := Expected(a, p, action)
	if want != http.StatusUnauthorized || a.Kind != "anon" {
		return want
	}
	if Expected(a, p, "read") == http.StatusOK || ExpectedSee(a, p) == http.StatusOK {
		return http.StatusForbidden
	}
	return http.StatusNotFound
}

// ExpectedSee is the status of reading the project itself (GET /projects/:id): every
// kind of credential is accepted, and it succeeds when the caller may see the project.
func ExpectedSee(a Actor, p ProjectSpec) int {
	if !a.Read {
		return http.StatusForbidden
	}
	signed, role := false, none
	switch a.Kind {
	case "user":
		signed, role = true, a.Role
	case "job":
		if a.Own {
			signed, role = true, a.Role
		}
	}
	if a.Admin {
		role = owner
	}
	visible := p.Visibility == "public" || (p.Visibility == "internal" && signed) || role >= guest ||
		(a.Kind == "deploy" && a.Own)
	switch {
	case visible:
		return http.StatusOK
	case a.Kind == "anon":
		return http.StatusUnauthorized
	}
	return http.StatusNotFound
}

// Matrix is a registry set up with every project kind, user, role and token.
type Matrix struct {
	*Env
	pats        map[string]string // username → api token
	readAPI     string            // reporter's read_api token
	devReadAPI  string            // developer's read_api token
	jobs        map[string]string // project path → developer's job token there
	maintJobs   map[string]string // project path → maintainer's job token there
	adminJobs   map[string]string // project path → the administrator's job token there
	foreignJob  string            // job in g/ci, not on any allowlist
	allowedJob  string            // job in g/ci-allowed, on every allowlist
	deployRead  map[string][2]string
	deployWrite map[string][2]string
	otherDeploy [2]string   // write token of g/other
	groupDeploy [2]string   // write token of group g
	files       map[int]int // package id → the file Publish added
}

// FileOf is the id of the file Publish added to a package.
func (e *Matrix) FileOf(packageID int) int { return e.files[packageID] }

// SpareToken creates another personal access token of the actor's user and returns
// its id (a mutation may revoke it without cutting the actor off); an actor that is
// no user gets one of the developer's, which it must not be able to touch.
func (e *Matrix) SpareToken(t *testing.T, a Actor) int {
	t.Helper()
	user := a.User
	if user == "" {
		user = "developer"
	}
	ctx, err := e.Svc.UserContext(e.Admin, user)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.Svc.CreatePersonalAccessToken(ctx, registry.CreatePersonalAccessTokenInput{Name: "spare", Scopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

// ProjectSpecs lists the project kinds: visibility × registry access level.
func ProjectSpecs() []ProjectSpec {
	var out []ProjectSpec
	for _, v := range []string{"public", "internal", "private"} {
		for _, l := range []string{"private", "public", "disabled"} {
			out = append(out, ProjectSpec{v, l})
		}
	}
	return out
}

// SetupMatrix starts a registry with the matrix's projects, members and tokens.
func SetupMatrix(t *testing.T) *Matrix {
	e := &Matrix{Env: New(t), pats: map[string]string{}, jobs: map[string]string{},
		deployRead: map[string][2]string{}, deployWrite: map[string][2]string{}, files: map[int]int{},
		maintJobs: map[string]string{}, adminJobs: map[string]string{}}
	e.Group("g", "public")
	e.Project("g/other", "private", "")
	e.Project("g/ci", "private", "")
	e.Project("g/ci-allowed", "private", "")
	for _, name := range []string{"outsider", "guest", "reporter", "developer", "maintainer", "owner"} {
		e.User(name)
		e.pats[name] = e.PAT(name, "api")
	}
	e.readAPI = e.PAT("reporter", "read_api")
	e.devReadAPI = e.PAT("developer", "read_api")
	e.Member("developer", "g/ci", "developer")
	e.Member("developer", "g/ci-allowed", "developer")
	e.foreignJob, _ = e.Job("g/ci", "developer", 1)
	e.allowedJob, _ = e.Job("g/ci-allowed", "developer", 2)
	u, tok := e.DeployToken("g/other", "", "write_package_registry")
	e.otherDeploy = [2]string{u, tok}
	u, tok = e.DeployToken("", "g", "write_package_registry")
	e.groupDeploy = [2]string{u, tok}
	for _, p := range ProjectSpecs() {
		e.Project(p.Path(), p.Visibility, p.Level)
		for _, r := range []int{guest, reporter, developer, maintainer, owner} {
			e.Member(roleNames[r], p.Path(), roleNames[r])
		}
		e.jobs[p.Path()], _ = e.Job(p.Path(), "developer", 3)
		e.maintJobs[p.Path()], _ = e.Job(p.Path(), "maintainer", 4)
		e.adminJobs[p.Path()], _ = e.Job(p.Path(), "root", 5)
		e.allowJobs(t, p.Path(), "g/ci-allowed")
		u, tok := e.DeployToken(p.Path(), "", "read_package_registry")
		e.deployRead[p.Path()] = [2]string{u, tok}
		u, tok = e.DeployToken(p.Path(), "", "write_package_registry")
		e.deployWrite[p.Path()] = [2]string{u, tok}
	}
	return e
}

func (e *Matrix) allowJobs(t *testing.T, target, source string) {
	t.Helper()
	if err := e.Svc.SetJobTokenScope(e.Admin, jobScope(target, source), true); err != nil {
		t.Fatal(err)
	}
}

// Actors lists the callers.
func Actors() []Actor {
	pat := func(user string) func(*Matrix, ProjectSpec) []string {
		return func(e *Matrix, _ ProjectSpec) []string { return []string{"Private-Token", e.pats[user]} }
	}
	var out []Actor
	out = append(out,
		Actor{Name: "anonymous", Kind: "anon", Read: true, Headers: func(*Matrix, ProjectSpec) []string { return nil }},
		Actor{Name: "outsider", Kind: "user", User: "outsider", Read: true, Write: true, Headers: pat("outsider")},
		Actor{Name: "admin", Kind: "user", User: "root", Admin: true, Read: true, Write: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string { return []string{"Private-Token", e.RootToken} }},
	)
	for _, r := range []int{guest, reporter, developer, maintainer, owner} {
		out = append(out, Actor{Name: roleNames[r], Kind: "user", User: roleNames[r], Role: r, Read: true, Write: true, Headers: pat(roleNames[r])})
	}
	out = append(out,
		Actor{Name: "reporter read_api", Kind: "user", User: "reporter", Role: reporter, Read: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string { return []string{"Private-Token", e.readAPI} }},
		Actor{Name: "developer read_api", Kind: "user", User: "developer", Role: developer, Read: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string { return []string{"Authorization", "Bearer " + e.devReadAPI} }},
		Actor{Name: "maintainer basic", Kind: "user", User: "maintainer", Role: maintainer, Read: true, Write: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string {
				return []string{"Basic", "anyname:" + e.pats["maintainer"]}
			}},
		Actor{Name: "job own", Kind: "job", Role: developer, Own: true, Read: true, Write: true,
			Headers: func(e *Matrix, p ProjectSpec) []string { return []string{"Job-Token", e.jobs[p.Path()]} }},
		// Jobs of a Maintainer and of the administrator act as them, but only on
		// package endpoints: they never manage members, tokens or the instance.
		Actor{Name: "job maintainer", Kind: "job", Role: maintainer, Own: true, Read: true, Write: true,
			Headers: func(e *Matrix, p ProjectSpec) []string { return []string{"Job-Token", e.maintJobs[p.Path()]} }},
		Actor{Name: "job admin", Kind: "job", Admin: true, Own: true, Read: true, Write: true,
			Headers: func(e *Matrix, p ProjectSpec) []string { return []string{"Job-Token", e.adminJobs[p.Path()]} }},
		Actor{Name: "job own basic", Kind: "job", Role: developer, Own: true, Read: true, Write: true,
			Headers: func(e *Matrix, p ProjectSpec) []string {
				return []string{"Basic", "gitlab-ci-token:" + e.jobs[p.Path()]}
			}},
		Actor{Name: "job allowlisted", Kind: "job", Role: developer, Own: true, Read: true, Write: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string { return []string{"Job-Token", e.allowedJob} }},
		Actor{Name: "job foreign", Kind: "job", Role: developer, Read: true, Write: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string { return []string{"Job-Token", e.foreignJob} }},
		Actor{Name: "deploy read", Kind: "deploy", Own: true, Read: true,
			Headers: func(e *Matrix, p ProjectSpec) []string { return []string{"Deploy-Token", e.deployRead[p.Path()][1]} }},
		Actor{Name: "deploy write basic", Kind: "deploy", Own: true, Read: true, Write: true,
			Headers: func(e *Matrix, p ProjectSpec) []string {
				d := e.deployWrite[p.Path()]
				return []string{"Basic", d[0] + ":" + d[1]}
			}},
		Actor{Name: "deploy group write", Kind: "deploy", Own: true, Read: true, Write: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string { return []string{"Deploy-Token", e.groupDeploy[1]} }},
		Actor{Name: "deploy other project", Kind: "deploy", Read: true, Write: true,
			Headers: func(e *Matrix, _ ProjectSpec) []string { return []string{"Deploy-Token", e.otherDeploy[1]} }},
	)
	return out
}

func jobScope(target, source string) registry.JobTokenScopeInput {
	return registry.JobTokenScopeInput{ProjectPath: target, SourceProjectPath: source}
}

// Publish adds a file through the service as the administrator and returns the package id.
func (e *Matrix) Publish(t *testing.T, projectPath, name, version, file string) int {
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
	f, err := e.Svc.PublishFile(e.Admin, registry.PublishFileInput{Project: p, Type: registry.PackageTypeGeneric,
		Name: name, Version: version, FileName: file, Body: strings.NewReader("content"), Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	e.files[f.PackageID] = f.ID
	return f.PackageID
}
