package server_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
	"github.com/pkgreg/registry/registry"
)

// hotFixture is a small instance two replicas serve: a private project with a
// reporter, a public one, and a 1 KiB file in each.
type hotFixture struct {
	a, b             *compattest.Env
	private, public  string // file paths
	reporter, member string // usernames
	reporterToken    string
	outsiderToken    string
}

func newHotFixture(t *testing.T, a, b *compattest.Env) *hotFixture {
	t.Helper()
	f := &hotFixture{a: a, b: b, reporter: "rita", member: "otto"}
	priv := a.Project("root/private", "private", "")
	pub := a.Project("root/public", "public", "")
	a.User(f.reporter)
	a.User(f.member)
	a.Member(f.reporter, "root/private", "reporter")
	f.reporterToken = a.PAT(f.reporter, "read_api")
	f.outsiderToken = a.PAT(f.member, "read_api")
	body := strings.Repeat("x", 1024)
	for _, p := range []struct {
		id  int
		out *string
	}{{priv.ID, &f.private}, {pub.ID, &f.public}} {
		*p.out = fmt.Sprintf("/api/v4/projects/%d/packages/generic/pkg/1.0.0/f.bin", p.id)
		if res := a.Do("PUT", *p.out, strings.NewReader(body), "Private-Token", a.RootToken); res.Status != 201 {
			t.Fatalf("publish: %d %s", res.Status, res.Body)
		}
	}
	return f
}

// Every change the hot caches depend on takes effect at the next request on the
// replica that made it, and on the other replica within the staleness bound (on
// SQLite, one process: at the next request too).
func TestHotCacheInvalidation(t *testing.T) {
	for _, c := range []struct {
		name   string
		path   func(f *hotFixture) string
		header func(f *hotFixture) []string
		change func(t *testing.T, f *hotFixture)
		after  int
	}{
		{"token revoked", (*hotFixture).privateFile, (*hotFixture).reporterHeader, func(t *testing.T, f *hotFixture) {
			if err := f.a.Svc.RevokePersonalAccessToken(f.a.Admin, f.reporterTokenID(t)); err != nil {
				t.Fatal(err)
			}
		}, 401},
		{"user blocked", (*hotFixture).privateFile, (*hotFixture).reporterHeader, func(t *testing.T, f *hotFixture) {
			if err := f.a.Svc.SetUserState(f.a.Admin, f.reporter, true); err != nil {
				t.Fatal(err)
			}
		}, 401},
		{"member removed", (*hotFixture).privateFile, (*hotFixture).reporterHeader, func(t *testing.T, f *hotFixture) {
			if err := f.a.Svc.DeleteMembership(f.a.Admin, registry.MembershipInput{Username: f.reporter, ProjectPath: "root/private"}); err != nil {
				t.Fatal(err)
			}
		}, 404},
		{"project made private", (*hotFixture).publicFile, (*hotFixture).outsiderHeader, func(t *testing.T, f *hotFixture) {
			p, err := f.a.Svc.ProjectByRef(f.a.Admin, "root/public")
			if err != nil {
				t.Fatal(err)
			}
			private := "private"
			if _, err := f.a.Svc.UpdateProject(f.a.Admin, p, registry.UpdateProjectInput{Visibility: &private}); err != nil {
				t.Fatal(err)
			}
		}, 404},
		{"file deleted", (*hotFixture).publicFile, (*hotFixture).outsiderHeader, func(t *testing.T, f *hotFixture) {
			p := f.a.ProjectRow("root/public")
			list := f.a.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages", p.ID), nil, "Private-Token", f.a.RootToken)
			var id int
			fmt.Sscanf(string(list.Body), `[{"id":%d`, &id)
			if res := f.a.Do("DELETE", fmt.Sprintf("/api/v4/projects/%d/packages/%d", p.ID, id), nil, "Private-Token", f.a.RootToken); res.Status != 204 {
				t.Fatalf("delete: %d %s", res.Status, res.Body)
			}
		}, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := compattest.New(t)
			f := newHotFixture(t, a, compattest.Start(t, a.DatabaseURL, a.StorageURL))
			path, header := c.path(f), c.header(f)
			for _, e := range []*compattest.Env{f.a, f.b} { // warm both replicas
				for range 2 {
					if res := e.Do("GET", path, nil, header...); res.Status != 200 {
						t.Fatalf("before: %d %s", res.Status, res.Body)
					}
				}
			}
			c.change(t, f)
			if res := f.a.Do("GET", path, nil, header...); res.Status != c.after {
				t.Errorf("replica a, next request: %d, want %d", res.Status, c.after)
			}
			if !compattest.Postgres() {
				if res := f.b.Do("GET", path, nil, header...); res.Status != c.after {
					t.Errorf("replica b (one SQLite process), next request: %d, want %d", res.Status, c.after)
				}
				return
			}
			// Another process on Postgres hears of it by notification; it must
			// answer so within the bound.
			start := time.Now()
			deadline := start.Add(database.StalenessBound)
			for {
				res := f.b.Do("GET", path, nil, header...)
				if res.Status == c.after {
					t.Logf("replica b answered %d after %v", res.Status, time.Since(start).Round(time.Millisecond))
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("replica b still answers %d after the staleness bound (%v), want %d", res.Status, database.StalenessBound, c.after)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// reporterTokenID is the id of the reporter's token.
func (f *hotFixture) reporterTokenID(t *testing.T) int {
	t.Helper()
	v, err := f.a.Svc.ResolveCredential(f.a.Admin, auth.Credential{Source: auth.FromPrivateToken, Secret: f.reporterToken})
	if err != nil {
		t.Fatal(err)
	}
	return v.TokenID
}

func (f *hotFixture) privateFile() string      { return f.private }
func (f *hotFixture) publicFile() string       { return f.public }
func (f *hotFixture) reporterHeader() []string { return []string{"Private-Token", f.reporterToken} }
func (f *hotFixture) outsiderHeader() []string { return []string{"Private-Token", f.outsiderToken} }

// A replica that cannot hear the others (its listener gone, as when its
// connection drops) serves nothing older than the staleness bound: with its clock
// stopped it still serves what it cached, and once the clock passes the bound it
// reads the database again and refuses the revoked token.
func TestHotCacheStalenessBound(t *testing.T) {
	if !compattest.Postgres() {
		t.Skip("one SQLite file is one process: no other replica to miss")
	}
	a := compattest.New(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := compattest.Start(t, a.DatabaseURL, a.StorageURL, database.Clock(clock))
	f := newHotFixture(t, a, b)
	b.DB.Changes().StopListening()
	header := f.reporterHeader()
	if res := b.Do("GET", f.private, nil, header...); res.Status != 200 {
		t.Fatalf("before: %d", res.Status)
	}
	if err := a.Svc.RevokePersonalAccessToken(a.Admin, f.reporterTokenID(t)); err != nil {
		t.Fatal(err)
	}
	if res := a.Do("GET", f.private, nil, header...); res.Status != 401 {
		t.Fatalf("replica a after the revocation: %d", res.Status)
	}
	if res := b.Do("GET", f.private, nil, header...); res.Status != 200 {
		t.Fatalf("replica b, deaf, within the bound: %d (the cache was not in use)", res.Status)
	}
	mu.Lock()
	now = now.Add(b.DB.Changes().Bound() + time.Millisecond)
	mu.Unlock()
	if res := b.Do("GET", f.private, nil, header...); res.Status != 401 {
		t.Fatalf("replica b past the bound: %d, want 401", res.Status)
	}
}

// A warm small read sends no statement to the database: a 1 KiB generic GET with a
// member's token, and an anonymous one from a public project.
func TestWarmReadsSendNoSQL(t *testing.T) {
	a := compattest.New(t)
	f := newHotFixture(t, a, a)
	// SQLite: catch up with the fixture's writes now, not at a poll during the test.
	a.DB.Changes().Sync(t.Context())
	for _, c := range []struct {
		name   string
		path   string
		header []string
	}{
		{"token, private project", f.private, f.reporterHeader()},
		{"anonymous, public project", f.public, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if res := a.Do("GET", c.path, nil, c.header...); res.Status != 200 {
				t.Fatalf("cold: %d %s", res.Status, res.Body)
			}
			before := a.DB.Statements()
			for range 5 {
				if res := a.Do("GET", c.path, nil, c.header...); res.Status != 200 || len(res.Body) != 1024 {
					t.Fatalf("warm: %d, %d bytes", res.Status, len(res.Body))
				}
			}
			if n := a.DB.Statements() - before; n != 0 {
				t.Errorf("5 warm GETs sent %d statements, want 0", n)
			}
		})
	}
}

// On SQLite, another process on the file (an admin command beside the server) is
// heard by its data_version: a token it revoked, which no hook of this process saw,
// is refused once the process has caught up (at the next poll; Sync here).
func TestHotCacheHearsAnotherProcessOnSQLite(t *testing.T) {
	if compattest.Postgres() {
		t.Skip("SQLite only: on Postgres the other processes notify")
	}
	a := compattest.New(t)
	f := newHotFixture(t, a, a)
	header := f.reporterHeader()
	if res := a.Do("GET", f.private, nil, header...); res.Status != 200 {
		t.Fatalf("before: %d", res.Status)
	}
	id := f.reporterTokenID(t)
	other, err := database.Connect(t.Context(), a.DatabaseURL) // no registry hooks: as another process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Client.PersonalAccessToken.UpdateOneID(id).SetRevokedAt(time.Now()).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	a.DB.Changes().Sync(t.Context())
	if res := a.Do("GET", f.private, nil, header...); res.Status != 401 {
		t.Fatalf("after another process revoked the token: %d, want 401", res.Status)
	}
}
