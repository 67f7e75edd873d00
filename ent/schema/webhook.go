package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// WebhookEvents are the package events a webhook may subscribe to (Gitea's and
// Artifactory's package webhooks).
var WebhookEvents = []string{"package_published", "package_deleted"}

// Webhook sends package events of one project, or of every project under one group
// (nested groups included), to a URL (GitLab's project and group hooks).
type Webhook struct{ ent.Schema }

// Mixin of the Webhook.
func (Webhook) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Webhook.
func (Webhook) Fields() []ent.Field {
	return []ent.Field{
		field.Int("project_id").Optional().Nillable().Comment("The project whose packages it reports; empty for a group hook."),
		field.Int("group_id").Optional().Nillable().Comment("The group under which it reports every project's packages; empty for a project hook."),
		field.String("url").NotEmpty().MaxLen(2048).Comment("Where deliveries are POSTed (http or https)."),
		// Stored as given, not hashed: every delivery is signed with it. It is never
		// returned after creation and never logged (Sensitive keeps it out of String()).
		field.String("secret").Sensitive().Default("").MaxLen(255).
			Comment("HMAC-SHA256 key of X-Registry-Signature-256 (GitLab's token); empty: deliveries are unsigned."),
		field.Strings("events").Comment("Subscribed events: package_published, package_deleted."),
		field.Bool("enabled").Default(true).Comment("Disabled hooks enqueue nothing."),
	}
}

// Edges of the Webhook.
func (Webhook) Edges() []ent.Edge {
	return []ent.Edge{
		// Declared on this side only, so that the project and group schemas (and
		// their generated code) stay as they are.
		edge.To("project", Project.Type).Field("project_id").Unique(),
		edge.To("group", Group.Type).Field("group_id").Unique(),
		edge.To("deliveries", WebhookDelivery.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Webhook.
func (Webhook) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id"), index.Fields("group_id")}
}

// Annotations of the Webhook.
func (Webhook) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// WebhookDelivery is one event to send to one webhook, and the log of sending it: a
// row is written in the transaction that publishes or deletes, so a rolled-back
// change sends nothing, and the delivery worker of any replica claims it when due.
type WebhookDelivery struct{ ent.Schema }

// Mixin of the WebhookDelivery.
func (WebhookDelivery) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the WebhookDelivery.
func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.Int("webhook_id"),
		field.Enum("event").Values(WebhookEvents...),
		field.Text("payload").Comment("The JSON body, exactly as sent and signed."),
		field.Enum("status").Values("pending", "delivered", "failed").Default("pending"),
		field.Int("attempts").Default(0).NonNegative().Comment("Attempts made (counted when claimed)."),
		field.Time("next_attempt_at").Comment("When the next attempt is due."),
		field.Time("lease_until").Optional().Nillable().
			Comment("A worker that claimed it sends it until then; afterwards another may (it crashed)."),
		field.Int("response_code").Optional().Nillable().Comment("HTTP status of the last attempt's response."),
		field.String("last_error").Default("").MaxLen(255).Comment("Why the last attempt failed, shortened."),
		field.Time("delivered_at").Optional().Nillable(),
	}
}

// Edges of the WebhookDelivery.
func (WebhookDelivery) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("webhook", Webhook.Type).Ref("deliveries").Field("webhook_id").Unique().Required(),
	}
}

// Indexes of the WebhookDelivery.
func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status", "next_attempt_at"), // the worker's claim
		index.Fields("webhook_id", "created_at"),  // the delivery log
	}
}

// Annotations of the WebhookDelivery.
func (WebhookDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
