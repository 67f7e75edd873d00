package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Pipeline is a CI pipeline of an external CI system that publishes packages.
type Pipeline struct{ ent.Schema }

// Mixin of the Pipeline.
func (Pipeline) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Pipeline.
func (Pipeline) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("iid").Comment("The CI system's pipeline number, unique per project."),
		field.String("ref").Default("").Comment("Branch or tag."),
		field.String("sha").Default("").Comment("Commit SHA."),
		field.String("source").Default("push").Comment("What triggered the pipeline."),
		field.Enum("status").Values("running", "success", "failed", "canceled").Default("running"),
		field.Int("project_id"),
		field.Int("user_id"),
	}
}

// Edges of the Pipeline.
func (Pipeline) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("pipelines").Field("project_id").Unique().Required(),
		edge.To("user", User.Type).Field("user_id").Unique().Required(),
		edge.To("jobs", CIJob.Type),
	}
}

// Indexes of the Pipeline.
func (Pipeline) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "iid").Unique()}
}

// CIJob is one job of a pipeline; its token acts as the user who started the job while it runs.
type CIJob struct{ ent.Schema }

// Mixin of the CIJob.
func (CIJob) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TokenMixin{}} }

// Fields of the CIJob.
func (CIJob) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty(),
		field.Enum("status").Values("running", "success", "failed", "canceled").Default("running"),
		field.Time("finished_at").Optional().Nillable().Comment("The job token stops working when the job finishes."),
		field.Int("pipeline_id"),
		field.Int("user_id").Optional().Nillable().
			Comment("The user who started the job; its token acts as this user. Jobs from before it existed act as the pipeline's user."),
	}
}

// Edges of the CIJob.
func (CIJob) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("pipeline", Pipeline.Type).Ref("jobs").Field("pipeline_id").Unique().Required(),
		edge.To("user", User.Type).Field("user_id").Unique(),
	}
}

// Annotations of the Pipeline.
func (Pipeline) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Annotations of the CIJob.
func (CIJob) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
