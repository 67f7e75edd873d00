package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PackageRevision counts the changes of one package: a normalized name of one type in
// one project, across all its versions. Every write to a version, a file, a tag or a
// property of the package bumps it in the same transaction, so an index document's
// key is one indexed lookup of the revisions it covers rather than a scan of its
// versions. Rows are never deleted (a revision only grows), so a sum of revisions
// changes whenever any of them does.
type PackageRevision struct{ ent.Schema }

// Fields of the PackageRevision.
func (PackageRevision) Fields() []ent.Field {
	return []ent.Field{
		field.Int("project_id"),
		field.Enum("package_type").Values(PackageTypes...),
		field.String("normalized_name").NotEmpty().Comment("The package's normalized name, as on its versions."),
		field.Int64("revision").Default(1).Comment("Bumped by every change to the package's versions, files, tags or properties."),
	}
}

// Edges of the PackageRevision.
func (PackageRevision) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("project", Project.Type).Field("project_id").Unique().Required(),
	}
}

// Indexes of the PackageRevision.
func (PackageRevision) Indexes() []ent.Index {
	return []ent.Index{
		// A document of one name: every project's revision of it.
		index.Fields("package_type", "normalized_name", "project_id").Unique(),
		// A document of every name of a type in a project.
		index.Fields("project_id", "package_type"),
	}
}

// Annotations of the PackageRevision.
func (PackageRevision) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
