package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Membership gives a user a role in a group (inherited below it) or in a project.
type Membership struct{ ent.Schema }

// Mixin of the Membership.
func (Membership) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Membership.
func (Membership) Fields() []ent.Field {
	return []ent.Field{
		role(),
		field.Int("user_id"),
		field.Int("group_id").Optional().Nillable(),
		field.Int("project_id").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable().Comment("When the membership ends: from then on it gives no role and is not listed."),
	}
}

// Edges of the Membership.
func (Membership) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("memberships").Field("user_id").Unique().Required(),
		edge.From("group", Group.Type).Ref("memberships").Field("group_id").Unique(),
		edge.From("project", Project.Type).Ref("memberships").Field("project_id").Unique(),
	}
}

// Indexes of the Membership.
func (Membership) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "group_id").Unique(),
		index.Fields("user_id", "project_id").Unique(),
	}
}

// Annotations of the Membership.
func (Membership) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
