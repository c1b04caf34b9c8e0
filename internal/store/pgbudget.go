package store

import "fmt"

// DefaultPGMaxConns is how many PostgreSQL connections one botgate opens at
// most, by default. PostgreSQL's own default max_connections is 100, and
// botgate is the database's scale-out mode: three instances at 25 each
// leave 25 for migrations, monitoring, psql and the server's reserved
// superuser slots. Measured in docs/benchmarks.md, 25 sends as fast as the
// 41 one instance used to open.
const DefaultPGMaxConns = 25

// MinPGMaxConns is the smallest budget that still gives every kind of work
// a connection of its own: a group-commit writer, a transaction alone
// (WhatsApp's pacing, retention, imports), one spare for migrations and
// readiness checks, and three readers.
const MinPGMaxConns = 6

// pgBudget splits one instance's PostgreSQL connections between its pools.
// The write pool holds writers + alone + 1 (the spare); the read pool the
// rest. WriteAlone is held to alone at a time, so however many callers want
// a transaction of their own, the group-commit writers — which every accept
// and every sent record waits on — always find their connections free.
type pgBudget struct {
	writers int // group-commit writers, each with its connection
	alone   int // WriteAlone transactions at once
	reads   int // the read pool
}

// maxAlone is how many WriteAlone transactions run at once when the budget
// allows: as many as the writers, so a burst of WhatsApp sends (each
// reserving its number's turn alone) overlaps its commits as much as the
// batches do.
const maxAlone = 4

// minReads is the fewest readers a budget leaves.
const minReads = 3

// splitPG divides n connections; n below MinPGMaxConns is refused.
// writers, when not 0, is how many group-commit writers to run (--pg-writers),
// refused when n cannot hold them beside the rest.
func splitPG(n, writers int) (pgBudget, error) {
	if n < MinPGMaxConns {
		return pgBudget{}, fmt.Errorf("PostgreSQL connection budget %d: at least %d are needed (a writer, a transaction alone, a spare, three readers)", n, MinPGMaxConns)
	}
	// A sixth of the budget each to the writers and the alone transactions,
	// up to four: the old fixed split (4 + 4 + 1 writing beside 32 reading)
	// is what 41 connections give. The reads take what is left: an accept
	// reads once (the contact's window) and then waits for its commit, so a
	// reader is busy a small part of each request and needs fewer
	// connections than there are requests in flight.
	b := pgBudget{
		writers: min(postgresDialect.writers, max(1, n/6)),
		alone:   min(maxAlone, max(1, n/6)),
	}
	if writers > 0 {
		// A database on another host is waited on, not worked: each writer
		// spends most of its transaction on round trips, so more of them
		// commit more (docs/operations.md, Capacity).
		b.writers = writers
		if need := b.writes() + minReads; need > n {
			return pgBudget{}, fmt.Errorf("%d writers need a PostgreSQL connection budget of at least %d (the writers, %d transactions alone, a spare, %d readers), not %d", writers, need, b.alone, minReads, n)
		}
	}
	b.reads = n - b.writes()
	return b, nil
}

// CheckPGWriters reports whether a budget of maxConns connections (0: the
// default) holds writers group-commit writers beside the rest, for
// refusing settings before opening anything.
func CheckPGWriters(maxConns, writers int) error {
	if maxConns == 0 {
		maxConns = DefaultPGMaxConns
	}
	_, err := splitPG(maxConns, writers)
	return err
}

// writes is the write pool's size.
func (b pgBudget) writes() int { return b.writers + b.alone + 1 }
