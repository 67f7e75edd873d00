package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// PersonalAccessToken authenticates as its user. Project and group access tokens are
// personal access tokens of a bot user that is a member of that project or group.
type PersonalAccessToken struct{ ent.Schema }

// Mixin of the PersonalAccessToken.
func (PersonalAccessToken) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TokenMixin{}} }

// Fields of the PersonalAccessToken.
func (PersonalAccessToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Comment("Label chosen by the owner."),
		field.Strings("scopes").Comment("GitLab scopes: api (read and write), read_api (read)."),
		field.Int("user_id"),
	}
}

// Edges of the PersonalAccessToken.
func (PersonalAccessToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("personal_access_tokens").Field("user_id").Unique().Required(),
	}
}

// DeployToken grants package registry access to one project or one group tree, without a user.
type DeployToken struct{ ent.Schema }

// Mixin of the DeployToken.
func (DeployToken) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TokenMixin{}} }

// Fields of the DeployToken.
func (DeployToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Comment("Label chosen by the creator."),
		field.String("username").Unique().NotEmpty().Comment("Username for HTTP Basic; gitlab+deploy-token-N by default."),
		field.Strings("scopes").Comment("read_package_registry, write_package_registry (write implies read and delete)."),
		field.Int("project_id").Optional().Nillable(),
		field.Int("group_id").Optional().Nillable(),
	}
}

// Edges of the DeployToken.
func (DeployToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("deploy_tokens").Field("project_id").Unique(),
		edge.From("group", Group.Type).Ref("deploy_tokens").Field("group_id").Unique(),
	}
}

// Annotations of the PersonalAccessToken.
func (PersonalAccessToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Annotations of the DeployToken.
func (DeployToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
