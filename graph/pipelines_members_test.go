package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestPipelinePageAndMemberManagementThroughTheMatrix: the UI's pipeline page and
// members page read project.pipeline(id) { packages } and manageableAccessLevel.
// Every actor in every kind of project sees the pipeline and what it published
// exactly when REST would serve the project's packages, and manageableAccessLevel is
// the actor's own role exactly where membershipCreate lets the actor add a member,
// which fails above that role.
func TestPipelinePageAndMemberManagementThroughTheMatrix(t *testing.T) {
	e := compattest.SetupMatrix(t)
	e.User("newcomer")
	pipelines, built := map[string]int{}, map[string]int{}
	for _, p := range compattest.ProjectSpecs() {
		tok, _ := e.Job(p.Path(), "maintainer", 77)
		v, err := e.Svc.ResolveCredential(context.Background(), auth.Credential{Source: auth.FromJobToken, Secret: tok})
		if err != nil {
			t.Fatal(err)
		}
		pipelines[p.Path()] = v.PipelineID
		if p.Level == "disabled" {
			continue // nobody reads its packages, so nothing to publish
		}
		proj, err := e.Svc.ProjectByRef(e.Admin, p.Path())
		if err != nil {
			t.Fatal(err)
		}
		f, err := e.Svc.PublishFile(auth.NewContext(context.Background(), v), registry.PublishFileInput{Project: proj,
			Type: registry.PackageTypeGeneric, Name: "built", Version: "1.0.0", FileName: "b.txt", Body: strings.NewReader("b"), Size: -1})
		if err != nil {
			t.Fatalf("publish from the pipeline in %s: %v", p.Path(), err)
		}
		built[p.Path()] = f.PackageID
	}
	for _, p := range compattest.ProjectSpecs() {
		for _, a := range compattest.Actors() {
			t.Run(p.Path()+"/"+a.Name, func(t *testing.T) {
				h := a.Headers(e, p)
				var got struct {
					Project *struct {
						ManageableAccessLevel *string
						Pipeline              *struct {
							Path     string
							Packages []struct{ ID string }
						}
					}
				}
				errs := e.GraphQL(`query($path: ID!, $id: ID!) { project(fullPath: $path) { manageableAccessLevel
					pipeline(id: $id) { path packages { id } } } }`,
					map[string]any{"path": p.Path(), "id": fmt.Sprintf("gid://gitlab/Ci::Pipeline/%d", pipelines[p.Path()])}, &got, h...)
				if len(errs) > 0 {
					t.Fatalf("errors: %v", errs)
				}
				sees := compattest.ExpectedSee(a, p) == http.StatusOK
				if sees != (got.Project != nil) && a.Kind != "deploy" {
					t.Fatalf("project: got %+v, want visible=%v", got.Project, sees)
				}
				if got.Project == nil {
					return
				}
				wantPipeline := compattest.Expected(a, p, "read") == http.StatusOK
				if pl := got.Project.Pipeline; (pl != nil) != wantPipeline {
					t.Errorf("pipeline: got %+v, want visible=%v", pl, wantPipeline)
				} else if pl != nil {
					want := fmt.Sprintf("/%s/-/pipelines/%d", p.Path(), pipelines[p.Path()])
					if pl.Path != want || len(pl.Packages) != 1 || pl.Packages[0].ID != fmt.Sprintf("gid://gitlab/Packages::Package/%d", built[p.Path()]) {
						t.Errorf("pipeline: got %+v, want path %s and package %d", pl, want, built[p.Path()])
					}
				}

				manages := a.Kind == "user" && a.Write && (a.Admin || a.User == "maintainer" || a.User == "owner")
				wantLevel := strings.ToUpper(a.User)
				if a.Admin {
					wantLevel = "OWNER"
				}
				if lvl := got.Project.ManageableAccessLevel; manages != (lvl != nil) || (lvl != nil && *lvl != wantLevel) {
					t.Errorf("manageableAccessLevel: got %v, want manages=%v at %s", deref(lvl), manages, wantLevel)
				}
				add := func(level string) bool {
					var out struct{ MembershipCreate *struct{ Errors []string } }
					errs := e.GraphQL(`mutation($p: ID!, $l: AccessLevelEnum!) { membershipCreate(input: {username: "newcomer", projectPath: $p, accessLevel: $l}) { errors } }`,
						map[string]any{"p": p.Path(), "l": level}, &out, h...)
					ok := len(errs) == 0 && out.MembershipCreate != nil && len(out.MembershipCreate.Errors) == 0
					if ok {
						t.Cleanup(func() {
							if err := e.Svc.DeleteMembership(e.Admin, registry.MembershipInput{Username: "newcomer", ProjectPath: p.Path()}); err != nil {
								t.Error(err)
							}
						})
					}
					return ok
				}
				if ok := add("GUEST"); ok != manages {
					t.Errorf("membershipCreate as GUEST: ok=%v, but manageableAccessLevel says %v", ok, deref(got.Project.ManageableAccessLevel))
				}
				if manages && wantLevel == "MAINTAINER" && add("OWNER") {
					t.Errorf("a Maintainer granted OWNER")
				}
			})
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
