-- +goose Up
-- create "package_revisions" table
CREATE TABLE `package_revisions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `package_type` text NOT NULL, `normalized_name` text NOT NULL, `revision` integer NOT NULL DEFAULT (1), `project_id` integer NOT NULL, CONSTRAINT `package_revisions_projects_project` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- create index "packagerevision_package_type_normalized_name_project_id" to table: "package_revisions"
CREATE UNIQUE INDEX `packagerevision_package_type_normalized_name_project_id` ON `package_revisions` (`package_type`, `normalized_name`, `project_id`);
-- create index "packagerevision_project_id_package_type" to table: "package_revisions"
CREATE INDEX `packagerevision_project_id_package_type` ON `package_revisions` (`project_id`, `package_type`);
-- every package that has versions starts at revision 1
INSERT INTO `package_revisions` (`package_type`, `normalized_name`, `project_id`, `revision`) SELECT DISTINCT `package_type`, `normalized_name`, `project_id`, 1 FROM `package_versions`;

-- +goose Down
-- reverse: create index "packagerevision_project_id_package_type" to table: "package_revisions"
DROP INDEX `packagerevision_project_id_package_type`;
-- reverse: create index "packagerevision_package_type_normalized_name_project_id" to table: "package_revisions"
DROP INDEX `packagerevision_package_type_normalized_name_project_id`;
-- reverse: create "package_revisions" table
DROP TABLE `package_revisions`;
