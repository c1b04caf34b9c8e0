-- Inbound webhooks: bodies kept until processed (and for a while after, for
-- inspection), the marks that drop Meta's redeliveries, notification-message
-- subscriptions, and a bot's forwarding switch (off after a receiver's 410).

-- +goose Up
ALTER TABLE bots ADD COLUMN forwarding BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    channel     TEXT NOT NULL,     -- messenger or whatsapp
    bot_id      TEXT NOT NULL,     -- the bot whose app secret verified the body
    body        TEXT NOT NULL,     -- the raw body, exactly as received
    received_at BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhooks_received ON webhooks (received_at);

-- One row per event seen: a mid, or a hash of events without one. Rows older
-- than the dedupe window are pruned.
CREATE TABLE inbound_seen (
    bot_id  TEXT NOT NULL,
    key     TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (bot_id, key)
) WITHOUT ROWID;
CREATE INDEX inbound_seen_at ON inbound_seen (seen_at);

-- Notification-message (marketing) opt-ins, per topic and user.
CREATE TABLE subscriptions (
    bot_id            TEXT NOT NULL,
    psid              TEXT NOT NULL,
    title             TEXT NOT NULL,
    token             TEXT NOT NULL,
    status            INTEGER NOT NULL,  -- 1 subscribed, 0 stopped
    timezone          TEXT NOT NULL DEFAULT '',
    payload           TEXT NOT NULL DEFAULT '',
    user_token_status TEXT NOT NULL DEFAULT '',
    expires_at        BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (bot_id, psid, title)
) WITHOUT ROWID;
CREATE INDEX subscriptions_token ON subscriptions (token);

-- +goose Down
DROP TABLE subscriptions;
DROP TABLE inbound_seen;
DROP TABLE webhooks;
ALTER TABLE bots DROP COLUMN forwarding;
