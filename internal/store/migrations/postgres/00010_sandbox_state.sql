-- The sandbox keeps what a user copies (admin token, API key, console
-- password) and what they built (fake Graph pages and users, the callback
-- inbox) across restarts: one row per named value, secrets sealed.

-- +goose Up
CREATE TABLE sandbox_state (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    sealed     BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE sandbox_state;
