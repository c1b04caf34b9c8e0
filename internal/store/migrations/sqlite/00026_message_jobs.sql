-- A message is its own send job (issue 15, "job churn"), as a delivery is
-- since 00025: its row carries the queue's state, so accepting a message is
-- one INSERT and the UPDATE that marks it sent or failed also ends its job,
-- where a job row in jobs cost an INSERT and a DELETE of its own. The lease
-- rule is the jobs table's (internal/queue): run_at is the due time, or a
-- running claim's lease end; lease_owner and job_attempt name the claim.
-- job_state is '' when the message has no job (done), else available,
-- running, retryable or discarded (given up, kept for inspection). hold is
-- the WhatsApp pacing turn a postponed send reserved (µs; 0: none), as in jobs.

-- +goose Up
ALTER TABLE messages ADD COLUMN job_state TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN run_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN job_attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN job_error TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN hold BIGINT NOT NULL DEFAULT 0;
-- An upgrade loses no send: every send job moves onto its message (the
-- newest, should there be two), running ones with their leases, which end
-- as they would have, postponed ones with their turns.
UPDATE messages SET job_state = j.state, run_at = j.run_at, lease_owner = j.lease_owner, job_attempt = j.attempt,
    max_attempts = j.max_attempts, job_error = j.last_error, hold = j.hold
    FROM (SELECT ref, state, run_at, lease_owner, attempt, max_attempts, last_error, hold FROM jobs
          WHERE id IN (SELECT MAX(id) FROM jobs WHERE kind = 'send' GROUP BY ref)) AS j
    WHERE j.ref = messages.id;
DELETE FROM jobs WHERE kind = 'send' AND ref IN (SELECT id FROM messages);
-- A send job whose message is gone could only be set aside ("message not
-- found"): it is, and stays dead in jobs for inspection until retention.
UPDATE jobs SET state = 'discarded', lease_owner = '', last_error = 'message not found' WHERE kind = 'send';
-- The claim's index: the messages with a live job, by due time. The dead
-- ones, few, for the queue's statistics and retention.
CREATE INDEX messages_due ON messages (run_at) WHERE job_state IN ('available', 'running', 'retryable');
CREATE INDEX messages_dead ON messages (id) WHERE job_state = 'discarded';

-- +goose Down
INSERT INTO jobs (kind, ref, state, attempt, max_attempts, run_at, lease_owner, last_error, hold, created_at, updated_at)
    SELECT 'send', id, job_state, job_attempt, max_attempts, run_at, lease_owner, job_error, hold, created_at, updated_at
    FROM messages WHERE job_state <> '';
DROP INDEX messages_dead;
DROP INDEX messages_due;
ALTER TABLE messages DROP COLUMN hold;
ALTER TABLE messages DROP COLUMN job_error;
ALTER TABLE messages DROP COLUMN max_attempts;
ALTER TABLE messages DROP COLUMN job_attempt;
ALTER TABLE messages DROP COLUMN lease_owner;
ALTER TABLE messages DROP COLUMN run_at;
ALTER TABLE messages DROP COLUMN job_state;
