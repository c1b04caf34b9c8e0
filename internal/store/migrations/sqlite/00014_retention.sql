-- Retention (issue 15): what pruning needs to find its rows by index. Messages
-- and deliveries are found by their primary key (ids sort by creation time),
-- so the hot path gains no index; these are small or written rarely.

-- +goose Up
-- A message's callback deliveries: whether one is still pending, and which go
-- with it. The console's migration (00012) may create the same index.
CREATE INDEX IF NOT EXISTS deliveries_message ON deliveries (message_id) WHERE message_id <> '';
-- Deliveries of no message (forwarded events, upload results), by age: with
-- few of them among many callbacks, PostgreSQL would rather scan the table
-- than walk the key range.
CREATE INDEX deliveries_unowned ON deliveries (id) WHERE message_id = '';
-- Dead jobs, few: the webhooks they keep, and their own age.
CREATE INDEX IF NOT EXISTS jobs_discarded ON jobs (ref) WHERE state = 'discarded';
-- The retention pass is one periodic job shared by every process: one row.
CREATE UNIQUE INDEX jobs_retention ON jobs (kind) WHERE kind = 'retention';

-- +goose Down
-- deliveries_message and jobs_discarded stay: 00012 may own them.
DROP INDEX jobs_retention;
DROP INDEX deliveries_unowned;
