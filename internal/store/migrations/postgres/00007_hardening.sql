-- Hardening (issue 9).
-- A signed webhook botgate cannot read (invalid UTF-8, a NUL character) is
-- kept as received but set aside: unreadable says why, and a body that is
-- not valid UTF-8 is kept base64-encoded (encoding = 'base64'), since
-- PostgreSQL's text cannot hold it. No job processes such a webhook.
-- webhook_sources records when botgate first received a webhook for each
-- page and WhatsApp number: until a full messaging window has passed since,
-- a contact botgate never saw write is "unknown" to the window policy, not
-- "never wrote".

-- +goose Up
ALTER TABLE webhooks ADD COLUMN unreadable TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN encoding TEXT NOT NULL DEFAULT '';

CREATE TABLE webhook_sources (
    channel  TEXT NOT NULL,      -- messenger or whatsapp
    source   TEXT NOT NULL,      -- the page id, or the WhatsApp phone_number_id
    first_at BIGINT NOT NULL,    -- Unix ms of the first signed webhook about it
    PRIMARY KEY (channel, source)
);

-- +goose Down
DROP TABLE webhook_sources;
ALTER TABLE webhooks DROP COLUMN encoding;
ALTER TABLE webhooks DROP COLUMN unreadable;
