package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pkgreg/registry/compat/compattest"
	"github.com/pkgreg/registry/database"
)

// Two registry processes on one database and one bucket: what one writes the other
// serves at once, and background work runs on one replica at a time.
func TestTwoReplicasShareState(t *testing.T) {
	a := compattest.New(t)
	twoReplicas(t, a, compattest.Start(t, a.DatabaseURL, a.StorageURL))
}

// The same on one real S3 bucket (and on Postgres, in the Postgres pass).
func TestTwoReplicasOnS3(t *testing.T) {
	bucket := compattest.StartS3(t).Bucket(t, "shared")
	a := compattest.Start(t, compattest.DatabaseURL(t), bucket)
	twoReplicas(t, a, compattest.Start(t, a.DatabaseURL, bucket))
}

func twoReplicas(t *testing.T, a, b *compattest.Env) {
	p := a.Project("root/shared", "private", "")
	tok := []string{"Private-Token", a.RootToken}
	path := fmt.Sprintf("/api/v4/projects/%d/packages/generic/pkg/1.0.0/f.bin", p.ID)

	if res := a.Do("PUT", path, strings.NewReader("v1"), tok...); res.Status != 201 {
		t.Fatalf("publish on a: %d", res.Status)
	}
	if res := b.Do("GET", path, nil, tok...); res.Status != 200 || string(res.Body) != "v1" {
		t.Fatalf("read on b: %d %q", res.Status, res.Body)
	}
	// A newer duplicate published on b is what a serves next.
	if res := b.Do("PUT", path, strings.NewReader("v2"), tok...); res.Status != 201 {
		t.Fatalf("publish on b: %d", res.Status)
	}
	if res := a.Do("GET", path, nil, tok...); string(res.Body) != "v2" {
		t.Fatalf("a serves %q after b published v2", res.Body)
	}
	list := b.Do("GET", fmt.Sprintf("/api/v4/projects/%d/packages", p.ID), nil, tok...)
	var id int
	fmt.Sscanf(string(list.Body), `[{"id":%d`, &id)
	if res := b.Do("DELETE", fmt.Sprintf("/api/v4/projects/%d/packages/%d", p.ID, id), nil, tok...); res.Status != 204 {
		t.Fatalf("delete on b: %d", res.Status)
	}
	if res := a.Do("GET", path, nil, tok...); res.Status != 404 {
		t.Fatalf("a still serves a package deleted on b: %d", res.Status)
	}

	if !compattest.Postgres() {
		return // one SQLite file serves one process; the lock is Postgres's
	}
	held := make(chan struct{})
	release := make(chan struct{})
	go a.DB.WithLock(context.Background(), database.LockGC, func(context.Context) error {
		close(held)
		<-release
		return nil
	})
	<-held
	st, err := b.Svc.CollectGarbage(context.Background(), 0)
	close(release)
	if err != nil || !st.Skipped {
		t.Fatalf("gc on b while a holds the lock: %+v %v", st, err)
	}
}
