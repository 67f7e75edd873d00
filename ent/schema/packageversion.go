package schema

import (
	"encoding/json"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PackageTypes lists the package formats, in GitLab's order.
var PackageTypes = []string{
	"maven", "npm", "conan", "nuget", "pypi", "composer", "generic", "golang",
	"debian", "rubygems", "helm", "terraform_module", "rpm", "ml_model", "cargo",
}

// PackageVersion is one version of a package (GitLab's packages_packages row). It is
// not called Package because ent would generate a Go package named "package".
type PackageVersion struct{ ent.Schema }

// Mixin of the PackageVersion.
func (PackageVersion) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the PackageVersion.
func (PackageVersion) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Comment("Package name as published.").Annotations(entgql.OrderField("NAME")),
		field.String("normalized_name").NotEmpty().Comment("Name folded for lookups (PEP 503 for PyPI; the name itself elsewhere)."),
		field.String("version").Default("").Comment("Version; empty for a versionless package."),
		field.String("version_sort").Default("").Comment("Sort key that orders versions numerically (1.9 before 1.10).").Annotations(entgql.OrderField("VERSION")),
		field.Enum("package_type").Values(PackageTypes...),
		field.Int("type_rank").Default(0).
			Comment("GitLab's package_type enum value (maven 1, npm 2, ...; PackageTypes' order): sorting by type follows it.").
			Annotations(entgql.OrderField("TYPE")),
		field.Enum("status").Values("default", "hidden", "processing", "error", "pending_destruction", "deprecated").
			Default("default").Comment("Listed: default, error, deprecated. Installable: default, hidden, deprecated."),
		field.String("status_message").Optional().Comment("Why processing failed."),
		field.Int64("revision").Default(1).Comment("Bumped on every change, so caches can key on it."),
		field.Int64("download_count").Default(0).
			Comment("How many times files of the version were downloaded (a GET from the start of the file); written by the download flush, seconds late."),
		field.Time("last_downloaded_at").Optional().Nillable().
			Comment("When a file of the version was last downloaded; written by the download flush, seconds late."),
		field.JSON("metadata", json.RawMessage{}).Optional().
			Comment("Format-specific metadata, the JSON of the format's typed Metadata struct; read only by the format."),
		field.Int("project_id"),
		field.Int("creator_id").Optional().Nillable(),
	}
}

// Edges of the PackageVersion.
func (PackageVersion) Edges() []ent.Edge {
	return []ent.Edge{
		// PROJECT_FULL_PATH: the group listing's PROJECT_PATH sorts (GitLab's
		// PackageGroupSortEnum), paged by the project's full path.
		edge.From("project", Project.Type).Ref("packages").Field("project_id").Unique().Required().
			Annotations(entgql.OrderField("PROJECT_FULL_PATH")),
		edge.To("creator", User.Type).Field("creator_id").Unique(),
		edge.To("files", PackageFile.Type),
		edge.To("tags", PackageTag.Type),
		edge.To("build_infos", PackageBuildInfo.Type),
		edge.To("properties", PackageProperty.Type),
		edge.To("download_days", PackageDownloadDay.Type),
	}
}

// Indexes of the PackageVersion.
func (PackageVersion) Indexes() []ent.Index {
	return []ent.Index{
		// One live row per (project, type, name, version): rows being destroyed do not count.
		index.Fields("project_id", "package_type", "normalized_name", "version").Unique().
			Annotations(entsql.IndexWhere("status <> 'pending_destruction'")),
		index.Fields("package_type", "normalized_name"),
		// One per sort of the package listings (REST order_by, GraphQL sort), in the
		// sort's order with the id that breaks ties, then what every listing filters
		// on (status, version): a page, a deep page's skipped rows and the count
		// are read from the index alone.
		index.Fields("project_id", "created_at", "id", "status", "version"),
		// GraphQL's CREATED sort orders by id alone (convert.go says why).
		index.Fields("project_id", "id", "status", "version"),
		index.Fields("project_id", "version_sort", "id", "status", "version"),
		index.Fields("project_id", "name", "id", "status", "version"),
		index.Fields("project_id", "type_rank", "id", "status", "version"),
		index.Fields("status"),
	}
}

// PackageFile is one file of a package version; its bytes live in a shared Blob.
type PackageFile struct{ ent.Schema }

// Mixin of the PackageFile.
func (PackageFile) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the PackageFile.
func (PackageFile) Fields() []ent.Field {
	return []ent.Field{
		field.String("file_name").NotEmpty().Comment("File name, with a sub-path for generic packages.").Annotations(entgql.OrderField("FILE_NAME")),
		field.Int64("size"),
		field.String("md5"),
		field.String("sha1"),
		field.String("sha256"),
		field.String("sha512"),
		field.Enum("status").Values("default", "pending_destruction", "processing", "error").Default("default"),
		field.JSON("metadata", json.RawMessage{}).Optional().Comment("Format-specific file metadata, as the format encodes it."),
		field.Int("package_id"),
		field.Int("blob_id"),
		field.String("blob_key").Default("").
			Comment("Storage key of the blob's content (copied from the blob, so a download needs no join); empty means its content address."),
		field.Int("pipeline_id").Optional().Nillable().Comment("Pipeline that uploaded the file, if a job token did."),
		field.Int64("download_count").Default(0).
			Comment("How many times the file was downloaded (a GET from its start); written by the download flush, seconds late."),
		field.Time("last_downloaded_at").Optional().Nillable().
			Comment("When the file was last downloaded; written by the download flush, seconds late."),
	}
}

// Edges of the PackageFile.
func (PackageFile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", PackageVersion.Type).Ref("files").Field("package_id").Unique().Required(),
		edge.From("blob", Blob.Type).Ref("files").Field("blob_id").Unique().Required(),
		edge.To("pipeline", Pipeline.Type).Field("pipeline_id").Unique(),
	}
}

// Indexes of the PackageFile.
func (PackageFile) Indexes() []ent.Index {
	return []ent.Index{
		// A file by name, newest first (a name uploaded again keeps its older files
		// until cleanup): read in the index's order, never sorted.
		index.Fields("package_id", "file_name", "created_at", "id"),
		index.Fields("sha256"),
		// Whether a blob is still referenced (garbage collection, and SQLite's
		// foreign key check when a blob row is written) is an index lookup.
		index.Fields("blob_id"),
	}
}

// Blob is stored content, addressed by its SHA-256 and shared by every file with the same bytes.
type Blob struct{ ent.Schema }

// Mixin of the Blob.
func (Blob) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Blob.
func (Blob) Fields() []ent.Field {
	return []ent.Field{
		field.String("sha256").Unique().NotEmpty(),
		field.Int64("size"),
		field.String("key").Default("").
			Comment("Storage key of the content; empty means the content address blobs/sha256/<h[0:2]>/<h[2:4]>/<h>."),
	}
}

// Edges of the Blob.
func (Blob) Edges() []ent.Edge {
	return []ent.Edge{edge.To("files", PackageFile.Type)}
}

// Indexes of the Blob.
func (Blob) Indexes() []ent.Index {
	return []ent.Index{index.Fields("updated_at")}
}

// PackageBuildInfo links a package to a pipeline that published it.
type PackageBuildInfo struct{ ent.Schema }

// Mixin of the PackageBuildInfo.
func (PackageBuildInfo) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the PackageBuildInfo.
func (PackageBuildInfo) Fields() []ent.Field {
	return []ent.Field{field.Int("package_id"), field.Int("pipeline_id")}
}

// Edges of the PackageBuildInfo.
func (PackageBuildInfo) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", PackageVersion.Type).Ref("build_infos").Field("package_id").Unique().Required(),
		edge.To("pipeline", Pipeline.Type).Field("pipeline_id").Unique().Required(),
	}
}

// Indexes of the PackageBuildInfo.
func (PackageBuildInfo) Indexes() []ent.Index {
	return []ent.Index{index.Fields("package_id", "pipeline_id").Unique()}
}

// PackageTag is a named pointer such as an npm dist-tag.
type PackageTag struct{ ent.Schema }

// Mixin of the PackageTag.
func (PackageTag) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the PackageTag.
func (PackageTag) Fields() []ent.Field {
	return []ent.Field{field.String("name").NotEmpty(), field.Int("package_id")}
}

// Edges of the PackageTag.
func (PackageTag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", PackageVersion.Type).Ref("tags").Field("package_id").Unique().Required(),
	}
}

// Indexes of the PackageTag.
func (PackageTag) Indexes() []ent.Index {
	return []ent.Index{index.Fields("package_id", "name").Unique()}
}

// Annotations of the PackageVersion.
func (PackageVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Type("Package"), entgql.RelayConnection()}
}

// Annotations of the PackageFile.
func (PackageFile) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Annotations of the PackageTag.
func (PackageTag) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Annotations of the Blob.
func (Blob) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Annotations of the PackageBuildInfo.
func (PackageBuildInfo) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// PackageProperty is an indexed name/value pair on a version, for what a format
// looks versions up or routes by (a Debian distribution, a Conan revision, a NuGet
// id as the client spells it): anything a lookup filters on lives here, never in
// the metadata JSON. A version may carry several values of one name.
type PackageProperty struct{ ent.Schema }

// Fields of the PackageProperty.
func (PackageProperty) Fields() []ent.Field {
	return []ent.Field{
		field.Int("package_id"),
		field.String("name").NotEmpty().MaxLen(255),
		field.String("value").MaxLen(4096),
	}
}

// Edges of the PackageProperty.
func (PackageProperty) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", PackageVersion.Type).Ref("properties").Field("package_id").Unique().Required(),
	}
}

// Indexes of the PackageProperty.
func (PackageProperty) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("name", "value"),
		index.Fields("package_id", "name", "value").Unique(),
	}
}

// Annotations of the PackageProperty.
func (PackageProperty) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// PackageDownloadDay counts the downloads of one package version on one day (UTC),
// for a chart of downloads over time. The download flush adds to it, so several
// replicas' counts add up.
type PackageDownloadDay struct{ ent.Schema }

// Fields of the PackageDownloadDay.
func (PackageDownloadDay) Fields() []ent.Field {
	return []ent.Field{
		field.Int("package_id"),
		field.Time("day").Comment("Midnight UTC of the day counted."),
		field.Int64("count").Default(0),
	}
}

// Edges of the PackageDownloadDay.
func (PackageDownloadDay) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("package", PackageVersion.Type).Ref("download_days").Field("package_id").Unique().Required(),
	}
}

// Indexes of the PackageDownloadDay.
func (PackageDownloadDay) Indexes() []ent.Index {
	return []ent.Index{index.Fields("package_id", "day").Unique()}
}

// Annotations of the PackageDownloadDay.
func (PackageDownloadDay) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
