package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// NamespacePackageSetting holds a group's per-format duplicate rules (GitLab's
// namespace_package_settings). A regex lists the exceptions to the boolean.
type NamespacePackageSetting struct{ ent.Schema }

// Mixin of the NamespacePackageSetting.
func (NamespacePackageSetting) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the NamespacePackageSetting.
func (NamespacePackageSetting) Fields() []ent.Field {
	return []ent.Field{
		field.Int("group_id").Unique(),
		field.Bool("generic_duplicates_allowed").Default(true),
		field.String("generic_duplicate_exception_regex").Default(""),
		field.Bool("maven_duplicates_allowed").Default(true),
		field.String("maven_duplicate_exception_regex").Default(""),
		field.Bool("nuget_duplicates_allowed").Default(true),
		field.String("nuget_duplicate_exception_regex").Default(""),
		field.Bool("terraform_module_duplicates_allowed").Default(false),
		field.String("terraform_module_duplicate_exception_regex").Default(""),
	}
}

// Edges of the NamespacePackageSetting.
func (NamespacePackageSetting) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("group", Group.Type).Ref("package_settings").Field("group_id").Unique().Required(),
	}
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

// Annotations of the NamespacePackageSetting.
func (NamespacePackageSetting) Annotations() []schema.Annotation {
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
	}
}

// Annotations of the ApplicationSetting.
func (ApplicationSetting) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
