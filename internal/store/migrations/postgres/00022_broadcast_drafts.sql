-- Broadcast drafts (issue 14): a draft is stored with state 'draft' and no
-- jobs; it starts only when scheduled. Its recipients' times (now, late,
-- local time) count from that moment, not from when the draft was written,
-- so the moment is kept: scheduled_at, ms. NULL for a draft; a broadcast
-- created before this migration started at its created_at, which is what
-- a NULL means once it is not a draft.

-- +goose Up
ALTER TABLE broadcasts ADD COLUMN scheduled_at BIGINT;

-- +goose Down
ALTER TABLE broadcasts DROP COLUMN scheduled_at;
