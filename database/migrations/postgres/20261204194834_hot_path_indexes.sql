-- +goose Up
-- create index "packagefile_blob_id" to table: "package_files"
CREATE INDEX "packagefile_blob_id" ON "package_files" ("blob_id");
-- drop index "packageversion_project_id_created_at" from table: "package_versions"
DROP INDEX "packageversion_project_id_created_at";
-- drop index "packageversion_project_id_name" from table: "package_versions"
DROP INDEX "packageversion_project_id_name";
-- drop index "packageversion_project_id_version_sort" from table: "package_versions"
DROP INDEX "packageversion_project_id_version_sort";
-- create index "packageversion_project_id_created_at_id_status_version" to table: "package_versions"
CREATE INDEX "packageversion_project_id_created_at_id_status_version" ON "package_versions" ("project_id", "created_at", "id", "status", "version");
-- create index "packageversion_project_id_name_id_status_version" to table: "package_versions"
CREATE INDEX "packageversion_project_id_name_id_status_version" ON "package_versions" ("project_id", "name", "id", "status", "version");
-- create index "packageversion_project_id_type_rank_id_status_version" to table: "package_versions"
CREATE INDEX "packageversion_project_id_type_rank_id_status_version" ON "package_versions" ("project_id", "type_rank", "id", "status", "version");
-- create index "packageversion_project_id_version_sort_id_status_version" to table: "package_versions"
CREATE INDEX "packageversion_project_id_version_sort_id_status_version" ON "package_versions" ("project_id", "version_sort", "id", "status", "version");

-- +goose Down
-- reverse: create index "packageversion_project_id_version_sort_id_status_version" to table: "package_versions"
DROP INDEX "packageversion_project_id_version_sort_id_status_version";
-- reverse: create index "packageversion_project_id_type_rank_id_status_version" to table: "package_versions"
DROP INDEX "packageversion_project_id_type_rank_id_status_version";
-- reverse: create index "packageversion_project_id_name_id_status_version" to table: "package_versions"
DROP INDEX "packageversion_project_id_name_id_status_version";
-- reverse: create index "packageversion_project_id_created_at_id_status_version" to table: "package_versions"
DROP INDEX "packageversion_project_id_created_at_id_status_version";
-- reverse: drop index "packageversion_project_id_version_sort" from table: "package_versions"
CREATE INDEX "packageversion_project_id_version_sort" ON "package_versions" ("project_id", "version_sort");
-- reverse: drop index "packageversion_project_id_name" from table: "package_versions"
CREATE INDEX "packageversion_project_id_name" ON "package_versions" ("project_id", "name");
-- reverse: drop index "packageversion_project_id_created_at" from table: "package_versions"
CREATE INDEX "packageversion_project_id_created_at" ON "package_versions" ("project_id", "created_at");
-- reverse: create index "packagefile_blob_id" to table: "package_files"
DROP INDEX "packagefile_blob_id";
