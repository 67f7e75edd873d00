package database

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/lib/pq"
)

// A stamp stays current until its signal changes, and, where other processes write
// (shared), only while the last own heartbeat heard back or the stamp itself is
// within the bound.
func TestChangesCurrent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const bound = 2 * time.Second
	for _, c := range []struct {
		name   string
		shared bool
		heard  time.Duration // after t0; <0: never heard
		then   func(c *Changes)
		at     time.Duration // when asked, after t0
		want   bool
	}{
		{"one process, unchanged", false, -1, nil, time.Hour, true},
		{"one process, signal bumped", false, -1, func(c *Changes) { c.Changed(1) }, 0, false},
		{"one process, another signal bumped", false, -1, func(c *Changes) { c.Changed(2) }, 0, true},
		{"shared, deaf, within the bound", true, -1, nil, bound, true},
		{"shared, deaf, past the bound", true, -1, nil, bound + 1, false},
		{"shared, heartbeat heard since", true, 5 * time.Second, nil, 6 * time.Second, true},
		{"shared, heartbeat too old", true, 5 * time.Second, nil, 5*time.Second + bound + 1, false},
		{"shared, change heard", true, time.Second, func(c *Changes) { c.receive(&pq.Notification{Extra: "cother:1"}) }, time.Second, false},
		{"shared, own change echoed", true, time.Second, func(c *Changes) { c.receive(&pq.Notification{Extra: "cself:1"}) }, time.Second, true},
		{"shared, listener reconnected", true, time.Second, func(c *Changes) { c.receive(nil) }, time.Second, false},
		{"shared, another's heartbeat", true, -1, func(c *Changes) {
			c.receive(&pq.Notification{Extra: "hother:" + itoa(t0.Add(time.Hour))})
		}, bound + 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := t0
			ch := newChanges(func() time.Time { return now }, bound)
			ch.self, ch.shared = "self", c.shared
			st := ch.Stamp(1)
			if c.heard >= 0 {
				ch.receive(&pq.Notification{Extra: "hself:" + itoa(t0.Add(c.heard))})
			}
			if c.then != nil {
				c.then(ch)
			}
			now = t0.Add(c.at)
			if got := ch.Current(1, st); got != c.want {
				t.Errorf("current: %v, want %v", got, c.want)
			}
		})
	}
}

func itoa(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// Payloads name the sender and the signals; a database without other processes
// sends none.
func TestChangesPayload(t *testing.T) {
	ch := newChanges(nil, 0)
	if p := ch.Payload(0, 2); p != "" {
		t.Errorf("unshared payload %q", p)
	}
	ch.self, ch.shared = "abc", true
	ch.notify = func(context.Context, string) error { return nil }
	if p := ch.Payload(0, 2); p != "cabc:02" {
		t.Errorf("payload %q", p)
	}
	if p := ch.Payload(); p != "" {
		t.Errorf("empty payload %q", p)
	}
	if ch.Bound() != StalenessBound {
		t.Errorf("default bound %v", ch.Bound())
	}
}
