package registry_test

import (
	"testing"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/ent/deploytoken"
	"github.com/pkgreg/registry/ent/personalaccesstoken"
	"github.com/pkgreg/registry/ent/user"
)

// Authenticating writes nothing: a token's last use is kept in memory and written
// by the flush (in the background, and at shutdown), and that write leaves the
// resolved credential cached.
func TestTokenLastUseIsBatched(t *testing.T) {
	e := compattest.New(t)
	e.Project("root/app", "private", "")
	e.User("pat")
	pat := e.PAT("pat", "read_api")
	deployUser, deploy := e.DeployToken("root/app", "", "read_package_registry")
	for _, c := range []struct {
		name     string
		cred     auth.Credential
		lastUsed func() *time.Time
	}{
		{"personal access token", auth.Credential{Source: auth.FromPrivateToken, Secret: pat}, func() *time.Time {
			return e.DB.Client.PersonalAccessToken.Query().Where(personalaccesstoken.HasUserWith(user.Username("pat"))).
				OnlyX(t.Context()).LastUsedAt
		}},
		{"deploy token", auth.Credential{Source: auth.FromBasic, Username: deployUser, Secret: deploy}, func() *time.Time {
			return e.DB.Client.DeployToken.Query().Where(deploytoken.Username(deployUser)).OnlyX(t.Context()).LastUsedAt
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.Svc.ResolveCredential(t.Context(), c.cred); err != nil {
				t.Fatal(err)
			}
			if got := c.lastUsed(); got != nil {
				t.Fatalf("last use written on the read path: %v", got)
			}
			before := time.Now().Add(-time.Second)
			if err := e.Svc.FlushTokenUsage(t.Context()); err != nil {
				t.Fatal(err)
			}
			got := c.lastUsed()
			if got == nil || got.Before(before) {
				t.Fatalf("last use after the flush: %v", got)
			}
			n := e.DB.Statements()
			if _, err := e.Svc.ResolveCredential(t.Context(), c.cred); err != nil {
				t.Fatal(err)
			}
			if d := e.DB.Statements() - n; d != 0 {
				t.Errorf("resolving again after the flush sent %d statements; the flush invalidated the cache", d)
			}
		})
	}
}

// A token list shows the uses this replica saw, without waiting for the flush:
// listing writes them first.
func TestTokenListShowsPendingUse(t *testing.T) {
	e := compattest.New(t)
	e.Project("root/app", "private", "")
	deployUser, deploy := e.DeployToken("root/app", "", "read_package_registry")
	if _, err := e.Svc.ResolveCredential(t.Context(), auth.Credential{Source: auth.FromBasic, Username: deployUser, Secret: deploy}); err != nil {
		t.Fatal(err)
	}
	p, err := e.Svc.ProjectByRef(e.Admin, "root/app")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := e.Svc.DeployTokens(e.Admin, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].LastUsedAt == nil {
		t.Fatalf("deploy tokens listed after a use: %+v", ts)
	}
}
