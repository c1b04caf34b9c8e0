package queue

import (
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/store"
)

// Table is where a queue's jobs live. Most kinds share the jobs table, a
// row per job that is deleted when the job finishes. A record that carries
// its own job state (a delivery) is its own job instead: enqueueing writes
// the record alone, and the write that records the work's result finishes
// the job in the same UPDATE, sparing the jobs table an INSERT and a DELETE
// per unit of work. Both follow one lease rule (see owned): a claim is
// (row, lease_owner token, attempt) and only the running claim that holds
// all three may finish it.
type Table struct {
	name    string // SQL table
	key     string // the column a claim names its row by
	state   string // the job's state column
	attempt string // the claim counter
	errCol  string // why the job last failed
	kind    string // a record table holds one kind; "" for jobs, whose rows carry theirs
	// live selects the rows a claim considers, in the words of the table's
	// claim index, so both databases use it.
	live   string
	record bool
}

// Jobs is the shared jobs table.
var Jobs = &Table{name: "jobs", key: "id", state: "state", attempt: "attempt", errCol: "last_error",
	live: "state <> 'discarded'"}

// Deliveries holds deliveries to merchant URLs, each its own job of kind
// "deliver" (migration 00025). A delivery with no job has an empty job_state.
var Deliveries = &Table{name: "deliveries", key: "id", state: "job_state", attempt: "job_attempt", errCol: "job_error",
	kind: "deliver", live: "job_state IN ('available', 'running', 'retryable')", record: true}

// records are the tables whose rows are their own jobs: queue statistics
// read them beside the jobs table.
var records = []*Table{Deliveries}

// Kind is the queue kind of a record table's jobs.
func (t *Table) Kind() string { return t.kind }

// NewJob is the job columns of a record that is enqueued (or enqueued again:
// a replay starts afresh) to run from runAt, for its INSERT or UPDATE.
func (t *Table) NewJob(maxAttempts int, runAt time.Time) []store.Column {
	return []store.Column{
		{Name: t.state, Value: StateAvailable},
		{Name: "run_at", Value: runAt.UnixMilli()},
		{Name: "lease_owner", Value: ""},
		{Name: t.attempt, Value: 0},
		{Name: "max_attempts", Value: maxAttempts},
		{Name: t.errCol, Value: ""},
	}
}

// Outcome is how a claim ends, for Settle.
type Outcome int

const (
	Done   Outcome = iota // the work is finished: the job goes
	Again                 // retry from At
	GiveUp                // discard, kept for inspection
)

// Settle finishes a claimed job of a record table in the UPDATE that also
// writes the record's columns set: the work's result and the job's end
// commit as one statement, and neither happens if the claim is stale
// (ErrLeaseLost). at is when a retry runs; reason is kept on a retry or a
// discard.
func Settle(tx *store.Tx, j Job, outcome Outcome, at time.Time, reason string, set ...store.Column) error {
	t := j.table()
	if !t.record {
		return fmt.Errorf("queue: Settle on %s, which is not a record table", t.name)
	}
	switch outcome {
	case Done:
		set = append(set, store.Column{Name: t.state, Value: ""}, store.Column{Name: "lease_owner", Value: ""})
	case Again:
		set = append(set, store.Column{Name: t.state, Value: StateRetryable}, store.Column{Name: "run_at", Value: at.UnixMilli()},
			store.Column{Name: "lease_owner", Value: ""}, store.Column{Name: t.errCol, Value: reason})
	case GiveUp:
		set = append(set, store.Column{Name: t.state, Value: StateDiscarded}, store.Column{Name: "lease_owner", Value: ""},
			store.Column{Name: t.errCol, Value: reason})
	}
	return t.update(tx, j, set)
}

// update sets columns of j's row if j's claim still holds it.
func (t *Table) update(tx *store.Tx, j Job, set []store.Column) error {
	assign, args := store.Assignments(set, []any{j.key(), j.Owner, j.Attempt})
	return owned(tx.Exec(`UPDATE `+t.name+` SET `+assign+` WHERE `+t.owns(), args...))
}

// owns is the lease rule: $1 the row, $2 the claim's token, $3 its attempt,
// and the row still running.
func (t *Table) owns() string {
	return t.key + ` = $1 AND lease_owner = $2 AND ` + t.attempt + ` = $3 AND ` + t.state + ` = 'running'`
}

func (j Job) table() *Table {
	if j.tab == nil {
		return Jobs
	}
	return j.tab
}

// key is the value naming j's row: a record's id, or a job's.
func (j Job) key() any {
	if j.table().record {
		return j.Ref
	}
	return j.ID
}
