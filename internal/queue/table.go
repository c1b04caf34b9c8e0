package queue

import (
	"fmt"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/store"
)

// Table is where a queue's jobs live. Most kinds share the jobs table, a
// row per job that is deleted when the job finishes. A record that carries
// its own job state (a delivery, a message) is its own job instead:
// enqueueing writes the record alone, and the write that records the work's
// result finishes the job in the same UPDATE, sparing the jobs table an
// INSERT and a DELETE per unit of work. Both follow one lease rule (see
// owns): a claim is (row, lease_owner token, attempt) and only the running
// claim that holds all three may finish it.
type Table struct {
	name    string // SQL table
	key     string // the column a claim names its row by
	state   string // the job's state column
	attempt string // the claim counter
	errCol  string // why the job last failed
	hold    string // the turn a postponed job reserved (Job.Hold); "" if the table keeps none
	updated string // when the job last changed; "" for a record, whose updated_at tells of its content
	kind    string // a record table holds one kind; "" for jobs, whose rows carry theirs
	// live selects the rows a claim considers, in the words of the table's
	// claim index, so both databases use it.
	live   string
	record bool
}

// Jobs is the shared jobs table.
var Jobs = &Table{name: "jobs", key: "id", state: "state", attempt: "attempt", errCol: "last_error", hold: "hold", updated: "updated_at",
	live: "state <> 'discarded'"}

// Deliveries holds deliveries to merchant URLs, each its own job of kind
// "deliver" (migration 00025). A delivery with no job has an empty job_state.
var Deliveries = &Table{name: "deliveries", key: "id", state: "job_state", attempt: "job_attempt", errCol: "job_error",
	kind: "deliver", live: "job_state IN ('available', 'running', 'retryable')", record: true}

// Messages holds accepted messages, each its own send job of kind "send"
// (migration 00026), holding its WhatsApp pacing turn when postponed. A
// message with no job (sent, failed) has an empty job_state.
var Messages = &Table{name: "messages", key: "id", state: "job_state", attempt: "job_attempt", errCol: "job_error", hold: "hold",
	kind: "send", live: "job_state IN ('available', 'running', 'retryable')", record: true}

// records are the tables whose rows are their own jobs: queue statistics
// read them beside the jobs table.
var records = []*Table{Deliveries, Messages}

// recordOf is the record table holding kind's jobs, or nil when they are in
// the jobs table.
func recordOf(kind string) *Table {
	for _, t := range records {
		if t.kind == kind {
			return t
		}
	}
	return nil
}

// Kind is the queue kind of a record table's jobs.
func (t *Table) Kind() string { return t.kind }

// NewJob is the job columns of a record that is enqueued (or enqueued again:
// a replay starts afresh) to run from runAt, for its INSERT or UPDATE.
func (t *Table) NewJob(maxAttempts int, runAt time.Time) []store.Column {
	return t.newJob(StateAvailable, runAt, "", 0, maxAttempts)
}

// NewClaimedJob is the job columns of a record enqueued already claimed by
// owner (a process), for its INSERT, and that claim: for work the caller
// starts at once (a sync send). If the caller dies, the lease ends and any
// worker takes the job. now is the inserting transaction's clock.
func (t *Table) NewClaimedJob(ref string, maxAttempts int, owner string, now time.Time, lease time.Duration) (Job, []store.Column) {
	j := Job{Kind: t.kind, Ref: ref, Attempt: 1, MaxAttempts: maxAttempts, Owner: claimToken(owner), CreatedAt: now, tab: t}
	return j, t.newJob(StateRunning, now.Add(lease), j.Owner, 1, maxAttempts)
}

func (t *Table) newJob(state string, runAt time.Time, owner string, attempt, maxAttempts int) []store.Column {
	cols := []store.Column{
		{Name: t.state, Value: state},
		{Name: "run_at", Value: runAt.UnixMilli()},
		{Name: "lease_owner", Value: owner},
		{Name: t.attempt, Value: attempt},
		{Name: "max_attempts", Value: maxAttempts},
		{Name: t.errCol, Value: ""},
	}
	if t.hold != "" {
		cols = append(cols, store.Column{Name: t.hold, Value: int64(0)})
	}
	return cols
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
	return t.update(tx, j, append(set, t.ending(outcome, at, reason)...))
}

// Ends is the assignments that finish j's job (as Complete) in an UPDATE of
// its record that is written whether or not j's claim still holds: a
// message's status, which records what Graph did. The job ends only if the
// claim holds; a newer claim finds the record's new state and completes the
// job itself. Nil for a job in the jobs table, which Complete finishes.
func Ends(j Job) store.More {
	t := j.table()
	if !t.record {
		return nil
	}
	return func(args []any) (string, []any) {
		cond, args := t.owns(j, args)
		var set []string
		for _, c := range t.ending(Done, time.Time{}, "") {
			args = append(args, c.Value)
			set = append(set, fmt.Sprintf("%s = CASE WHEN %s THEN $%d ELSE %[1]s END", c.Name, cond, len(args)))
		}
		return strings.Join(set, ", "), args
	}
}

// ending is the job columns a claim's end writes.
func (t *Table) ending(outcome Outcome, at time.Time, reason string) []store.Column {
	var set []store.Column
	switch outcome {
	case Done:
		set = []store.Column{{Name: t.state, Value: ""}, {Name: "lease_owner", Value: ""}}
	case Again:
		set = []store.Column{{Name: t.state, Value: StateRetryable}, {Name: "run_at", Value: at.UnixMilli()},
			{Name: "lease_owner", Value: ""}, {Name: t.errCol, Value: reason}}
	case GiveUp:
		return []store.Column{{Name: t.state, Value: StateDiscarded}, {Name: "lease_owner", Value: ""}, {Name: t.errCol, Value: reason}}
	}
	// A turn held for a postponed claim is spent or given up with it.
	if t.hold != "" {
		set = append(set, store.Column{Name: t.hold, Value: int64(0)})
	}
	return set
}

// update sets columns of j's row if j's claim still holds it.
func (t *Table) update(tx *store.Tx, j Job, set []store.Column) error {
	if t.updated != "" {
		set = append(set, store.Column{Name: t.updated, Value: tx.Now().UnixMilli()})
	}
	assign, args := store.Assignments(set, nil)
	cond, args := t.owns(j, args)
	return owned(tx.Exec(`UPDATE `+t.name+` SET `+assign+` WHERE `+cond, args...))
}

// owns is the lease rule, the one place it is written: j's row, under j's
// claim (its token and attempt), still running. Its values are numbered
// after, and appended to, args.
func (t *Table) owns(j Job, args []any) (string, []any) {
	n := len(args)
	return fmt.Sprintf("%s = $%d AND lease_owner = $%d AND %s = $%d AND %s = 'running'", t.key, n+1, n+2, t.attempt, n+3, t.state),
		append(args, j.key(), j.Owner, j.Attempt)
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
