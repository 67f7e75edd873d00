package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is a person or a bot (the identity behind a project or group access token).
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").Unique().NotEmpty().Comment("Unique login name; also the path of the personal namespace.").Annotations(entgql.OrderField("USERNAME")),
		field.String("name").Default("").Comment("Display name."),
		field.String("email").Default("").Comment("Contact address."),
		field.Bool("admin").Default(false).Comment("Instance administrator."),
		field.Bool("bot").Default(false).Comment("Bot user behind a project or group access token."),
		field.String("password_hash").Optional().Sensitive().Comment("bcrypt hash; empty means password sign-in is off."),
		field.Enum("state").Values("active", "blocked").Default("active").Comment("Blocked users cannot authenticate."),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("memberships", Membership.Type),
		edge.To("personal_access_tokens", PersonalAccessToken.Type),
		edge.To("projects", Project.Type).Comment("Projects in the user's personal namespace."),
	}
}

// Annotations of the User.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
