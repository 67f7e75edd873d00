package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// need is what a mutation asks of its caller, restated from GitLab's permission
// tables (spec E1–E3) independently of registry/authz.go.
type need struct {
	role     int  // minimum role in the project (in the matrix, actors hold project roles only)
	group    bool // the role is needed in group g, where only administrators hold one
	admin    bool // administrators only
	account  bool // the caller's own account: any user
	jobs     bool // CI job tokens are accepted (package endpoints)
	deploy   bool // deploy tokens are accepted (package registry)
	registry bool // the project's package registry must be on
}

const (
	guest      = 10
	reporter   = 20
	developer  = 30
	maintainer = 40
	owner      = 50
)

// allowed decides whether the actor may run a mutation with need n in project p.
func allowed(a compattest.Actor, p compattest.ProjectSpec, n need) bool {
	if n.registry && p.Level == "disabled" {
		return false
	}
	switch a.Kind {
	case "anon":
		return false
	case "deploy":
		return n.deploy && a.Own && a.Write
	case "job":
		if !n.jobs || !a.Own || !a.Write {
			return false
		}
	case "user":
		if !a.Write {
			return false // read_api tokens only read
		}
	}
	role := a.Role
	if a.Admin {
		role = owner
	}
	switch {
	case n.admin:
		return a.Admin
	case n.account:
		return true
	case n.group:
		return a.Admin
	}
	return role >= n.role
}

// mutationCase is one mutation of the matrix: its need and how to run it in a
// project for an actor (setup runs as the administrator first, when given).
type mutationCase struct {
	name string
	need need
	// input returns the mutation's input; fixtures made as the administrator.
	input func(m *compattest.Matrix, t *testing.T, p compattest.ProjectSpec, a compattest.Actor, n int) string
}

// TestEveryMutationThroughTheMatrix runs every GraphQL mutation as every actor in
// every kind of project and checks it succeeds exactly when GitLab's tables say.
// A mutation in the schema that is not in the table fails the test.
func TestEveryMutationThroughTheMatrix(t *testing.T) {
	e := compattest.SetupMatrix(t)
	e.User("target")
	uniq := 0
	next := func() int { uniq++; return uniq }
	pkg := func(p compattest.ProjectSpec) int {
		return e.Publish(t, p.Path(), "victim", fmt.Sprintf("1.%d", next()), "f.txt")
	}
	rootMutation := func(name, input, field string) string {
		var out map[string]map[string]json.RawMessage
		gql(t, e.Env, e.RootToken, fmt.Sprintf("mutation { %s(input: {%s}) { errors %s } }", name, input, field), nil, &out)
		raw := out[name][strings.Fields(field)[0]]
		var v any
		_ = json.Unmarshal(raw, &v)
		switch x := v.(type) {
		case string:
			return x
		case map[string]any:
			id, _ := x["id"].(string)
			return id
		}
		return ""
	}
	withFile := func(p compattest.ProjectSpec) (int, string) {
		id := pkg(p)
		return id, fmt.Sprintf("gid://gitlab/Packages::PackageFile/%d", e.FileOf(id))
	}
	destroy := need{role: maintainer, jobs: true, deploy: true, registry: true}
	cases := []mutationCase{
		{"destroyPackage", destroy, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`id: "gid://gitlab/Packages::Package/%d"`, pkg(p))
		}},
		{"destroyPackages", destroy, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`ids: ["gid://gitlab/Packages::Package/%d"]`, pkg(p))
		}},
		{"destroyPackageFile", destroy, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			_, f := withFile(p)
			return fmt.Sprintf(`id: %q`, f)
		}},
		{"destroyPackageFiles", destroy, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			_, f := withFile(p)
			return fmt.Sprintf(`projectPath: %q, ids: [%q]`, p.Path(), f)
		}},
		{"updatePackagesCleanupPolicy", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`projectPath: %q, keepNDuplicatedPackageFiles: ALL_PACKAGE_FILES`, p.Path())
		}},
		{"projectUpdate", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`fullPath: %q, name: "renamed"`, p.Path())
		}},
		{"membershipCreate", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`username: "target", projectPath: %q, accessLevel: GUEST`, p.Path())
		}},
		{"membershipUpdate", need{role: maintainer}, func(m *compattest.Matrix, t *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			m.Member("target", p.Path(), "guest")
			return fmt.Sprintf(`username: "target", projectPath: %q, accessLevel: REPORTER`, p.Path())
		}},
		{"membershipDelete", need{role: maintainer}, func(m *compattest.Matrix, t *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			m.Member("target", p.Path(), "guest")
			return fmt.Sprintf(`username: "target", projectPath: %q`, p.Path())
		}},
		{"deployTokenCreate", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`projectPath: %q, name: "x", scopes: ["read_package_registry"]`, p.Path())
		}},
		{"deployTokenRevoke", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			id := rootMutation("deployTokenCreate", fmt.Sprintf(`projectPath: %q, name: "x", scopes: ["read_package_registry"]`, p.Path()), "deployToken { id }")
			return fmt.Sprintf(`id: %q`, id)
		}},
		{"projectAccessTokenCreate", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`path: %q, name: "x", accessLevel: GUEST, scopes: ["read_api"]`, p.Path())
		}},
		{"accessTokenRevoke", need{role: maintainer}, func(m *compattest.Matrix, t *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			rootMutation("projectAccessTokenCreate", fmt.Sprintf(`path: %q, name: "x", accessLevel: GUEST, scopes: ["read_api"]`, p.Path()), "token")
			proj, err := m.Svc.ProjectByRef(m.Admin, p.Path())
			if err != nil {
				t.Fatal(err)
			}
			ts, err := m.Svc.AccessTokens(m.Admin, proj, nil)
			if err != nil || len(ts) == 0 {
				t.Fatalf("access tokens: %v", err)
			}
			return fmt.Sprintf(`id: "gid://gitlab/PersonalAccessToken/%d"`, ts[len(ts)-1].Token.ID)
		}},
		{"ciJobCreate", need{role: developer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, n int) string {
			return fmt.Sprintf(`projectPath: %q, pipelineId: %d, name: "x"`, p.Path(), 1000+n)
		}},
		{"ciJobFinish", need{role: developer}, func(m *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, n int) string {
			_, id := m.Job(p.Path(), "root", int64(100000+n))
			return fmt.Sprintf(`id: "gid://gitlab/Ci::Build/%d", status: SUCCESS`, id)
		}},
		{"ciJobTokenScopeAddProject", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`projectPath: %q, targetProjectPath: "g/public-private"`, p.Path())
		}},
		{"ciJobTokenScopeRemoveProject", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`projectPath: %q, targetProjectPath: "g/public-private"`, p.Path())
		}},
		{"ciJobTokenScopeAddGroup", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`projectPath: %q, targetGroupPath: "g"`, p.Path())
		}},
		{"ciJobTokenScopeRemoveGroup", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`projectPath: %q, targetGroupPath: "g"`, p.Path())
		}},
		{"personalAccessTokenCreate", need{account: true}, func(_ *compattest.Matrix, _ *testing.T, _ compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return `name: "x", scopes: ["read_api"]`
		}},
		{"personalAccessTokenRevoke", need{account: true}, func(m *compattest.Matrix, t *testing.T, _ compattest.ProjectSpec, a compattest.Actor, _ int) string {
			return fmt.Sprintf(`id: "gid://gitlab/PersonalAccessToken/%d"`, m.SpareToken(t, a))
		}},
		{"personalAccessTokenRotate", need{account: true}, func(m *compattest.Matrix, t *testing.T, _ compattest.ProjectSpec, a compattest.Actor, _ int) string {
			return fmt.Sprintf(`id: "gid://gitlab/PersonalAccessToken/%d"`, m.SpareToken(t, a))
		}},
		{"signOutEverywhere", need{account: true}, func(*compattest.Matrix, *testing.T, compattest.ProjectSpec, compattest.Actor, int) string {
			return ``
		}},
		{"groupCreate", need{account: true}, func(_ *compattest.Matrix, _ *testing.T, _ compattest.ProjectSpec, _ compattest.Actor, n int) string {
			return fmt.Sprintf(`path: "top%d"`, n)
		}},
		{"projectCreate", need{group: true}, func(_ *compattest.Matrix, _ *testing.T, _ compattest.ProjectSpec, _ compattest.Actor, n int) string {
			return fmt.Sprintf(`fullPath: "g/new%d"`, n)
		}},
		{"groupAccessTokenCreate", need{group: true}, func(*compattest.Matrix, *testing.T, compattest.ProjectSpec, compattest.Actor, int) string {
			return `path: "g", name: "x", accessLevel: GUEST, scopes: ["read_api"]`
		}},
		{"updateNamespacePackageSettings", need{group: true}, func(*compattest.Matrix, *testing.T, compattest.ProjectSpec, compattest.Actor, int) string {
			return `namespacePath: "g", genericDuplicatesAllowed: true`
		}},
		{"userCreate", need{admin: true}, func(_ *compattest.Matrix, _ *testing.T, _ compattest.ProjectSpec, _ compattest.Actor, n int) string {
			return fmt.Sprintf(`username: "made%d"`, n)
		}},
		{"userUpdate", need{admin: true}, func(*compattest.Matrix, *testing.T, compattest.ProjectSpec, compattest.Actor, int) string {
			return `username: "target", blocked: false`
		}},
		{"webhookCreate", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			return fmt.Sprintf(`projectPath: %q, url: "https://hooks.example.com/x", token: "secret"`, p.Path())
		}},
		{"webhookDelete", need{role: maintainer}, func(_ *compattest.Matrix, _ *testing.T, p compattest.ProjectSpec, _ compattest.Actor, _ int) string {
			id := rootMutation("webhookCreate", fmt.Sprintf(`projectPath: %q, url: "https://hooks.example.com/x"`, p.Path()), "webhook { id }")
			return fmt.Sprintf(`id: %q`, id)
		}},
		{"updateInstanceSettings", need{admin: true}, func(*compattest.Matrix, *testing.T, compattest.ProjectSpec, compattest.Actor, int) string {
			return `guestsMayPullPackages: false`
		}},
	}
	// Every mutation of the schema has a case.
	var schema struct {
		Type struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	gql(t, e.Env, e.RootToken, `{ __type(name: "Mutation") { fields { name } } }`, nil, &schema)
	for _, f := range schema.Type.Fields {
		if !slices.ContainsFunc(cases, func(c mutationCase) bool { return c.name == f.Name }) {
			t.Errorf("mutation %s is not in the authorization matrix", f.Name)
		}
	}
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			t.Run(p.Path()+"/"+a.Name, func(t *testing.T) {
				h := a.Headers(e, p)
				for _, c := range cases {
					n := next()
					input := c.input(e, t, p, a, n)
					var out map[string]json.RawMessage
					errs := e.GraphQL(fmt.Sprintf("mutation { %s(input: {%s}) { errors } }", c.name, input), nil, &out, h...)
					var payload struct{ Errors []string }
					if raw := out[c.name]; raw != nil {
						_ = json.Unmarshal(raw, &payload)
					}
					ok := len(errs) == 0 && out[c.name] != nil && string(out[c.name]) != "null" && len(payload.Errors) == 0
					if want := allowed(a, p, c.need); ok != want {
						t.Errorf("%s(%s): succeeded=%v, want %v (%v %s)", c.name, input, ok, want, errs, out[c.name])
					}
				}
			})
		}
	}
}
