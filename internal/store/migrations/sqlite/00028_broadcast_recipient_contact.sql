-- A broadcast's recipients by the user they reach: a user named two ways
-- in one audience (a PSID, and a username linked to it) is sent to once,
-- and expansion looks up, a page at a time, whether an earlier naming
-- already reached the page's users. Building it reads the table once; on
-- PostgreSQL, writes to it wait while it builds (docs/operations.md,
-- Upgrading).

-- +goose Up
CREATE INDEX broadcast_recipients_contact ON broadcast_recipients (broadcast_id, contact) WHERE contact <> '';

-- +goose Down
DROP INDEX broadcast_recipients_contact;
