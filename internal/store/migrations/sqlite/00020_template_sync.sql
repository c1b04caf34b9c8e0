-- The periodic template sync (issue 13) is one job shared by every process,
-- like the retention pass: one row, which EnqueueOnce's ON CONFLICT keeps.

-- +goose Up
CREATE UNIQUE INDEX jobs_template_sync ON jobs (kind) WHERE kind = 'template_sync';

-- +goose Down
DROP INDEX jobs_template_sync;
