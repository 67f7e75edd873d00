-- +goose NO TRANSACTION
-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_application_settings" table
CREATE TABLE `new_application_settings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `singleton` text NOT NULL, `guests_may_pull_packages` bool NOT NULL DEFAULT (false), `allow_local_webhooks` bool NOT NULL DEFAULT (false), `throttle_unauthenticated_packages_api_enabled` bool NOT NULL DEFAULT (false), `throttle_unauthenticated_packages_api_requests_per_period` integer NOT NULL DEFAULT (800), `throttle_unauthenticated_packages_api_period_in_seconds` integer NOT NULL DEFAULT (15), `throttle_authenticated_packages_api_enabled` bool NOT NULL DEFAULT (false), `throttle_authenticated_packages_api_requests_per_period` integer NOT NULL DEFAULT (1000), `throttle_authenticated_packages_api_period_in_seconds` integer NOT NULL DEFAULT (15));
-- copy rows from old table "application_settings" to new temporary table "new_application_settings"
INSERT INTO `new_application_settings` (`id`, `created_at`, `updated_at`, `singleton`, `guests_may_pull_packages`, `allow_local_webhooks`) SELECT `id`, `created_at`, `updated_at`, `singleton`, `guests_may_pull_packages`, `allow_local_webhooks` FROM `application_settings`;
-- drop "application_settings" table after copying rows
DROP TABLE `application_settings`;
-- rename temporary table "new_application_settings" to "application_settings"
ALTER TABLE `new_application_settings` RENAME TO `application_settings`;
-- create index "application_settings_singleton_key" to table: "application_settings"
CREATE UNIQUE INDEX `application_settings_singleton_key` ON `application_settings` (`singleton`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "application_settings_singleton_key" to table: "application_settings"
DROP INDEX `application_settings_singleton_key`;
-- reverse: create "new_application_settings" table
DROP TABLE `new_application_settings`;
