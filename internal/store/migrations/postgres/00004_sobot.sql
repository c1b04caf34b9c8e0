-- The Sobot face (seed 002): apps (appid and sealed app key) covering the
-- pages of their bots, the one live token of each app (hashed), the
-- get_token signatures already used (kept until their create_time could no
-- longer pass the skew check, then pruned), and subscription topics.

-- +goose Up
CREATE TABLE sobot_apps (
    id         TEXT PRIMARY KEY,   -- the appid
    app_key    TEXT NOT NULL,      -- sealed, bound to the id: signatures are recomputed
    created_at BIGINT NOT NULL
);

CREATE TABLE sobot_app_bots (
    app_id TEXT NOT NULL,
    bot_id TEXT NOT NULL REFERENCES bots (id),
    PRIMARY KEY (app_id, bot_id)
);

-- One row per app: issuing a token replaces the previous one.
CREATE TABLE sobot_tokens (
    app_id     TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,      -- SHA-256 of the token
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sobot_tokens_hash ON sobot_tokens (hash);

CREATE TABLE sobot_signs (
    app_id     TEXT NOT NULL,
    sign       TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, sign)
);
CREATE INDEX sobot_signs_expires ON sobot_signs (expires_at);

-- Topics belong to a page, whichever bot or app serves it.
CREATE TABLE sobot_topics (
    id          TEXT PRIMARY KEY,  -- the configid
    page_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,     -- Sobot's "describe"
    image_url   TEXT NOT NULL DEFAULT '',
    image_ratio TEXT NOT NULL,
    button_type TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX sobot_topics_title ON sobot_topics (page_id, title);

-- +goose Down
DROP TABLE sobot_topics;
DROP TABLE sobot_signs;
DROP TABLE sobot_tokens;
DROP TABLE sobot_app_bots;
DROP TABLE sobot_apps;
