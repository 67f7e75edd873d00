package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pkgreg/registry/auth"
	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/auditevent"
	"github.com/pkgreg/registry/registry"
)

// newEvents returns the audit events recorded after the event with id after.
func newEvents(t *testing.T, e *compattest.Env, after int) []*ent.AuditEvent {
	t.Helper()
	q, err := e.Svc.AuditEventsQuery(e.Admin, registry.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := q.Where(auditevent.IDGT(after)).Order(ent.Asc(auditevent.FieldID)).All(e.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func lastEventID(t *testing.T, e *compattest.Env) int {
	t.Helper()
	evs := newEvents(t, e, 0)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

// TestAuditEvents runs every audited change once, in order (later cases revoke what
// earlier ones created), and checks that each records exactly one event with its
// author and target, and that a refused change records none. Details never hold a
// token's value.
func TestAuditEvents(t *testing.T) {
	e := compattest.New(t)
	e.Group("g", "private")
	p := e.Project("g/p", "private", "")
	g, _ := e.Svc.GroupByRef(e.Admin, "g")
	e.User("dev")
	e.User("ann")
	e.Member("dev", "g/p", "maintainer")
	devSecret := e.PAT("dev", "api")
	dev := e.TokenContext(devSecret)
	deployUser, deploySecret := e.DeployToken("g/p", "", "write_package_registry")
	deployer := e.TokenContext(deploySecret)
	ann, _ := e.Svc.UserContext(e.Admin, "ann")

	publish := func(ctx context.Context, version, file string) error {
		_, err := e.Svc.PublishFile(ctx, registry.PublishFileInput{Project: p, Type: typ, Name: "lib", Version: version,
			FileName: file, Body: strings.NewReader("bytes of " + file), Size: -1, Duplicates: registry.DuplicateFileRejected})
		return err
	}
	var patID, deployID, accessID int
	var fileID, pkgID int
	tr := true
	cases := []struct {
		name string
		do   func() (secret string, err error)
		// action "" expects the change to fail and record nothing.
		action, author, kind, targetType, path string
	}{
		{name: "publish", do: func() (string, error) { return "", publish(dev, "1.0", "a.tgz") },
			action: registry.AuditPublish, author: "dev", kind: "personal_token", targetType: "package", path: "g/p lib@1.0"},
		{name: "publish by deploy token", do: func() (string, error) { return "", publish(deployer, "2.0", "b.tgz") },
			action: registry.AuditPublish, author: deployUser, kind: "deploy_token", targetType: "package", path: "g/p lib@2.0"},
		{name: "duplicate publish", do: func() (string, error) { return "", publish(dev, "1.0", "a.tgz") }},
		{name: "publish without permission", do: func() (string, error) { return "", publish(ann, "3.0", "c.tgz") }},
		{name: "delete file", do: func() (string, error) {
			f, err := e.Svc.FindFile(dev, registry.FileQuery{VersionQuery: registry.VersionQuery{Scope: registry.Scope{Project: p},
				Type: typ, Name: "lib", Versions: []string{"1.0"}}, FileName: "a.tgz"})
			if err != nil {
				return "", err
			}
			fileID, pkgID = f.ID, f.PackageID
			return "", e.Svc.DeletePackageFile(dev, p, pkgID, fileID)
		}, action: registry.AuditFileDelete, author: "dev", kind: "personal_token", targetType: "package_file", path: "g/p lib@1.0 a.tgz"},
		{name: "delete file twice", do: func() (string, error) { return "", e.Svc.DeletePackageFile(dev, p, pkgID, fileID) }},
		{name: "delete package", do: func() (string, error) { return "", e.Svc.DeletePackage(dev, p, pkgID) },
			action: registry.AuditPackageDelete, author: "dev", kind: "personal_token", targetType: "package", path: "g/p lib@1.0"},
		{name: "delete versions", do: func() (string, error) {
			_, err := e.Svc.DeleteVersions(e.Admin, registry.DeleteVersionsInput{Project: p, Type: typ, Name: "lib", Versions: []string{"2.0"}})
			return "", err
		}, action: registry.AuditPackageDelete, author: "root", kind: "session", targetType: "package", path: "g/p lib@2.0"},
		{name: "delete package without permission", do: func() (string, error) { return "", e.Svc.DeletePackage(ann, p, pkgID) }},
		{name: "create personal token", do: func() (string, error) {
			tok, err := e.Svc.CreatePersonalAccessToken(ann, registry.CreatePersonalAccessTokenInput{Name: "laptop", Scopes: []string{"api"}})
			if err != nil {
				return "", err
			}
			patID = tok.ID
			return tok.Token, nil
		}, action: registry.AuditPATCreate, author: "ann", kind: "session", targetType: "personal_access_token", path: "ann"},
		{name: "create personal token with a bad scope", do: func() (string, error) {
			_, err := e.Svc.CreatePersonalAccessToken(ann, registry.CreatePersonalAccessTokenInput{Name: "x", Scopes: []string{"sudo"}})
			return "", err
		}},
		{name: "rotate personal token", do: func() (string, error) {
			tok, err := e.Svc.RotatePersonalAccessToken(ann, patID, nil)
			if err != nil {
				return "", err
			}
			patID = tok.ID
			return tok.Token, nil
		}, action: registry.AuditPATRotate, author: "ann", kind: "session", targetType: "personal_access_token", path: "ann"},
		{name: "revoke someone else's token", do: func() (string, error) { return "", e.Svc.RevokePersonalAccessToken(dev, patID) }},
		{name: "revoke personal token", do: func() (string, error) { return "", e.Svc.RevokePersonalAccessToken(ann, patID) },
			action: registry.AuditPATRevoke, author: "ann", kind: "session", targetType: "personal_access_token", path: "ann"},
		{name: "create deploy token", do: func() (string, error) {
			tok, err := e.Svc.CreateDeployToken(dev, registry.DeployTokenInput{ProjectPath: "g/p", Name: "ci", Scopes: []string{"read_package_registry"}})
			if err != nil {
				return "", err
			}
			deployID = tok.ID
			return tok.Token, nil
		}, action: registry.AuditDeployTokenCreate, author: "dev", kind: "personal_token", targetType: "deploy_token", path: "g/p"},
		{name: "revoke deploy token", do: func() (string, error) { return "", e.Svc.RevokeDeployToken(dev, deployID) },
			action: registry.AuditDeployTokenRevoke, author: "dev", kind: "personal_token", targetType: "deploy_token", path: "g/p"},
		{name: "create deploy token without permission", do: func() (string, error) {
			_, err := e.Svc.CreateDeployToken(ann, registry.DeployTokenInput{ProjectPath: "g/p", Name: "ci", Scopes: []string{"read_package_registry"}})
			return "", err
		}},
		{name: "create access token", do: func() (string, error) {
			tok, err := e.Svc.CreateAccessToken(dev, registry.AccessTokenInput{ProjectPath: "g/p", Name: "bot", Role: "developer", Scopes: []string{"api"}})
			if err != nil {
				return "", err
			}
			accessID = tok.ID
			return tok.Token, nil
		}, action: registry.AuditAccessTokenCreate, author: "dev", kind: "personal_token", targetType: "personal_access_token", path: "g/p"},
		{name: "create access token above own role", do: func() (string, error) {
			_, err := e.Svc.CreateAccessToken(dev, registry.AccessTokenInput{ProjectPath: "g/p", Name: "bot", Role: "owner", Scopes: []string{"api"}})
			return "", err
		}},
		{name: "revoke access token", do: func() (string, error) { return "", e.Svc.RevokeAccessToken(dev, accessID) },
			action: registry.AuditAccessTokenRevoke, author: "dev", kind: "personal_token", targetType: "personal_access_token", path: "g/p"},
		{name: "add member", do: func() (string, error) {
			_, err := e.Svc.SetMembership(dev, registry.MembershipInput{Username: "ann", ProjectPath: "g/p", Role: "reporter"})
			return "", err
		}, action: registry.AuditMemberAdd, author: "dev", kind: "personal_token", targetType: "membership", path: "g/p ann"},
		{name: "change member role", do: func() (string, error) {
			_, err := e.Svc.UpdateMembership(dev, registry.MembershipInput{Username: "ann", ProjectPath: "g/p", Role: "developer"})
			return "", err
		}, action: registry.AuditMemberUpdate, author: "dev", kind: "personal_token", targetType: "membership", path: "g/p ann"},
		{name: "grant a role above one's own", do: func() (string, error) {
			_, err := e.Svc.SetMembership(dev, registry.MembershipInput{Username: "ann", ProjectPath: "g/p", Role: "owner"})
			return "", err
		}},
		{name: "remove member", do: func() (string, error) {
			return "", e.Svc.DeleteMembership(dev, registry.MembershipInput{Username: "ann", ProjectPath: "g/p"})
		}, action: registry.AuditMemberRemove, author: "dev", kind: "personal_token", targetType: "membership", path: "g/p ann"},
		{name: "remove the last owner", do: func() (string, error) {
			// root created g and is its only Owner; the refusal comes inside the transaction.
			return "", e.Svc.DeleteMembership(e.Admin, registry.MembershipInput{Username: "root", GroupPath: "g"})
		}},
		{name: "instance settings", do: func() (string, error) {
			_, err := e.Svc.UpdateInstanceSettings(e.Admin, registry.InstanceSettingsInput{GuestsMayPullPackages: &tr})
			return "", err
		}, action: registry.AuditInstanceSettings, author: "root", kind: "session", targetType: "instance"},
		{name: "instance settings by a user", do: func() (string, error) {
			_, err := e.Svc.UpdateInstanceSettings(dev, registry.InstanceSettingsInput{GuestsMayPullPackages: &tr})
			return "", err
		}},
		{name: "group package settings", do: func() (string, error) {
			_, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{registry.PackageTypeGeneric: {Allowed: &tr}})
			return "", err
		}, action: registry.AuditPackageSettings, author: "root", kind: "session", targetType: "group", path: "g"},
		{name: "group package settings without permission", do: func() (string, error) {
			_, err := e.Svc.UpdatePackageSettings(ann, g, map[registry.PackageType]registry.DuplicatePolicyInput{registry.PackageTypeGeneric: {Allowed: &tr}})
			return "", err
		}},
		{name: "group package settings with a bad regex", do: func() (string, error) {
			bad := "("
			_, err := e.Svc.UpdatePackageSettings(e.Admin, g, map[registry.PackageType]registry.DuplicatePolicyInput{registry.PackageTypeGeneric: {ExceptionRegex: &bad}})
			return "", err
		}},
		{name: "group format flags", do: func() (string, error) {
			// A flag the NuGet format declares (the test server registers every format).
			_, err := e.Svc.SetGroupFlags(e.Admin, g, registry.PackageTypeNuGet, map[string]bool{"symbol_server_enabled": true})
			return "", err
		}, action: registry.AuditGroupFlags, author: "root", kind: "session", targetType: "group", path: "g"},
		{name: "group format flag no format declares", do: func() (string, error) {
			_, err := e.Svc.SetGroupFlags(e.Admin, g, registry.PackageTypeNuGet, map[string]bool{"no_such_flag": true})
			return "", err
		}},
		{name: "project settings", do: func() (string, error) {
			name := "Renamed"
			_, err := e.Svc.UpdateProject(e.Admin, p, registry.UpdateProjectInput{Name: &name})
			return "", err
		}, action: registry.AuditProjectSettings, author: "root", kind: "session", targetType: "project", path: "g/p"},
		{name: "plan limit", do: func() (string, error) { return "", e.Svc.SetMaxFileSize(e.Admin, typ, 1<<20) },
			action: registry.AuditPlanLimit, author: "root", kind: "session", targetType: "plan_limit", path: "generic"},
		{name: "plan limit by a user", do: func() (string, error) { return "", e.Svc.SetMaxFileSize(dev, typ, 1) }},
		{name: "cleanup policy", do: func() (string, error) {
			_, err := e.Svc.UpdatePackagesCleanupPolicy(dev, p, registry.CleanupPolicyInput{Keep: ptr("10")})
			return "", err
		}, action: registry.AuditCleanupPolicy, author: "dev", kind: "personal_token", targetType: "project", path: "g/p"},
		{name: "bad cleanup policy", do: func() (string, error) {
			_, err := e.Svc.UpdatePackagesCleanupPolicy(dev, p, registry.CleanupPolicyInput{Keep: ptr("7")})
			return "", err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := lastEventID(t, e)
			secret, err := c.do()
			evs := newEvents(t, e, before)
			if c.action == "" {
				if err == nil {
					t.Fatal("the change succeeded")
				}
				if len(evs) != 0 {
					t.Fatalf("a failed change recorded %d events: %s", len(evs), evs[0].Action)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Fatalf("%d events, want 1", len(evs))
			}
			ev := evs[0]
			if ev.Action != c.action || ev.AuthorName != c.author || ev.AuthorKind != c.kind ||
				ev.TargetType != c.targetType || ev.TargetPath != c.path {
				t.Errorf("event %s by %s (%s) on %s %q; want %s by %s (%s) on %s %q", ev.Action, ev.AuthorName, ev.AuthorKind,
					ev.TargetType, ev.TargetPath, c.action, c.author, c.kind, c.targetType, c.path)
			}
			if (ev.AuthorID == nil) != (c.kind == "deploy_token") {
				t.Errorf("author id %v for a %s", ev.AuthorID, c.kind)
			}
			if ev.TargetType != "instance" && ev.TargetType != "plan_limit" && ev.TargetID == nil {
				t.Error("no target id")
			}
			if time.Since(ev.CreatedAt) > time.Minute {
				t.Errorf("created at %v", ev.CreatedAt)
			}
			b, _ := json.Marshal(ev.Details)
			for _, s := range []string{devSecret, deploySecret, secret, registry.PersonalTokenPrefix, registry.DeployTokenPrefix} {
				if s != "" && strings.Contains(string(b), s) {
					t.Errorf("details hold a secret: %s", b)
				}
			}
		})
	}
	// The role change says what it was.
	evs, _ := e.Svc.AuditEventsQuery(e.Admin, registry.AuditFilter{Action: registry.AuditMemberUpdate})
	ev := evs.OnlyX(e.Admin)
	if ev.Details["role_before"] != "reporter" || ev.Details["role"] != "developer" {
		t.Errorf("member.update details %v", ev.Details)
	}
}

// TestAuditEventFailureFailsTheChange: when the event cannot be written the change
// rolls back with it, so a committed change always has its event.
func TestAuditEventFailureFailsTheChange(t *testing.T) {
	e := compattest.New(t)
	e.User("ann")
	secret := e.PAT("ann", "api")
	ann := e.TokenContext(secret)
	tok, err := e.Svc.CreatePersonalAccessToken(ann, registry.CreatePersonalAccessTokenInput{Name: "x", Scopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("audit store broken")
	e.DB.Client.AuditEvent.Use(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) { return nil, broken })
	})
	if _, err := e.Svc.RotatePersonalAccessToken(ann, tok.ID, nil); !errors.Is(err, broken) {
		t.Fatalf("rotate: %v", err)
	}
	if _, err := e.Svc.ResolveCredential(e.Admin, auth.Credential{Source: auth.FromPrivateToken, Secret: tok.Token}); err != nil {
		t.Errorf("the token was revoked although its rotation failed: %v", err)
	}
}

// TestAuditRetention: garbage collection removes events older than the retention.
func TestAuditRetention(t *testing.T) {
	now := time.Now()
	e := compattest.NewWithConfig(t, func(c *registry.Config) { c.Now = func() time.Time { return now } })
	old := newEvents(t, e, 0)
	if len(old) == 0 {
		t.Fatal("no events to age (the bootstrap token's creation is one)")
	}
	now = now.Add(registry.AuditRetention - time.Hour)
	e.User("bob")
	e.PAT("bob", "api")
	if _, err := e.Svc.CollectGarbage(e.Admin, 0); err != nil {
		t.Fatal(err)
	}
	if n := len(newEvents(t, e, 0)); n != len(old)+1 {
		t.Fatalf("%d events within the retention, want %d", n, len(old)+1)
	}
	now = now.Add(2 * time.Hour)
	st, err := e.Svc.CollectGarbage(e.Admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.AuditEvents != len(old) || len(newEvents(t, e, 0)) != 1 {
		t.Errorf("removed %d of %d old events; %d left", st.AuditEvents, len(old), len(newEvents(t, e, 0)))
	}
}

func ptr[T any](v T) *T { return &v }
