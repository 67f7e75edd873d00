package generic_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

func TestGroupRolesAreInheritedAndHighestWins(t *testing.T) {
	e := compattest.New(t)
	e.Group("top", "private")
	e.Group("top/mid", "private")
	p := e.Project("top/mid/app", "private", "")
	e.User("carol")
	e.Member("carol", "top", "reporter")
	e.Member("carol", "top/mid/app", "guest") // lower than the inherited role: reporter wins
	tok := e.PAT("carol", "api")
	path := fmt.Sprintf("/api/v4/projects/%d/packages/generic/x/1.0.0/x.bin", p.ID)
	if res := e.Do("PUT", path, strings.NewReader("x"), "Private-Token", tok); res.Status != 403 {
		t.Fatalf("reporter publishing: %d", res.Status)
	}
	e.Member("carol", "top/mid", "developer")
	if res := e.Do("PUT", path, strings.NewReader("x"), "Private-Token", tok); res.Status != 201 {
		t.Fatalf("developer by inheritance: %d %s", res.Status, res.Body)
	}
	if res := e.Do("GET", "/api/v4/groups/top", nil, "Private-Token", tok); res.Status != 200 {
		t.Fatalf("group visible to its member: %d", res.Status)
	}
}

func TestCredentialsThatStopWorking(t *testing.T) {
	e := compattest.New(t)
	p := e.Project("root/app", "public", "")
	e.User("dave")
	path := fmt.Sprintf("/api/v4/projects/%d/packages/generic/x/1.0.0/x.bin", p.ID)
	get := func(h ...string) int { return e.Do("GET", path, nil, h...).Status }
	e.Do("PUT", path, strings.NewReader("x"), "Private-Token", e.RootToken)

	ctx, _ := e.Svc.UserContext(e.Admin, "dave")
	past := time.Now().Add(-time.Hour)
	expired, err := e.Svc.CreatePersonalAccessToken(ctx, registry.CreatePersonalAccessTokenInput{Name: "old", Scopes: []string{"api"}, ExpiresAt: &past})
	if err != nil {
		t.Fatal(err)
	}
	live, _ := e.Svc.CreatePersonalAccessToken(ctx, registry.CreatePersonalAccessTokenInput{Name: "live", Scopes: []string{"api"}})
	if s := get("Private-Token", live.Token); s != 200 {
		t.Fatalf("live token: %d", s)
	}
	// Even on a public project a bad credential is refused, not treated as anonymous.
	if s := get("Private-Token", expired.Token); s != 401 {
		t.Errorf("expired token: %d", s)
	}
	rotated, err := e.Svc.RotatePersonalAccessToken(ctx, live.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := get("Private-Token", live.Token); s != 401 {
		t.Errorf("token after rotation: %d", s)
	}
	if s := get("Private-Token", rotated.Token); s != 200 {
		t.Errorf("rotated token: %d", s)
	}
	if err := e.Svc.RevokePersonalAccessToken(ctx, rotated.ID); err != nil {
		t.Fatal(err)
	}
	if s := get("Private-Token", rotated.Token); s != 401 {
		t.Errorf("revoked token: %d", s)
	}
	blockedTok := e.PAT("dave", "api")
	if err := e.Svc.SetUserState(e.Admin, "dave", true); err != nil {
		t.Fatal(err)
	}
	if s := get("Private-Token", blockedTok); s != 401 {
		t.Errorf("blocked user's token: %d", s)
	}
	user, secret := e.DeployToken("root/app", "", "read_package_registry")
	// A Basic credential that does not authenticate leaves a read anonymous, as in
	// GitLab (generic_packages_spec.rb, invalid basic auth on a public project): the
	// public file is served; a write with it is refused.
	if s := get("Basic", "someone-else:"+secret); s != 200 {
		t.Errorf("read with a deploy token under another username: %d", s)
	}
	if s := e.Do("PUT", path, strings.NewReader("y"), "Basic", "someone-else:"+secret).Status; s != 401 {
		t.Errorf("write with a deploy token under another username: %d", s)
	}
	if s := get("Basic", user+":"+secret); s != 200 {
		t.Errorf("deploy token with its username: %d", s)
	}
	if s := get("Private-Token", secret); s != 401 {
		t.Errorf("deploy token in PRIVATE-TOKEN: %d", s)
	}
	if s := get("Basic", "gitlab-ci-token:"+e.RootToken); s != 401 {
		t.Errorf("personal token posing as a job token: %d", s)
	}
}
