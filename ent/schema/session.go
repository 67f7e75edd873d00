package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Session is a signed-in browser. The cookie holds a secret whose digest is stored
// here; the CSRF token (sent back in a header on writes) is stored as a digest too.
type Session struct{ ent.Schema }

// Mixin of the Session.
func (Session) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.String("token_digest").Unique().Sensitive().NotEmpty(),
		field.String("csrf_digest").Sensitive().NotEmpty(),
		field.Time("expires_at"),
		field.Int("user_id"),
	}
}

// Edges of the Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{edge.To("user", User.Type).Field("user_id").Unique().Required()}
}

// Annotations of the Session.
func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// SignInThrottle counts failed password sign-ins for one (username, client address)
// pair, known user or not, so that answers do not tell the two apart and nobody can
// lock a user out of signing in from their own address. It lives in the database so
// every replica enforces the same lock.
type SignInThrottle struct{ ent.Schema }

// Mixin of the SignInThrottle.
func (SignInThrottle) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the SignInThrottle.
func (SignInThrottle) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").Unique().NotEmpty().Sensitive().
			Comment("SHA-256 of the lower-cased username and the client address."),
		field.Int("failures").Default(0).Comment("Failed sign-ins since the last success or lock expiry."),
		field.Time("locked_until").Optional().Nillable().Comment("Password sign-in is refused until then."),
	}
}

// Annotations of the SignInThrottle.
func (SignInThrottle) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
