package registry

import (
	"testing"
	"time"

	"github.com/pkgreg/registry/ent"
	"github.com/pkgreg/registry/ent/packagefile"
)

// Background bookkeeping (last use, download counts) changes nothing a cache serves,
// so its writes bump no signal; any other write of the same rows does.
func TestOnlyBookkeeping(t *testing.T) {
	c := ent.NewClient()
	now := time.Now()
	for _, tc := range []struct {
		name string
		m    ent.Mutation
		want bool
	}{
		{"token last use", c.PersonalAccessToken.Update().SetLastUsedAt(now).Mutation(), true},
		{"deploy token last use", c.DeployToken.UpdateOneID(1).SetLastUsedAt(now).Mutation(), true},
		{"download count", c.PackageFile.Update().AddDownloadCount(3).SetLastDownloadedAt(now).Mutation(), true},
		{"update time alone", c.PersonalAccessToken.UpdateOneID(1).SetUpdatedAt(now).Mutation(), true},
		{"token revoked", c.PersonalAccessToken.UpdateOneID(1).SetRevokedAt(now).Mutation(), false},
		{"last use and revoked", c.PersonalAccessToken.UpdateOneID(1).SetLastUsedAt(now).SetRevokedAt(now).Mutation(), false},
		{"file status", c.PackageFile.UpdateOneID(1).SetStatus(packagefile.StatusPendingDestruction).Mutation(), false},
		{"last use cleared", c.PersonalAccessToken.UpdateOneID(1).ClearLastUsedAt().Mutation(), false},
		{"token created", c.PersonalAccessToken.Create().SetLastUsedAt(now).Mutation(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := onlyBookkeeping(tc.m); got != tc.want {
				t.Errorf("onlyBookkeeping: %v, want %v", got, tc.want)
			}
		})
	}
}

// Every entity a hot cache holds maps to the signal of that cache.
func TestSignalsOfCachedEntities(t *testing.T) {
	for _, tc := range []struct {
		entity string
		want   []int
	}{
		{ent.TypePersonalAccessToken, []int{int(sigCredentials)}},
		{ent.TypeSession, []int{int(sigCredentials)}},
		{ent.TypeUser, []int{int(sigCredentials), int(sigAccess)}},
		{ent.TypeMembership, []int{int(sigAccess)}},
		{ent.TypeApplicationSetting, []int{int(sigAccess)}},
		{ent.TypeProject, []int{int(sigCredentials), int(sigAccess), int(sigFiles)}},
		{ent.TypePackageFile, []int{int(sigFiles)}},
		{ent.TypeAuditEvent, nil},
	} {
		got := signalsOf[tc.entity]
		if len(got) != len(tc.want) {
			t.Errorf("%s: signals %v, want %v", tc.entity, got, tc.want)
			continue
		}
		for i := range got {
			if int(got[i]) != tc.want[i] {
				t.Errorf("%s: signals %v, want %v", tc.entity, got, tc.want)
			}
		}
	}
}
