package database_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/pkgreg/registry/database"
)

func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a plain error", errors.New("boom"), false},
		{"a unique violation", &pq.Error{Code: "23505"}, false},
		{"a syntax error", &pq.Error{Code: "42601"}, false},
		{"admin shutdown", fmt.Errorf("query: %w", &pq.Error{Code: "57P01"}), true},
		{"cannot connect now", &pq.Error{Code: "57P03"}, true},
		{"connection failure", &pq.Error{Code: "08006"}, true},
		{"too many connections", &pq.Error{Code: "53300"}, true},
		{"refused", fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true},
		{"bad connection", fmt.Errorf("exec: %w", driver.ErrBadConn), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := database.Unavailable(c.err); got != c.want {
				t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}
