-- Broadcasts (issue 14): one message to an audience. A broadcast keeps its
-- spec as JSON and how far the expansion of its audience got; each recipient
-- is a row with its own time (local time, quiet hours), state and message.
-- A recipient's sent/delivered/read/failed is its message's status, joined
-- on message_id, never copied here. Uploaded lists are rows too, read in
-- pages, so a million-row list never sits in memory.

-- +goose Up
CREATE TABLE broadcasts (
    id            TEXT PRIMARY KEY,
    bot_id        TEXT NOT NULL,
    name          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    state         TEXT NOT NULL,             -- scheduled, running, paused, completed, cancelled, expired
    spec          TEXT NOT NULL,             -- JSON of broadcast.Spec
    expand_cursor TEXT NOT NULL DEFAULT '',  -- the audience's keyset position reached
    expanded      BOOLEAN NOT NULL DEFAULT FALSE,
    targeted      BIGINT NOT NULL DEFAULT 0, -- recipient rows written
    rate_tat      BIGINT NOT NULL DEFAULT 0, -- µs; GCRA of rate_per_second, shared by every process
    started_at    BIGINT,
    finished_at   BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX broadcasts_bot ON broadcasts (bot_id, id);
-- The runner's look for broadcasts still to work on (each has a job too).
CREATE INDEX broadcasts_live ON broadcasts (state) WHERE state IN ('scheduled', 'running');

CREATE TABLE broadcast_recipients (
    broadcast_id TEXT NOT NULL,
    seq          BIGINT NOT NULL,            -- order of expansion: the recipients list's cursor
    recipient    TEXT NOT NULL,              -- as named: a PSID, "+phone", "username:x", a token
    way          TEXT NOT NULL,              -- psid, wa_id, phone, username, email, token
    contact      TEXT NOT NULL DEFAULT '',   -- the contact's key when known (PSID, wa:digits)
    zone         TEXT NOT NULL DEFAULT '',   -- IANA name or hours offset ("+5.75"); '' unknown
    params       TEXT NOT NULL DEFAULT '',   -- JSON of the row's own params
    state        TEXT NOT NULL,              -- scheduled, queued, skipped
    scheduled_at BIGINT NOT NULL,            -- ms; when it is meant to go out
    due_at       BIGINT NOT NULL,            -- ms; when a worker may take it: scheduled_at, a quiet-hours end, or a claim's lease end
    message_id   TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (broadcast_id, seq)
);
CREATE UNIQUE INDEX broadcast_recipients_who ON broadcast_recipients (broadcast_id, recipient);
CREATE INDEX broadcast_recipients_due ON broadcast_recipients (broadcast_id, due_at) WHERE state = 'scheduled';
CREATE INDEX broadcast_recipients_state ON broadcast_recipients (broadcast_id, state, seq);
CREATE INDEX broadcast_recipients_reason ON broadcast_recipients (broadcast_id, reason, seq) WHERE reason <> '';
-- A topic's subscribers, read a page at a time.
CREATE INDEX subscriptions_topic ON subscriptions (bot_id, title, psid);

CREATE TABLE broadcast_uploads (
    id         TEXT PRIMARY KEY,
    bot_id     TEXT NOT NULL,
    rows       BIGINT NOT NULL DEFAULT 0,
    refused    TEXT NOT NULL DEFAULT '[]',   -- JSON of the first refused rows, line and reason
    created_at BIGINT NOT NULL
);

CREATE TABLE broadcast_upload_rows (
    upload_id TEXT NOT NULL,
    line      BIGINT NOT NULL,
    way       TEXT NOT NULL,
    value     TEXT NOT NULL,
    params    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (upload_id, line)
);

-- +goose Down
DROP INDEX subscriptions_topic;
DROP TABLE broadcast_upload_rows;
DROP TABLE broadcast_uploads;
DROP TABLE broadcast_recipients;
DROP TABLE broadcasts;
