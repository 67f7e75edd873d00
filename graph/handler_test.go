package graph

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/pkgreg/registry/registry"
)

// TestEveryErrorKindHasACode: a kind the presenter did not know (a rate limit)
// became an internal error.
func TestEveryErrorKindHasACode(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, kind := range []error{registry.ErrInvalid, registry.ErrNotFound, registry.ErrConflict,
		registry.ErrUnauthenticated, registry.ErrForbidden, registry.ErrTooLarge, registry.ErrThrottled} {
		e := presentError(context.Background(), registry.Errorf(kind, "what happened"), log)
		if code, _ := e.Extensions["code"].(string); code == "" || code == "INTERNAL_SERVER_ERROR" || e.Message != "what happened" {
			t.Errorf("%v: %s %v", kind, e.Message, e.Extensions)
		}
	}
	e := presentError(context.Background(), errors.New("pq: relation secret_table"), log)
	if e.Message != "Internal server error" || e.Extensions["code"] != "INTERNAL_SERVER_ERROR" {
		t.Errorf("internal: %s %v", e.Message, e.Extensions)
	}
}
