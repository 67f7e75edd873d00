-- +goose Up
-- drop index "packagefile_package_id_file_name" from table: "package_files"
DROP INDEX "packagefile_package_id_file_name";
-- create index "packagefile_package_id_file_name_created_at_id" to table: "package_files"
CREATE INDEX "packagefile_package_id_file_name_created_at_id" ON "package_files" ("package_id", "file_name", "created_at", "id");
-- create index "packageversion_project_id_id_status_version" to table: "package_versions"
CREATE INDEX "packageversion_project_id_id_status_version" ON "package_versions" ("project_id", "id", "status", "version");

-- +goose Down
-- reverse: create index "packageversion_project_id_id_status_version" to table: "package_versions"
DROP INDEX "packageversion_project_id_id_status_version";
-- reverse: create index "packagefile_package_id_file_name_created_at_id" to table: "package_files"
DROP INDEX "packagefile_package_id_file_name_created_at_id";
-- reverse: drop index "packagefile_package_id_file_name" from table: "package_files"
CREATE INDEX "packagefile_package_id_file_name" ON "package_files" ("package_id", "file_name");
