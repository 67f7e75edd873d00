package graph_test

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/registry"
)

// TestCleanupPolicyRemovesVersionsNotDownloaded sets the not-downloaded option
// through GraphQL and checks that garbage collection removes exactly the stale
// versions: those last downloaded before the cutoff, and those never downloaded that
// were published before it; not a version downloaded since, and nothing in a
// project without the option (it is off by default).
func TestCleanupPolicyRemovesVersionsNotDownloaded(t *testing.T) {
	var offset atomic.Int64 // how far the service's clock is ahead of the real one
	e := compattest.NewWithConfig(t, func(c *registry.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	day := func(n int) { offset.Store(int64(time.Duration(n) * 24 * time.Hour)) }
	e.Project("root/app", "private", "")
	e.Project("root/keep", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	for _, v := range []string{"old", "never", "recent"} {
		if st := put(t, e, "root/app", "pkg", v, "f.bin", v, tok...); st != 201 {
			t.Fatalf("upload %s: %d", v, st)
		}
	}
	if st := put(t, e, "root/keep", "pkg", "never", "f.bin", "x", tok...); st != 201 {
		t.Fatalf("upload: %d", st)
	}
	download := func(v string) {
		t.Helper()
		if res := e.Do("GET", "/api/v4/projects/root%2Fapp/packages/generic/pkg/"+v+"/f.bin", nil, tok...); res.Status != 200 {
			t.Fatalf("download %s: %d", v, res.Status)
		}
	}
	download("old") // day 0
	day(9)
	download("recent")
	day(10)
	gc := func() registry.GCStats {
		t.Helper()
		st, err := e.Svc.CollectGarbage(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := gc(); st.NotDownloaded != 0 {
		t.Fatalf("the option is off by default, yet %+v", st)
	}
	// 20 days: nothing is that stale yet (the version never downloaded was published 10 days ago).
	var pol struct {
		UpdatePackagesCleanupPolicy struct {
			PackagesCleanupPolicy struct {
				KeepNDuplicatedPackageFiles string
				RemoveNotDownloadedForDays  int
			}
			Errors []string
		}
	}
	gql(t, e, e.RootToken, `mutation { updatePackagesCleanupPolicy(input: {projectPath: "root/app", removeNotDownloadedForDays: 20}) {
		packagesCleanupPolicy { keepNDuplicatedPackageFiles removeNotDownloadedForDays } errors } }`, nil, &pol)
	if got := pol.UpdatePackagesCleanupPolicy; len(got.Errors) > 0 || got.PackagesCleanupPolicy.RemoveNotDownloadedForDays != 20 ||
		got.PackagesCleanupPolicy.KeepNDuplicatedPackageFiles != "ALL_PACKAGE_FILES" {
		t.Fatalf("update: %+v", got)
	}
	if st := gc(); st.NotDownloaded != 0 {
		t.Fatalf("20 days: %+v", st)
	}
	mutate(t, e, e.RootToken, "updatePackagesCleanupPolicy", `projectPath: "root/app", removeNotDownloadedForDays: 7`)
	if st := gc(); st.NotDownloaded != 2 || st.Packages != 2 {
		t.Fatalf("7 days: %+v", st)
	}
	if got := versions(t, e, "root/app"); fmt.Sprint(got) != "[recent]" {
		t.Fatalf("root/app keeps %v, want [recent]", got)
	}
	if got := versions(t, e, "root/keep"); fmt.Sprint(got) != "[never]" {
		t.Fatalf("root/keep keeps %v", got)
	}
	// Setting one option leaves the other as it was; out of range is refused.
	mutate(t, e, e.RootToken, "updatePackagesCleanupPolicy", `projectPath: "root/app", keepNDuplicatedPackageFiles: TEN_PACKAGE_FILES`)
	var after struct {
		Project struct {
			PackagesCleanupPolicy struct{ RemoveNotDownloadedForDays int }
		}
	}
	gql(t, e, e.RootToken, `{ project(fullPath: "root/app") { packagesCleanupPolicy { removeNotDownloadedForDays } } }`, nil, &after)
	if after.Project.PackagesCleanupPolicy.RemoveNotDownloadedForDays != 7 {
		t.Fatalf("keep changed the days: %+v", after)
	}
	for _, bad := range []int{-1, 3651} {
		var out map[string]payload
		gql(t, e, e.RootToken, fmt.Sprintf(`mutation { updatePackagesCleanupPolicy(input: {projectPath: "root/app", removeNotDownloadedForDays: %d}) { errors } }`, bad), nil, &out)
		if len(out["updatePackagesCleanupPolicy"].Errors) == 0 {
			t.Errorf("%d days accepted", bad)
		}
	}
}

// versions lists the versions of a project's packages, sorted.
func versions(t *testing.T, e *compattest.Env, project string) []string {
	t.Helper()
	var out []string
	for _, p := range e.Downloads(project) {
		out = append(out, p.Version)
	}
	sort.Strings(out)
	return out
}

// TestDownloadsPerDay counts downloads on two days (by the service's clock) and
// reads them back as a dense series, today last.
func TestDownloadsPerDay(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	e := compattest.NewWithConfig(t, func(c *registry.Config) { c.Now = now })
	e.Project("root/app", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	if st := put(t, e, "root/app", "pkg", "1.0.0", "f.bin", "x", tok...); st != 201 {
		t.Fatalf("upload: %d", st)
	}
	download := func(n int) {
		for range n {
			if res := e.Do("GET", "/api/v4/projects/root%2Fapp/packages/generic/pkg/1.0.0/f.bin", nil, tok...); res.Status != 200 {
				t.Fatalf("download: %d", res.Status)
			}
		}
		e.FlushDownloads()
	}
	download(2)
	offset.Store(int64(24 * time.Hour))
	download(1)
	type day struct {
		Day   string
		Count int64
	}
	var out struct {
		Project struct {
			Packages struct {
				Nodes []struct {
					DownloadsPerDay []day
					Default         []day
				}
			}
		}
	}
	gql(t, e, e.RootToken, `{ project(fullPath: "root/app") { packages { nodes {
		downloadsPerDay(days: 3) { day count } default: downloadsPerDay { day count } } } } }`, nil, &out)
	d := func(back int) string { return now().UTC().AddDate(0, 0, -back).Format(time.DateOnly) }
	want := []day{{d(2), 0}, {d(1), 2}, {d(0), 1}}
	got := out.Project.Packages.Nodes[0]
	if fmt.Sprint(got.DownloadsPerDay) != fmt.Sprint(want) || len(got.Default) != 30 || got.Default[29] != want[2] {
		t.Fatalf("downloadsPerDay = %v (default: %d days), want %v", got.DownloadsPerDay, len(got.Default), want)
	}
	for _, bad := range []int{0, 366} {
		errs := e.GraphQL(fmt.Sprintf(`{ project(fullPath: "root/app") { packages { nodes { downloadsPerDay(days: %d) { day } } } } }`, bad),
			nil, nil, "Authorization", "Bearer "+e.RootToken)
		if len(errs) == 0 {
			t.Errorf("days: %d accepted", bad)
		}
	}
}
