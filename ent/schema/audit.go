package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent records one change to the registry: who made it, what it changed and
// when. Events are written in the transaction of the change they describe and never
// updated. The author and the target are copied by value (no edges), so an event
// outlives the user, token, project or package it names.
type AuditEvent struct{ ent.Schema }

// Fields of the AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().Comment("When the change was made."),
		field.String("action").NotEmpty().Immutable().Comment("What was done, as target.verb: package.publish, member.update, ..."),
		field.String("author_kind").NotEmpty().Immutable().Comment("The credential that acted: session, personal_token, job_token, deploy_token, system."),
		field.Int("author_id").Optional().Nillable().Immutable().Comment("The user who acted; empty for a deploy token or the system."),
		field.String("author_name").Immutable().Comment("The user's username, or the deploy token's username."),
		field.String("target_type").NotEmpty().Immutable().Comment("The kind of thing changed: package, package_file, personal_access_token, deploy_token, membership, project, group, instance, plan_limit."),
		field.Int("target_id").Optional().Nillable().Immutable().Comment("The changed thing's id, where it has one."),
		field.String("target_path").Immutable().Comment("A human name of the target: group/project, group/project name@version, a username."),
		field.Int("project_id").Optional().Nillable().Immutable().Comment("The project the change belongs to, for its owners' view."),
		field.Int("group_id").Optional().Nillable().Immutable().Comment("The group the change belongs to (a project's own group), for its owners' view."),
		field.JSON("details", map[string]any{}).Optional().Immutable().Comment("Small facts about the change, such as a role before and after; never a secret."),
	}
}

// Indexes of the AuditEvent: the admin listing pages by time, a target's history
// and the owners' views filter by their column.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("created_at"),
		index.Fields("target_type", "target_id"),
		index.Fields("project_id", "created_at"),
		index.Fields("group_id", "created_at"),
	}
}

// Annotations of the AuditEvent.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
