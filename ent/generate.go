// Package ent holds the generated data-access code; hand-written schemas live in ent/schema.
package ent

//go:generate go run -mod=mod entgo.io/ent/cmd/ent generate --feature sql/upsert,sql/lock,sql/execquery,intercept,privacy,schema/snapshot ./schema
