package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// Retention forgets old records a batch at a time, each batch a short
// transaction of its own, so a large backlog never holds the writer (SQLite)
// or many row locks (PostgreSQL) for long. Each method deletes at most limit
// rows of the table it is named after (and the rows hanging off them), and
// reports how many went, and whether it found a full batch (there may be
// more) or less (nothing more is due).
//
// Messages and deliveries are found through their primary keys: ids sort by
// creation time (core.NewID), so "created before" is a key range and the hot
// path carries no extra index for pruning.

// Pruned is what one batch did.
type Pruned struct {
	N    int           // rows deleted (messages, for PruneMessages)
	More bool          // it took a full batch: there may be more
	Last string        // the last id it looked at, for the next batch's after
	Took time.Duration // from the transaction's work starting to its commit: the batch's share of the database
}

// PruneMessages deletes up to limit finished messages created before before,
// with their attempts, events, callback deliveries and delivery attempts.
// A message whose work is unfinished stays: its send is queued, running or
// waiting for a retry (its own job is live; its status, accepted), or one
// of its deliveries is pending. A message whose send was given up on (its
// job dead, kept for inspection) goes like a finished one: its dead job goes
// with it.
// after is where the previous batch of the same pass stopped ("" at first),
// so the unfinished ones are not read again; Pruned.Last is where this one stopped.
func (s *Store) PruneMessages(ctx context.Context, before time.Time, after string, limit int) (Pruned, error) {
	lock := ""
	if s.dialect.name == postgresDialect.name {
		lock = " FOR UPDATE SKIP LOCKED" // another process's batch, or a status change, keeps its rows
	}
	return s.prune(ctx, after, limit, func(tx *Tx) ([]string, []string, error) {
		ids, err := tx.pick(`SELECT id FROM messages WHERE id > $1 AND id < $2 AND created_at < $3
			AND job_state IN ('', 'discarded') AND (status <> 'accepted' OR job_state = 'discarded') ORDER BY id LIMIT $4`+lock, max(after, "msg_"), core.FirstID("msg_", before), ms(before), limit)
		if err != nil || len(ids) == 0 {
			return nil, nil, err
		}
		list := tx.idList()
		// A separate query, so that both planners probe the index per message:
		// as a NOT EXISTS, PostgreSQL chose to scan every delivery.
		// "message_id <> ''" lets both use the partial index deliveries_message.
		calling, err := tx.pickList(`SELECT DISTINCT message_id FROM deliveries WHERE message_id <> '' AND message_id IN `+list+` AND state = 'pending'`, ids)
		if err != nil {
			return nil, nil, err
		}
		scanned := slices.Clone(ids)
		ids = slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(calling, id) })
		if len(ids) == 0 {
			return nil, scanned, nil
		}
		for _, q := range []string{
			`DELETE FROM attempts WHERE message_id IN ` + list,
			`DELETE FROM message_events WHERE message_id IN ` + list,
			`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE message_id <> '' AND message_id IN ` + list + `)`,
			`DELETE FROM deliveries WHERE message_id <> '' AND message_id IN ` + list,
			`DELETE FROM messages WHERE id IN ` + list,
		} {
			if err := tx.execList(q, ids); err != nil {
				return nil, nil, err
			}
		}
		return ids, scanned, nil
	})
}

// PruneDeliveries deletes up to limit finished deliveries of no message
// (forwarded events, upload results) created before before, with their
// attempts; a message's callbacks go with the message. after and last are
// as for PruneMessages.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time, after string, limit int) (Pruned, error) {
	return s.prune(ctx, after, limit, func(tx *Tx) ([]string, []string, error) {
		ids, err := tx.pick(`SELECT id FROM deliveries WHERE id > $1 AND id < $2 AND created_at < $3
			AND message_id = '' AND state <> 'pending' ORDER BY id LIMIT $4`,
			max(after, "msg_"), core.FirstID("msg_", before), ms(before), limit)
		if err != nil || len(ids) == 0 {
			return nil, nil, err
		}
		list := tx.idList()
		for _, q := range []string{`DELETE FROM delivery_attempts WHERE delivery_id IN ` + list, `DELETE FROM deliveries WHERE id IN ` + list} {
			if err := tx.execList(q, ids); err != nil {
				return nil, nil, err
			}
		}
		return ids, ids, nil
	})
}

// PruneDeadJobs deletes up to limit jobs of the jobs table given up on
// (kept for inspection) last touched before before. A record's dead job
// (a message's, a delivery's) goes with its record.
func (s *Store) PruneDeadJobs(ctx context.Context, before time.Time, limit int) (Pruned, error) {
	return s.pruneBatch(ctx, limit, `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'discarded' AND updated_at < $1 LIMIT $2)`, ms(before), limit)
}

// PruneWebhooks deletes up to limit received webhook bodies older than
// before, except a body whose processing is still queued or was given up
// on (its job is kept for inspection, and the body with it).
func (s *Store) PruneWebhooks(ctx context.Context, before time.Time, limit int) (Pruned, error) {
	return s.pruneBatch(ctx, limit, `DELETE FROM webhooks WHERE id IN (SELECT w.id FROM webhooks w WHERE w.received_at < $1
		AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'inbound' AND j.state <> 'discarded' AND j.ref = w.id)
		AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.state = 'discarded' AND j.ref = w.id)
		ORDER BY w.received_at LIMIT $2)`, ms(before), limit)
}

// PruneSeen deletes up to limit marks of inbound events first seen before
// before: Meta has stopped redelivering them.
func (s *Store) PruneSeen(ctx context.Context, before time.Time, limit int) (Pruned, error) {
	return s.pruneBatch(ctx, limit, `DELETE FROM inbound_seen WHERE (bot_id, key) IN
		(SELECT bot_id, key FROM inbound_seen WHERE seen_at < $1 ORDER BY seen_at LIMIT $2)`, ms(before), limit)
}

// PruneInboundMessages deletes up to limit events of users' conversations
// processed before before (their ids start with that time), so a
// conversation is kept as long as the messages it interleaves with.
func (s *Store) PruneInboundMessages(ctx context.Context, before time.Time, limit int) (Pruned, error) {
	return s.pruneBatch(ctx, limit, `DELETE FROM inbound_messages WHERE id IN
		(SELECT id FROM inbound_messages WHERE id < $1 ORDER BY id LIMIT $2)`, core.FirstID("in_", before), limit)
}

// PruneDuplicateCounts deletes up to limit daily counts of redelivered
// events dropped (the webhooks page's) for UTC days wholly before before.
func (s *Store) PruneDuplicateCounts(ctx context.Context, before time.Time, limit int) (Pruned, error) {
	return s.pruneBatch(ctx, limit, `DELETE FROM inbound_duplicates WHERE (bot_id, day) IN
		(SELECT bot_id, day FROM inbound_duplicates WHERE day < $1 ORDER BY day LIMIT $2)`, dayOf(before), limit)
}

// PruneReach forgets the WhatsApp places no tier rule counts any more.
func (s *Store) PruneReach(ctx context.Context) (int, error) {
	var n int64
	err := s.WriteAlone(ctx, false, func(tx *Tx) error {
		var err error
		n, err = tx.pruneReach()
		return err
	})
	return int(n), err
}

// prune runs one batch: pick deletes what it chose and returns the ids it
// deleted and the ids it looked at, in order.
func (s *Store) prune(ctx context.Context, after string, limit int, pick func(tx *Tx) (deleted, scanned []string, err error)) (Pruned, error) {
	var deleted, scanned []string
	var began time.Time
	err := s.WriteAlone(ctx, false, func(tx *Tx) error {
		began = time.Now()
		var err error
		deleted, scanned, err = pick(tx)
		return err
	})
	p := Pruned{N: len(deleted), More: len(scanned) == limit, Last: after, Took: time.Since(began)}
	if err == nil && len(scanned) > 0 {
		p.Last = scanned[len(scanned)-1]
	}
	return p, err
}

func (s *Store) pruneBatch(ctx context.Context, limit int, query string, args ...any) (Pruned, error) {
	var n int64
	var began time.Time
	err := s.WriteAlone(ctx, false, func(tx *Tx) error {
		began = time.Now()
		res, err := tx.Exec(query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return Pruned{N: int(n), More: n == int64(limit), Took: time.Since(began)}, err
}

// pick returns the single text column a query selects.
func (tx *Tx) pick(query string, args ...any) ([]string, error) {
	rows, err := tx.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// idList is SQL for the set of ids in $1, a JSON array: one statement text
// whatever the batch's size, so each is prepared once.
func (tx *Tx) idList() string {
	if tx.s.dialect.name == postgresDialect.name {
		return `(SELECT jsonb_array_elements_text($1::jsonb))`
	}
	return `(SELECT value FROM json_each($1))`
}

// In is SQL for column being one of the strings in parameter $n, a JSON
// array, as idList is for a set. On PostgreSQL the array is built once and
// the test is an index condition on column; a join with the list's rows
// (column IN idList) was planned as a scan of the whole broadcast when the
// generic plan was made on a small table.
func (tx *Tx) In(column string, n int) string {
	if tx.s.dialect.name == postgresDialect.name {
		return fmt.Sprintf(`%s = ANY(ARRAY(SELECT jsonb_array_elements_text($%d::jsonb)))`, column, n)
	}
	return fmt.Sprintf(`%s IN (SELECT value FROM json_each($%d))`, column, n)
}

func (tx *Tx) execList(query string, ids []string) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	_, err = tx.Exec(query, string(list))
	return err
}

// pickList runs query with ids as $1 (see idList), returning the single
// text column it selects, if any.
func (tx *Tx) pickList(query string, ids []string) ([]string, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return tx.pick(query, string(list))
}
