-- Opt-ins, stops and resumes arrive in separate webhooks, processed
-- concurrently: each subscription remembers the time of the event that set
-- it, and an older event no longer overwrites a newer one.

-- +goose Up
ALTER TABLE subscriptions ADD COLUMN event_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN event_at;
