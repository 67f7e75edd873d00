-- +goose NO TRANSACTION
-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_application_settings" table
CREATE TABLE `new_application_settings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `singleton` text NOT NULL, `guests_may_pull_packages` bool NOT NULL DEFAULT (false), `allow_local_webhooks` bool NOT NULL DEFAULT (false));
-- copy rows from old table "application_settings" to new temporary table "new_application_settings"
INSERT INTO `new_application_settings` (`id`, `created_at`, `updated_at`, `singleton`, `guests_may_pull_packages`) SELECT `id`, `created_at`, `updated_at`, `singleton`, `guests_may_pull_packages` FROM `application_settings`;
-- drop "application_settings" table after copying rows
DROP TABLE `application_settings`;
-- rename temporary table "new_application_settings" to "application_settings"
ALTER TABLE `new_application_settings` RENAME TO `application_settings`;
-- create index "application_settings_singleton_key" to table: "application_settings"
CREATE UNIQUE INDEX `application_settings_singleton_key` ON `application_settings` (`singleton`);
-- create "new_package_files" table
CREATE TABLE `new_package_files` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `file_name` text NOT NULL, `size` integer NOT NULL, `md5` text NOT NULL, `sha1` text NOT NULL, `sha256` text NOT NULL, `sha512` text NOT NULL, `status` text NOT NULL DEFAULT ('default'), `metadata` json NULL, `blob_key` text NOT NULL DEFAULT (''), `download_count` integer NOT NULL DEFAULT (0), `last_downloaded_at` datetime NULL, `blob_id` integer NOT NULL, `pipeline_id` integer NULL, `package_id` integer NOT NULL, CONSTRAINT `package_files_blobs_files` FOREIGN KEY (`blob_id`) REFERENCES `blobs` (`id`) ON DELETE NO ACTION, CONSTRAINT `package_files_pipelines_pipeline` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE SET NULL, CONSTRAINT `package_files_package_versions_files` FOREIGN KEY (`package_id`) REFERENCES `package_versions` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "package_files" to new temporary table "new_package_files"
INSERT INTO `new_package_files` (`id`, `created_at`, `updated_at`, `file_name`, `size`, `md5`, `sha1`, `sha256`, `sha512`, `status`, `metadata`, `blob_key`, `blob_id`, `pipeline_id`, `package_id`) SELECT `id`, `created_at`, `updated_at`, `file_name`, `size`, `md5`, `sha1`, `sha256`, `sha512`, `status`, `metadata`, `blob_key`, `blob_id`, `pipeline_id`, `package_id` FROM `package_files`;
-- drop "package_files" table after copying rows
DROP TABLE `package_files`;
-- rename temporary table "new_package_files" to "package_files"
ALTER TABLE `new_package_files` RENAME TO `package_files`;
-- create index "packagefile_package_id_file_name" to table: "package_files"
CREATE INDEX `packagefile_package_id_file_name` ON `package_files` (`package_id`, `file_name`);
-- create index "packagefile_sha256" to table: "package_files"
CREATE INDEX `packagefile_sha256` ON `package_files` (`sha256`);
-- create "new_package_versions" table
CREATE TABLE `new_package_versions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `normalized_name` text NOT NULL, `version` text NOT NULL DEFAULT (''), `version_sort` text NOT NULL DEFAULT (''), `package_type` text NOT NULL, `type_rank` integer NOT NULL DEFAULT (0), `status` text NOT NULL DEFAULT ('default'), `status_message` text NULL, `revision` integer NOT NULL DEFAULT (1), `download_count` integer NOT NULL DEFAULT (0), `last_downloaded_at` datetime NULL, `metadata` json NULL, `creator_id` integer NULL, `project_id` integer NOT NULL, CONSTRAINT `package_versions_users_creator` FOREIGN KEY (`creator_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `package_versions_projects_packages` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "package_versions" to new temporary table "new_package_versions"
INSERT INTO `new_package_versions` (`id`, `created_at`, `updated_at`, `name`, `normalized_name`, `version`, `version_sort`, `package_type`, `type_rank`, `status`, `status_message`, `revision`, `last_downloaded_at`, `metadata`, `creator_id`, `project_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `normalized_name`, `version`, `version_sort`, `package_type`, `type_rank`, `status`, `status_message`, `revision`, `last_downloaded_at`, `metadata`, `creator_id`, `project_id` FROM `package_versions`;
-- drop "package_versions" table after copying rows
DROP TABLE `package_versions`;
-- rename temporary table "new_package_versions" to "package_versions"
ALTER TABLE `new_package_versions` RENAME TO `package_versions`;
-- create index "packageversion_project_id_package_type_normalized_name_version" to table: "package_versions"
CREATE UNIQUE INDEX `packageversion_project_id_package_type_normalized_name_version` ON `package_versions` (`project_id`, `package_type`, `normalized_name`, `version`) WHERE status <> 'pending_destruction';
-- create index "packageversion_package_type_normalized_name" to table: "package_versions"
CREATE INDEX `packageversion_package_type_normalized_name` ON `package_versions` (`package_type`, `normalized_name`);
-- create index "packageversion_project_id_created_at" to table: "package_versions"
CREATE INDEX `packageversion_project_id_created_at` ON `package_versions` (`project_id`, `created_at`);
-- create index "packageversion_project_id_version_sort" to table: "package_versions"
CREATE INDEX `packageversion_project_id_version_sort` ON `package_versions` (`project_id`, `version_sort`);
-- create index "packageversion_project_id_name" to table: "package_versions"
CREATE INDEX `packageversion_project_id_name` ON `package_versions` (`project_id`, `name`);
-- create index "packageversion_status" to table: "package_versions"
CREATE INDEX `packageversion_status` ON `package_versions` (`status`);
-- create "new_projects" table
CREATE TABLE `new_projects` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `path` text NOT NULL, `name` text NOT NULL, `full_path` text NOT NULL, `visibility` text NOT NULL DEFAULT ('private'), `package_registry_access_level` text NOT NULL DEFAULT ('private'), `packages_cleanup_keep_n_duplicated_package_files` text NOT NULL DEFAULT ('all'), `packages_cleanup_remove_not_downloaded_for_days` integer NOT NULL DEFAULT (0), `packages_cleanup_next_run_at` datetime NULL, `group_id` integer NULL, `owner_id` integer NULL, CONSTRAINT `projects_groups_projects` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE SET NULL, CONSTRAINT `projects_users_projects` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- copy rows from old table "projects" to new temporary table "new_projects"
INSERT INTO `new_projects` (`id`, `created_at`, `updated_at`, `path`, `name`, `full_path`, `visibility`, `package_registry_access_level`, `packages_cleanup_keep_n_duplicated_package_files`, `packages_cleanup_next_run_at`, `group_id`, `owner_id`) SELECT `id`, `created_at`, `updated_at`, `path`, `name`, `full_path`, `visibility`, `package_registry_access_level`, `packages_cleanup_keep_n_duplicated_package_files`, `packages_cleanup_next_run_at`, `group_id`, `owner_id` FROM `projects`;
-- drop "projects" table after copying rows
DROP TABLE `projects`;
-- rename temporary table "new_projects" to "projects"
ALTER TABLE `new_projects` RENAME TO `projects`;
-- create index "projects_full_path_key" to table: "projects"
CREATE UNIQUE INDEX `projects_full_path_key` ON `projects` (`full_path`);
-- create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `action` text NOT NULL, `author_kind` text NOT NULL, `author_id` integer NULL, `author_name` text NOT NULL, `target_type` text NOT NULL, `target_id` integer NULL, `target_path` text NOT NULL, `project_id` integer NULL, `group_id` integer NULL, `details` json NULL);
-- create index "auditevent_created_at" to table: "audit_events"
CREATE INDEX `auditevent_created_at` ON `audit_events` (`created_at`);
-- create index "auditevent_target_type_target_id" to table: "audit_events"
CREATE INDEX `auditevent_target_type_target_id` ON `audit_events` (`target_type`, `target_id`);
-- create index "auditevent_project_id_created_at" to table: "audit_events"
CREATE INDEX `auditevent_project_id_created_at` ON `audit_events` (`project_id`, `created_at`);
-- create index "auditevent_group_id_created_at" to table: "audit_events"
CREATE INDEX `auditevent_group_id_created_at` ON `audit_events` (`group_id`, `created_at`);
-- create "package_download_days" table
CREATE TABLE `package_download_days` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `day` datetime NOT NULL, `count` integer NOT NULL DEFAULT (0), `package_id` integer NOT NULL, CONSTRAINT `package_download_days_package_versions_download_days` FOREIGN KEY (`package_id`) REFERENCES `package_versions` (`id`) ON DELETE NO ACTION);
-- create index "packagedownloadday_package_id_day" to table: "package_download_days"
CREATE UNIQUE INDEX `packagedownloadday_package_id_day` ON `package_download_days` (`package_id`, `day`);
-- create "webhooks" table
CREATE TABLE `webhooks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `url` text NOT NULL, `secret` text NOT NULL DEFAULT (''), `events` json NOT NULL, `enabled` bool NOT NULL DEFAULT (true), `project_id` integer NULL, `group_id` integer NULL, CONSTRAINT `webhooks_projects_project` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE SET NULL, CONSTRAINT `webhooks_groups_group` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE SET NULL);
-- create index "webhook_project_id" to table: "webhooks"
CREATE INDEX `webhook_project_id` ON `webhooks` (`project_id`);
-- create index "webhook_group_id" to table: "webhooks"
CREATE INDEX `webhook_group_id` ON `webhooks` (`group_id`);
-- create "webhook_deliveries" table
CREATE TABLE `webhook_deliveries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `event` text NOT NULL, `payload` text NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `lease_until` datetime NULL, `response_code` integer NULL, `last_error` text NOT NULL DEFAULT (''), `delivered_at` datetime NULL, `webhook_id` integer NOT NULL, CONSTRAINT `webhook_deliveries_webhooks_deliveries` FOREIGN KEY (`webhook_id`) REFERENCES `webhooks` (`id`) ON DELETE CASCADE);
-- create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_status_next_attempt_at` ON `webhook_deliveries` (`status`, `next_attempt_at`);
-- create index "webhookdelivery_webhook_id_created_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_webhook_id_created_at` ON `webhook_deliveries` (`webhook_id`, `created_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "webhookdelivery_webhook_id_created_at" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_webhook_id_created_at`;
-- reverse: create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_status_next_attempt_at`;
-- reverse: create "webhook_deliveries" table
DROP TABLE `webhook_deliveries`;
-- reverse: create index "webhook_group_id" to table: "webhooks"
DROP INDEX `webhook_group_id`;
-- reverse: create index "webhook_project_id" to table: "webhooks"
DROP INDEX `webhook_project_id`;
-- reverse: create "webhooks" table
DROP TABLE `webhooks`;
-- reverse: create index "packagedownloadday_package_id_day" to table: "package_download_days"
DROP INDEX `packagedownloadday_package_id_day`;
-- reverse: create "package_download_days" table
DROP TABLE `package_download_days`;
-- reverse: create index "auditevent_group_id_created_at" to table: "audit_events"
DROP INDEX `auditevent_group_id_created_at`;
-- reverse: create index "auditevent_project_id_created_at" to table: "audit_events"
DROP INDEX `auditevent_project_id_created_at`;
-- reverse: create index "auditevent_target_type_target_id" to table: "audit_events"
DROP INDEX `auditevent_target_type_target_id`;
-- reverse: create index "auditevent_created_at" to table: "audit_events"
DROP INDEX `auditevent_created_at`;
-- reverse: create "audit_events" table
DROP TABLE `audit_events`;
-- reverse: create index "projects_full_path_key" to table: "projects"
DROP INDEX `projects_full_path_key`;
-- reverse: create "new_projects" table
DROP TABLE `new_projects`;
-- reverse: create index "packageversion_status" to table: "package_versions"
DROP INDEX `packageversion_status`;
-- reverse: create index "packageversion_project_id_name" to table: "package_versions"
DROP INDEX `packageversion_project_id_name`;
-- reverse: create index "packageversion_project_id_version_sort" to table: "package_versions"
DROP INDEX `packageversion_project_id_version_sort`;
-- reverse: create index "packageversion_project_id_created_at" to table: "package_versions"
DROP INDEX `packageversion_project_id_created_at`;
-- reverse: create index "packageversion_package_type_normalized_name" to table: "package_versions"
DROP INDEX `packageversion_package_type_normalized_name`;
-- reverse: create index "packageversion_project_id_package_type_normalized_name_version" to table: "package_versions"
DROP INDEX `packageversion_project_id_package_type_normalized_name_version`;
-- reverse: create "new_package_versions" table
DROP TABLE `new_package_versions`;
-- reverse: create index "packagefile_sha256" to table: "package_files"
DROP INDEX `packagefile_sha256`;
-- reverse: create index "packagefile_package_id_file_name" to table: "package_files"
DROP INDEX `packagefile_package_id_file_name`;
-- reverse: create "new_package_files" table
DROP TABLE `new_package_files`;
-- reverse: create index "application_settings_singleton_key" to table: "application_settings"
DROP INDEX `application_settings_singleton_key`;
-- reverse: create "new_application_settings" table
DROP TABLE `new_application_settings`;
