package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/botgate/botgate/internal/core"
)

// LinkAccount ties each given account name to psid, replacing an earlier
// link of the same name to another user.
func (s *Store) LinkAccount(ctx context.Context, botID, psid string, links map[string]string) error {
	return s.Write(ctx, func(tx *Tx) error {
		for kind, value := range links {
			_, err := tx.Exec(`INSERT INTO links (bot_id, kind, value, psid, created_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (bot_id, kind, value) DO UPDATE SET psid = excluded.psid, created_at = excluded.created_at`,
				botID, kind, value, psid, ms(tx.Now()))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// UnlinkAccount removes a user's links of the given kinds, or all of them
// when none are given, and reports how many it removed.
func (s *Store) UnlinkAccount(ctx context.Context, botID, psid string, kinds []string) (int, error) {
	var n int64
	err := s.Write(ctx, func(tx *Tx) error {
		n = 0
		if len(kinds) == 0 {
			kinds = []string{core.LinkUsername, core.LinkEmail, core.LinkUserPhoneNumber}
		}
		for _, kind := range kinds {
			res, err := tx.Exec(`DELETE FROM links WHERE bot_id = $1 AND psid = $2 AND kind = $3`, botID, psid, kind)
			if err != nil {
				return err
			}
			removed, _ := res.RowsAffected()
			n += removed
		}
		return nil
	})
	return int(n), err
}

// DeleteLink removes one link.
func (s *Store) DeleteLink(ctx context.Context, botID, kind, value string) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM links WHERE bot_id = $1 AND kind = $2 AND value = $3`, botID, kind, value)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "no %s %q is linked", kind, value)
		}
		return nil
	})
}

// ResolveLink returns the PSID an account name is linked to.
func (s *Store) ResolveLink(ctx context.Context, botID, kind, value string) (string, error) {
	var psid string
	err := s.queryRow(ctx, `SELECT psid FROM links WHERE bot_id = $1 AND kind = $2 AND value = $3`, botID, kind, value).Scan(&psid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &core.Error{Kind: core.KindUnknownUser, Field: "recipient." + kind,
			Message: "no Messenger user is linked to this " + kind + "; link it with link_account, matching exactly"}
	}
	return psid, err
}

// ListLinks returns a bot's links, of one user when psid is given.
func (s *Store) ListLinks(ctx context.Context, botID, psid string) ([]core.Link, error) {
	q := `SELECT kind, value, psid, created_at FROM links WHERE bot_id = $1 ORDER BY psid, kind, value`
	args := []any{botID}
	if psid != "" {
		q = `SELECT kind, value, psid, created_at FROM links WHERE bot_id = $1 AND psid = $2 ORDER BY kind, value`
		args = append(args, psid)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []core.Link{}
	for rows.Next() {
		l := core.Link{BotID: botID}
		var created int64
		if err := rows.Scan(&l.Kind, &l.Value, &l.PSID, &created); err != nil {
			return nil, err
		}
		l.CreatedAt = fromMS(created)
		out = append(out, l)
	}
	return out, rows.Err()
}
