package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// Imports upsert a batch of rows with one read of what is stored and one
// multi-row write of what changes: a million rows one statement at a time
// would take PostgreSQL a round trip each. Each batch compares the rows with
// the stored state (so running a file twice changes nothing, and a dry run
// can say what would change) and writes only the rows that change.

// Their statements, of as many shapes as batches have sizes, bypass the
// prepared-statement caches, which they would fill for nothing.

// querier is a transaction, or the reader pool for a dry run.
type querier interface {
	Query(query string, args ...any) (*sql.Rows, error)
}

type readQuerier struct {
	tx  *sql.Tx
	ctx context.Context
}

func (r readQuerier) Query(query string, args ...any) (*sql.Rows, error) {
	return r.tx.QueryContext(r.ctx, query, args...)
}

type txQuerier struct{ tx *Tx }

func (q txQuerier) Query(query string, args ...any) (*sql.Rows, error) {
	return q.tx.tx.QueryContext(q.tx.ctx, query, args...)
}

// execOnce runs a statement in the transaction without preparing it for later.
func (t *Tx) execOnce(query string, args ...any) error {
	_, err := t.tx.ExecContext(t.ctx, query, args...)
	return err
}

// customPlans makes PostgreSQL plan each of the transaction's statements
// for the table as it is now. pgx prepares statements, and PostgreSQL soon
// settles on a generic plan made while the table was small: a sequential
// scan, which an import growing the table to a million rows then repeats
// for every batch.
const customPlans = `SET LOCAL plan_cache_mode = force_custom_plan`

// importBatch runs fn in a transaction of its own, or, in a dry run, in a
// read-only transaction with tx nil. fn may run more than once (see Write).
func (s *Store) importBatch(ctx context.Context, dryRun bool, fn func(q querier, tx *Tx) error) error {
	postgres := s.dialect.name == postgresDialect.name
	if !dryRun {
		return s.WriteAlone(ctx, false, func(tx *Tx) error {
			if postgres {
				if err := tx.execOnce(customPlans); err != nil {
					return err
				}
			}
			return fn(txQuerier{tx}, tx)
		})
	}
	rtx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer rtx.Rollback()
	if postgres {
		if _, err := rtx.ExecContext(ctx, customPlans); err != nil {
			return err
		}
	}
	return fn(readQuerier{rtx, ctx}, nil)
}

// placeholders returns "$from, $from+1, …", n of them.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// values returns n rows of width placeholders each, numbered from from.
func values(from, n, width int, fixed string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + fixed + placeholders(from+i*width, width) + ")")
	}
	return b.String()
}

// distinct returns keys without repeats, in first-seen order.
func distinct(keys []string) []any {
	seen := make(map[string]bool, len(keys))
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// importedContact is a contact's stored state, as an import batch sees it.
type importedContact struct {
	profile *core.Profile
	fetched sql.NullInt64
	inbound sql.NullInt64
	params  map[string]string
	changed map[string]string // params the batch sets
	dirty   bool              // to be written
	queued  bool              // in the batch's write order
}

// readContacts returns the stored contacts among psids.
func readContacts(q querier, botID string, psids []string) (map[string]*importedContact, error) {
	keys := distinct(psids)
	rows, err := q.Query(`SELECT psid, profile, profile_fetched_at, last_inbound_at, params FROM contacts
		WHERE bot_id = $1 AND psid IN (`+placeholders(2, len(keys))+`)`, append([]any{botID}, keys...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]*importedContact, len(keys))
	for rows.Next() {
		var psid, params string
		var profile sql.NullString
		c := &importedContact{}
		if err := rows.Scan(&psid, &profile, &c.fetched, &c.inbound, &params); err != nil {
			return nil, err
		}
		if profile.Valid {
			c.profile = &core.Profile{}
			if err := json.Unmarshal([]byte(profile.String), c.profile); err != nil {
				return nil, fmt.Errorf("store: contact %s profile: %w", psid, err)
			}
		}
		if err := json.Unmarshal([]byte(params), &c.params); err != nil {
			return nil, fmt.Errorf("store: contact %s params: %w", psid, err)
		}
		out[psid] = c
	}
	return out, rows.Err()
}

// ImportContacts upserts contacts on (bot, PSID) and reports what each row
// did. Names, locale and timezone given replace the stored ones, which then
// count as a profile fetched now; a last interaction time moves the user's
// last inbound time forward, never back. With dryRun nothing is written.
func (s *Store) ImportContacts(ctx context.Context, botID string, rows []core.ImportedContact, dryRun bool) ([]core.ImportOutcome, error) {
	out := make([]core.ImportOutcome, len(rows))
	err := s.importBatch(ctx, dryRun, func(q querier, tx *Tx) error {
		psids := make([]string, len(rows))
		for i, r := range rows {
			psids[i] = r.PSID
		}
		stored, err := readContacts(q, botID, psids)
		if err != nil {
			return err
		}
		now := ms(s.now())
		if tx != nil {
			now = ms(tx.Now())
		}
		var order []string
		for i, r := range rows {
			c, ok := stored[r.PSID]
			if !ok {
				c = &importedContact{}
				stored[r.PSID] = c
			}
			if out[i] = c.apply(r, now, ok); c.dirty && !c.queued {
				c.queued = true
				order = append(order, r.PSID)
			}
		}
		if tx == nil {
			return nil
		}
		return writeContacts(tx, botID, now, order, stored)
	})
	return out, err
}

// apply puts row r onto the contact and says what that did.
func (c *importedContact) apply(r core.ImportedContact, now int64, exists bool) core.ImportOutcome {
	changed := false
	if r.FirstName != "" || r.LastName != "" || r.Locale != "" || r.Timezone != nil {
		p := core.Profile{ID: r.PSID}
		if c.profile != nil {
			p = *c.profile
		}
		for _, f := range []struct {
			to *string
			v  string
		}{{&p.FirstName, r.FirstName}, {&p.LastName, r.LastName}, {&p.Locale, r.Locale}} {
			if f.v != "" {
				*f.to = f.v
			}
		}
		if r.Timezone != nil {
			p.Timezone = *r.Timezone
		}
		if c.profile == nil || p != *c.profile {
			c.profile, c.fetched, changed = &p, sql.NullInt64{Int64: now, Valid: true}, true
		}
	}
	if r.LastInteraction != nil && (!c.inbound.Valid || ms(*r.LastInteraction) > c.inbound.Int64) {
		c.inbound, changed = sql.NullInt64{Int64: ms(*r.LastInteraction), Valid: true}, true
	}
	switch {
	case !exists:
		c.dirty = true
		return core.ImportCreated
	case changed:
		c.dirty = true
		return core.ImportUpdated
	}
	return core.ImportUnchanged
}

func writeContacts(tx *Tx, botID string, now int64, order []string, stored map[string]*importedContact) error {
	args := []any{botID, now}
	n := 0
	for _, psid := range order {
		c := stored[psid]
		var profile sql.NullString
		if c.profile != nil {
			data, err := json.Marshal(c.profile)
			if err != nil {
				return err
			}
			profile = sql.NullString{String: string(data), Valid: true}
		}
		args = append(args, psid, profile, c.fetched, c.inbound)
		n++
	}
	if n == 0 {
		return nil
	}
	// The last inbound time only moves forward: an event may have come in
	// since the batch read it.
	return tx.execOnce(`INSERT INTO contacts (bot_id, created_at, updated_at, psid, profile, profile_fetched_at, last_inbound_at)
		VALUES `+values(3, n, 4, "$1, $2, $2, ")+`
		ON CONFLICT (bot_id, psid) DO UPDATE SET
			profile = COALESCE(excluded.profile, contacts.profile),
			profile_fetched_at = COALESCE(excluded.profile_fetched_at, contacts.profile_fetched_at),
			last_inbound_at = CASE WHEN excluded.last_inbound_at IS NULL THEN contacts.last_inbound_at
				WHEN contacts.last_inbound_at IS NULL OR excluded.last_inbound_at > contacts.last_inbound_at THEN excluded.last_inbound_at
				ELSE contacts.last_inbound_at END,
			updated_at = excluded.updated_at`, args...)
}
