-- +goose Up
-- add column "expires_at" to table: "memberships"
ALTER TABLE `memberships` ADD COLUMN `expires_at` datetime NULL;

-- +goose Down
-- reverse: add column "expires_at" to table: "memberships"
ALTER TABLE `memberships` DROP COLUMN `expires_at`;
