-- WhatsApp: a bot's number with its pacing state, shared by every process
-- (its GCRA times and daily reach live on its row, which a reservation
-- locks), the unique users each number reached outside a customer-service
-- window (its daily tier), each user's last send (a "new user" has none),
-- and the pacing turn a postponed job holds.

-- +goose Up
CREATE TABLE whatsapp_numbers (
    bot_id          TEXT PRIMARY KEY,
    phone           TEXT NOT NULL,         -- E.164
    phone_number_id TEXT NOT NULL,
    secrets         TEXT NOT NULL,         -- sealed JSON of the number's credentials
    limits          TEXT NOT NULL,         -- JSON
    tier            INTEGER NOT NULL DEFAULT 1,  -- 1 = the ladder's first rung
    request_tat     BIGINT NOT NULL DEFAULT 0,   -- µs, GCRA of requests
    new_user_tat    BIGINT NOT NULL DEFAULT 0,   -- µs, GCRA of new users
    queue_tat       BIGINT NOT NULL DEFAULT 0,   -- µs, where the next queued send waiting for a turn wakes
    reach           INTEGER NOT NULL DEFAULT 0,  -- tier_reach rows after reach_since
    reach_since     BIGINT NOT NULL DEFAULT 0,   -- µs
    upgrade_checked_at BIGINT NOT NULL DEFAULT 0, -- µs
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX whatsapp_numbers_phone ON whatsapp_numbers (phone);
CREATE UNIQUE INDEX whatsapp_numbers_id ON whatsapp_numbers (phone_number_id);

CREATE TABLE tier_reach (
    phone_number_id TEXT NOT NULL,
    contact         TEXT NOT NULL,
    at              BIGINT NOT NULL,       -- µs; may be ahead, a place held for a queued send
    PRIMARY KEY (phone_number_id, at, contact)
) WITHOUT ROWID;
CREATE INDEX tier_reach_contact ON tier_reach (phone_number_id, contact, at);

ALTER TABLE contacts ADD COLUMN last_outbound_at BIGINT;
ALTER TABLE contacts ADD COLUMN lined_at BIGINT;          -- a queued send to the user took a place in line
ALTER TABLE jobs ADD COLUMN hold BIGINT NOT NULL DEFAULT 0;   -- µs; the pacing turn reserved for the job (0: none)

-- +goose Down
ALTER TABLE jobs DROP COLUMN hold;
ALTER TABLE contacts DROP COLUMN lined_at;
ALTER TABLE contacts DROP COLUMN last_outbound_at;
DROP TABLE tier_reach;
DROP TABLE whatsapp_numbers;
