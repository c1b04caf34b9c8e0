-- The console's pages (issue 11): indexes for the message list's filters,
-- the users' own messages (the inbound half of a conversation), and the
-- recent API requests each face received, bounded per bot.

-- +goose Up
-- The list is newest first by id (ids sort by creation time), so each filter
-- an index can serve ends in id: a page is a range read, whatever the table's size.
CREATE INDEX messages_status ON messages (status, id);
CREATE INDEX messages_bot_status ON messages (bot_id, status, id);
CREATE INDEX messages_request_id ON messages (request_id);
CREATE INDEX messages_psid_any ON messages (psid, id) WHERE psid <> '';
CREATE INDEX deliveries_state ON deliveries (state, id);
CREATE INDEX deliveries_message ON deliveries (message_id) WHERE message_id <> '';
CREATE INDEX webhooks_bot ON webhooks (bot_id, id);
CREATE INDEX jobs_discarded ON jobs (ref) WHERE state = 'discarded';  -- why a webhook was given up on
CREATE INDEX links_value ON links (value);
CREATE INDEX contacts_psid ON contacts (psid);  -- a contact found by PSID or linked account without its bot  -- a recipient filter names a linked account without its bot

-- What a user sent (text, a tap, an opt-in): one row per new event that
-- opens the window, for the conversation beside what the bot sent.
CREATE TABLE inbound_messages (
    id         TEXT PRIMARY KEY,    -- ULID of when it was processed
    bot_id     TEXT NOT NULL,
    psid       TEXT NOT NULL,       -- the PSID, or the WhatsApp user's number
    channel    TEXT NOT NULL,
    kind       TEXT NOT NULL,       -- message, quick_reply, postback, optin, referral
    at         BIGINT NOT NULL,     -- the event's own time
    body       TEXT NOT NULL        -- the event's JSON, as Graph sent it
) WITHOUT ROWID;
CREATE INDEX inbound_messages_contact ON inbound_messages (bot_id, psid, at);

-- The last requests each face received, refused ones included, so an
-- integrator sees why a call failed. Bodies are kept with secrets removed.
CREATE TABLE api_requests (
    id          TEXT PRIMARY KEY,
    bot_id      TEXT NOT NULL DEFAULT '',  -- '' when the caller was not recognised
    face        TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,             -- with the query, secrets removed
    status      INTEGER NOT NULL,
    request     TEXT NOT NULL,             -- body, secrets removed, truncated
    response    TEXT NOT NULL,             -- body answered, truncated
    remote      TEXT NOT NULL DEFAULT '',
    duration_us BIGINT NOT NULL,
    at          BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX api_requests_bot ON api_requests (bot_id, id);
CREATE INDEX api_requests_face ON api_requests (face, id);

-- +goose Down
DROP TABLE api_requests;
DROP TABLE inbound_messages;
DROP INDEX contacts_psid;
DROP INDEX links_value;
DROP INDEX jobs_discarded;
DROP INDEX webhooks_bot;
DROP INDEX deliveries_message;
DROP INDEX deliveries_state;
DROP INDEX messages_psid_any;
DROP INDEX messages_request_id;
DROP INDEX messages_bot_status;
DROP INDEX messages_status;
