package store

import (
	"context"
	"encoding/json"

	"github.com/botgate/botgate/internal/core"
)

// ImportParams sets personal parameters, merged into each user's stored
// ones (creating the contact if needed), and reports what each row did:
// created when the user had no such parameter, updated when its value changes.
func (s *Store) ImportParams(ctx context.Context, botID string, rows []core.ImportedParam, dryRun bool) ([]core.ImportOutcome, error) {
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
		var order []string
		for i, r := range rows {
			c, ok := stored[r.PSID]
			if !ok {
				c = &importedContact{params: map[string]string{}}
				stored[r.PSID] = c
			}
			old, had := c.params[r.Key]
			switch {
			case !had:
				out[i] = core.ImportCreated
			case old != r.Value:
				out[i] = core.ImportUpdated
			default:
				out[i] = core.ImportUnchanged
				continue
			}
			if c.changed == nil {
				c.changed = map[string]string{}
				order = append(order, r.PSID)
			}
			c.params[r.Key], c.changed[r.Key] = r.Value, r.Value
		}
		if tx == nil || len(order) == 0 {
			return nil
		}
		args := []any{botID, ms(tx.Now())}
		for _, psid := range order {
			data, err := json.Marshal(stored[psid].changed)
			if err != nil {
				return err
			}
			args = append(args, psid, string(data))
		}
		// Merged by the database, so a parameter set meanwhile through the API stays.
		return tx.execOnce(`INSERT INTO contacts (bot_id, created_at, updated_at, psid, params) VALUES `+values(3, len(order), 2, "$1, $2, $2, ")+`
			ON CONFLICT (bot_id, psid) DO UPDATE SET params = `+s.dialect.mergeJSON("contacts.params", "excluded.params")+`,
				updated_at = excluded.updated_at`, args...)
	})
	return out, err
}

// ImportLinks ties account names to PSIDs, upserting on (bot, kind, value),
// and reports what each row did: updated when it moves a name to another
// user, else created when it links a new name, else unchanged.
func (s *Store) ImportLinks(ctx context.Context, botID string, rows [][]core.Link, dryRun bool) ([]core.ImportOutcome, error) {
	out := make([]core.ImportOutcome, len(rows))
	err := s.importBatch(ctx, dryRun, func(q querier, tx *Tx) error {
		var names []string
		for _, links := range rows {
			for _, l := range links {
				names = append(names, l.Value)
			}
		}
		keys := distinct(names)
		res, err := q.Query(`SELECT kind, value, psid FROM links WHERE bot_id = $1 AND value IN (`+placeholders(2, len(keys))+`)`,
			append([]any{botID}, keys...)...)
		if err != nil {
			return err
		}
		stored := map[[2]string]string{}
		for res.Next() {
			var kind, value, psid string
			if err := res.Scan(&kind, &value, &psid); err != nil {
				res.Close()
				return err
			}
			stored[[2]string{kind, value}] = psid
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
		changed := map[[2]string]string{}
		var order [][2]string
		for i, links := range rows {
			out[i] = core.ImportUnchanged
			for _, l := range links {
				key := [2]string{l.Kind, l.Value}
				psid, ok := stored[key]
				switch {
				case !ok && out[i] == core.ImportUnchanged:
					out[i] = core.ImportCreated
				case ok && psid != l.PSID:
					out[i] = core.ImportUpdated
				case ok:
					continue
				}
				if _, seen := changed[key]; !seen {
					order = append(order, key)
				}
				stored[key], changed[key] = l.PSID, l.PSID
			}
		}
		if tx == nil || len(order) == 0 {
			return nil
		}
		args := []any{botID, ms(tx.Now())}
		for _, key := range order {
			args = append(args, key[0], key[1], changed[key])
		}
		return tx.execOnce(`INSERT INTO links (bot_id, created_at, kind, value, psid) VALUES `+values(3, len(order), 3, "$1, $2, ")+`
			ON CONFLICT (bot_id, kind, value) DO UPDATE SET psid = excluded.psid, created_at = excluded.created_at`, args...)
	})
	return out, err
}
