-- A v1 message's Idempotency-Key is its request id, so the message row itself
-- carries what idempotency needs: the hash of the request that created it
-- (SHA-256 of the operation and body), compared when the key comes again.
-- The answer is the message resource, rebuilt from the row. '' for messages
-- of other faces, and of v1 requests without a key.

-- +goose Up
ALTER TABLE messages ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN request_hash;
