package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Group is a namespace that holds projects and subgroups.
type Group struct{ ent.Schema }

// Mixin of the Group.
func (Group) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Group.
func (Group) Fields() []ent.Field {
	return []ent.Field{
		field.String("path").NotEmpty().Comment("Last path segment."),
		field.String("name").NotEmpty().Comment("Display name."),
		field.String("full_path").Unique().NotEmpty().Comment("Slash-separated path from the root group.").Annotations(entgql.OrderField("FULL_PATH")),
		visibility(),
		field.Int("parent_id").Optional().Nillable().Comment("Parent group; empty for a root group."),
	}
}

// Edges of the Group.
func (Group) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Group.Type).From("parent").Field("parent_id").Unique(),
		edge.To("projects", Project.Type),
		edge.To("memberships", Membership.Type),
		edge.To("deploy_tokens", DeployToken.Type),
		edge.To("duplicate_settings", DuplicateSetting.Type),
		edge.To("format_flags", FormatFlag.Type),
	}
}

// Annotations of the Group.
func (Group) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
