-- A delivery is its own job (issue 15, "job churn"): its row carries the
-- queue's state, so enqueueing a delivery is one INSERT and recording an
-- attempt's result finishes its job in the same UPDATE, where a job row in
-- jobs cost an INSERT and a DELETE of its own. The lease rule is the jobs
-- table's (internal/queue): run_at is the due time, or a running claim's
-- lease end; lease_owner and job_attempt name the claim.
-- job_state is '' when the delivery has no job (done), else available,
-- running, retryable or discarded (given up, kept for inspection).

-- +goose Up
ALTER TABLE deliveries ADD COLUMN job_state TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN run_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN job_attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN job_error TEXT NOT NULL DEFAULT '';
-- An upgrade loses no delivery: every deliver job moves onto its delivery
-- (the newest, should a replay have queued a second), running ones with
-- their leases, which end as they would have.
UPDATE deliveries SET job_state = j.state, run_at = j.run_at, lease_owner = j.lease_owner, job_attempt = j.attempt,
    max_attempts = j.max_attempts, job_error = j.last_error
    FROM (SELECT ref, state, run_at, lease_owner, attempt, max_attempts, last_error FROM jobs
          WHERE id IN (SELECT MAX(id) FROM jobs WHERE kind = 'deliver' GROUP BY ref)) AS j
    WHERE j.ref = deliveries.id;
DELETE FROM jobs WHERE kind = 'deliver';
-- The claim's index: the deliveries with a live job, by due time. The dead
-- ones, few, for the queue's statistics.
CREATE INDEX deliveries_due ON deliveries (run_at) WHERE job_state IN ('available', 'running', 'retryable');
CREATE INDEX deliveries_dead ON deliveries (id) WHERE job_state = 'discarded';

-- +goose Down
INSERT INTO jobs (kind, ref, state, attempt, max_attempts, run_at, lease_owner, last_error, created_at, updated_at)
    SELECT 'deliver', id, job_state, job_attempt, max_attempts, run_at, lease_owner, job_error, created_at, updated_at
    FROM deliveries WHERE job_state <> '';
DROP INDEX deliveries_dead;
DROP INDEX deliveries_due;
ALTER TABLE deliveries DROP COLUMN job_error;
ALTER TABLE deliveries DROP COLUMN max_attempts;
ALTER TABLE deliveries DROP COLUMN job_attempt;
ALTER TABLE deliveries DROP COLUMN lease_owner;
ALTER TABLE deliveries DROP COLUMN run_at;
ALTER TABLE deliveries DROP COLUMN job_state;
