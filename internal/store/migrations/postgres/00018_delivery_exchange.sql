-- The console shows every callback delivery with its headers and response
-- (issue 11): each attempt keeps the request headers botgate sent and the
-- receiver's answer, bounded (20 headers, 4 KiB of body). Headers are JSON.

-- +goose Up
ALTER TABLE delivery_attempts ADD COLUMN request_headers TEXT NOT NULL DEFAULT '';
ALTER TABLE delivery_attempts ADD COLUMN response_headers TEXT NOT NULL DEFAULT '';
ALTER TABLE delivery_attempts ADD COLUMN response_body TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE delivery_attempts DROP COLUMN response_body;
ALTER TABLE delivery_attempts DROP COLUMN response_headers;
ALTER TABLE delivery_attempts DROP COLUMN request_headers;
