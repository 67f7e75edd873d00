-- +goose Up
-- modify "application_settings" table
ALTER TABLE "application_settings" ADD COLUMN "throttle_unauthenticated_packages_api_enabled" boolean NOT NULL DEFAULT false, ADD COLUMN "throttle_unauthenticated_packages_api_requests_per_period" bigint NOT NULL DEFAULT 800, ADD COLUMN "throttle_unauthenticated_packages_api_period_in_seconds" bigint NOT NULL DEFAULT 15, ADD COLUMN "throttle_authenticated_packages_api_enabled" boolean NOT NULL DEFAULT false, ADD COLUMN "throttle_authenticated_packages_api_requests_per_period" bigint NOT NULL DEFAULT 1000, ADD COLUMN "throttle_authenticated_packages_api_period_in_seconds" bigint NOT NULL DEFAULT 15;

-- +goose Down
-- reverse: modify "application_settings" table
ALTER TABLE "application_settings" DROP COLUMN "throttle_authenticated_packages_api_period_in_seconds", DROP COLUMN "throttle_authenticated_packages_api_requests_per_period", DROP COLUMN "throttle_authenticated_packages_api_enabled", DROP COLUMN "throttle_unauthenticated_packages_api_period_in_seconds", DROP COLUMN "throttle_unauthenticated_packages_api_requests_per_period", DROP COLUMN "throttle_unauthenticated_packages_api_enabled";
