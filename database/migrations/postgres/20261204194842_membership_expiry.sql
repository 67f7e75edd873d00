-- +goose Up
-- modify "memberships" table
ALTER TABLE "memberships" ADD COLUMN "expires_at" timestamptz NULL;

-- +goose Down
-- reverse: modify "memberships" table
ALTER TABLE "memberships" DROP COLUMN "expires_at";
