-- The console shows every callback delivery with its headers and response
-- (issue 11): each attempt keeps the request headers botgate sent and the
-- receiver's answer, bounded (20 headers, 4 KiB of body). Headers are JSON.
-- The webhooks page counts Meta's redeliveries dropped as duplicates: one row
-- per bot and UTC day (days since 1970), written by the transaction that drops.

-- +goose Up
ALTER TABLE delivery_attempts ADD COLUMN request_headers TEXT NOT NULL DEFAULT '';
ALTER TABLE delivery_attempts ADD COLUMN response_headers TEXT NOT NULL DEFAULT '';
ALTER TABLE delivery_attempts ADD COLUMN response_body TEXT NOT NULL DEFAULT '';
CREATE TABLE inbound_duplicates (
    bot_id  TEXT NOT NULL,
    day     BIGINT NOT NULL,
    dropped BIGINT NOT NULL,
    PRIMARY KEY (bot_id, day)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE inbound_duplicates;
ALTER TABLE delivery_attempts DROP COLUMN response_body;
ALTER TABLE delivery_attempts DROP COLUMN response_headers;
ALTER TABLE delivery_attempts DROP COLUMN request_headers;
