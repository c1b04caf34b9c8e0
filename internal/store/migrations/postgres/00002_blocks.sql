-- Content blocks (every save a new version; a deletion is a version too, so
-- history stays readable and restorable) and linked accounts.

-- +goose Up
CREATE TABLE blocks (
    bot_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    cards      TEXT NOT NULL,                 -- JSON array of Messenger message objects
    deleted    BOOLEAN NOT NULL DEFAULT FALSE, -- this version deleted the block
    created_at BIGINT NOT NULL,
    PRIMARY KEY (bot_id, name, version)
);

CREATE TABLE links (
    bot_id     TEXT NOT NULL,
    kind       TEXT NOT NULL,                 -- username, email or user_phone_number
    value      TEXT NOT NULL,                 -- exactly as linked; phone numbers in E.164
    psid       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (bot_id, kind, value)
);
CREATE INDEX links_psid ON links (bot_id, psid);

-- +goose Down
DROP TABLE links;
DROP TABLE blocks;
