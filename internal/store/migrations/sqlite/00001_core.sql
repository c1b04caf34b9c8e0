-- The send core: bots and their keys, contacts, messages with their attempts
-- and events, the job queue, and deliveries to merchant URLs.
-- Times are Unix milliseconds in BIGINT columns on both databases.

-- +goose Up
CREATE TABLE bots (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    page_id      TEXT,
    secrets      TEXT NOT NULL,             -- sealed JSON of the bot's credentials
    callback_url TEXT NOT NULL DEFAULT '',
    webhook_url  TEXT NOT NULL DEFAULT '',
    settings     TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    deleted_at   BIGINT
);
CREATE UNIQUE INDEX bots_page ON bots (page_id) WHERE deleted_at IS NULL AND page_id IS NOT NULL;

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    bot_id     TEXT NOT NULL REFERENCES bots (id),
    hash       TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX api_keys_bot ON api_keys (bot_id);

CREATE TABLE contacts (
    bot_id             TEXT NOT NULL,
    psid               TEXT NOT NULL,
    profile            TEXT,
    profile_fetched_at BIGINT,
    last_inbound_at    BIGINT,
    params             TEXT NOT NULL DEFAULT '{}',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (bot_id, psid)
);

CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    bot_id       TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    channel      TEXT NOT NULL,
    face         TEXT NOT NULL,
    method       TEXT NOT NULL,
    sync         BOOLEAN NOT NULL,
    status       TEXT NOT NULL,
    psid         TEXT NOT NULL DEFAULT '',  -- the user's id once known, for delivery watermarks
    request      TEXT NOT NULL,             -- JSON of the accepted request
    recipient_id TEXT NOT NULL DEFAULT '',
    error        TEXT,                      -- JSON of the failure, when failed
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    -- One column per status: the history is read from them, so a status
    -- change is one UPDATE and the order accepted → sent → delivered → read
    -- cannot be written backwards.
    sent_at      BIGINT,
    delivered_at BIGINT,
    read_at      BIGINT,
    failed_at    BIGINT
) WITHOUT ROWID; -- clustered on the id: one B-tree fewer to write per message
CREATE UNIQUE INDEX messages_request ON messages (bot_id, request_id);
CREATE INDEX messages_bot ON messages (bot_id, id);
CREATE INDEX messages_psid ON messages (bot_id, psid) WHERE psid <> '';

CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    duration_us BIGINT NOT NULL,
    request     TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response    TEXT NOT NULL,
    outcome     TEXT NOT NULL,              -- sent, retry or failed
    error       TEXT NOT NULL DEFAULT '',
    graph_id    TEXT                        -- Graph's mid or wamid when sent: the message's parts
);
CREATE INDEX attempts_message ON attempts (message_id, id);
CREATE UNIQUE INDEX attempts_graph_id ON attempts (graph_id) WHERE graph_id IS NOT NULL;

CREATE TABLE message_events (
    id         INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,               -- what statuses and deliveries do not tell: warnings, callback failures
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX message_events_message ON message_events (message_id, id);

-- A deleted job's id may be reused; claims carry a unique lease_owner
-- token, so a stale claim never touches the newer job.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL,
    state        TEXT NOT NULL,             -- available, running, retryable, discarded
    attempt      INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       BIGINT NOT NULL,           -- for a running job: when its lease ends
    lease_owner  TEXT NOT NULL DEFAULT '',  -- the current claim's token
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_claim ON jobs (kind, run_at) WHERE state <> 'discarded';

CREATE TABLE deliveries (
    id           TEXT PRIMARY KEY,          -- also the webhook-id header
    bot_id       TEXT NOT NULL,
    kind         TEXT NOT NULL,             -- callback, event, upload
    message_id   TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL,             -- pending, delivered, failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    delivered_at BIGINT
) WITHOUT ROWID;
CREATE INDEX deliveries_bot ON deliveries (bot_id, id);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL,
    n           INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    duration_us BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, n)
);

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE jobs;
DROP TABLE message_events;
DROP TABLE attempts;
DROP TABLE messages;
DROP TABLE contacts;
DROP TABLE api_keys;
DROP TABLE bots;
