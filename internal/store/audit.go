package store

import (
	"context"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// AuditEntry is one change made by a person: who, when, what, from where.
// Detail never holds a secret.
type AuditEntry struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Via    string    `json:"via"` // console | admin-api | cli
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
	Addr   string    `json:"addr,omitempty"`
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO audit_log (id, at, actor, via, action, target, detail, addr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			core.NewID("aud_", tx.Now()), ms(tx.Now()), e.Actor, e.Via, e.Action, e.Target, e.Detail, e.Addr)
		return err
	})
}

// ListAudit returns up to limit entries, newest first, older than the entry
// before (a cursor; "" starts at the newest).
func (s *Store) ListAudit(ctx context.Context, before string, limit int) ([]*AuditEntry, error) {
	q := `SELECT id, at, actor, via, action, target, detail, addr FROM audit_log ORDER BY id DESC LIMIT $1`
	args := []any{limit}
	if before != "" {
		q = `SELECT id, at, actor, via, action, target, detail, addr FROM audit_log WHERE id < $2 ORDER BY id DESC LIMIT $1`
		args = append(args, before)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Via, &e.Action, &e.Target, &e.Detail, &e.Addr); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}
