//go:build ignore

// entc.go generates the ent code with the entgql extension, which adds Relay
// pagination and field collection (eager loading of what a GraphQL query selects).
// The GraphQL schema itself is written by hand in schema.graphqls, in GitLab's shape.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	ex, err := entgql.NewExtension(entgql.WithRelaySpec(true))
	if err != nil {
		log.Fatalf("entgql: %v", err)
	}
	err = entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			gen.FeatureUpsert, gen.FeatureLock, gen.FeatureExecQuery,
			gen.FeatureIntercept, gen.FeatureSnapshot,
			// Diff and NamedDiff in ent/migrate, which write the versioned
			// migrations in database/migrations (go run ./database/migrations/gen).
			gen.FeatureVersionedMigration,
		},
	}, entc.Extensions(ex))
	if err != nil {
		log.Fatalf("ent: %v", err)
	}
}
