// GitLab's request specs for the packages part of its GraphQL API, restated as
// black-box checks (issue 13, "Behave as GitLab does on the wire"); each case names
// the spec (in gitlabhq/gitlabhq) it restates. They run with make test, as the
// generic, PyPI and Packages API ones do.

package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/ent/packageversion"
	"github.com/pkgreg/registry/registry"
)

// GitLab's Gitlab::Graphql::Authorize::AuthorizeResource::RESOURCE_ACCESS_ERROR.
const gsAccessError = "The resource that you are attempting to access does not exist or you don't have permission to perform this action"

// gsResp is one GraphQL exchange, kept raw so a case can look at nulls and errors.
type gsResp struct {
	Status int
	Data   any
	Errors []struct {
		Message string
		Path    []any
	}
	Body []byte
}

// gsPost sends a query as GitLab's clients do (POST /api/graphql, JSON body) with an
// optional bearer token and extra header pairs.
func gsPost(e *compattest.Env, token, query string, vars map[string]any, headers ...string) gsResp {
	e.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	h := []string{"Content-Type", "application/json"}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	h = append(h, headers...)
	res := e.Do("POST", "/api/graphql", bytes.NewReader(body), h...)
	out := gsResp{Status: res.Status, Body: res.Body}
	_ = json.Unmarshal(res.Body, &out)
	return out
}

// dig walks the data by object keys (string) and list indexes (int); nil when absent or null.
func (r gsResp) dig(path ...any) any {
	v := r.Data
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func (r gsResp) str(path ...any) string {
	s, _ := r.dig(path...).(string)
	return s
}

// list returns the string field of every node of a connection at path.
func (r gsResp) list(field string, path ...any) []string {
	nodes, _ := r.dig(append(path, "nodes")...).([]any)
	out := []string{}
	for _, n := range nodes {
		m, _ := n.(map[string]any)
		s, _ := m[field].(string)
		out = append(out, s)
	}
	return out
}

func (r gsResp) messages() []string {
	out := []string{}
	for _, er := range r.Errors {
		out = append(out, er.Message)
	}
	return out
}

// hasError reports whether a top-level error message contains every part.
func (r gsResp) hasError(parts ...string) bool {
	for _, er := range r.Errors {
		ok := true
		for _, p := range parts {
			if !strings.Contains(er.Message, p) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (r gsResp) String() string { return fmt.Sprintf("HTTP %d %s", r.Status, r.Body) }

// gsPublish adds a file to a package through the service as the administrator and
// returns the package and file ids.
func gsPublish(t *testing.T, e *compattest.Env, project string, typ registry.PackageType, name, version, file, body string) (int, int) {
	t.Helper()
	f, err := e.Svc.PublishFile(e.Admin, registry.PublishFileInput{Project: e.ProjectRow(project), Type: typ,
		Name: name, Version: version, FileName: file, Body: strings.NewReader(body), Size: -1})
	if err != nil {
		t.Fatalf("publish %s %s %s: %v", typ, name, version, err)
	}
	return f.PackageID, f.ID
}

func gsSetStatus(t *testing.T, e *compattest.Env, pkg int, s packageversion.Status) {
	t.Helper()
	e.DB.Client.PackageVersion.UpdateOneID(pkg).SetStatus(s).ExecX(context.Background())
}

func pkgGID(id int) string  { return fmt.Sprintf("gid://gitlab/Packages::Package/%d", id) }
func fileGID(id int) string { return fmt.Sprintf("gid://gitlab/Packages::PackageFile/%d", id) }

func gsEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// TestGitLabSpecFieldCallLimits: one `package` field, one group `packages` field and
// one `destroyPackages` mutation per request; the second gets null and GitLab's error.
func TestGitLabSpecFieldCallLimits(t *testing.T) {
	e := compattest.New(t)
	e.Group("g1", "private")
	e.Group("g2", "private")
	e.Project("g1/p", "private", "")
	e.Project("g2/p", "private", "")
	e.User("rep")
	e.Member("rep", "g1", "reporter")
	e.Member("rep", "g2", "reporter")
	rep := e.PAT("rep", "api")
	a, _ := gsPublish(t, e, "g1/p", registry.PackageTypeNPM, "one", "1.0.0", "one.tgz", "1")
	b, _ := gsPublish(t, e, "g2/p", registry.PackageTypeNPM, "two", "1.0.0", "two.tgz", "2")

	// spec/requests/api/graphql/packages/package_spec.rb: "with a batched query" /
	// "returns an error for the second package and data for the first"
	// (app/graphql/resolvers/package_details_resolver.rb: FieldCallCount limit 1).
	t.Run("second package field", func(t *testing.T) {
		r := gsPost(e, rep, fmt.Sprintf(`{ a: package(id: %q) { name } b: package(id: %q) { name } }`, pkgGID(a), pkgGID(b)), nil)
		if r.str("a", "name") != "one" {
			t.Errorf("first package: %s", r)
		}
		if r.dig("b") != nil {
			t.Errorf("second package is not null: %s", r)
		}
		if !r.hasError(`"package" field can be requested only for 1 Query(s) at a time.`) {
			t.Errorf("errors %q, want GitLab's field-call limit text", r.messages())
		}
	})

	// spec/requests/api/graphql/group/packages_spec.rb: "with a batched query"
	// (app/graphql/resolvers/group_packages_resolver.rb: FieldCallCount limit 1, whose
	// text is lib/gitlab/graphql/limit/field_call_count.rb's).
	t.Run("second group packages field", func(t *testing.T) {
		r := gsPost(e, rep, `{ a: group(fullPath: "g1") { packages { nodes { name } } } b: group(fullPath: "g2") { packages { nodes { name } } } }`, nil)
		if got := r.list("name", "a", "packages"); !gsEqual(got, []string{"one"}) {
			t.Errorf("first group's packages %q: %s", got, r)
		}
		if r.dig("b", "packages") != nil {
			t.Errorf("second group's packages are not null: %s", r)
		}
		if !r.hasError(`"packages" field can be requested only for 1 Group(s) at a time.`) {
			t.Errorf("errors %q, want GitLab's field-call limit text", r.messages())
		}
	})

	// The limit is on Group.packages only: Project.packages has none
	// (app/graphql/resolvers/project_packages_resolver.rb has no FieldCallCount).
	t.Run("project packages are not limited", func(t *testing.T) {
		r := gsPost(e, rep, `{ a: project(fullPath: "g1/p") { packages { nodes { name } } } b: project(fullPath: "g2/p") { packages { nodes { name } } } }`, nil)
		if len(r.Errors) > 0 || !gsEqual(r.list("name", "a", "packages"), []string{"one"}) || !gsEqual(r.list("name", "b", "packages"), []string{"two"}) {
			t.Errorf("two project package lists: %s", r)
		}
	})

	// spec/requests/api/graphql/mutations/packages/bulk_destroy_spec.rb: "with multi
	// mutations" / "executes the first mutation but not the second one".
	t.Run("second destroyPackages mutation", func(t *testing.T) {
		r := gsPost(e, e.RootToken, fmt.Sprintf(`mutation { a: destroyPackages(input: {ids: [%q]}) { errors } b: destroyPackages(input: {ids: [%q]}) { errors } }`, pkgGID(a), pkgGID(b)), nil)
		if !r.hasError(`"destroyPackages" field can be requested only for 1 Mutation(s) at a time.`) {
			t.Errorf("errors %q, want GitLab's field-call limit text", r.messages())
		}
		if r.dig("b") != nil {
			t.Errorf("second mutation is not null: %s", r)
		}
		left := gsPost(e, e.RootToken, `{ a: project(fullPath: "g1/p") { packages { count } } b: project(fullPath: "g2/p") { packages { count } } }`, nil)
		if left.dig("a", "packages", "count") != float64(0) || left.dig("b", "packages", "count") != float64(1) {
			t.Errorf("after the batch, want the first deleted and the second kept: %s", left)
		}
	})
}

// TestGitLabSpecInvalidIDs: ids that do not parse are top-level errors with the texts
// of GitLab's GlobalIDType (app/graphql/types/global_id_type.rb), and the field or
// mutation is null.
func TestGitLabSpecInvalidIDs(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	pkg, file := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, "lib", "1.0.0", "f.bin", "x")
	cases := []struct {
		name, query string
		vars        map[string]any
		field       string
		want        []string
	}{
		// spec/requests/api/graphql/mutations/packages/bulk_destroy_spec.rb: "with invalid
		// params" (ids: 'foo', sent as the mutation's input variable) → 'invalid value for id'.
		{"destroyPackages ids foo", `mutation($input: DestroyPackagesInput!) { destroyPackages(input: $input) { errors } }`,
			map[string]any{"input": map[string]any{"ids": []string{"foo"}}}, "destroyPackages",
			[]string{"invalid value for ids", `"foo" is not a valid Global ID`}},
		// spec/requests/api/graphql/mutations/packages/destroy_files_spec.rb: "with invalid params".
		{"destroyPackageFiles ids foo", `mutation($input: DestroyPackageFilesInput!) { destroyPackageFiles(input: $input) { errors } }`,
			map[string]any{"input": map[string]any{"projectPath": "g/p", "ids": []string{"foo"}}}, "destroyPackageFiles",
			[]string{"invalid value for ids", `"foo" is not a valid Global ID`}},
		// app/graphql/types/global_id_type.rb (PackagesPackageID argument of destroyPackage).
		{"destroyPackage id foo", `mutation { destroyPackage(input: {id: "foo"}) { errors } }`, nil, "destroyPackage",
			[]string{`"foo" is not a valid Global ID`}},
		{"destroyPackageFile id of a package", fmt.Sprintf(`mutation { destroyPackageFile(input: {id: %q}) { errors } }`, pkgGID(pkg)), nil, "destroyPackageFile",
			[]string{fmt.Sprintf(`%q does not represent an instance of Packages::PackageFile`, pkgGID(pkg))}},
		{"destroyPackage id of a file", fmt.Sprintf(`mutation { destroyPackage(input: {id: %q}) { errors } }`, fileGID(file)), nil, "destroyPackage",
			[]string{fmt.Sprintf(`%q does not represent an instance of Packages::Package`, fileGID(file))}},
		// app/graphql/resolvers/package_details_resolver.rb: id is a PackagesPackageID.
		{"package id foo", `{ package(id: "foo") { id } }`, nil, "package", []string{`"foo" is not a valid Global ID`}},
		{"package id of a file", fmt.Sprintf(`{ package(id: %q) { id } }`, fileGID(file)), nil, "package",
			[]string{fmt.Sprintf(`%q does not represent an instance of Packages::Package`, fileGID(file))}},
		// A bare number is no global ID in GitLab either.
		{"package bare number", fmt.Sprintf(`{ package(id: "%d") { id } }`, pkg), nil, "package",
			[]string{fmt.Sprintf(`"%d" is not a valid Global ID`, pkg)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := gsPost(e, e.RootToken, c.query, c.vars)
			if !r.hasError(c.want...) {
				t.Errorf("errors %q, want one containing %q", r.messages(), c.want)
			}
			if r.dig(c.field) != nil {
				t.Errorf("%s is not null: %s", c.field, r)
			}
		})
	}
	// A well-formed id of nothing is no error: the package is null
	// (Resolvers::PackageDetailsResolver#find_object: GitlabSchema.find_by_gid).
	if r := gsPost(e, e.RootToken, `{ package(id: "gid://gitlab/Packages::Package/5555") { id } }`, nil); len(r.Errors) > 0 || r.dig("package") != nil {
		t.Errorf("unknown package id: %s", r)
	}
	// Nothing was deleted by any of these.
	r := gsPost(e, e.RootToken, fmt.Sprintf(`{ package(id: %q) { packageFiles { count } } }`, pkgGID(pkg)), nil)
	if r.dig("package", "packageFiles", "count") != float64(1) {
		t.Errorf("the package changed: %s", r)
	}
}

// TestGitLabSpecGitLabIDTypes: GitLab's id arguments are typed PackagesPackageID and
// PackagesPackageFileID, and clients declare their variables with those types (GitLab's
// own frontend queries, and scripts such as `query getPackageFiles($id:
// PackagesPackageID!)`). app/graphql/types/global_id_type.rb (model_name_to_graphql_name).
func TestGitLabSpecGitLabIDTypes(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	pkg, file := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, "lib", "1.0.0", "f.bin", "x")
	pkg2, _ := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, "lib2", "1.0.0", "f.bin", "x")
	cases := []struct {
		name, query string
		vars        map[string]any
		ok          func(gsResp) bool
	}{
		{"query with $id: PackagesPackageID!", `query getPackageFiles($id: PackagesPackageID!, $first: Int) { package(id: $id) { id packageFiles(first: $first) { nodes { fileName downloadPath } } } }`,
			map[string]any{"id": pkgGID(pkg), "first": 10}, func(r gsResp) bool { return r.str("package", "id") == pkgGID(pkg) }},
		{"destroyPackageFile with $id: PackagesPackageFileID!", `mutation($id: PackagesPackageFileID!) { destroyPackageFile(input: {id: $id}) { errors } }`,
			map[string]any{"id": fileGID(file)}, func(r gsResp) bool { return r.dig("destroyPackageFile") != nil }},
		{"destroyPackages with $ids: [PackagesPackageID!]!", `mutation($ids: [PackagesPackageID!]!) { destroyPackages(input: {ids: $ids}) { errors } }`,
			map[string]any{"ids": []string{pkgGID(pkg2)}}, func(r gsResp) bool { return r.dig("destroyPackages") != nil }},
		// Connection arguments are graphql-ruby's: after/before are String, so clients page
		// with `$after: String` (as GitLab's frontend queries do).
		{"paging with $after: String", `query($after: String, $first: Int) { project(fullPath: "g/p") { packages(first: $first, after: $after) { nodes { name } pageInfo { endCursor } } } }`,
			map[string]any{"after": nil, "first": 1}, func(r gsResp) bool { return len(r.list("name", "project", "packages")) == 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := gsPost(e, e.RootToken, c.query, c.vars); len(r.Errors) > 0 || !c.ok(r) {
				t.Errorf("%s", r)
			}
		})
	}
	// The schema names the types so that introspecting clients find them.
	for _, name := range []string{"PackagesPackageID", "PackagesPackageFileID"} {
		r := gsPost(e, e.RootToken, fmt.Sprintf(`{ __type(name: %q) { name kind } }`, name), nil)
		if r.str("__type", "kind") != "SCALAR" {
			t.Errorf("type %s: %s", name, r)
		}
	}
}

// TestGitLabSpecDestroyPackages: spec/requests/api/graphql/mutations/packages/bulk_destroy_spec.rb
// and app/graphql/mutations/packages/bulk_destroy.rb.
func TestGitLabSpecDestroyPackages(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p1", "private", "")
	e.Project("g/p2", "private", "")
	for _, u := range []string{"maint", "half", "dev", "rep", "guest", "outsider"} {
		e.User(u)
	}
	for _, p := range []string{"g/p1", "g/p2"} {
		e.Member("maint", p, "maintainer")
		e.Member("dev", p, "developer")
		e.Member("rep", p, "reporter")
		e.Member("guest", p, "guest")
	}
	e.Member("half", "g/p1", "maintainer")
	e.Member("half", "g/p2", "developer")
	n := 0
	fresh := func() []string {
		var ids []string
		for _, p := range []string{"g/p1", "g/p1", "g/p1", "g/p2", "g/p2"} {
			n++
			id, _ := gsPublish(t, e, p, registry.PackageTypeGeneric, fmt.Sprintf("pkg%d", n), "1.0.0", "f.bin", "x")
			ids = append(ids, pkgGID(id))
		}
		return ids
	}
	count := func() int {
		r := gsPost(e, e.RootToken, `{ a: project(fullPath: "g/p1") { packages { count } } b: project(fullPath: "g/p2") { packages { count } } }`, nil)
		a, _ := r.dig("a", "packages", "count").(float64)
		b, _ := r.dig("b", "packages", "count").(float64)
		return int(a + b)
	}
	destroy := func(token string, ids []string) gsResp {
		return gsPost(e, token, `mutation($input: DestroyPackagesInput!) { destroyPackages(input: $input) { errors } }`,
			map[string]any{"input": map[string]any{"ids": ids}})
	}
	// "denying the mutation request": developer, reporter, guest, not in project; and
	// "with packages outside of the project" (Maintainer of only one of the two projects).
	for _, who := range []string{"dev", "rep", "guest", "outsider", "half", ""} {
		t.Run("denied for "+who, func(t *testing.T) {
			ids := fresh()
			before := count()
			tok := ""
			if who != "" {
				tok = e.PAT(who, "api")
			}
			r := destroy(tok, ids)
			if !r.hasError(gsAccessError) || r.dig("destroyPackages") != nil {
				t.Errorf("want null and %q: %s", gsAccessError, r)
			}
			if after := count(); after != before {
				t.Errorf("%d packages deleted", before-after)
			}
		})
	}
	// "destroying the packages": a Maintainer of both projects marks all five.
	t.Run("maintainer", func(t *testing.T) {
		ids := fresh()
		before := count()
		r := destroy(e.PAT("maint", "api"), ids)
		if len(r.Errors) > 0 || r.dig("destroyPackages", "errors") == nil {
			t.Errorf("%s", r)
		}
		if after := count(); before-after != 5 {
			t.Errorf("%d packages deleted, want 5", before-after)
		}
	})
	// "for over the limit": TOO_MANY_IDS_ERROR with MAX_PACKAGES = 20.
	t.Run("over 20 ids", func(t *testing.T) {
		var ids []string
		for i := 1; i <= 21; i++ {
			ids = append(ids, pkgGID(100000+i))
		}
		r := destroy(e.RootToken, ids)
		if !r.hasError("Cannot delete more than 20 packages") || r.dig("destroyPackages") != nil {
			t.Errorf("21 ids: %s", r)
		}
	})
}

// TestGitLabSpecDestroyPackageFiles: spec/requests/api/graphql/mutations/packages/destroy_files_spec.rb
// and app/graphql/mutations/packages/destroy_files.rb.
func TestGitLabSpecDestroyPackageFiles(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	e.Project("g/other", "private", "")
	for _, u := range []string{"maint", "dev", "rep", "guest"} {
		e.User(u)
	}
	e.Member("maint", "g/p", "maintainer")
	e.Member("dev", "g/p", "developer")
	e.Member("rep", "g/p", "reporter")
	e.Member("guest", "g/p", "guest")
	n := 0
	twoFiles := func() (int, []string) {
		n++
		name := fmt.Sprintf("lib%d", n)
		pkg, f1 := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, name, "1.0.0", "a.bin", "a")
		_, f2 := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, name, "1.0.0", "b.bin", "b")
		gsPublish(t, e, "g/p", registry.PackageTypeGeneric, name, "1.0.0", "c.bin", "c")
		return pkg, []string{fileGID(f1), fileGID(f2)}
	}
	files := func(pkg int) int {
		r := gsPost(e, e.RootToken, fmt.Sprintf(`{ package(id: %q) { packageFiles { count } } }`, pkgGID(pkg)), nil)
		c, _ := r.dig("package", "packageFiles", "count").(float64)
		return int(c)
	}
	destroy := func(token, project string, ids []string) gsResp {
		return gsPost(e, token, `mutation($input: DestroyPackageFilesInput!) { destroyPackageFiles(input: $input) { errors } }`,
			map[string]any{"input": map[string]any{"projectPath": project, "ids": ids}})
	}
	for _, who := range []string{"dev", "rep", "guest", ""} {
		t.Run("denied for "+who, func(t *testing.T) {
			pkg, ids := twoFiles()
			tok := ""
			if who != "" {
				tok = e.PAT(who, "api")
			}
			r := destroy(tok, "g/p", ids)
			if !r.hasError("you don't have permission to perform this action") || r.dig("destroyPackageFiles") != nil {
				t.Errorf("%s", r)
			}
			if files(pkg) != 3 {
				t.Errorf("files deleted")
			}
		})
	}
	t.Run("maintainer", func(t *testing.T) {
		pkg, ids := twoFiles()
		r := destroy(e.PAT("maint", "api"), "g/p", ids)
		if len(r.Errors) > 0 || r.dig("destroyPackageFiles") == nil {
			t.Errorf("%s", r)
		}
		if got := files(pkg); got != 1 {
			t.Errorf("%d files left, want 1", got)
		}
	})
	// "with files outside of the project".
	t.Run("files outside the project", func(t *testing.T) {
		pkg, ids := twoFiles()
		_, outside := gsPublish(t, e, "g/other", registry.PackageTypeGeneric, "elsewhere", "1.0.0", "o.bin", "o")
		r := destroy(e.PAT("maint", "api"), "g/p", append(ids, fileGID(outside)))
		if !r.hasError("All files must be in the requested project") || r.dig("destroyPackageFiles") != nil {
			t.Errorf("%s", r)
		}
		if files(pkg) != 3 {
			t.Errorf("files deleted")
		}
	})
	// "with more than 100 files".
	t.Run("over 100 ids", func(t *testing.T) {
		_, ids := twoFiles()
		for i := 1; len(ids) <= 100; i++ {
			ids = append(ids, fileGID(100000+i))
		}
		r := destroy(e.PAT("maint", "api"), "g/p", ids)
		if !r.hasError("Cannot delete more than 100 files") || r.dig("destroyPackageFiles") != nil {
			t.Errorf("%s", r)
		}
	})
}

// TestGitLabSpecDestroyOneDenied: spec/requests/api/graphql/mutations/packages/destroy_spec.rb
// and destroy_file_spec.rb: "denying the mutation request" (the payload is null) for
// developer, reporter, guest, anonymous, and for an id that does not exist.
func TestGitLabSpecDestroyOneDenied(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	for _, u := range []string{"dev", "rep", "guest"} {
		e.User(u)
	}
	e.Member("dev", "g/p", "developer")
	e.Member("rep", "g/p", "reporter")
	e.Member("guest", "g/p", "guest")
	pkg, file := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, "lib", "1.0.0", "f.bin", "x")
	for _, m := range []struct{ name, id string }{
		{"destroyPackage", pkgGID(pkg)}, {"destroyPackageFile", fileGID(file)},
		{"destroyPackage", pkgGID(5555)}, {"destroyPackageFile", fileGID(5555)},
	} {
		for _, who := range []string{"dev", "rep", "guest", ""} {
			tok := ""
			if who != "" {
				tok = e.PAT(who, "api")
			}
			if m.id == pkgGID(5555) || m.id == fileGID(5555) {
				if who != "dev" {
					continue
				}
				tok = e.RootToken // "with invalid id": even for an administrator
				who = "root"
			}
			r := gsPost(e, tok, fmt.Sprintf(`mutation { %s(input: {id: %q}) { errors } }`, m.name, m.id), nil)
			if r.dig(m.name) != nil || !r.hasError(gsAccessError) {
				t.Errorf("%s(%s) as %q: want null and %q: %s", m.name, m.id, who, gsAccessError, r)
			}
		}
	}
	r := gsPost(e, e.RootToken, fmt.Sprintf(`{ package(id: %q) { packageFiles { count } } }`, pkgGID(pkg)), nil)
	if r.dig("package", "packageFiles", "count") != float64(1) {
		t.Errorf("the package changed: %s", r)
	}
}

// gsSortFixture publishes GitLab's fixture of the shared example "group and project
// packages query" (spec/support/shared_examples/requests/graphql/packages/
// group_and_project_packages_list_shared_examples.rb), with formats this registry
// serves in place of composer and debian: maven "bab" 6.0.0 (newest), npm "cab" 7.0.0
// (oldest), pypi "dab" 4.0.0, generic "aab" 5.0.0, plus a versionless maven package.
func gsSortFixture(t *testing.T, e *compattest.Env, p1, p2 string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, p := range []struct {
		project, name, version string
		typ                    registry.PackageType
	}{
		{p1, "cab", "7.0.0", registry.PackageTypeNPM},
		{p2, "dab", "4.0.0", registry.PackageTypePyPI},
		{p2, "aab", "5.0.0", registry.PackageTypeGeneric},
		{p1, "bab", "6.0.0", registry.PackageTypeMaven},
	} {
		id, _ := gsPublish(t, e, p.project, p.typ, p.name, p.version, p.name+".file", p.name)
		ids[p.name] = id
		time.Sleep(15 * time.Millisecond) // distinct creation times
	}
	// A versionless Maven package: maven-metadata.xml at the artifact level.
	res := e.Do("PUT", fmt.Sprintf("/api/v4/projects/%d/packages/maven/com/acme/versionless/maven-metadata.xml", e.ProjectRow(p1).ID),
		strings.NewReader("<metadata><groupId>com.acme</groupId><artifactId>versionless</artifactId></metadata>"), "Private-Token", e.RootToken)
	if res.Status >= 300 {
		t.Fatalf("versionless maven package: %d %s", res.Status, res.Body)
	}
	return ids
}

// TestGitLabSpecPackagesSort: "sorting and pagination" of the shared example, at project
// and group level. TYPE_ASC/DESC follow GitLab's package_type enum (maven 1, npm 2,
// pypi 5, generic 7), not the alphabet.
func TestGitLabSpecPackagesSort(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/one", "private", "")
	e.Group("h", "private")
	e.Project("h/p1", "private", "")
	e.Project("h/p2", "private", "")
	e.User("rep")
	e.Member("rep", "g/one", "reporter")
	e.Member("rep", "h", "reporter")
	rep := e.PAT("rep", "api")
	gsSortFixture(t, e, "g/one", "g/one")
	gsSortFixture(t, e, "h/p1", "h/p2")
	order := map[string][]string{
		"TYPE_ASC":     {"bab", "cab", "dab", "aab"},
		"TYPE_DESC":    {"aab", "dab", "cab", "bab"},
		"NAME_ASC":     {"aab", "bab", "cab", "dab"},
		"NAME_DESC":    {"dab", "cab", "bab", "aab"},
		"VERSION_ASC":  {"dab", "aab", "bab", "cab"},
		"VERSION_DESC": {"cab", "bab", "aab", "dab"},
		"CREATED_ASC":  {"cab", "dab", "aab", "bab"},
		"CREATED_DESC": {"bab", "aab", "dab", "cab"},
	}
	for _, level := range []struct{ kind, path string }{{"project", "g/one"}, {"group", "h"}} {
		for _, sort := range []string{"CREATED_ASC", "NAME_ASC", "VERSION_ASC", "TYPE_ASC", "CREATED_DESC", "NAME_DESC", "VERSION_DESC", "TYPE_DESC"} {
			t.Run(level.kind+"/"+sort, func(t *testing.T) {
				want := order[sort]
				q := func(after string) string {
					return fmt.Sprintf(`{ %s(fullPath: %q) { packages(sort: %s, first: 2%s) { nodes { name } pageInfo { endCursor hasNextPage } } } }`, level.kind, level.path, sort, after)
				}
				first := gsPost(e, rep, q(""), nil)
				cursor := first.str(level.kind, "packages", "pageInfo", "endCursor")
				second := gsPost(e, rep, q(fmt.Sprintf(", after: %q", cursor)), nil)
				got := append(first.list("name", level.kind, "packages"), second.list("name", level.kind, "packages")...)
				if !gsEqual(got, want) || len(first.Errors)+len(second.Errors) > 0 {
					t.Errorf("pages of 2 give %q, want %q (%s | %s)", got, want, first, second)
				}
				all := gsPost(e, rep, fmt.Sprintf(`{ %s(fullPath: %q) { packages(sort: %s) { count nodes { name } } } }`, level.kind, level.path, sort), nil)
				if got := all.list("name", level.kind, "packages"); !gsEqual(got, want) {
					t.Errorf("one page gives %q, want %q", got, want)
				}
				// "returns the count of the packages": the versionless package is not counted.
				if all.dig(level.kind, "packages", "count") != float64(4) {
					t.Errorf("count: %v", all.dig(level.kind, "packages", "count"))
				}
			})
		}
		// "with an invalid sort" / "throws an error".
		t.Run(level.kind+"/invalid sort", func(t *testing.T) {
			r := gsPost(e, rep, fmt.Sprintf(`{ %s(fullPath: %q) { packages(sort: WRONG_ORDER) { nodes { name } } } }`, level.kind, level.path), nil)
			if !r.hasError("Argument 'sort' on Field 'packages' has an invalid value") {
				t.Errorf("errors %q", r.messages())
			}
		})
	}
	// app/graphql/resolvers/group_packages_resolver.rb: the group sort adds
	// PROJECT_PATH_ASC/DESC (Types::Packages::PackageGroupSortEnum).
	t.Run("group/PROJECT_PATH", func(t *testing.T) {
		for sort, want := range map[string][]string{"PROJECT_PATH_ASC": {"h/p1", "h/p1", "h/p2", "h/p2"}, "PROJECT_PATH_DESC": {"h/p2", "h/p2", "h/p1", "h/p1"}} {
			r := gsPost(e, rep, fmt.Sprintf(`{ group(fullPath: "h") { packages(sort: %s) { nodes { project { fullPath } } } } }`, sort), nil)
			nodes, _ := r.dig("group", "packages", "nodes").([]any)
			var got []string
			for i := range nodes {
				got = append(got, r.str("group", "packages", "nodes", i, "project", "fullPath"))
			}
			if !gsEqual(got, want) {
				t.Errorf("%s: %q, want %q (%q)", sort, got, want, r.messages())
			}
			// Paged by two, as the shared example pages the other sorts.
			var paged []string
			after := ""
			for range 3 {
				r := gsPost(e, rep, fmt.Sprintf(`{ group(fullPath: "h") { packages(sort: %s, first: 2%s) { nodes { project { fullPath } } pageInfo { endCursor hasNextPage } } } }`, sort, after), nil)
				nodes, _ := r.dig("group", "packages", "nodes").([]any)
				for i := range nodes {
					paged = append(paged, r.str("group", "packages", "nodes", i, "project", "fullPath"))
				}
				if r.dig("group", "packages", "pageInfo", "hasNextPage") != true {
					break
				}
				after = fmt.Sprintf(", after: %q", r.str("group", "packages", "pageInfo", "endCursor"))
			}
			if !gsEqual(paged, want) {
				t.Errorf("%s in pages of 2: %q, want %q", sort, paged, want)
			}
		}
	})
}

// TestGitLabSpecPackagesListing: the rest of the shared example "group and project
// packages query" (spec/support/shared_examples/requests/graphql/packages/
// group_and_project_packages_list_shared_examples.rb).
func TestGitLabSpecPackagesListing(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p1", "private", "")
	e.Project("g/p2", "private", "")
	e.User("rep")
	e.Member("rep", "g", "reporter")
	e.User("outsider")
	rep := e.PAT("rep", "api")
	ids := gsSortFixture(t, e, "g/p1", "g/p2")
	errored, _ := gsPublish(t, e, "g/p1", registry.PackageTypeMaven, "errored", "1.0.0", "e.jar", "e")
	gsSetStatus(t, e, errored, packageversion.StatusError)
	for _, level := range []struct{ kind, path string }{{"project", "g/p1"}, {"group", "g"}} {
		list := func(args string) []string {
			r := gsPost(e, rep, fmt.Sprintf(`{ %s(fullPath: %q) { packages%s { nodes { name } } } }`, level.kind, level.path, args), nil)
			return r.list("name", level.kind, "packages")
		}
		contains := func(l []string, s string) bool {
			return strings.Contains("\x00"+strings.Join(l, "\x00")+"\x00", "\x00"+s+"\x00")
		}
		t.Run(level.kind+"/filtering", func(t *testing.T) {
			// "package_name", "package_type" (COMPOSER in GitLab's fixture; PYPI here),
			// "status" (ERROR), "include_versionless".
			if got := list(`(packageName: "bab")`); !gsEqual(got, []string{"bab"}) {
				t.Errorf("packageName: %q", got)
			}
			if level.kind == "group" {
				if got := list(`(packageType: PYPI)`); !gsEqual(got, []string{"dab"}) {
					t.Errorf("packageType: %q", got)
				}
			}
			if got := list(`(status: ERROR)`); !gsEqual(got, []string{"errored"}) {
				t.Errorf("status ERROR: %q", got)
			}
			if got := list(`(includeVersionless: true, first: 100)`); !contains(got, "com/acme/versionless") && !contains(got, "versionless") {
				t.Errorf("includeVersionless: %q", got)
			}
			if got := list(`(first: 100)`); contains(got, "com/acme/versionless") || contains(got, "versionless") {
				t.Errorf("versionless listed by default: %q", got)
			}
		})
		// "_links" / "does not contain the web path of errored package": the errored
		// package is listed, with a null webPath; the others have
		// "/<project full path>/-/packages/<id>".
		t.Run(level.kind+"/webPath", func(t *testing.T) {
			r := gsPost(e, rep, fmt.Sprintf(`{ %s(fullPath: %q) { packages(first: 100) { nodes { id name project { fullPath } _links { webPath } } } } }`, level.kind, level.path), nil)
			nodes, _ := r.dig(level.kind, "packages", "nodes").([]any)
			seen := false
			for i := range nodes {
				name, proj, id := r.str(level.kind, "packages", "nodes", i, "name"), r.str(level.kind, "packages", "nodes", i, "project", "fullPath"), r.str(level.kind, "packages", "nodes", i, "id")
				web := r.dig(level.kind, "packages", "nodes", i, "_links", "webPath")
				if name == "errored" {
					seen = true
					if web != nil {
						t.Errorf("errored package has webPath %v", web)
					}
					continue
				}
				num := id[strings.LastIndexByte(id, '/')+1:]
				if want := "/" + proj + "/-/packages/" + num; web != want {
					t.Errorf("%s: webPath %v, want %q", name, web, want)
				}
			}
			if !seen {
				t.Errorf("the errored package is not listed: %s", r)
			}
		})
		// "when the user does not have access to the resource" / "when the user is not
		// authenticated": a working query that returns no data.
		t.Run(level.kind+"/no access", func(t *testing.T) {
			for _, tok := range []string{e.PAT("outsider", "api"), ""} {
				r := gsPost(e, tok, fmt.Sprintf(`{ %s(fullPath: %q) { packages { count nodes { name } } } }`, level.kind, level.path), nil)
				if r.Status != http.StatusOK || len(r.Errors) > 0 || r.dig(level.kind) != nil {
					t.Errorf("token %q: %s", tok, r)
				}
			}
		})
	}
	// "returns packages successfully" across the group's two projects.
	r := gsPost(e, rep, `{ group(fullPath: "g") { packages(sort: NAME_ASC) { count nodes { name } } } }`, nil)
	if got := r.list("name", "group", "packages"); !gsEqual(got, []string{"aab", "bab", "cab", "dab", "errored"}) {
		t.Errorf("group packages %q (%v)", got, ids)
	}
}

// TestGitLabSpecPackageDetailsURLs: spec/requests/api/graphql/packages/package_spec.rb
// "package managers paths": every package, whatever its format (a composer package in
// GitLab's spec; a generic one here), has its project's npm, Maven, NuGet and PyPI URLs,
// and pypiUrl carries GitLab's token placeholder unless the project is public.
func TestGitLabSpecPackageDetailsURLs(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "public")
	priv := e.Project("g/private", "private", "")
	pub := e.Project("g/public", "public", "")
	host := strings.TrimPrefix(e.URL, "http://")
	for _, c := range []struct {
		project string
		id      int
		typ     registry.PackageType
		pypi    string
	}{
		{"g/private", priv.ID, registry.PackageTypeGeneric, fmt.Sprintf("http://__token__:<your_personal_token>@%s/api/v4/projects/%d/packages/pypi/simple", host, priv.ID)},
		{"g/private", priv.ID, registry.PackageTypeNPM, fmt.Sprintf("http://__token__:<your_personal_token>@%s/api/v4/projects/%d/packages/pypi/simple", host, priv.ID)},
		// "when project is public" / "returns pypi_url correctly".
		{"g/public", pub.ID, registry.PackageTypeGeneric, fmt.Sprintf("%s/api/v4/projects/%d/packages/pypi/simple", e.URL, pub.ID)},
	} {
		t.Run(c.project+"/"+string(c.typ), func(t *testing.T) {
			pkg, _ := gsPublish(t, e, c.project, c.typ, "tool-"+string(c.typ), "1.0.0", "tool.tgz", "x")
			r := gsPost(e, e.RootToken, fmt.Sprintf(`{ package(id: %q) { npmUrl mavenUrl nugetUrl pypiUrl pypiSetupUrl _links { webPath } } }`, pkgGID(pkg)), nil)
			base := fmt.Sprintf("%s/api/v4/projects/%d/packages", e.URL, c.id)
			for field, want := range map[string]string{
				"npmUrl":       base + "/npm",
				"mavenUrl":     base + "/maven",
				"nugetUrl":     base + "/nuget/index.json",
				"pypiSetupUrl": base + "/pypi",
				"pypiUrl":      c.pypi,
				// "web_path" / "returns web_path correctly".
			} {
				if got := r.dig("package", field); got != want {
					t.Errorf("%s = %v, want %q", field, got, want)
				}
			}
			if got, want := r.str("package", "_links", "webPath"), fmt.Sprintf("/%s/-/packages/%d", c.project, pkg); got != want {
				t.Errorf("webPath = %q, want %q", got, want)
			}
		})
	}
}

// TestGitLabSpecPackageDetails: the rest of spec/requests/api/graphql/packages/package_spec.rb.
func TestGitLabSpecPackageDetails(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	e.Project("g/pub-registry", "private", "public")
	e.Group("open", "public")
	e.Project("open/p", "public", "")
	e.User("dev")
	e.Member("dev", "g/p", "developer")
	e.Member("dev", "g/pub-registry", "developer")
	e.User("guest")
	e.Member("guest", "g/p", "guest")
	e.Member("guest", "g/pub-registry", "guest")
	dev, guest := e.PAT("dev", "api"), e.PAT("guest", "api")
	main, _ := gsPublish(t, e, "g/p", registry.PackageTypeNPM, "lib", "1.0.0", "lib.tgz", "1")

	// "with unauthorized user" (a Guest of a private project, guest pulling off):
	// "returns no packages"; "with access to package registry for everyone":
	// the details, with publicPackage true.
	t.Run("guest", func(t *testing.T) {
		if r := gsPost(e, guest, fmt.Sprintf(`{ package(id: %q) { name } }`, pkgGID(main)), nil); r.dig("package") != nil {
			t.Errorf("guest reads a private package: %s", r)
		}
		open, _ := gsPublish(t, e, "g/pub-registry", registry.PackageTypeNPM, "lib", "1.0.0", "lib.tgz", "1")
		r := gsPost(e, guest, fmt.Sprintf(`{ package(id: %q) { name publicPackage } }`, pkgGID(open)), nil)
		if r.str("package", "name") != "lib" || r.dig("package", "publicPackage") != true {
			t.Errorf("registry open to everyone: %s", r)
		}
	})
	// "public_package": false for a private project, true for a public one.
	t.Run("publicPackage", func(t *testing.T) {
		if r := gsPost(e, dev, fmt.Sprintf(`{ package(id: %q) { publicPackage } }`, pkgGID(main)), nil); r.dig("package", "publicPackage") != false {
			t.Errorf("private project: %s", r)
		}
		pub, _ := gsPublish(t, e, "open/p", registry.PackageTypeNPM, "lib", "1.0.0", "lib.tgz", "1")
		if r := gsPost(e, "", fmt.Sprintf(`{ package(id: %q) { publicPackage } }`, pkgGID(pub)), nil); r.dig("package", "publicPackage") != true {
			t.Errorf("public project, anonymous: %s", r)
		}
	})
	// "versions field": other versions, the errored one included, the one pending
	// destruction and the package itself not.
	t.Run("versions", func(t *testing.T) {
		v2, _ := gsPublish(t, e, "g/p", registry.PackageTypeNPM, "lib", "2.0.0", "lib.tgz", "2")
		v3, _ := gsPublish(t, e, "g/p", registry.PackageTypeNPM, "lib", "3.0.0", "lib.tgz", "3")
		gsSetStatus(t, e, v3, packageversion.StatusError)
		v4, _ := gsPublish(t, e, "g/p", registry.PackageTypeNPM, "lib", "4.0.0", "lib.tgz", "4")
		if r := gsPost(e, e.RootToken, fmt.Sprintf(`mutation { destroyPackage(input: {id: %q}) { errors } }`, pkgGID(v4)), nil); len(r.Errors) > 0 {
			t.Fatal(r)
		}
		r := gsPost(e, dev, fmt.Sprintf(`{ package(id: %q) { versions { nodes { id } } } }`, pkgGID(main)), nil)
		got := r.list("id", "package", "versions")
		if !gsEqual(got, []string{pkgGID(v2), pkgGID(v3)}) && !gsEqual(got, []string{pkgGID(v3), pkgGID(v2)}) {
			t.Errorf("versions %q, want %s and %s", got, pkgGID(v2), pkgGID(v3))
		}
		// "with package that has no default status": the errored version (and the one
		// pending destruction) has no details (PackageDetailsResolver: detailed_info?).
		for _, id := range []int{v3, v4} {
			if r := gsPost(e, dev, fmt.Sprintf(`{ package(id: %q) { name status } }`, pkgGID(id)), nil); r.dig("package") != nil {
				t.Errorf("details of a package that is not default or deprecated: %s", r)
			}
		}
	})
	// "web_path" / "with status deprecated": details and webPath as for default.
	t.Run("deprecated", func(t *testing.T) {
		dep, _ := gsPublish(t, e, "g/p", registry.PackageTypeNPM, "old", "1.0.0", "old.tgz", "o")
		gsSetStatus(t, e, dep, packageversion.StatusDeprecated)
		r := gsPost(e, dev, fmt.Sprintf(`{ package(id: %q) { name _links { webPath } } }`, pkgGID(dep)), nil)
		if got, want := r.str("package", "_links", "webPath"), fmt.Sprintf("/g/p/-/packages/%d", dep); got != want {
			t.Errorf("deprecated package webPath %q, want %q: %s", got, want, r)
		}
	})
	// "with package files pending destruction" / "does not return them".
	t.Run("packageFiles pending destruction", func(t *testing.T) {
		pkg, keep := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, "files", "1.0.0", "keep.bin", "k")
		_, gone := gsPublish(t, e, "g/p", registry.PackageTypeGeneric, "files", "1.0.0", "gone.bin", "g")
		if r := gsPost(e, e.RootToken, fmt.Sprintf(`mutation { destroyPackageFile(input: {id: %q}) { errors } }`, fileGID(gone)), nil); len(r.Errors) > 0 {
			t.Fatal(r)
		}
		r := gsPost(e, dev, fmt.Sprintf(`{ package(id: %q) { packageFiles { nodes { id } } } }`, pkgGID(pkg)), nil)
		if got := r.list("id", "package", "packageFiles"); !gsEqual(got, []string{fileGID(keep)}) {
			t.Errorf("files %q, want only %s", got, fileGID(keep))
		}
	})
	// "pipelines field": newest pipeline first, paged both ways.
	t.Run("pipelines", func(t *testing.T) {
		var iids []string
		for i := 1; i <= 6; i++ {
			tok, _ := e.Job("g/p", "root", int64(40+i))
			if st := put(t, e, "g/p", "built", "1.0.0", fmt.Sprintf("f%d.bin", i), "x", "Job-Token", tok); st != http.StatusCreated {
				t.Fatalf("publish with job %d: %d", i, st)
			}
			iids = append([]string{strconv.Itoa(40 + i)}, iids...)
		}
		list := gsPost(e, dev, `{ project(fullPath: "g/p") { packages(packageName: "built") { nodes { id } } } }`, nil)
		id := list.str("project", "packages", "nodes", 0, "id")
		page := func(args string) gsResp {
			return gsPost(e, dev, fmt.Sprintf(`{ package(id: %q) { pipelines(%s) { nodes { iid } pageInfo { startCursor endCursor } } } }`, id, args), nil)
		}
		p1 := page("first: 2")
		p2 := page(fmt.Sprintf("first: 2, after: %q", p1.str("package", "pipelines", "pageInfo", "endCursor")))
		if got := p1.list("iid", "package", "pipelines"); !gsEqual(got, iids[0:2]) {
			t.Errorf("first 2: %q, want %q (%s)", got, iids[0:2], p1)
		}
		if got := p2.list("iid", "package", "pipelines"); !gsEqual(got, iids[2:4]) {
			t.Errorf("next 2: %q, want %q (%s)", got, iids[2:4], p2)
		}
		l1 := page("last: 2")
		l2 := page(fmt.Sprintf("last: 2, before: %q", l1.str("package", "pipelines", "pageInfo", "startCursor")))
		if got := l1.list("iid", "package", "pipelines"); !gsEqual(got, iids[4:6]) {
			t.Errorf("last 2: %q, want %q (%s)", got, iids[4:6], l1)
		}
		if got := l2.list("iid", "package", "pipelines"); !gsEqual(got, iids[2:4]) {
			t.Errorf("2 before: %q, want %q (%s)", got, iids[2:4], l2)
		}
	})
	// spec/requests/api/graphql/packages/maven_spec.rb: "correct maven metadata", for a
	// release and for a versionless package ("has an empty version").
	t.Run("maven metadata", func(t *testing.T) {
		base := fmt.Sprintf("/api/v4/projects/%d/packages/maven/com/acme/tool", e.ProjectRow("g/p").ID)
		for _, f := range []string{"/1.2.3/tool-1.2.3.jar", "/maven-metadata.xml"} {
			if res := e.Do("PUT", base+f, strings.NewReader("<metadata/>"), "Private-Token", e.RootToken); res.Status >= 300 {
				t.Fatalf("PUT %s: %d %s", f, res.Status, res.Body)
			}
		}
		r := gsPost(e, dev, `{ project(fullPath: "g/p") { packages(packageType: MAVEN, includeVersionless: true, sort: VERSION_DESC) { nodes { version metadata { ... on MavenMetadata { path appGroup appName appVersion } } } } } }`, nil)
		nodes, _ := r.dig("project", "packages", "nodes").([]any)
		want := map[string]map[string]any{
			"1.2.3": {"path": "com/acme/tool/1.2.3", "appGroup": "com.acme", "appName": "tool", "appVersion": "1.2.3"},
			"":      {"path": "com/acme/tool", "appGroup": "com.acme", "appName": "tool", "appVersion": nil},
		}
		found := 0
		for i := range nodes {
			v := r.str("project", "packages", "nodes", i, "version")
			w, ok := want[v]
			if !ok {
				continue
			}
			found++
			for k, wv := range w {
				if got := r.dig("project", "packages", "nodes", i, "metadata", k); got != wv {
					t.Errorf("version %q: %s = %v, want %v", v, k, got, wv)
				}
			}
		}
		if found != 2 {
			t.Errorf("maven packages: %s", r)
		}
	})
}

// TestGitLabSpecDownloadPath: packageFiles.downloadPath is the project-page path
// Packages::PackageFile#download_path (download_project_package_file_path:
// "/<full path>/-/package_files/<id>/download"), which
// spec/requests/projects/packages/package_files_controller_spec.rb downloads from a
// public project: "sends the package file" with GitLab's Content-Disposition (filename
// and filename* with UTF-8, as built below), and "when file name has directory
// structure" only the last component of the name.
func TestGitLabSpecDownloadPath(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "public")
	e.Project("g/pub", "public", "")
	e.Project("g/priv", "private", "")
	if st := put(t, e, "g/pub", "dl", "1.0.0", "file.zip", "zip bytes", "Private-Token", e.RootToken); st != http.StatusCreated {
		t.Fatal(st)
	}
	if st := put(t, e, "g/pub", "dl", "1.0.0", "dir/nested.zip", "nested bytes", "Private-Token", e.RootToken); st != http.StatusCreated {
		t.Fatal(st)
	}
	if st := put(t, e, "g/priv", "dl", "1.0.0", "file.zip", "private bytes", "Private-Token", e.RootToken); st != http.StatusCreated {
		t.Fatal(st)
	}
	files := func(project string) (ids, names, paths []string) {
		r := gsPost(e, e.RootToken, fmt.Sprintf(`{ project(fullPath: %q) { packages { nodes { packageFiles { nodes { id fileName downloadPath } } } } } }`, project), nil)
		return r.list("id", "project", "packages", "nodes", 0, "packageFiles"),
			r.list("fileName", "project", "packages", "nodes", 0, "packageFiles"),
			r.list("downloadPath", "project", "packages", "nodes", 0, "packageFiles")
	}
	ids, names, paths := files("g/pub")
	if len(ids) != 2 {
		t.Fatalf("files: %q", names)
	}
	for i := range ids {
		num := ids[i][strings.LastIndexByte(ids[i], '/')+1:]
		want := "/g/pub/-/package_files/" + num + "/download"
		if paths[i] != want {
			t.Errorf("%s: downloadPath %q, want %q", names[i], paths[i], want)
		}
		res := e.Do("GET", want, nil)
		wantName, wantBody := "file.zip", "zip bytes"
		if strings.Contains(names[i], "nested") {
			wantName, wantBody = "nested.zip", "nested bytes"
		}
		disp := fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, wantName, wantName)
		if res.Status != http.StatusOK || string(res.Body) != wantBody || res.Header.Get("Content-Disposition") != disp {
			t.Errorf("GET %s anonymously: %d %q, Content-Disposition %q, want 200 %q %q", want, res.Status, res.Body, res.Header.Get("Content-Disposition"), wantBody, disp)
		}
	}
	// A private project's file is downloaded with the web session of a member.
	if _, ok := try(e, e.RootToken, "userCreate", `username: "alice", password: "alice password"`, ""); !ok {
		t.Fatal("user")
	}
	e.Member("alice", "g/priv", "reporter")
	cookie, _ := signIn(t, e, "alice", "alice password")
	_, _, paths = files("g/priv")
	if len(paths) != 1 || !strings.HasPrefix(paths[0], "/g/priv/-/package_files/") {
		t.Fatalf("private downloadPath %q", paths)
	}
	if res := e.Do("GET", paths[0], nil, "Cookie", "registry_session="+cookie); res.Status != http.StatusOK || string(res.Body) != "private bytes" {
		t.Errorf("GET %s as a signed-in reporter: %d %q", paths[0], res.Status, res.Body)
	}
}

// TestGitLabSpecCleanupPolicy: spec/requests/api/graphql/mutations/packages/cleanup/policy/update_spec.rb.
func TestGitLabSpecCleanupPolicy(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	e.Project("g/p", "private", "")
	for _, u := range []string{"maint", "dev", "rep", "guest"} {
		e.User(u)
		e.Member(u, "g/p", map[string]string{"maint": "maintainer", "dev": "developer", "rep": "reporter", "guest": "guest"}[u])
	}
	q := `mutation($input: UpdatePackagesCleanupPolicyInput!) { updatePackagesCleanupPolicy(input: $input) { packagesCleanupPolicy { keepNDuplicatedPackageFiles nextRunAt } errors } }`
	in := func(v string) map[string]any {
		return map[string]any{"input": map[string]any{"projectPath": "g/p", "keepNDuplicatedPackageFiles": v}}
	}
	// "denying the mutation request": null payload and "you don't have permission to
	// perform this action", the policy unchanged.
	for _, who := range []string{"dev", "rep", "guest", ""} {
		tok := ""
		if who != "" {
			tok = e.PAT(who, "api")
		}
		r := gsPost(e, tok, q, in("TWENTY_PACKAGE_FILES"))
		if r.dig("updatePackagesCleanupPolicy") != nil || !r.hasError("you don't have permission to perform this action") {
			t.Errorf("%q: %s", who, r)
		}
	}
	cur := gsPost(e, e.RootToken, `{ project(fullPath: "g/p") { packagesCleanupPolicy { keepNDuplicatedPackageFiles } } }`, nil)
	if cur.str("project", "packagesCleanupPolicy", "keepNDuplicatedPackageFiles") == "TWENTY_PACKAGE_FILES" {
		t.Errorf("a refused update changed the policy")
	}
	// "accepting the mutation request and creates a policy": the value and a nextRunAt.
	r := gsPost(e, e.PAT("maint", "api"), q, in("TWENTY_PACKAGE_FILES"))
	if len(r.Errors) > 0 || r.str("updatePackagesCleanupPolicy", "packagesCleanupPolicy", "keepNDuplicatedPackageFiles") != "TWENTY_PACKAGE_FILES" ||
		r.dig("updatePackagesCleanupPolicy", "packagesCleanupPolicy", "nextRunAt") == nil {
		t.Errorf("maintainer: %s", r)
	}
}

// TestGitLabSpecNamespacePackageSettings: spec/requests/api/graphql/mutations/namespace/package_settings/update_spec.rb
// and spec/requests/api/graphql/namespace/package_settings_spec.rb.
func TestGitLabSpecNamespacePackageSettings(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	for _, u := range []string{"own", "maint", "dev", "rep", "guest"} {
		e.User(u)
		e.Member(u, "g", map[string]string{"own": "owner", "maint": "maintainer", "dev": "developer", "rep": "reporter", "guest": "guest"}[u])
	}
	own := e.PAT("own", "api")
	fields := `mavenDuplicatesAllowed mavenDuplicateExceptionRegex genericDuplicatesAllowed genericDuplicateExceptionRegex
		nugetDuplicatesAllowed nugetDuplicateExceptionRegex nugetSymbolServerEnabled terraformModuleDuplicatesAllowed terraformModuleDuplicateExceptionRegex`
	q := `mutation($input: UpdateNamespacePackageSettingsInput!) { updateNamespacePackageSettings(input: $input) { packageSettings { ` + fields + ` } errors } }`
	settings := func() gsResp {
		return gsPost(e, e.RootToken, `{ group(fullPath: "g") { packageSettings { `+fields+` } } }`, nil)
	}
	params := map[string]any{
		"namespacePath":                          "g",
		"mavenDuplicatesAllowed":                 false,
		"mavenDuplicateExceptionRegex":           "foo-.*",
		"genericDuplicatesAllowed":               false,
		"genericDuplicateExceptionRegex":         "bar-.*",
		"nugetDuplicatesAllowed":                 false,
		"nugetDuplicateExceptionRegex":           "bar-.*",
		"nugetSymbolServerEnabled":               true,
		"terraformModuleDuplicatesAllowed":       true,
		"terraformModuleDuplicateExceptionRegex": "foo-.*",
	}
	// "denying the mutation request" for maintainer, developer, reporter, guest,
	// anonymous: no response (null payload), settings unchanged.
	before := settings()
	for _, who := range []string{"maint", "dev", "rep", "guest", ""} {
		tok := ""
		if who != "" {
			tok = e.PAT(who, "api")
		}
		r := gsPost(e, tok, q, map[string]any{"input": params})
		if r.dig("updateNamespacePackageSettings") != nil || !r.hasError(gsAccessError) {
			t.Errorf("%q: %s", who, r)
		}
	}
	if after := settings(); string(mustJSON(after.Data)) != string(mustJSON(before.Data)) {
		t.Errorf("a refused update changed the settings: %s", after)
	}
	// "returning a success" for the owner: every value as sent, no errors.
	r := gsPost(e, own, q, map[string]any{"input": params})
	if len(r.Errors) > 0 {
		t.Fatalf("owner: %s", r)
	}
	for k, v := range params {
		if k == "namespacePath" {
			continue
		}
		if got := r.dig("updateNamespacePackageSettings", "packageSettings", k); got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	// "rejecting invalid regex": exactly one top-level error "][ is an invalid regexp",
	// nothing saved. (Types::UntrustedRegexp coerces every *DuplicateExceptionRegex argument.)
	for _, field := range []string{"mavenDuplicateExceptionRegex", "genericDuplicateExceptionRegex", "nugetDuplicateExceptionRegex", "terraformModuleDuplicateExceptionRegex"} {
		t.Run("invalid "+field, func(t *testing.T) {
			before := settings()
			r := gsPost(e, own, q, map[string]any{"input": map[string]any{"namespacePath": "g", field: "]["}})
			if len(r.Errors) != 1 || !r.hasError("][ is an invalid regexp") || r.dig("updateNamespacePackageSettings") != nil {
				t.Errorf("want one top-level error %q and a null payload: %s", "][ is an invalid regexp", r)
			}
			if after := settings(); string(mustJSON(after.Data)) != string(mustJSON(before.Data)) {
				t.Errorf("settings changed: %s", after)
			}
		})
	}
	// spec/requests/api/graphql/namespace/package_settings_spec.rb: the settings are read
	// through namespace(fullPath:) too.
	t.Run("namespace query", func(t *testing.T) {
		r := gsPost(e, own, `{ namespace(fullPath: "g") { packageSettings { mavenDuplicatesAllowed genericDuplicateExceptionRegex } } }`, nil)
		if len(r.Errors) > 0 || r.dig("namespace", "packageSettings", "mavenDuplicatesAllowed") != false || r.str("namespace", "packageSettings", "genericDuplicateExceptionRegex") != "bar-.*" {
			t.Errorf("%s", r)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
