package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
)

// TestAuthorizationMatrixThroughGraphQL runs the REST authorization matrix through
// GraphQL: a package is visible exactly when REST would serve it, and destroyPackage
// succeeds exactly when REST's DELETE would.
func TestAuthorizationMatrixThroughGraphQL(t *testing.T) {
	e := compattest.SetupMatrix(t)
	readable, victims := map[string]int{}, map[string]int{}
	for _, p := range compattest.ProjectSpecs() {
		readable[p.Path()] = e.Publish(t, p.Path(), "readme", "1.0.0", "file.txt")
		for _, a := range compattest.Actors() {
			victims[p.Path()+"|"+a.Name] = e.Publish(t, p.Path(), "victim", strings.ReplaceAll(a.Name, " ", "-"), "f.txt")
		}
	}
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			t.Run(p.Path()+"/"+a.Name, func(t *testing.T) {
				h := a.Headers(e, p)
				var got struct {
					Package *struct {
						ID           string
						PackageFiles struct{ Count int }
					}
				}
				errs := e.GraphQL(`query($id: PackagesPackageID!) { package(id: $id) { id packageFiles { count } } }`,
					map[string]any{"id": fmt.Sprintf("gid://gitlab/Packages::Package/%d", readable[p.Path()])}, &got, h...)
				if wantRead := compattest.Expected(a, p, "read") == http.StatusOK; (got.Package != nil) != wantRead || len(errs) > 0 {
					t.Errorf("read: got %+v %v, want visible=%v", got.Package, errs, wantRead)
				}
				var del struct {
					DestroyPackage *struct{ Errors []string }
				}
				errs = e.GraphQL(`mutation($id: PackagesPackageID!) { destroyPackage(input: {id: $id}) { errors } }`,
					map[string]any{"id": fmt.Sprintf("gid://gitlab/Packages::Package/%d", victims[p.Path()+"|"+a.Name])}, &del, h...)
				ok := len(errs) == 0 && del.DestroyPackage != nil && len(del.DestroyPackage.Errors) == 0
				if wantDestroy := compattest.Expected(a, p, "destroy") == http.StatusNoContent; ok != wantDestroy {
					t.Errorf("destroy: got ok=%v (%v %+v), want %v", ok, errs, del.DestroyPackage, wantDestroy)
				}
			})
		}
	}
}

// TestEveryQueryThroughTheMatrix runs every root query field as every actor in every
// kind of project: each shows exactly what GitLab's tables let the actor see. A query
// field of the schema that is not in the table fails the test.
func TestEveryQueryThroughTheMatrix(t *testing.T) {
	e := compattest.SetupMatrix(t)
	readme := map[string]int{}
	for _, p := range compattest.ProjectSpecs() {
		readme[p.Path()] = e.Publish(t, p.Path(), "readme", "1.0.0", "file.txt")
	}
	type queryCase struct {
		query string
		// want reports whether the answer should show the thing asked for.
		want func(a compattest.Actor, p compattest.ProjectSpec) bool
		// shows reports whether the data shows it.
		shows func(data map[string]any, p compattest.ProjectSpec, pkg int) bool
	}
	readable := func(a compattest.Actor, p compattest.ProjectSpec) bool {
		return compattest.Expected(a, p, "read") == http.StatusOK
	}
	listable := func(a compattest.Actor, p compattest.ProjectSpec) bool { return readable(a, p) && a.Kind != "deploy" }
	isUser := func(a compattest.Actor) bool { return a.Kind == "user" || a.Kind == "job" }
	pkgID := func(pkg int) string { return fmt.Sprintf("gid://gitlab/Packages::Package/%d", pkg) }
	has := func(v any, want string) bool { return strings.Contains(fmt.Sprint(v), want) }
	cases := map[string]queryCase{
		"package": {`query($id: PackagesPackageID!) { package(id: $id) { id } }`, readable,
			func(d map[string]any, _ compattest.ProjectSpec, pkg int) bool { return has(d["package"], pkgID(pkg)) }},
		"node": {`query($id: ID!) { node(id: $id) { id } }`, readable,
			func(d map[string]any, _ compattest.ProjectSpec, pkg int) bool { return has(d["node"], pkgID(pkg)) }},
		"nodes": {`query($id: ID!) { nodes(ids: [$id]) { id } }`, readable,
			func(d map[string]any, _ compattest.ProjectSpec, pkg int) bool { return has(d["nodes"], pkgID(pkg)) }},
		"project": {`query($path: ID!) { project(fullPath: $path) { packages(packageName: "readme") { nodes { id } } } }`,
			func(a compattest.Actor, p compattest.ProjectSpec) bool {
				return listable(a, p) && compattest.ExpectedSee(a, p) == http.StatusOK // the project itself must be visible
			},
			func(d map[string]any, _ compattest.ProjectSpec, pkg int) bool { return has(d["project"], pkgID(pkg)) }},
		// namespace(fullPath:) is the group, through the same authorization.
		"namespace": {`{ namespace(fullPath: "g") { fullPath } group(fullPath: "g") { fullPath } }`,
			func(compattest.Actor, compattest.ProjectSpec) bool { return true },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool {
				return (d["namespace"] == nil) == (d["group"] == nil)
			}},
		"group": {`{ group(fullPath: "g") { packages(packageName: "readme", first: 100) { nodes { id } } } }`, listable,
			func(d map[string]any, _ compattest.ProjectSpec, pkg int) bool { return has(d["group"], pkgID(pkg)) }},
		"currentUser": {`{ currentUser { username } }`, func(a compattest.Actor, _ compattest.ProjectSpec) bool { return isUser(a) },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool { return d["currentUser"] != nil }},
		// GitLab's metadata: any signed-in user whose token reads the API; not a job or deploy token.
		"metadata": {`{ metadata { version revision } }`,
			func(a compattest.Actor, _ compattest.ProjectSpec) bool { return a.Kind == "user" && a.Read },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool { return has(d["metadata"], "version:dev") }},
		"instanceSettings": {`{ instanceSettings { guestsMayPullPackages } }`,
			func(a compattest.Actor, _ compattest.ProjectSpec) bool { return a.Kind == "user" && a.Admin },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool { return d["instanceSettings"] != nil }},
		"instanceStorageStatistics": {`{ instanceStorageStatistics { packagesSize storedSize } }`,
			func(a compattest.Actor, _ compattest.ProjectSpec) bool { return a.Kind == "user" && a.Admin },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool {
				return has(d["instanceStorageStatistics"], "packagesSize")
			}},
		// What the server serves is public: every caller, anonymous too, reads it.
		"packageFormats": {`{ packageFormats { packageType duplicateSetting } }`,
			func(compattest.Actor, compattest.ProjectSpec) bool { return true },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool {
				return has(d["packageFormats"], "packageType:GENERIC")
			}},
		"users": {`{ users(search: "outsider") { nodes { username } } }`,
			func(a compattest.Actor, _ compattest.ProjectSpec) bool { return a.Kind == "user" && a.Admin },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool { return has(d["users"], "outsider") }},
		"auditEvents": {`{ auditEvents(action: "package.publish", first: 100) { nodes { targetPath } } }`,
			func(a compattest.Actor, _ compattest.ProjectSpec) bool { return a.Kind == "user" && a.Admin },
			func(d map[string]any, p compattest.ProjectSpec, _ int) bool {
				return has(d["auditEvents"], p.Path()+" readme@1.0.0")
			}},
		"groups": {`{ groups(search: "g") { nodes { fullPath } } }`,
			func(a compattest.Actor, _ compattest.ProjectSpec) bool { return a.Kind == "user" && a.Admin },
			func(d map[string]any, _ compattest.ProjectSpec, _ int) bool { return has(d["groups"], "fullPath:g]") }},
		"projects": {`query($path: String!) { projects(search: $path) { nodes { fullPath } } }`,
			func(a compattest.Actor, p compattest.ProjectSpec) bool {
				// Members see their projects; administrators all of them, but not
				// through a job token, which reads as a member would.
				return isUser(a) && (a.Role > 0 || (a.Admin && a.Kind == "user")) && compattest.ExpectedSee(a, p) == http.StatusOK
			},
			func(d map[string]any, p compattest.ProjectSpec, _ int) bool { return has(d["projects"], p.Path()) }},
	}
	var schema struct {
		Type struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	gql(t, e.Env, e.RootToken, `{ __type(name: "Query") { fields { name } } }`, nil, &schema)
	for _, f := range schema.Type.Fields {
		if _, ok := cases[f.Name]; !ok {
			t.Errorf("query field %s is not in the authorization matrix", f.Name)
		}
	}
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			t.Run(p.Path()+"/"+a.Name, func(t *testing.T) {
				h := a.Headers(e, p)
				for name, c := range cases {
					var data map[string]any
					errs := e.GraphQL(c.query, map[string]any{"id": pkgID(readme[p.Path()]), "path": p.Path()}, &data, h...)
					for _, msg := range errs {
						if strings.Contains(msg, "Internal") {
							t.Errorf("%s: %s", name, msg)
						}
					}
					if got, want := c.shows(data, p, readme[p.Path()]), c.want(a, p); got != want {
						t.Errorf("%s: shows=%v, want %v (%v %v)", name, got, want, data, errs)
					}
				}
			})
		}
	}
}
