-- botgate's own API (issue 12): API key scopes, the idempotency keys of
-- its creating POSTs, and contacts' tags. Keys made before scopes keep all
-- three.

-- +goose Up
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'send read manage';
ALTER TABLE contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'; -- JSON array of strings

CREATE TABLE idempotency_keys (
    bot_id       TEXT NOT NULL,
    key          TEXT NOT NULL,
    operation    TEXT NOT NULL,        -- method and route pattern
    request_hash TEXT NOT NULL,        -- SHA-256 of the operation and body
    status       INTEGER NOT NULL DEFAULT 0, -- 0 while the first request runs
    headers      TEXT NOT NULL DEFAULT '',  -- JSON of the answer's headers worth replaying
    body         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (bot_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
ALTER TABLE contacts DROP COLUMN tags;
ALTER TABLE api_keys DROP COLUMN scopes;
