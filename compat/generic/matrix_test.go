package generic_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// The authorization matrix: every visibility × registry access level × actor (role or
// token kind) × action, through the generic package endpoints, with the exact status.
// Expectations restate GitLab's tables (spec E1–E3) independently of registry/authz.go.

type projectSpec struct {
	visibility string // public, internal, private
	level      string // private (follows visibility), public (anyone may pull), disabled
}

func (p projectSpec) path() string { return "g/" + p.visibility + "-" + p.level }

type actor struct {
	name string
	kind string // anon, user, job, deploy
	role int    // membership in every project (users, and the user behind a job token)
	// own: a job token of a job in this project (or an allowlisted one); a deploy
	// token of this project or its group.
	own         bool
	read, write bool // token scopes allow reading / writing packages
	admin       bool
	headers     func(e *matrixEnv, p projectSpec) []string
}

const (
	none = iota * 10
	guest
	reporter
	developer
	maintainer
	owner
)

var roleNames = map[int]string{guest: "guest", reporter: "reporter", developer: "developer", maintainer: "maintainer", owner: "owner"}

// expected is the status GitLab answers.
func expected(a actor, p projectSpec, action string) int {
	signed, role, reach := false, none, false
	switch a.kind {
	case "user":
		signed, role = true, a.role
	case "job":
		if a.own { // acts as its user in reachable projects; an outsider elsewhere
			signed, role = true, a.role
		}
	case "deploy":
		reach = a.own
	}
	if a.admin {
		role = owner
	}
	visible := p.visibility == "public" || (p.visibility == "internal" && signed) || role >= guest || reach
	canRead := false
	switch {
	case p.level == "disabled":
	case p.level == "public":
		canRead = true
	case a.kind == "deploy":
		canRead = visible
	default:
		canRead = visible && (p.visibility != "private" || role >= guest)
	}
	on := p.level != "disabled"
	var ok bool
	var success int
	switch action {
	case "read":
		ok, success = a.read && canRead, http.StatusOK
	case "create":
		ok, success = on && a.write && (role >= developer || reach), http.StatusCreated
	case "destroy":
		ok, success = on && a.write && (role >= maintainer || reach), http.StatusNoContent
	}
	switch {
	case ok:
		return success
	case a.kind == "anon":
		return http.StatusUnauthorized
	case !visible && !(canRead && a.read):
		return http.StatusNotFound
	default:
		return http.StatusForbidden
	}
}

type matrixEnv struct {
	*compattest.Env
	pats        map[string]string // username → api token
	readAPI     string            // reporter's read_api token
	devReadAPI  string            // developer's read_api token
	jobs        map[string]string // project path → developer's job token there
	foreignJob  string            // job in g/ci, not on any allowlist
	allowedJob  string            // job in g/ci-allowed, on every allowlist
	deployRead  map[string][2]string
	deployWrite map[string][2]string
	otherDeploy [2]string // write token of g/other
	groupDeploy [2]string // write token of group g
}

func projectSpecs() []projectSpec {
	var out []projectSpec
	for _, v := range []string{"public", "internal", "private"} {
		for _, l := range []string{"private", "public", "disabled"} {
			out = append(out, projectSpec{v, l})
		}
	}
	return out
}

func setupMatrix(t *testing.T) *matrixEnv {
	e := &matrixEnv{Env: compattest.New(t), pats: map[string]string{}, jobs: map[string]string{},
		deployRead: map[string][2]string{}, deployWrite: map[string][2]string{}}
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
	for _, p := range projectSpecs() {
		e.Project(p.path(), p.visibility, p.level)
		for _, r := range []int{guest, reporter, developer, maintainer, owner} {
			e.Member(roleNames[r], p.path(), roleNames[r])
		}
		e.jobs[p.path()], _ = e.Job(p.path(), "developer", 3)
		e.allowJobs(t, p.path(), "g/ci-allowed")
		u, tok := e.DeployToken(p.path(), "", "read_package_registry")
		e.deployRead[p.path()] = [2]string{u, tok}
		u, tok = e.DeployToken(p.path(), "", "write_package_registry")
		e.deployWrite[p.path()] = [2]string{u, tok}
	}
	return e
}

func (e *matrixEnv) allowJobs(t *testing.T, target, source string) {
	t.Helper()
	if err := e.Svc.SetJobTokenScope(e.Admin, jobScope(target, source), true); err != nil {
		t.Fatal(err)
	}
}

func actors() []actor {
	pat := func(user string) func(*matrixEnv, projectSpec) []string {
		return func(e *matrixEnv, _ projectSpec) []string { return []string{"Private-Token", e.pats[user]} }
	}
	var out []actor
	out = append(out,
		actor{name: "anonymous", kind: "anon", read: true, headers: func(*matrixEnv, projectSpec) []string { return nil }},
		actor{name: "outsider", kind: "user", read: true, write: true, headers: pat("outsider")},
		actor{name: "admin", kind: "user", admin: true, read: true, write: true,
			headers: func(e *matrixEnv, _ projectSpec) []string { return []string{"Private-Token", e.RootToken} }},
	)
	for _, r := range []int{guest, reporter, developer, maintainer, owner} {
		out = append(out, actor{name: roleNames[r], kind: "user", role: r, read: true, write: true, headers: pat(roleNames[r])})
	}
	out = append(out,
		actor{name: "reporter read_api", kind: "user", role: reporter, read: true,
			headers: func(e *matrixEnv, _ projectSpec) []string { return []string{"Private-Token", e.readAPI} }},
		actor{name: "developer read_api", kind: "user", role: developer, read: true,
			headers: func(e *matrixEnv, _ projectSpec) []string { return []string{"Authorization", "Bearer " + e.devReadAPI} }},
		actor{name: "maintainer basic", kind: "user", role: maintainer, read: true, write: true,
			headers: func(e *matrixEnv, _ projectSpec) []string {
				return []string{"Basic", "anyname:" + e.pats["maintainer"]}
			}},
		actor{name: "job own", kind: "job", role: developer, own: true, read: true, write: true,
			headers: func(e *matrixEnv, p projectSpec) []string { return []string{"Job-Token", e.jobs[p.path()]} }},
		actor{name: "job own basic", kind: "job", role: developer, own: true, read: true, write: true,
			headers: func(e *matrixEnv, p projectSpec) []string {
				return []string{"Basic", "gitlab-ci-token:" + e.jobs[p.path()]}
			}},
		actor{name: "job allowlisted", kind: "job", role: developer, own: true, read: true, write: true,
			headers: func(e *matrixEnv, _ projectSpec) []string { return []string{"Job-Token", e.allowedJob} }},
		actor{name: "job foreign", kind: "job", role: developer, read: true, write: true,
			headers: func(e *matrixEnv, _ projectSpec) []string { return []string{"Job-Token", e.foreignJob} }},
		actor{name: "deploy read", kind: "deploy", own: true, read: true,
			headers: func(e *matrixEnv, p projectSpec) []string { return []string{"Deploy-Token", e.deployRead[p.path()][1]} }},
		actor{name: "deploy write basic", kind: "deploy", own: true, read: true, write: true,
			headers: func(e *matrixEnv, p projectSpec) []string {
				d := e.deployWrite[p.path()]
				return []string{"Basic", d[0] + ":" + d[1]}
			}},
		actor{name: "deploy group write", kind: "deploy", own: true, read: true, write: true,
			headers: func(e *matrixEnv, _ projectSpec) []string { return []string{"Deploy-Token", e.groupDeploy[1]} }},
		actor{name: "deploy other project", kind: "deploy", read: true, write: true,
			headers: func(e *matrixEnv, _ projectSpec) []string { return []string{"Deploy-Token", e.otherDeploy[1]} }},
	)
	return out
}

func TestAuthorizationMatrix(t *testing.T) {
	e := setupMatrix(t)
	// One readable file per project, and one package per (project, actor) to delete.
	pkgIDs := map[string]int{}
	for _, p := range projectSpecs() {
		e.publish(t, p.path(), "readme", "1.0.0", "file.txt")
		for _, a := range actors() {
			pkgIDs[p.path()+"|"+a.name] = e.publish(t, p.path(), "victim", strings.ReplaceAll(a.name, " ", "-"), "file.txt")
		}
	}
	for _, p := range projectSpecs() {
		for _, a := range actors() {
			t.Run(p.path()+"/"+a.name, func(t *testing.T) {
				h := a.headers(e, p)
				base := "/api/v4/projects/" + strings.ReplaceAll(p.path(), "/", "%2F") + "/packages"
				checks := []struct {
					action, method, path string
				}{
					{"read", "GET", base + "/generic/readme/1.0.0/file.txt"},
					{"create", "PUT", base + "/generic/new/1.0.0/" + strings.ReplaceAll(a.name, " ", "-") + ".txt"},
					{"destroy", "DELETE", fmt.Sprintf("%s/%d", base, pkgIDs[p.path()+"|"+a.name])},
				}
				for _, c := range checks {
					want := expected(a, p, c.action)
					res := e.Do(c.method, c.path, strings.NewReader("data"), h...)
					if res.Status != want {
						t.Errorf("%s: got %d, want %d (%s)", c.action, res.Status, want, res.Body)
					}
					if res.Status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s: 401 without WWW-Authenticate", c.action)
					}
				}
			})
		}
	}
}
