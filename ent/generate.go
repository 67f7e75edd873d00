// Package ent holds the generated data-access code; hand-written schemas live in ent/schema.
package ent

//go:generate go run -mod=mod entc.go
