package graph_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
)

// gql runs a query and fails the test on GraphQL errors.
func gql(t *testing.T, e *compattest.Env, token, query string, vars map[string]any, out any) {
	t.Helper()
	if errs := e.GraphQL(query, vars, out, "Authorization", "Bearer "+token); len(errs) > 0 {
		t.Fatalf("graphql errors: %v\nquery: %s", errs, query)
	}
}

type payload struct {
	Errors []string
	Token  string
}

// mutate runs a mutation whose payload has errors (and maybe a token) and fails on any error.
func mutate(t *testing.T, e *compattest.Env, token, name, input string) payload {
	t.Helper()
	var out map[string]payload
	fields := "errors"
	if strings.Contains(name, "Token") && strings.HasSuffix(name, "Create") || name == "personalAccessTokenRotate" || name == "ciJobCreate" {
		fields += " token"
	}
	gql(t, e, token, fmt.Sprintf("mutation { %s(input: {%s}) { %s } }", name, input, fields), nil, &out)
	if p := out[name]; len(p.Errors) > 0 {
		t.Fatalf("%s: %v", name, p.Errors)
	}
	return out[name]
}

func put(t *testing.T, e *compattest.Env, project, name, version, file, body string, headers ...string) int {
	t.Helper()
	path := fmt.Sprintf("/api/v4/projects/%s/packages/generic/%s/%s/%s", strings.ReplaceAll(project, "/", "%2F"), name, version, file)
	return e.Do("PUT", path, strings.NewReader(body), headers...).Status
}

// TestProvisionAndManageWithGraphQLOnly is the script a provisioning tool would run
// holding only the bootstrap token: everything but publishing goes through GraphQL.
func TestProvisionAndManageWithGraphQLOnly(t *testing.T) {
	e := compattest.New(t)
	root := e.RootToken

	mutate(t, e, root, "userCreate", `username: "alice", name: "Alice", email: "alice@example.com", password: "correct horse"`)
	mutate(t, e, root, "userCreate", `username: "bob"`)
	mutate(t, e, root, "groupCreate", `path: "acme", visibility: internal`)
	mutate(t, e, root, "groupCreate", `path: "acme/tools", visibility: private`)
	mutate(t, e, root, "projectCreate", `fullPath: "acme/app", visibility: private`)
	mutate(t, e, root, "projectCreate", `fullPath: "acme/tools/lib", visibility: private`)
	mutate(t, e, root, "projectCreate", `fullPath: "acme/open", visibility: internal, packageRegistryAccessLevel: PUBLIC`)
	mutate(t, e, root, "membershipCreate", `username: "alice", groupPath: "acme", accessLevel: DEVELOPER`)
	mutate(t, e, root, "membershipCreate", `username: "bob", projectPath: "acme/app", accessLevel: REPORTER`)

	alice := mutate(t, e, root, "personalAccessTokenCreate", `username: "alice", name: "ci", scopes: ["api"]`).Token
	bob := mutate(t, e, root, "personalAccessTokenCreate", `username: "bob", name: "read", scopes: ["read_api"]`).Token
	var dt struct {
		DeployTokenCreate struct {
			Token       string
			DeployToken struct{ ID, Username string }
		}
	}
	gql(t, e, root, `mutation { deployTokenCreate(input: {projectPath: "acme/app", name: "deployer", scopes: ["write_package_registry"]}) { token deployToken { id username } errors } }`, nil, &dt)
	pat := mutate(t, e, root, "projectAccessTokenCreate", `path: "acme/app", name: "bot", accessLevel: DEVELOPER, scopes: ["api"]`).Token
	gat := mutate(t, e, root, "groupAccessTokenCreate", `path: "acme", name: "gbot", accessLevel: MAINTAINER, scopes: ["api"]`).Token
	var job struct {
		CiJobCreate struct {
			Token string
			Job   struct{ ID string }
		}
	}
	gql(t, e, alice, `mutation { ciJobCreate(input: {projectPath: "acme/app", pipelineId: 77, ref: "main", sha: "abc123", name: "publish"}) { token job { id } errors } }`, nil, &job)

	// Publish over REST with every kind of token.
	for i, h := range [][]string{
		{"Private-Token", alice},
		{"Deploy-Token", dt.DeployTokenCreate.Token},
		{"Private-Token", pat},
		{"Private-Token", gat},
		{"Job-Token", job.CiJobCreate.Token},
	} {
		if s := put(t, e, "acme/app", fmt.Sprintf("pkg-%d", i), "1.10.0", "a.bin", "x", h...); s != 201 {
			t.Fatalf("publish with token %d: %d", i, s)
		}
	}
	for _, v := range []string{"1.9.0", "1.2.0"} {
		if s := put(t, e, "acme/app", "pkg-0", v, "a.bin", "y", "Private-Token", alice); s != 201 {
			t.Fatal(s)
		}
	}
	if s := put(t, e, "acme/tools/lib", "lib", "0.1.0", "lib.tgz", "z", "Private-Token", gat); s != 201 {
		t.Fatal(s)
	}

	type pkg struct {
		ID, Name, Version string
		PackageFiles      struct {
			Nodes []struct{ ID, FileName, FileSha256, DownloadPath string }
		}
		Pipelines struct {
			Nodes []struct {
				Iid, Ref, Sha string
				User          struct{ Username string }
			}
		}
	}
	type conn struct {
		Count int
		Nodes []pkg
	}
	t.Run("list, search, sort and filter at project level", func(t *testing.T) {
		var out struct{ Project struct{ Packages conn } }
		gql(t, e, bob, `{ project(fullPath: "acme/app") { packages(packageName: "pkg-0", sort: VERSION_ASC) { count nodes { name version } } } }`, nil, &out)
		var got []string
		for _, p := range out.Project.Packages.Nodes {
			got = append(got, p.Version)
		}
		if strings.Join(got, " ") != "1.2.0 1.9.0 1.10.0" || out.Project.Packages.Count != 3 {
			t.Fatalf("version order: %v (count %d)", got, out.Project.Packages.Count)
		}
		gql(t, e, bob, `{ project(fullPath: "acme/app") { packages(packageType: GENERIC, packageVersion: "1.10.0", sort: NAME_DESC, first: 2) { count nodes { name } } } }`, nil, &out)
		if out.Project.Packages.Count != 5 || len(out.Project.Packages.Nodes) != 2 || out.Project.Packages.Nodes[0].Name != "pkg-4" {
			t.Fatalf("filter and page: %+v", out.Project.Packages)
		}
	})
	t.Run("group level lists readable projects only", func(t *testing.T) {
		var out struct{ Group struct{ Packages conn } }
		gql(t, e, alice, `{ group(fullPath: "acme") { packages(first: 100) { count nodes { name } } } }`, nil, &out)
		if out.Group.Packages.Count != 8 {
			t.Fatalf("alice (group developer) sees %d", out.Group.Packages.Count)
		}
		gql(t, e, bob, `{ group(fullPath: "acme") { packages(first: 100) { count } } }`, nil, &out)
		if out.Group.Packages.Count != 7 {
			t.Fatalf("bob (reporter of acme/app only) sees %d", out.Group.Packages.Count)
		}
	})
	var jobPkg pkg
	t.Run("details with files and the pipeline", func(t *testing.T) {
		var out struct{ Project struct{ Packages conn } }
		gql(t, e, alice, `{ project(fullPath: "acme/app") { packages(packageName: "pkg-4") { nodes { id name version
			packageFiles { nodes { id fileName fileSha256 downloadPath } }
			pipelines { nodes { iid ref sha user { username } } } } } } }`, nil, &out)
		jobPkg = out.Project.Packages.Nodes[0]
		pl := jobPkg.Pipelines.Nodes
		if len(pl) != 1 || pl[0].Iid != "77" || pl[0].Ref != "main" || pl[0].Sha != "abc123" || pl[0].User.Username != "alice" {
			t.Fatalf("pipelines: %+v", pl)
		}
		f := jobPkg.PackageFiles.Nodes
		if len(f) != 1 || f[0].FileName != "a.bin" {
			t.Fatalf("files: %+v", f)
		}
		if res := e.Do("GET", f[0].DownloadPath, nil, "Private-Token", alice); res.Status != 200 || string(res.Body) != "x" {
			t.Fatalf("downloadPath: %d", res.Status)
		}
		var d struct{ Package pkg }
		gql(t, e, bob, `query($id: PackagesPackageID!) { package(id: $id) { id name version } }`, map[string]any{"id": jobPkg.ID}, &d)
		if d.Package.Name != "pkg-4" {
			t.Fatalf("package(id): %+v", d.Package)
		}
	})
	t.Run("delete a file, a package and a batch", func(t *testing.T) {
		// Developers may not delete; the group bot (Maintainer) may.
		var out map[string]payload
		errs := e.GraphQL(`mutation($id: PackagesPackageFileID!) { destroyPackageFile(input: {id: $id}) { errors } }`,
			map[string]any{"id": jobPkg.PackageFiles.Nodes[0].ID}, &out, "Authorization", "Bearer "+alice)
		if len(errs) == 0 {
			t.Fatal("a developer deleted a file")
		}
		gql(t, e, gat, `mutation($id: PackagesPackageFileID!) { destroyPackageFile(input: {id: $id}) { errors } }`, map[string]any{"id": jobPkg.PackageFiles.Nodes[0].ID}, &out)
		gql(t, e, gat, `mutation($id: PackagesPackageID!) { destroyPackage(input: {id: $id}) { errors } }`, map[string]any{"id": jobPkg.ID}, &out)
		var list struct{ Project struct{ Packages conn } }
		gql(t, e, gat, `{ project(fullPath: "acme/app") { packages(first: 100) { nodes { id name } } } }`, nil, &list)
		var ids []string
		for _, p := range list.Project.Packages.Nodes {
			if p.Name == "pkg-4" {
				t.Fatal("deleted package still listed")
			}
			if p.Name == "pkg-1" || p.Name == "pkg-2" {
				ids = append(ids, p.ID)
			}
		}
		gql(t, e, gat, `mutation($ids: [PackagesPackageID!]!) { destroyPackages(input: {ids: $ids}) { errors } }`, map[string]any{"ids": ids}, &out)
		gql(t, e, gat, `{ project(fullPath: "acme/app") { packages(first: 100) { count } } }`, nil, &list)
		if len(ids) != 2 || list.Project.Packages.Count != 4 {
			t.Fatalf("after batch delete of %v: %d left", ids, list.Project.Packages.Count)
		}
	})
	t.Run("rotate and revoke tokens; the old ones stop working", func(t *testing.T) {
		var me struct {
			CurrentUser struct {
				PersonalAccessTokens struct{ Nodes []struct{ ID, Name string } }
			}
		}
		gql(t, e, alice, `{ currentUser { personalAccessTokens { nodes { id name } } } }`, nil, &me)
		id := me.CurrentUser.PersonalAccessTokens.Nodes[0].ID
		rotated := mutate(t, e, alice, "personalAccessTokenRotate", fmt.Sprintf(`id: %q`, id)).Token
		if s := put(t, e, "acme/app", "after", "1.0.0", "f", "x", "Private-Token", alice); s != 401 {
			t.Fatalf("old token after rotation: %d", s)
		}
		if s := put(t, e, "acme/app", "after", "1.0.0", "f", "x", "Private-Token", rotated); s != 201 {
			t.Fatalf("rotated token: %d", s)
		}
		mutate(t, e, root, "deployTokenRevoke", fmt.Sprintf(`id: %q`, dt.DeployTokenCreate.DeployToken.ID))
		if s := put(t, e, "acme/app", "after", "1.0.1", "f", "x", "Deploy-Token", dt.DeployTokenCreate.Token); s != 401 {
			t.Fatalf("revoked deploy token: %d", s)
		}
		mutate(t, e, rotated, "ciJobFinish", fmt.Sprintf(`id: %q`, job.CiJobCreate.Job.ID))
		if s := put(t, e, "acme/app", "after", "1.0.2", "f", "x", "Job-Token", job.CiJobCreate.Token); s != 401 {
			t.Fatalf("finished job's token: %d", s)
		}
		var me2 struct {
			CurrentUser struct {
				PersonalAccessTokens struct {
					Nodes []struct {
						ID      string
						Revoked bool
					}
				}
			}
		}
		gql(t, e, rotated, `{ currentUser { personalAccessTokens { nodes { id revoked } } } }`, nil, &me2)
		n := me2.CurrentUser.PersonalAccessTokens.Nodes
		if len(n) != 2 || !n[0].Revoked || n[1].Revoked {
			t.Fatalf("tokens after rotation: %+v", n)
		}
		mutate(t, e, rotated, "personalAccessTokenRevoke", fmt.Sprintf(`id: %q`, n[1].ID))
		if s := put(t, e, "acme/app", "after", "1.0.3", "f", "x", "Private-Token", rotated); s != 401 {
			t.Fatalf("revoked token: %d", s)
		}
	})
	t.Run("settings and cleanup policy", func(t *testing.T) {
		var out struct {
			UpdateNamespacePackageSettings struct {
				PackageSettings struct{ GenericDuplicatesAllowed bool }
				Errors          []string
			}
		}
		gql(t, e, root, `mutation { updateNamespacePackageSettings(input: {namespacePath: "acme", genericDuplicatesAllowed: false}) { packageSettings { genericDuplicatesAllowed } errors } }`, nil, &out)
		if out.UpdateNamespacePackageSettings.PackageSettings.GenericDuplicatesAllowed {
			t.Fatal("setting not saved")
		}
		// A pattern that does not compile is refused as the argument is read (GitLab's
		// UntrustedRegexp type): a top-level error, nothing saved.
		if errs := e.GraphQL(`mutation { updateNamespacePackageSettings(input: {namespacePath: "acme", genericDuplicateExceptionRegex: "("}) { errors } }`,
			nil, nil, "Authorization", "Bearer "+root); len(errs) != 1 || errs[0] != "( is an invalid regexp" {
			t.Fatalf("bad regex: %v", errs)
		}
		if s := put(t, e, "acme/app", "pkg-0", "1.2.0", "a.bin", "again", "Private-Token", gat); s != 400 {
			t.Fatalf("duplicate after the setting: %d", s)
		}
		var pol struct {
			UpdatePackagesCleanupPolicy struct {
				PackagesCleanupPolicy struct{ KeepNDuplicatedPackageFiles string }
			}
		}
		gql(t, e, gat, `mutation { updatePackagesCleanupPolicy(input: {projectPath: "acme/app", keepNDuplicatedPackageFiles: ONE_PACKAGE_FILE}) { packagesCleanupPolicy { keepNDuplicatedPackageFiles } errors } }`, nil, &pol)
		if pol.UpdatePackagesCleanupPolicy.PackagesCleanupPolicy.KeepNDuplicatedPackageFiles != "ONE_PACKAGE_FILE" {
			t.Fatalf("policy: %+v", pol)
		}
	})
	t.Run("read_api tokens cannot mutate; secrets never appear in queries", func(t *testing.T) {
		errs := e.GraphQL(`mutation { projectCreate(input: {fullPath: "bob/p"}) { errors } }`, nil, nil, "Authorization", "Bearer "+bob)
		if len(errs) == 0 {
			t.Fatal("read_api token mutated")
		}
		res := e.Do("POST", "/api/graphql", strings.NewReader(`{"query":"{ __type(name: \"PersonalAccessToken\") { fields { name } } }"}`),
			"Content-Type", "application/json", "Authorization", "Bearer "+root)
		if strings.Contains(string(res.Body), "digest") || strings.Contains(string(res.Body), `"token"`) {
			t.Fatalf("token type exposes a secret: %s", res.Body)
		}
	})
}

// TestListingIsABoundedNumberOfQueries lists 100 packages with their files, tags and
// pipelines and checks the number of SQL queries does not grow with the page.
func TestListingIsABoundedNumberOfQueries(t *testing.T) {
	var queries atomic.Int64
	e := compattest.New(t, database.LogStatements(func(string) { queries.Add(1) }))
	e.Project("root/many", "private", "")
	// A member, not an administrator: permissions are then computed from memberships.
	e.User("maint")
	e.Member("maint", "root/many", "maintainer")
	maint := e.PAT("maint", "api")
	job, _ := e.Job("root/many", "root", 5)
	for i := 0; i < 100; i++ {
		for _, f := range []string{"a.tgz", "b.tgz"} {
			if s := put(t, e, "root/many", fmt.Sprintf("p%03d", i), "1.0.0", f, fmt.Sprint(i, f), "Job-Token", job); s != 201 {
				t.Fatal(s)
			}
		}
	}
	ctx := context.Background()
	for _, p := range e.DB.Client.PackageVersion.Query().AllX(ctx) {
		e.DB.Client.PackageTag.Create().SetName("latest").SetPackageID(p.ID).ExecX(ctx)
	}
	count := func(first int) int64 {
		var out struct {
			Project struct {
				Packages struct {
					Nodes []struct {
						PackageFiles struct {
							Nodes []struct{ FileName, DownloadPath string }
						}
						Tags      struct{ Nodes []struct{ Name string } }
						Pipelines struct{ Nodes []struct{ Iid string } }
					}
				}
			}
		}
		queries.Store(0)
		gql(t, e, maint, fmt.Sprintf(`{ project(fullPath: "root/many") { packages(first: %d) { count nodes {
			name canDestroy userPermissions { destroyPackage }
			packageFiles { nodes { fileName downloadPath } } tags { nodes { name } } pipelines { nodes { iid user { username } } } } } } }`, first), nil, &out)
		n := queries.Load()
		nodes := out.Project.Packages.Nodes
		if len(nodes) != first || len(nodes[0].PackageFiles.Nodes) != 2 || len(nodes[0].Tags.Nodes) != 1 || len(nodes[first-1].Pipelines.Nodes) != 1 {
			t.Fatalf("first %d: got %d packages, %+v", first, len(nodes), nodes[0])
		}
		return n
	}
	count(10) // warm up: the first request also records the token's last use
	q10, q100 := count(10), count(100)
	t.Logf("SQL queries: %d for 10 packages, %d for 100", q10, q100)
	if q100 != q10 || q100 > 20 {
		t.Fatalf("queries grow with the page: %d for 10, %d for 100", q10, q100)
	}
}

// TestLimits checks page clamping, depth and complexity limits, and that errors do
// not show internals.
func TestLimits(t *testing.T) {
	e := compattest.New(t)
	e.Project("root/p", "private", "")
	for i := 0; i < 105; i++ {
		put(t, e, "root/p", fmt.Sprintf("p%d", i), "1.0.0", "f", "x", "Private-Token", e.RootToken)
	}
	var out struct {
		Project struct {
			Packages struct {
				Count int
				Nodes []struct{ Name string }
			}
		}
	}
	gql(t, e, e.RootToken, `{ project(fullPath: "root/p") { packages(first: 1000) { count nodes { name } } } }`, nil, &out)
	if out.Project.Packages.Count != 105 || len(out.Project.Packages.Nodes) != 100 {
		t.Fatalf("first: 1000 gave %d of %d", len(out.Project.Packages.Nodes), out.Project.Packages.Count)
	}
	gql(t, e, e.RootToken, `{ project(fullPath: "root/p") { packages { nodes { name } } } }`, nil, &out)
	if len(out.Project.Packages.Nodes) != 20 {
		t.Fatalf("default page: %d", len(out.Project.Packages.Nodes))
	}
	deep := `{ project(fullPath: "root/p") { group { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } } } } } } } }`
	if errs := e.GraphQL(deep, nil, nil, "Authorization", "Bearer "+e.RootToken); len(errs) == 0 || !strings.Contains(errs[0], "nested") {
		t.Fatalf("depth: %v", errs)
	}
	// An explorer's schema query (graphql-js's getIntrospectionQuery nests type
	// references 15 levels) passes; an ofType chain past the introspection limit does not.
	typeRef := "kind name"
	for range 8 {
		typeRef = "kind name ofType { " + typeRef + " }"
	}
	explorer := `{ __schema { queryType { name } types { name fields(includeDeprecated: true) { name args { name type { ` + typeRef + ` } } type { ` + typeRef + ` } } } } }`
	var schema struct {
		Schema struct{ Types []struct{ Name string } } `json:"__schema"`
	}
	if errs := e.GraphQL(explorer, nil, &schema); len(errs) > 0 || len(schema.Schema.Types) == 0 {
		t.Fatalf("an explorer's introspection: %v", errs)
	}
	for range 20 {
		typeRef = "kind ofType { " + typeRef + " }"
	}
	if errs := e.GraphQL(`{ __type(name: "Package") { fields { type { `+typeRef+` } } } }`, nil, nil); len(errs) == 0 || !strings.Contains(errs[0], "introspection is nested") {
		t.Fatalf("deep introspection: %v", errs)
	}
	costly := `{ project(fullPath: "root/p") { packages(first: 100) { nodes { versions(first: 100) { nodes { packageFiles(first: 100) { nodes { id } } } } } } } }`
	if errs := e.GraphQL(costly, nil, nil, "Authorization", "Bearer "+e.RootToken); len(errs) == 0 || !strings.Contains(errs[0], "complexity") {
		t.Fatalf("complexity: %v", errs)
	}
	errs := e.GraphQL(`{ package(id: "gid://gitlab/Packages::Package/x'; DROP TABLE") { id } }`, nil, nil, "Authorization", "Bearer "+e.RootToken)
	if len(errs) != 1 || strings.Contains(strings.ToLower(errs[0]), "sql") {
		t.Fatalf("bad id: %v", errs)
	}
	if res := e.Do("POST", "/api/graphql", strings.NewReader(`{"query":"{ currentUser { id } }"}`), "Content-Type", "application/json", "Authorization", "Bearer glpat-nope"); res.Status != 401 {
		t.Fatalf("bad token: %d", res.Status)
	}
	var anon struct{ CurrentUser *struct{ ID string } }
	if errs := e.GraphQL(`{ currentUser { id } }`, nil, &anon); len(errs) > 0 || anon.CurrentUser != nil {
		t.Fatalf("anonymous: %v %+v", errs, anon)
	}
}

// TestCleanupPolicyKeepsTheNewestFiles sets a policy through GraphQL and checks that
// garbage collection keeps only the newest file of each name.
func TestCleanupPolicyKeepsTheNewestFiles(t *testing.T) {
	e := compattest.New(t)
	e.Project("root/app", "private", "")
	for i := 0; i < 3; i++ {
		put(t, e, "root/app", "pkg", "1.0.0", "same.bin", fmt.Sprint("v", i), "Private-Token", e.RootToken)
	}
	put(t, e, "root/app", "pkg", "1.0.0", "other.bin", "o", "Private-Token", e.RootToken)
	mutate(t, e, e.RootToken, "updatePackagesCleanupPolicy", `projectPath: "root/app", keepNDuplicatedPackageFiles: ONE_PACKAGE_FILE`)
	st, err := e.Svc.CollectGarbage(context.Background(), 0)
	if err != nil || st.CleanedUp != 2 {
		t.Fatalf("gc: %+v %v", st, err)
	}
	var out struct {
		Project struct {
			Packages struct {
				Nodes []struct {
					PackageFiles struct{ Nodes []struct{ FileName string } }
				}
			}
			PackagesCleanupPolicy struct{ NextRunAt *string }
		}
	}
	gql(t, e, e.RootToken, `{ project(fullPath: "root/app") { packages { nodes { packageFiles { nodes { fileName } } } } packagesCleanupPolicy { nextRunAt } } }`, nil, &out)
	files := out.Project.Packages.Nodes[0].PackageFiles.Nodes
	if len(files) != 2 || out.Project.PackagesCleanupPolicy.NextRunAt == nil {
		t.Fatalf("after cleanup: %+v", out)
	}
	if res := e.Do("GET", "/api/v4/projects/root%2Fapp/packages/generic/pkg/1.0.0/same.bin", nil, "Private-Token", e.RootToken); string(res.Body) != "v2" {
		t.Fatalf("the newest file must stay: %q", res.Body)
	}
}

// Paths are unique ignoring case across users, groups and projects, as in GitLab.
func TestPathsAreUniqueIgnoringCase(t *testing.T) {
	e := compattest.New(t)
	mutate(t, e, e.RootToken, "groupCreate", `path: "acme"`)
	mutate(t, e, e.RootToken, "projectCreate", `fullPath: "acme/app"`)
	for _, m := range []string{
		`groupCreate(input: {path: "ACME"})`,
		`groupCreate(input: {path: "Root"})`,
		`groupCreate(input: {path: "acme/App"})`,
		`projectCreate(input: {fullPath: "acme/APP"})`,
		`userCreate(input: {username: "Acme"})`,
	} {
		var out map[string]payload
		gql(t, e, e.RootToken, "mutation { "+m+" { errors } }", nil, &out)
		for _, p := range out {
			if len(p.Errors) != 1 || !strings.Contains(p.Errors[0], "already been taken") {
				t.Errorf("%s: %v", m, p.Errors)
			}
		}
	}
}

func TestAccessTokensListAndRevoke(t *testing.T) {
	e := compattest.New(t)
	mutate(t, e, e.RootToken, "projectCreate", `fullPath: "root/app"`)
	e.User("dev")
	e.Member("dev", "root/app", "developer")
	dev := e.PAT("dev", "api")
	secret := mutate(t, e, e.RootToken, "projectAccessTokenCreate", `path: "root/app", name: "deployer", accessLevel: DEVELOPER, scopes: ["api"]`).Token
	type tok struct {
		ID, Name, AccessLevel string
		Revoked               bool
		User                  struct {
			Username string
			Bot      bool
		}
	}
	var out struct{ Project struct{ AccessTokens []tok } }
	gql(t, e, e.RootToken, `{ project(fullPath: "root/app") { accessTokens { id name accessLevel revoked user { username bot } } } }`, nil, &out)
	ts := out.Project.AccessTokens
	if len(ts) != 1 || ts[0].Name != "deployer" || ts[0].AccessLevel != "DEVELOPER" || !ts[0].User.Bot {
		t.Fatalf("access tokens: %+v", ts)
	}
	// A developer may not see or revoke them.
	gql(t, e, dev, `{ project(fullPath: "root/app") { accessTokens { id } } }`, nil, &out)
	if out.Project.AccessTokens != nil {
		t.Fatalf("developer sees access tokens: %+v", out.Project.AccessTokens)
	}
	if errs := e.GraphQL(`mutation($id: ID!) { accessTokenRevoke(input: {id: $id}) { errors } }`, map[string]any{"id": ts[0].ID}, nil, "Authorization", "Bearer "+dev); len(errs) == 0 {
		t.Fatal("developer revoked an access token")
	}
	// Nor revoke a personal token through this mutation.
	if errs := e.GraphQL(`mutation { accessTokenRevoke(input: {id: "gid://gitlab/PersonalAccessToken/1"}) { errors } }`, nil, nil, "Authorization", "Bearer "+e.RootToken); len(errs) == 0 {
		t.Fatal("revoked a personal token as an access token")
	}
	mutate(t, e, e.RootToken, "accessTokenRevoke", fmt.Sprintf("id: %q", ts[0].ID))
	if s := put(t, e, "root/app", "x", "1.0.0", "f", "x", "Private-Token", secret); s != 401 {
		t.Fatalf("revoked access token: %d", s)
	}
}
