package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin adds created_at and updated_at to an entity.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().Comment("When the record was created.").Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).Comment("When the record was last changed."),
	}
}

// TokenMixin holds the columns every kind of secret token shares. Only a digest of the
// secret is stored: the plaintext is shown once, when the token is created.
type TokenMixin struct{ mixin.Schema }

// Fields of the TokenMixin.
func (TokenMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("token_digest").Unique().Sensitive().NotEmpty().Comment("SHA-256 hex digest of the secret."),
		field.Time("expires_at").Optional().Nillable().Comment("The token stops working at this time."),
		field.Time("revoked_at").Optional().Nillable().Comment("Set when the token was revoked."),
		field.Time("last_used_at").Optional().Nillable().Comment("Last successful authentication, updated at most once a minute."),
	}
}

// visibility is the shared enum of groups and projects.
func visibility() ent.Field {
	return field.Enum("visibility").Values("private", "internal", "public").Default("private").
		Comment("Who may see it: members only, any signed-in user, or anyone.")
}

// role is the membership role enum, lowest first.
func role() ent.Field {
	return field.Enum("role").Values("guest", "planner", "reporter", "developer", "maintainer", "owner").
		Comment("Access level; group roles are inherited by subgroups and projects.")
}
