package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// DuplicateSetting is a group's rule for re-uploading a file name into a version of
// one format (GitLab's <format>_duplicates_allowed and <format>_duplicate_exception_regex
// namespace settings), one row per group and format. The regex lists the exceptions
// to the boolean.
type DuplicateSetting struct{ ent.Schema }

// Mixin of the DuplicateSetting.
func (DuplicateSetting) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the DuplicateSetting.
func (DuplicateSetting) Fields() []ent.Field {
	return []ent.Field{
		field.Int("group_id"),
		field.Enum("package_type").Values(PackageTypes...),
		field.Bool("allowed").Comment("Whether duplicates are allowed, but for names or versions the regex matches."),
		field.String("exception_regex").Default("").MaxLen(255),
	}
}

// Edges of the DuplicateSetting.
func (DuplicateSetting) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("group", Group.Type).Ref("duplicate_settings").Field("group_id").Unique().Required(),
	}
}

// Indexes of the DuplicateSetting.
func (DuplicateSetting) Indexes() []ent.Index {
	return []ent.Index{index.Fields("group_id", "package_type").Unique()}
}

// FormatFlag is a group's on/off setting of one format beyond duplicates (GitLab's
// nuget_symbol_server_enabled namespace setting): one row per group, format and
// flag; a missing row means the format's default.
type FormatFlag struct{ ent.Schema }

// Mixin of the FormatFlag.
func (FormatFlag) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the FormatFlag.
func (FormatFlag) Fields() []ent.Field {
	return []ent.Field{
		field.Int("group_id"),
		field.Enum("package_type").Values(PackageTypes...),
		field.String("name").NotEmpty().MaxLen(64).Comment("The flag, as the format registered it."),
		field.Bool("enabled"),
	}
}

// Edges of the FormatFlag.
func (FormatFlag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("group", Group.Type).Ref("format_flags").Field("group_id").Unique().Required(),
	}
}

// Indexes of the FormatFlag.
func (FormatFlag) Indexes() []ent.Index {
	return []ent.Index{index.Fields("group_id", "package_type", "name").Unique()}
}

// Annotations of the FormatFlag.
func (FormatFlag) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// PlanLimit overrides the instance-wide maximum file size of one package format
// (GitLab's plan_limits); formats without a row use GitLab's defaults.
type PlanLimit struct{ ent.Schema }

// Mixin of the PlanLimit.
func (PlanLimit) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the PlanLimit.
func (PlanLimit) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("package_type").Values(PackageTypes...),
		field.Int64("max_file_size").NonNegative(),
	}
}

// Indexes of the PlanLimit.
func (PlanLimit) Indexes() []ent.Index {
	return []ent.Index{index.Fields("package_type").Unique()}
}

// Annotations of the DuplicateSetting.
func (DuplicateSetting) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Annotations of the PlanLimit.
func (PlanLimit) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// ApplicationSetting holds the instance's settings (GitLab's application_settings):
// one row, created on first write; a missing row means every default.
type ApplicationSetting struct{ ent.Schema }

// Mixin of the ApplicationSetting.
func (ApplicationSetting) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the ApplicationSetting.
func (ApplicationSetting) Fields() []ent.Field {
	return []ent.Field{
		field.String("singleton").Unique().Immutable().
			Comment("Always 'instance': keeps the table at one row."),
		field.Bool("guests_may_pull_packages").Default(false).
			Comment("Guests (and Planners) may pull packages from private projects (GitLab's allow_guest_plus_roles_to_pull_packages)."),
		field.Bool("allow_local_webhooks").Default(false).
			Comment("Webhooks may target loopback and private addresses (GitLab's allow_local_requests_from_web_hooks_and_services)."),
		// GitLab's package registry rate limits (Admin > Settings > Network), off by default.
		field.Bool("throttle_unauthenticated_packages_api_enabled").Default(false),
		field.Int("throttle_unauthenticated_packages_api_requests_per_period").Default(800).Positive(),
		field.Int("throttle_unauthenticated_packages_api_period_in_seconds").Default(15).Positive(),
		field.Bool("throttle_authenticated_packages_api_enabled").Default(false),
		field.Int("throttle_authenticated_packages_api_requests_per_period").Default(1000).Positive(),
		field.Int("throttle_authenticated_packages_api_period_in_seconds").Default(15).Positive(),
	}
}

// Annotations of the ApplicationSetting.
func (ApplicationSetting) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
