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

CREATE TABLE webhook_endpoints (
    id               TEXT PRIMARY KEY,
    bot_id           TEXT NOT NULL,
    url              TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    events           TEXT NOT NULL,        -- space-separated event types
    secret           TEXT NOT NULL,        -- sealed whsec_ secret
    old_secret       TEXT NOT NULL DEFAULT '', -- sealed; signs beside the new one after a rotation
    old_secret_until BIGINT,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_reason  TEXT NOT NULL DEFAULT '',
    failing_since    BIGINT,               -- first failure since the last success
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_bot ON webhook_endpoints (bot_id);
ALTER TABLE deliveries ADD COLUMN endpoint_id TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, id) WHERE endpoint_id <> '';

-- +goose Down
DROP TABLE webhook_endpoints;
DROP INDEX deliveries_endpoint;
ALTER TABLE deliveries DROP COLUMN endpoint_id;
DROP TABLE idempotency_keys;
ALTER TABLE contacts DROP COLUMN tags;
ALTER TABLE api_keys DROP COLUMN scopes;
