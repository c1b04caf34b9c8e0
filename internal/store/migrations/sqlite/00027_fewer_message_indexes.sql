-- Fewer indexes on messages (issue 15): every accept wrote an entry in
-- each, and on SQLite each index a commit touches is one more page written
-- to the WAL (two system calls). Two pairs become one each, serving the
-- same queries:
-- * messages_psid (bot_id, psid) goes: a user's messages are found by
--   messages_psid_any (psid, id), the bot compared on the rows (a PSID
--   belongs to one page, so these are the user's messages in any case).
--   Queries by user say "psid <> ''", which the partial index needs.
-- * messages_request (bot_id, request_id) and messages_request_id
--   (request_id) become one unique index on (request_id, bot_id): an
--   accept's duplicate check is both columns, the console's search across
--   bots the first.
-- Building the unique index reads the table once; on a large PostgreSQL
-- table, writes wait while it builds (docs/operations.md, Upgrading).

-- +goose Up
DROP INDEX messages_psid;
DROP INDEX messages_request_id;
CREATE UNIQUE INDEX messages_request_bot ON messages (request_id, bot_id);
DROP INDEX messages_request;

-- +goose Down
CREATE UNIQUE INDEX messages_request ON messages (bot_id, request_id);
DROP INDEX messages_request_bot;
CREATE INDEX messages_request_id ON messages (request_id);
CREATE INDEX messages_psid ON messages (bot_id, psid) WHERE psid <> '';
