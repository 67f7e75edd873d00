package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestMembershipExpiry: a membership added with expiresAt gives its role until then,
// and from then on none (the project is hidden again) and is no longer listed;
// an expiry in the past is refused, and adding the member again starts afresh.
func TestMembershipExpiry(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := compattest.NewWithConfig(t, func(c *registry.Config) { c.Now = clock })
	e.Group("acme", "private")
	e.Project("acme/app", "private", "")
	e.User("temp")
	temp := e.PAT("temp", "api")
	add := func(expires *time.Time) []string {
		var out struct{ MembershipCreate struct{ Errors []string } }
		vars := map[string]any{"expires": expires}
		errs := e.GraphQL(`mutation($expires: Time) { membershipCreate(input: {username: "temp", projectPath: "acme/app", accessLevel: REPORTER, expiresAt: $expires}) { errors } }`,
			vars, &out, "Private-Token", e.RootToken)
		return append(errs, out.MembershipCreate.Errors...)
	}
	state := func() (sees bool, listed []string) {
		var got struct{ Project *struct{ ID string } }
		e.GraphQL(`{ project(fullPath: "acme/app") { id } }`, nil, &got, "Private-Token", temp)
		var members struct {
			Project struct {
				ProjectMembers struct {
					Nodes []struct {
						User      struct{ Username string }
						ExpiresAt *time.Time
					}
				}
			}
		}
		e.GraphQL(`{ project(fullPath: "acme/app") { projectMembers { nodes { user { username } expiresAt } } } }`, nil, &members, "Private-Token", e.RootToken)
		for _, n := range members.Project.ProjectMembers.Nodes {
			s := n.User.Username
			if n.ExpiresAt != nil {
				s += " until " + n.ExpiresAt.UTC().Format(time.RFC3339)
			}
			listed = append(listed, s)
		}
		return got.Project != nil, listed
	}
	past, soon := now.Add(-time.Minute), now.Add(time.Hour)
	if errs := add(&past); len(errs) == 0 || !strings.Contains(strings.Join(errs, " "), "future") {
		t.Fatalf("an expiry in the past: %v", errs)
	}
	if errs := add(&soon); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, c := range []struct {
		name   string
		at     time.Time
		readd  bool
		sees   bool
		listed string
	}{
		{"before the expiry", now.Add(59 * time.Minute), false, true, "temp until 2026-12-01T13:00:00Z"},
		{"at the expiry", now.Add(time.Hour), false, false, ""},
		{"added again without an expiry", now.Add(2 * time.Hour), true, true, "temp"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			now = c.at
			mu.Unlock()
			if c.readd {
				if errs := add(nil); len(errs) > 0 {
					t.Fatal(errs)
				}
			}
			sees, listed := state()
			if sees != c.sees || strings.Join(listed, ",") != c.listed {
				t.Errorf("temp sees the project: %v (want %v); members listed: %q (want %q)", sees, c.sees, listed, c.listed)
			}
		})
	}
}
