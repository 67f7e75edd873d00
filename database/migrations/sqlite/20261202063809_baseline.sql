-- +goose Up
-- create "application_settings" table
CREATE TABLE `application_settings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `singleton` text NOT NULL, `guests_may_pull_packages` bool NOT NULL DEFAULT (false));
-- create index "application_settings_singleton_key" to table: "application_settings"
CREATE UNIQUE INDEX `application_settings_singleton_key` ON `application_settings` (`singleton`);
-- create "blobs" table
CREATE TABLE `blobs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `sha256` text NOT NULL, `size` integer NOT NULL, `key` text NOT NULL DEFAULT (''));
-- create index "blobs_sha256_key" to table: "blobs"
CREATE UNIQUE INDEX `blobs_sha256_key` ON `blobs` (`sha256`);
-- create index "blob_updated_at" to table: "blobs"
CREATE INDEX `blob_updated_at` ON `blobs` (`updated_at`);
-- create "ci_jobs" table
CREATE TABLE `ci_jobs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token_digest` text NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL, `name` text NOT NULL, `status` text NOT NULL DEFAULT ('running'), `finished_at` datetime NULL, `user_id` integer NULL, `pipeline_id` integer NOT NULL, CONSTRAINT `ci_jobs_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `ci_jobs_pipelines_jobs` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE NO ACTION);
-- create index "ci_jobs_token_digest_key" to table: "ci_jobs"
CREATE UNIQUE INDEX `ci_jobs_token_digest_key` ON `ci_jobs` (`token_digest`);
-- create "deploy_tokens" table
CREATE TABLE `deploy_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token_digest` text NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL, `name` text NOT NULL, `username` text NOT NULL, `scopes` json NOT NULL, `group_id` integer NULL, `project_id` integer NULL, CONSTRAINT `deploy_tokens_groups_deploy_tokens` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE SET NULL, CONSTRAINT `deploy_tokens_projects_deploy_tokens` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE SET NULL);
-- create index "deploy_tokens_token_digest_key" to table: "deploy_tokens"
CREATE UNIQUE INDEX `deploy_tokens_token_digest_key` ON `deploy_tokens` (`token_digest`);
-- create index "deploy_tokens_username_key" to table: "deploy_tokens"
CREATE UNIQUE INDEX `deploy_tokens_username_key` ON `deploy_tokens` (`username`);
-- create "duplicate_settings" table
CREATE TABLE `duplicate_settings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `package_type` text NOT NULL, `allowed` bool NOT NULL, `exception_regex` text NOT NULL DEFAULT (''), `group_id` integer NOT NULL, CONSTRAINT `duplicate_settings_groups_duplicate_settings` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION);
-- create index "duplicatesetting_group_id_package_type" to table: "duplicate_settings"
CREATE UNIQUE INDEX `duplicatesetting_group_id_package_type` ON `duplicate_settings` (`group_id`, `package_type`);
-- create "format_flags" table
CREATE TABLE `format_flags` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `package_type` text NOT NULL, `name` text NOT NULL, `enabled` bool NOT NULL, `group_id` integer NOT NULL, CONSTRAINT `format_flags_groups_format_flags` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE NO ACTION);
-- create index "formatflag_group_id_package_type_name" to table: "format_flags"
CREATE UNIQUE INDEX `formatflag_group_id_package_type_name` ON `format_flags` (`group_id`, `package_type`, `name`);
-- create "groups" table
CREATE TABLE `groups` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `path` text NOT NULL, `name` text NOT NULL, `full_path` text NOT NULL, `visibility` text NOT NULL DEFAULT ('private'), `parent_id` integer NULL, `project_ci_job_token_allowed_groups` integer NULL, CONSTRAINT `groups_groups_children` FOREIGN KEY (`parent_id`) REFERENCES `groups` (`id`) ON DELETE SET NULL, CONSTRAINT `groups_projects_ci_job_token_allowed_groups` FOREIGN KEY (`project_ci_job_token_allowed_groups`) REFERENCES `projects` (`id`) ON DELETE SET NULL);
-- create index "groups_full_path_key" to table: "groups"
CREATE UNIQUE INDEX `groups_full_path_key` ON `groups` (`full_path`);
-- create "memberships" table
CREATE TABLE `memberships` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `role` text NOT NULL, `group_id` integer NULL, `project_id` integer NULL, `user_id` integer NOT NULL, CONSTRAINT `memberships_groups_memberships` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE SET NULL, CONSTRAINT `memberships_projects_memberships` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE SET NULL, CONSTRAINT `memberships_users_memberships` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- create index "membership_user_id_group_id" to table: "memberships"
CREATE UNIQUE INDEX `membership_user_id_group_id` ON `memberships` (`user_id`, `group_id`);
-- create index "membership_user_id_project_id" to table: "memberships"
CREATE UNIQUE INDEX `membership_user_id_project_id` ON `memberships` (`user_id`, `project_id`);
-- create "package_build_infos" table
CREATE TABLE `package_build_infos` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `pipeline_id` integer NOT NULL, `package_id` integer NOT NULL, CONSTRAINT `package_build_infos_pipelines_pipeline` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE NO ACTION, CONSTRAINT `package_build_infos_package_versions_build_infos` FOREIGN KEY (`package_id`) REFERENCES `package_versions` (`id`) ON DELETE NO ACTION);
-- create index "packagebuildinfo_package_id_pipeline_id" to table: "package_build_infos"
CREATE UNIQUE INDEX `packagebuildinfo_package_id_pipeline_id` ON `package_build_infos` (`package_id`, `pipeline_id`);
-- create "package_files" table
CREATE TABLE `package_files` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `file_name` text NOT NULL, `size` integer NOT NULL, `md5` text NOT NULL, `sha1` text NOT NULL, `sha256` text NOT NULL, `sha512` text NOT NULL, `status` text NOT NULL DEFAULT ('default'), `metadata` json NULL, `blob_key` text NOT NULL DEFAULT (''), `blob_id` integer NOT NULL, `pipeline_id` integer NULL, `package_id` integer NOT NULL, CONSTRAINT `package_files_blobs_files` FOREIGN KEY (`blob_id`) REFERENCES `blobs` (`id`) ON DELETE NO ACTION, CONSTRAINT `package_files_pipelines_pipeline` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE SET NULL, CONSTRAINT `package_files_package_versions_files` FOREIGN KEY (`package_id`) REFERENCES `package_versions` (`id`) ON DELETE NO ACTION);
-- create index "packagefile_package_id_file_name" to table: "package_files"
CREATE INDEX `packagefile_package_id_file_name` ON `package_files` (`package_id`, `file_name`);
-- create index "packagefile_sha256" to table: "package_files"
CREATE INDEX `packagefile_sha256` ON `package_files` (`sha256`);
-- create "package_properties" table
CREATE TABLE `package_properties` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `value` text NOT NULL, `package_id` integer NOT NULL, CONSTRAINT `package_properties_package_versions_properties` FOREIGN KEY (`package_id`) REFERENCES `package_versions` (`id`) ON DELETE NO ACTION);
-- create index "packageproperty_name_value" to table: "package_properties"
CREATE INDEX `packageproperty_name_value` ON `package_properties` (`name`, `value`);
-- create index "packageproperty_package_id_name_value" to table: "package_properties"
CREATE UNIQUE INDEX `packageproperty_package_id_name_value` ON `package_properties` (`package_id`, `name`, `value`);
-- create "package_tags" table
CREATE TABLE `package_tags` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `package_id` integer NOT NULL, CONSTRAINT `package_tags_package_versions_tags` FOREIGN KEY (`package_id`) REFERENCES `package_versions` (`id`) ON DELETE NO ACTION);
-- create index "packagetag_package_id_name" to table: "package_tags"
CREATE UNIQUE INDEX `packagetag_package_id_name` ON `package_tags` (`package_id`, `name`);
-- create "package_versions" table
CREATE TABLE `package_versions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `normalized_name` text NOT NULL, `version` text NOT NULL DEFAULT (''), `version_sort` text NOT NULL DEFAULT (''), `package_type` text NOT NULL, `type_rank` integer NOT NULL DEFAULT (0), `status` text NOT NULL DEFAULT ('default'), `status_message` text NULL, `revision` integer NOT NULL DEFAULT (1), `last_downloaded_at` datetime NULL, `metadata` json NULL, `creator_id` integer NULL, `project_id` integer NOT NULL, CONSTRAINT `package_versions_users_creator` FOREIGN KEY (`creator_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `package_versions_projects_packages` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
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
-- create "personal_access_tokens" table
CREATE TABLE `personal_access_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token_digest` text NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL, `name` text NOT NULL, `scopes` json NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `personal_access_tokens_users_personal_access_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- create index "personal_access_tokens_token_digest_key" to table: "personal_access_tokens"
CREATE UNIQUE INDEX `personal_access_tokens_token_digest_key` ON `personal_access_tokens` (`token_digest`);
-- create "pipelines" table
CREATE TABLE `pipelines` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `iid` integer NOT NULL, `ref` text NOT NULL DEFAULT (''), `sha` text NOT NULL DEFAULT (''), `source` text NOT NULL DEFAULT ('push'), `status` text NOT NULL DEFAULT ('running'), `user_id` integer NOT NULL, `project_id` integer NOT NULL, CONSTRAINT `pipelines_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION, CONSTRAINT `pipelines_projects_pipelines` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- create index "pipeline_project_id_iid" to table: "pipelines"
CREATE UNIQUE INDEX `pipeline_project_id_iid` ON `pipelines` (`project_id`, `iid`);
-- create "plan_limits" table
CREATE TABLE `plan_limits` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `package_type` text NOT NULL, `max_file_size` integer NOT NULL);
-- create index "planlimit_package_type" to table: "plan_limits"
CREATE UNIQUE INDEX `planlimit_package_type` ON `plan_limits` (`package_type`);
-- create "projects" table
CREATE TABLE `projects` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `path` text NOT NULL, `name` text NOT NULL, `full_path` text NOT NULL, `visibility` text NOT NULL DEFAULT ('private'), `package_registry_access_level` text NOT NULL DEFAULT ('private'), `packages_cleanup_keep_n_duplicated_package_files` text NOT NULL DEFAULT ('all'), `packages_cleanup_next_run_at` datetime NULL, `group_id` integer NULL, `owner_id` integer NULL, CONSTRAINT `projects_groups_projects` FOREIGN KEY (`group_id`) REFERENCES `groups` (`id`) ON DELETE SET NULL, CONSTRAINT `projects_users_projects` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- create index "projects_full_path_key" to table: "projects"
CREATE UNIQUE INDEX `projects_full_path_key` ON `projects` (`full_path`);
-- create "sessions" table
CREATE TABLE `sessions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token_digest` text NOT NULL, `csrf_digest` text NOT NULL, `expires_at` datetime NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `sessions_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- create index "sessions_token_digest_key" to table: "sessions"
CREATE UNIQUE INDEX `sessions_token_digest_key` ON `sessions` (`token_digest`);
-- create "sign_in_throttles" table
CREATE TABLE `sign_in_throttles` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `key` text NOT NULL, `failures` integer NOT NULL DEFAULT (0), `locked_until` datetime NULL);
-- create index "sign_in_throttles_key_key" to table: "sign_in_throttles"
CREATE UNIQUE INDEX `sign_in_throttles_key_key` ON `sign_in_throttles` (`key`);
-- create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `username` text NOT NULL, `name` text NOT NULL DEFAULT (''), `email` text NOT NULL DEFAULT (''), `admin` bool NOT NULL DEFAULT (false), `bot` bool NOT NULL DEFAULT (false), `password_hash` text NULL, `state` text NOT NULL DEFAULT ('active'));
-- create index "users_username_key" to table: "users"
CREATE UNIQUE INDEX `users_username_key` ON `users` (`username`);
-- create "project_ci_job_token_allowed_projects" table
CREATE TABLE `project_ci_job_token_allowed_projects` (`project_id` integer NOT NULL, `ci_job_token_allowed_by_id` integer NOT NULL, PRIMARY KEY (`project_id`, `ci_job_token_allowed_by_id`), CONSTRAINT `project_ci_job_token_allowed_projects_project_id` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE CASCADE, CONSTRAINT `project_ci_job_token_allowed_projects_ci_job_token_allowed_by_id` FOREIGN KEY (`ci_job_token_allowed_by_id`) REFERENCES `projects` (`id`) ON DELETE CASCADE);

-- +goose Down
-- reverse: create "project_ci_job_token_allowed_projects" table
DROP TABLE `project_ci_job_token_allowed_projects`;
-- reverse: create index "users_username_key" to table: "users"
DROP INDEX `users_username_key`;
-- reverse: create "users" table
DROP TABLE `users`;
-- reverse: create index "sign_in_throttles_key_key" to table: "sign_in_throttles"
DROP INDEX `sign_in_throttles_key_key`;
-- reverse: create "sign_in_throttles" table
DROP TABLE `sign_in_throttles`;
-- reverse: create index "sessions_token_digest_key" to table: "sessions"
DROP INDEX `sessions_token_digest_key`;
-- reverse: create "sessions" table
DROP TABLE `sessions`;
-- reverse: create index "projects_full_path_key" to table: "projects"
DROP INDEX `projects_full_path_key`;
-- reverse: create "projects" table
DROP TABLE `projects`;
-- reverse: create index "planlimit_package_type" to table: "plan_limits"
DROP INDEX `planlimit_package_type`;
-- reverse: create "plan_limits" table
DROP TABLE `plan_limits`;
-- reverse: create index "pipeline_project_id_iid" to table: "pipelines"
DROP INDEX `pipeline_project_id_iid`;
-- reverse: create "pipelines" table
DROP TABLE `pipelines`;
-- reverse: create index "personal_access_tokens_token_digest_key" to table: "personal_access_tokens"
DROP INDEX `personal_access_tokens_token_digest_key`;
-- reverse: create "personal_access_tokens" table
DROP TABLE `personal_access_tokens`;
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
-- reverse: create "package_versions" table
DROP TABLE `package_versions`;
-- reverse: create index "packagetag_package_id_name" to table: "package_tags"
DROP INDEX `packagetag_package_id_name`;
-- reverse: create "package_tags" table
DROP TABLE `package_tags`;
-- reverse: create index "packageproperty_package_id_name_value" to table: "package_properties"
DROP INDEX `packageproperty_package_id_name_value`;
-- reverse: create index "packageproperty_name_value" to table: "package_properties"
DROP INDEX `packageproperty_name_value`;
-- reverse: create "package_properties" table
DROP TABLE `package_properties`;
-- reverse: create index "packagefile_sha256" to table: "package_files"
DROP INDEX `packagefile_sha256`;
-- reverse: create index "packagefile_package_id_file_name" to table: "package_files"
DROP INDEX `packagefile_package_id_file_name`;
-- reverse: create "package_files" table
DROP TABLE `package_files`;
-- reverse: create index "packagebuildinfo_package_id_pipeline_id" to table: "package_build_infos"
DROP INDEX `packagebuildinfo_package_id_pipeline_id`;
-- reverse: create "package_build_infos" table
DROP TABLE `package_build_infos`;
-- reverse: create index "membership_user_id_project_id" to table: "memberships"
DROP INDEX `membership_user_id_project_id`;
-- reverse: create index "membership_user_id_group_id" to table: "memberships"
DROP INDEX `membership_user_id_group_id`;
-- reverse: create "memberships" table
DROP TABLE `memberships`;
-- reverse: create index "groups_full_path_key" to table: "groups"
DROP INDEX `groups_full_path_key`;
-- reverse: create "groups" table
DROP TABLE `groups`;
-- reverse: create index "formatflag_group_id_package_type_name" to table: "format_flags"
DROP INDEX `formatflag_group_id_package_type_name`;
-- reverse: create "format_flags" table
DROP TABLE `format_flags`;
-- reverse: create index "duplicatesetting_group_id_package_type" to table: "duplicate_settings"
DROP INDEX `duplicatesetting_group_id_package_type`;
-- reverse: create "duplicate_settings" table
DROP TABLE `duplicate_settings`;
-- reverse: create index "deploy_tokens_username_key" to table: "deploy_tokens"
DROP INDEX `deploy_tokens_username_key`;
-- reverse: create index "deploy_tokens_token_digest_key" to table: "deploy_tokens"
DROP INDEX `deploy_tokens_token_digest_key`;
-- reverse: create "deploy_tokens" table
DROP TABLE `deploy_tokens`;
-- reverse: create index "ci_jobs_token_digest_key" to table: "ci_jobs"
DROP INDEX `ci_jobs_token_digest_key`;
-- reverse: create "ci_jobs" table
DROP TABLE `ci_jobs`;
-- reverse: create index "blob_updated_at" to table: "blobs"
DROP INDEX `blob_updated_at`;
-- reverse: create index "blobs_sha256_key" to table: "blobs"
DROP INDEX `blobs_sha256_key`;
-- reverse: create "blobs" table
DROP TABLE `blobs`;
-- reverse: create index "application_settings_singleton_key" to table: "application_settings"
DROP INDEX `application_settings_singleton_key`;
-- reverse: create "application_settings" table
DROP TABLE `application_settings`;
