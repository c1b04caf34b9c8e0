-- The console (issue 11): people who sign in, their sessions (the cookie's
-- id hashed, so a copy of the database signs nobody in), failed sign-ins
-- counted per username and per address (shared by every instance), the
-- audit log of changes made in the console and the admin API, and the
-- sandbox's own small sealed values (the demo user's password).

-- +goose Up
CREATE TABLE console_users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,      -- argon2id, PHC string
    role          TEXT NOT NULL,      -- viewer | admin
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX console_users_username ON console_users (username);

CREATE TABLE console_sessions (
    hash         TEXT PRIMARY KEY,    -- SHA-256 of the cookie's id
    user_id      TEXT NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    addr         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_seen ON console_sessions (last_seen_at);

CREATE TABLE console_signin_failures (
    key TEXT NOT NULL,                -- "user:NAME" or "addr:IP"
    at  BIGINT NOT NULL
);
CREATE INDEX console_signin_failures_key ON console_signin_failures (key, at);

CREATE TABLE audit_log (
    id     TEXT PRIMARY KEY,          -- time-ordered
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,             -- console user, "admin token" or "cli"
    via    TEXT NOT NULL,             -- console | admin-api | cli
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',  -- never a secret
    addr   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX audit_log_at ON audit_log (at, id);

CREATE TABLE sandbox_values (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL               -- sealed, bound to the name
) WITHOUT ROWID;

-- +goose Down
DROP TABLE sandbox_values;
DROP TABLE audit_log;
DROP TABLE console_signin_failures;
DROP TABLE console_sessions;
DROP TABLE console_users;
