package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// These tests replay what a security review tried against a running server (issue
// "Authorization you can trust"); each failed before its fix.

// try runs a mutation and reports whether it succeeded: no GraphQL error and an
// empty errors list in its payload.
func try(e *compattest.Env, token, name, input, fields string) (map[string]json.RawMessage, bool) {
	var out map[string]json.RawMessage
	q := fmt.Sprintf("mutation { %s(input: {%s}) { errors %s } }", name, input, fields)
	h := []string{}
	if token != "" {
		h = []string{"Authorization", "Bearer " + token}
	}
	errs := e.GraphQL(q, nil, &out, h...)
	if len(errs) > 0 || out[name] == nil || string(out[name]) == "null" {
		return nil, false
	}
	var p struct{ Errors []string }
	if err := json.Unmarshal(out[name], &p); err != nil || len(p.Errors) > 0 {
		return nil, false
	}
	var fieldsOut map[string]json.RawMessage
	_ = json.Unmarshal(out[name], &fieldsOut)
	return fieldsOut, true
}

func jobToken(t *testing.T, e *compattest.Env, token, project string, pipeline int) (string, bool) {
	t.Helper()
	out, ok := try(e, token, "ciJobCreate", fmt.Sprintf(`projectPath: %q, pipelineId: %d, name: "build"`, project, pipeline), "token")
	if !ok {
		return "", false
	}
	var tok string
	_ = json.Unmarshal(out["token"], &tok)
	return tok, tok != ""
}

// TestJobActsAsItsCreatorAndJoinsOnlyItsOwnPipeline: a Developer attached a job to
// root's pipeline by its number, and the job token then acted as root.
func TestJobActsAsItsCreatorAndJoinsOnlyItsOwnPipeline(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	e.User("dev")
	e.Member("dev", "g/p", "developer")
	dev := e.PAT("dev", "api")
	if _, ok := jobToken(t, e, e.RootToken, "g/p", 7); !ok {
		t.Fatal("root starts pipeline 7")
	}
	if tok, ok := jobToken(t, e, dev, "g/p", 7); ok {
		var me struct{ CurrentUser struct{ Username string } }
		e.GraphQL(`{ currentUser { username } }`, nil, &me, "Job-Token", tok)
		t.Fatalf("a developer joined root's pipeline; the job acts as %q", me.CurrentUser.Username)
	}
	tok, ok := jobToken(t, e, dev, "g/p", 8)
	if !ok {
		t.Fatal("dev starts pipeline 8")
	}
	var me struct {
		CurrentUser struct {
			Username string
			Admin    bool
		}
	}
	e.GraphQL(`{ currentUser { username admin } }`, nil, &me, "Job-Token", tok)
	if me.CurrentUser.Username != "dev" || me.CurrentUser.Admin {
		t.Fatalf("dev's job acts as %+v", me.CurrentUser)
	}
	// A second job of dev's own pipeline is fine.
	if _, ok := jobToken(t, e, dev, "g/p", 8); !ok {
		t.Fatal("dev cannot add a job to their own pipeline")
	}
}

// TestJobTokensOnlyReachPackages: a job token minted tokens, managed members and ran
// admin mutations with its user's rights; a job in ga/pa created a group deploy token
// for ga and so read a subgroup project that never allowlisted it.
func TestJobTokensOnlyReachPackages(t *testing.T) {
	e := compattest.New(t)
	e.Group("ga", "private")
	e.Group("ga/sub", "private")
	e.Project("ga/pa", "private", "")
	e.Project("ga/sub/secret", "private", "")
	e.User("owner")
	e.User("victim")
	e.Member("owner", "ga", "owner")
	e.Member("victim", "ga/pa", "reporter")
	owner := e.PAT("owner", "api")
	ownerJob, ok := jobToken(t, e, owner, "ga/pa", 1)
	if !ok {
		t.Fatal("owner job")
	}
	adminJob, ok := jobToken(t, e, e.RootToken, "ga/pa", 2)
	if !ok {
		t.Fatal("admin job")
	}
	mutations := []struct{ name, input, fields string }{
		{"personalAccessTokenCreate", `name: "x", scopes: ["api"]`, "token"},
		{"personalAccessTokenCreate", `username: "victim", name: "x", scopes: ["api"]`, "token"},
		{"deployTokenCreate", `groupPath: "ga", name: "x", scopes: ["read_package_registry"]`, "token"},
		{"deployTokenCreate", `projectPath: "ga/pa", name: "x", scopes: ["read_package_registry"]`, "token"},
		{"projectAccessTokenCreate", `path: "ga/pa", name: "x", accessLevel: GUEST, scopes: ["api"]`, "token"},
		{"groupAccessTokenCreate", `path: "ga", name: "x", accessLevel: GUEST, scopes: ["api"]`, "token"},
		{"membershipCreate", `username: "victim", groupPath: "ga", accessLevel: OWNER`, ""},
		{"membershipCreate", `username: "victim", projectPath: "ga/pa", accessLevel: MAINTAINER`, ""},
		{"membershipDelete", `username: "victim", projectPath: "ga/pa"`, ""},
		{"userCreate", `username: "mallory", admin: true`, ""},
		{"userUpdate", `username: "victim", password: "taken over!"`, ""},
		{"updateInstanceSettings", `guestsMayPullPackages: true`, ""},
		{"groupCreate", `path: "jobgroup"`, ""},
		{"projectCreate", `fullPath: "ga/jobproject"`, ""},
		{"projectUpdate", `fullPath: "ga/pa", visibility: private`, ""},
		{"ciJobCreate", `projectPath: "ga/pa", pipelineId: 3, name: "x"`, "token"},
		{"ciJobTokenScopeAddProject", `projectPath: "ga/sub/secret", targetProjectPath: "ga/pa"`, ""},
		{"updateNamespacePackageSettings", `namespacePath: "ga", genericDuplicatesAllowed: false`, ""},
		{"updatePackagesCleanupPolicy", `projectPath: "ga/pa", keepNDuplicatedPackageFiles: ONE_PACKAGE_FILE`, ""},
		{"signOutEverywhere", `username: "victim"`, ""},
	}
	for _, job := range []struct{ who, token string }{{"owner's job", ownerJob}, {"admin's job", adminJob}} {
		for _, m := range mutations {
			var out map[string]json.RawMessage
			q := fmt.Sprintf("mutation { %s(input: {%s}) { errors %s } }", m.name, m.input, m.fields)
			errs := e.GraphQL(q, nil, &out, "Job-Token", job.token)
			var p struct{ Errors []string }
			if out[m.name] != nil {
				_ = json.Unmarshal(out[m.name], &p)
			}
			if len(errs) == 0 && out[m.name] != nil && string(out[m.name]) != "null" && len(p.Errors) == 0 {
				t.Errorf("%s: %s(%s) succeeded: %s", job.who, m.name, m.input, out[m.name])
			}
		}
		for _, req := range []struct{ method, path string }{
			{"PUT", "/api/v4/application/plan_limits?generic_packages_max_file_size=1"},
			{"PUT", "/api/v4/application/settings?allow_guest_plus_roles_to_pull_packages=true"},
			{"GET", "/api/v4/application/settings"},
		} {
			// A job token is not accepted here at all: answered as no credential.
			if res := e.Do(req.method, req.path, nil, "Job-Token", job.token); res.Status != http.StatusUnauthorized {
				t.Errorf("%s: %s %s: %d %s", job.who, req.method, req.path, res.Status, res.Body)
			}
		}
	}
	// What the job may do: its own project's packages, as its user.
	if st := put(t, e, "ga/pa", "lib", "1.0.0", "f.txt", "x", "Job-Token", ownerJob); st != http.StatusCreated {
		t.Errorf("job publish in its own project: %d", st)
	}
	// The subgroup project never allowlisted ga/pa: the owner's job cannot read it.
	put(t, e, "ga/sub/secret", "lib", "1.0.0", "f.txt", "secret", "Private-Token", owner)
	if res := e.Do("GET", "/api/v4/projects/ga%2Fsub%2Fsecret/packages/generic/lib/1.0.0/f.txt", nil, "Job-Token", ownerJob); res.Status != http.StatusNotFound {
		t.Errorf("job reads a project that did not allowlist it: %d", res.Status)
	}
}

// TestMembersAboveOneselfAreOutOfReach: a Maintainer demoted and removed an Owner.
func TestMembersAboveOneselfAreOutOfReach(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	for _, u := range []string{"po", "pm", "pd", "newbie", "go"} {
		e.User(u)
	}
	e.Member("po", "g/p", "owner")
	e.Member("pm", "g/p", "maintainer")
	e.Member("pd", "g/p", "developer")
	pm := e.PAT("pm", "api")
	refused := []struct{ name, input string }{
		{"membershipUpdate", `username: "po", projectPath: "g/p", accessLevel: DEVELOPER`},
		{"membershipDelete", `username: "po", projectPath: "g/p"`},
		{"membershipCreate", `username: "newbie", projectPath: "g/p", accessLevel: OWNER`},
		{"membershipUpdate", `username: "pd", projectPath: "g/p", accessLevel: OWNER`},
		{"projectAccessTokenCreate", `path: "g/p", name: "x", accessLevel: OWNER, scopes: ["api"]`},
	}
	for _, m := range refused {
		if _, ok := try(e, pm, m.name, m.input, ""); ok {
			t.Errorf("maintainer: %s(%s) succeeded", m.name, m.input)
		}
	}
	for _, m := range []struct{ name, input string }{
		{"membershipUpdate", `username: "pd", projectPath: "g/p", accessLevel: MAINTAINER`},
		{"membershipCreate", `username: "newbie", projectPath: "g/p", accessLevel: REPORTER`},
		{"membershipDelete", `username: "newbie", projectPath: "g/p"`},
	} {
		if _, ok := try(e, pm, m.name, m.input, ""); !ok {
			t.Errorf("maintainer: %s(%s) refused", m.name, m.input)
		}
	}
	// A group keeps at least one Owner.
	e.Group("solo", "private") // root is its only owner
	if _, ok := try(e, e.RootToken, "membershipUpdate", `username: "root", groupPath: "solo", accessLevel: MAINTAINER`, ""); ok {
		t.Error("the last owner of a group was demoted")
	}
	if _, ok := try(e, e.RootToken, "membershipDelete", `username: "root", groupPath: "solo"`, ""); ok {
		t.Error("the last owner of a group was removed")
	}
}

// TestProjectsStayWithinTheirGroupsVisibility: projectUpdate made a project public
// inside a private group (projectCreate already refused it).
func TestProjectsStayWithinTheirGroupsVisibility(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	if _, ok := try(e, e.RootToken, "projectUpdate", `fullPath: "g/p", visibility: public`, ""); ok {
		t.Fatal("a project in a private group became public")
	}
	if _, ok := try(e, e.RootToken, "projectUpdate", `fullPath: "g/p", visibility: private`, ""); !ok {
		t.Fatal("a project cannot keep its visibility")
	}
}

// TestCreatesDoNotRevealPrivatePaths: creating into a private path answered
// differently from creating into a path that does not exist.
func TestCreatesDoNotRevealPrivatePaths(t *testing.T) {
	e := compattest.New(t)
	e.Group("secret", "private")
	e.Project("secret/app", "private", "")
	e.User("outsider")
	tok := e.PAT("outsider", "api")
	answer := func(name, input string) string {
		var out map[string]json.RawMessage
		errs := e.GraphQL(fmt.Sprintf("mutation { %s(input: {%s}) { errors } }", name, input), nil, &out, "Authorization", "Bearer "+tok)
		return fmt.Sprint(errs, string(out[name]))
	}
	cases := []struct{ name, hidden, absent string }{
		{"projectCreate", `fullPath: "secret/app"`, `fullPath: "nosuch/app"`},
		{"projectCreate", `fullPath: "secret/x"`, `fullPath: "nosuch/x"`},
		{"groupCreate", `path: "secret/sub"`, `path: "nosuch/sub"`},
	}
	for _, c := range cases {
		h, a := answer(c.name, c.hidden), answer(c.name, c.absent)
		if strings.ReplaceAll(h, "secret", "nosuch") != a {
			t.Errorf("%s: private path answers %s, absent path %s", c.name, h, a)
		}
		if strings.Contains(h, "taken") {
			t.Errorf("%s: %s reveals the path", c.name, h)
		}
	}
}

// TestAccessTokenBotsActOnlyWhereTheyAreMembers: the bot of a project access token
// minted personal tokens and created top-level groups.
func TestAccessTokenBotsActOnlyWhereTheyAreMembers(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	out, ok := try(e, e.RootToken, "projectAccessTokenCreate", `path: "g/p", name: "bot", accessLevel: MAINTAINER, scopes: ["api"]`, "token")
	if !ok {
		t.Fatal("access token")
	}
	var bot string
	_ = json.Unmarshal(out["token"], &bot)
	for _, m := range []struct{ name, input string }{
		{"personalAccessTokenCreate", `name: "escape", scopes: ["api"]`},
		{"groupCreate", `path: "botgroup"`},
		{"signOutEverywhere", ``},
	} {
		if _, ok := try(e, bot, m.name, m.input, ""); ok {
			t.Errorf("bot: %s succeeded", m.name)
		}
	}
	// Where it is a member it still works.
	if st := put(t, e, "g/p", "lib", "1.0.0", "f.txt", "x", "Private-Token", bot); st != http.StatusCreated {
		t.Errorf("bot publish: %d", st)
	}
}

// TestUserUpdateAuthorizesFirst: userUpdate with only a username returned the user
// (id, state, admin flag) to anyone, anonymous included.
func TestUserUpdateAuthorizesFirst(t *testing.T) {
	e := compattest.New(t)
	e.User("plain")
	plain := e.PAT("plain", "api")
	for _, tok := range []string{"", plain} {
		var out struct {
			UserUpdate *struct {
				User *struct {
					ID    string
					Admin bool
				}
			}
		}
		h := []string{}
		if tok != "" {
			h = []string{"Authorization", "Bearer " + tok}
		}
		e.GraphQL(`mutation { userUpdate(input: {username: "root"}) { user { id admin } errors } }`, nil, &out, h...)
		if out.UserUpdate != nil && out.UserUpdate.User != nil {
			t.Errorf("caller %q read root: %+v", tok, *out.UserUpdate.User)
		}
	}
}

// signIn signs a user in and returns the session cookie and CSRF token.
func signIn(t *testing.T, e *compattest.Env, user, password string) (cookie, csrf string) {
	t.Helper()
	res, err := http.Post(e.URL+"/-/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username": %q, "password": %q}`, user, password)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ CSRFToken string }
	_ = json.NewDecoder(res.Body).Decode(&body)
	for _, c := range res.Cookies() {
		if c.Name == "registry_session" {
			cookie = c.Value
		}
	}
	if res.StatusCode != 200 || cookie == "" {
		t.Fatalf("sign in %s: %d", user, res.StatusCode)
	}
	return cookie, body.CSRFToken
}

func signedIn(e *compattest.Env, cookie string) bool {
	res := e.Do("GET", "/-/session", nil, "Cookie", "registry_session="+cookie)
	return res.Status == http.StatusOK && strings.Contains(string(res.Body), `"username":"alice"`)
}

// TestSessionsEndWithThePassword: a password change left every browser signed in,
// and there was no way to sign out everywhere.
func TestSessionsEndWithThePassword(t *testing.T) {
	e := compattest.New(t)
	if _, ok := try(e, e.RootToken, "userCreate", `username: "alice", password: "first password"`, ""); !ok {
		t.Fatal("user")
	}
	c1, _ := signIn(t, e, "alice", "first password")
	if !signedIn(e, c1) {
		t.Fatal("not signed in")
	}
	if _, ok := try(e, e.RootToken, "userUpdate", `username: "alice", password: "second password"`, ""); !ok {
		t.Fatal("password change")
	}
	if signedIn(e, c1) {
		t.Fatal("the session outlived the password")
	}
	a, csrfA := signIn(t, e, "alice", "second password")
	b, _ := signIn(t, e, "alice", "second password")
	var out struct{ SignOutEverywhere struct{ SessionsEnded int } }
	errs := e.GraphQL(`mutation { signOutEverywhere(input: {}) { sessionsEnded errors } }`, nil, &out,
		"Cookie", "registry_session="+a, "X-CSRF-Token", csrfA)
	if len(errs) > 0 || out.SignOutEverywhere.SessionsEnded != 2 || signedIn(e, a) || signedIn(e, b) {
		t.Fatalf("sign out everywhere: %v %+v", errs, out)
	}
}

// TestGraphQLRequestsAreBounded: a body of any size was read, an undecodable body
// was quoted back, and nodes(ids:) or aliases multiplied work past the complexity
// limit.
func TestGraphQLRequestsAreBounded(t *testing.T) {
	e := compattest.New(t)
	big := `{"query": "{ currentUser { username } }", "pad": "` + strings.Repeat("x", 3<<20) + `"}`
	if res := e.Do("POST", "/api/graphql", strings.NewReader(big), "Content-Type", "application/json"); res.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("3 MiB body: %d", res.Status)
	}
	// The same without a Content-Length: cut off while reading.
	req, _ := http.NewRequest("POST", e.URL+"/api/graphql", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("3 MiB chunked body: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	marker := "<script>marker-5c1f</script>"
	res := e.Do("POST", "/api/graphql", strings.NewReader(`{"query": "`+marker), "Content-Type", "application/json")
	if res.Status != http.StatusBadRequest || bytes.Contains(res.Body, []byte("marker-5c1f")) {
		t.Errorf("undecodable body: %d %s", res.Status, res.Body)
	}
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("%q", fmt.Sprintf("gid://gitlab/Packages::Package/%d", i+1))
	}
	q := `{ nodes(ids: [` + strings.Join(ids, ",") + `]) { ... on Package { packageFiles(first: 100) { nodes { fileName fileSha256 } } versions(first: 100) { nodes { name version } } } } }`
	if errs := e.GraphQL(q, nil, nil, "Authorization", "Bearer "+e.RootToken); len(errs) == 0 || !strings.Contains(strings.Join(errs, " "), "complexity") {
		t.Errorf("nodes of 100 ids: %v", errs)
	}
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 200 {
		fmt.Fprintf(&aliases, ` a%d: projects(first: 100) { nodes { name fullPath } }`, i)
	}
	aliases.WriteString("}")
	if errs := e.GraphQL(aliases.String(), nil, nil, "Authorization", "Bearer "+e.RootToken); len(errs) == 0 || !strings.Contains(strings.Join(errs, " "), "complexity") {
		t.Errorf("200 aliases: %v", errs)
	}
}

// TestMalformedInputIsBadInput: a malformed cursor or time came back as an internal
// server error.
func TestMalformedInputIsBadInput(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "public")
	e.Project("g/p", "public", "")
	for _, q := range []string{
		`{ project(fullPath: "g/p") { packages(after: "not a cursor") { nodes { name } } } }`,
		`{ project(fullPath: "g/p") { packages(before: "bm90IGpzb24=") { nodes { name } } } }`,
		`mutation { personalAccessTokenCreate(input: {name: "x", scopes: ["api"], expiresAt: "yesterday"}) { errors } }`,
	} {
		body, _ := json.Marshal(map[string]any{"query": q})
		res := e.Do("POST", "/api/graphql", bytes.NewReader(body), "Content-Type", "application/json", "Authorization", "Bearer "+e.RootToken)
		var r struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		_ = json.Unmarshal(res.Body, &r)
		if len(r.Errors) == 0 {
			t.Errorf("%s: no error: %s", q, res.Body)
			continue
		}
		for _, er := range r.Errors {
			if er.Extensions["code"] == "INTERNAL_SERVER_ERROR" || strings.Contains(er.Message, "Internal server error") {
				t.Errorf("%s: internal error: %s", q, res.Body)
			}
		}
	}
}
