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
				errs := e.GraphQL(`query($id: ID!) { package(id: $id) { id packageFiles { count } } }`,
					map[string]any{"id": fmt.Sprintf("gid://gitlab/Packages::Package/%d", readable[p.Path()])}, &got, h...)
				if wantRead := compattest.Expected(a, p, "read") == http.StatusOK; (got.Package != nil) != wantRead || len(errs) > 0 {
					t.Errorf("read: got %+v %v, want visible=%v", got.Package, errs, wantRead)
				}
				var del struct {
					DestroyPackage *struct{ Errors []string }
				}
				errs = e.GraphQL(`mutation($id: ID!) { destroyPackage(input: {id: $id}) { errors } }`,
					map[string]any{"id": fmt.Sprintf("gid://gitlab/Packages::Package/%d", victims[p.Path()+"|"+a.Name])}, &del, h...)
				ok := len(errs) == 0 && del.DestroyPackage != nil && len(del.DestroyPackage.Errors) == 0
				if wantDestroy := compattest.Expected(a, p, "destroy") == http.StatusNoContent; ok != wantDestroy {
					t.Errorf("destroy: got ok=%v (%v %+v), want %v", ok, errs, del.DestroyPackage, wantDestroy)
				}
			})
		}
	}
}
