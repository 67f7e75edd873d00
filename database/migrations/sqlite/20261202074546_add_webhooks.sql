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
-- reverse: create index "application_settings_singleton_key" to table: "application_settings"
DROP INDEX `application_settings_singleton_key`;
-- reverse: create "new_application_settings" table
DROP TABLE `new_application_settings`;
