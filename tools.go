//go:build tools

// Package tools pins the code generators that `make generate` runs.
package tools

import (
	_ "entgo.io/contrib/entgql"
	_ "github.com/99designs/gqlgen"
)
