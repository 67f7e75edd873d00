package server_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgreg/registry/compat/compattest"
)

// Concurrent publishers and readers for a bounded time (issue 16), on SQLite (one
// writer at a time, busy timeout) and on Postgres: no answer is a 5xx, no
// confirmed write is lost or doubled, and where duplicates are off exactly one of
// the publishers racing on one file wins.
func TestConcurrentPublishersAndReaders(t *testing.T) {
	e := compattest.New(t)
	e.Group("acme", "private")
	p := e.Project("acme/app", "private", "")
	tok := []string{"Private-Token", e.RootToken}
	var out struct {
		UpdateNamespacePackageSettings struct{ Errors []string } `json:"updateNamespacePackageSettings"`
	}
	if errs := e.GraphQL(`mutation { updateNamespacePackageSettings(input: {namespacePath: "acme", genericDuplicatesAllowed: false}) { errors } }`,
		nil, &out, tok...); len(errs) > 0 || len(out.UpdateNamespacePackageSettings.Errors) > 0 {
		t.Fatalf("settings: %v %v", errs, out)
	}
	base := fmt.Sprintf("/api/v4/projects/%d/packages/generic", p.ID)
	const (
		publishers = 6
		readers    = 4
		duration   = 3 * time.Second
	)
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		mine     = map[string]string{} // distinct files confirmed: path -> body
		wins     = map[string][]int{}  // raced file -> publishers answered 201
		requests int
	)
	record := func(status int) {
		mu.Lock()
		statuses[status]++
		requests++
		mu.Unlock()
	}
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	for w := range publishers {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				// Its own file in a version of its own...
				path := fmt.Sprintf("%s/own/%d.%d.0/f.txt", base, w, i)
				body := fmt.Sprintf("publisher %d, file %d", w, i)
				res := e.Do("PUT", path, strings.NewReader(body), tok...)
				record(res.Status)
				if res.Status != 201 { // nothing stands in its way but load
					t.Errorf("PUT %s: %d %s", path, res.Status, res.Body)
					continue
				}
				mu.Lock()
				mine[path] = body
				mu.Unlock()
				// ...and the same file every publisher puts at once, duplicates off.
				raced := fmt.Sprintf("%s/raced/1.0.%d/same.txt", base, i)
				res = e.Do("PUT", raced, strings.NewReader(fmt.Sprintf("from %d", w)), tok...)
				record(res.Status)
				switch res.Status {
				case 201:
					mu.Lock()
					wins[raced] = append(wins[raced], w)
					mu.Unlock()
				case 400: // GitLab's "Duplicate package is not allowed"
				default:
					t.Errorf("PUT %s: %d %s", raced, res.Status, res.Body)
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				res := e.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages?per_page=20", p.ID), nil, tok...)
				record(res.Status)
				mu.Lock()
				var path string
				for k := range mine {
					path = k
					break
				}
				mu.Unlock()
				if path != "" {
					record(e.Do("GET", path, nil, tok...).Status)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests in %v: %v; %d own files, %d raced files", requests, duration, statuses, len(mine), len(wins))

	for status, n := range statuses {
		if status >= 500 {
			t.Errorf("%d answers were %d", n, status)
		}
	}
	if len(mine) == 0 {
		t.Fatal("nothing was published")
	}
	for path, body := range mine {
		if res := e.Do("GET", path, nil, tok...); res.Status != 200 || string(res.Body) != body {
			t.Errorf("%s: %d %q, want %q", path, res.Status, res.Body, body)
		}
	}
	for path, winners := range wins {
		if len(winners) != 1 {
			t.Errorf("%s: %d publishers won (%v)", path, len(winners), winners)
		}
		res := e.Do("GET", path, nil, tok...)
		if want := fmt.Sprintf("from %d", winners[0]); res.Status != 200 || string(res.Body) != want {
			t.Errorf("%s: %d %q, want %q", path, res.Status, res.Body, want)
		}
	}
	// Each distinct file was written once: one package per own version, one file in each.
	var count struct {
		Project struct {
			Packages struct{ Count int } `json:"packages"`
		} `json:"project"`
	}
	if errs := e.GraphQL(`{ project(fullPath: "acme/app") { packages(packageName: "own") { count } } }`, nil, &count, tok...); len(errs) > 0 {
		t.Fatal(errs)
	}
	if count.Project.Packages.Count != len(mine) {
		t.Errorf("%d own packages for %d confirmed publishes", count.Project.Packages.Count, len(mine))
	}
}
