package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Project owns packages. It lives in a group or in a user's personal namespace.
type Project struct{ ent.Schema }

// Mixin of the Project.
func (Project) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Project.
func (Project) Fields() []ent.Field {
	return []ent.Field{
		field.String("path").NotEmpty().Comment("Last path segment."),
		field.String("name").NotEmpty().Comment("Display name."),
		field.String("full_path").Unique().NotEmpty().Comment("Namespace full path plus the project path.").Annotations(entgql.OrderField("FULL_PATH")),
		visibility(),
		field.Enum("package_registry_access_level").Values("disabled", "private", "public").Default("private").
			Comment("disabled: no registry; private: follows the project visibility; public: anyone may pull."),
		field.Enum("packages_cleanup_keep_n_duplicated_package_files").
			Values("all", "1", "10", "20", "30", "40", "50").Default("all").
			Comment("Cleanup policy: how many files with the same name each package keeps (all: no cleanup)."),
		field.Int("packages_cleanup_remove_not_downloaded_for_days").Default(0).NonNegative().
			Comment("Cleanup policy: remove package versions not downloaded (or, never downloaded, not published) for this many days; 0: never."),
		field.Time("packages_cleanup_next_run_at").Optional().Nillable().Comment("When the cleanup policy runs next."),
		field.Int("group_id").Optional().Nillable().Comment("Owning group; empty for a personal project."),
		field.Int("owner_id").Optional().Nillable().Comment("Owning user for a personal project."),
	}
}

// Edges of the Project.
func (Project) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("group", Group.Type).Ref("projects").Field("group_id").Unique(),
		edge.From("owner", User.Type).Ref("projects").Field("owner_id").Unique(),
		edge.To("memberships", Membership.Type),
		edge.To("deploy_tokens", DeployToken.Type),
		edge.To("packages", PackageVersion.Type),
		edge.To("pipelines", Pipeline.Type),
		edge.To("ci_job_token_allowed_projects", Project.Type).
			From("ci_job_token_allowed_by").
			Comment("Projects whose CI job tokens may reach this project (the inbound allowlist)."),
		edge.To("ci_job_token_allowed_groups", Group.Type).
			Comment("Groups whose projects' CI job tokens may reach this project."),
	}
}

// Annotations of the Project.
func (Project) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
