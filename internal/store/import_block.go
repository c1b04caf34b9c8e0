package store

import (
	"context"
	"encoding/json"

	"github.com/botgate/botgate/internal/core"
)

// ImportedBlock is a block as an import file gives it.
type ImportedBlock struct {
	Name  string
	Cards []core.Message
}

// ImportBlocks saves each block whose cards differ from its current
// version as its next version, like SaveBlock, and reports what each did:
// created when the block did not exist or was deleted. Blocks are few and
// large, so they are compared and saved one by one, in one transaction.
func (s *Store) ImportBlocks(ctx context.Context, botID string, rows []ImportedBlock, dryRun bool) ([]core.ImportOutcome, error) {
	out := make([]core.ImportOutcome, len(rows))
	err := s.importBatch(ctx, dryRun, func(q querier, tx *Tx) error {
		current := map[string]string{} // cards of the versions this batch saves
		for i, r := range rows {
			data, err := json.Marshal(r.Cards)
			if err != nil {
				return err
			}
			cards, had := current[r.Name]
			if !had {
				last, err := lastCards(q, botID, r.Name)
				if err != nil {
					return err
				}
				cards = last
			}
			switch {
			case cards == "" && !had:
				out[i] = core.ImportCreated
			case cards == string(data):
				out[i] = core.ImportUnchanged
				continue
			default:
				out[i] = core.ImportUpdated
			}
			current[r.Name] = string(data)
			if tx == nil {
				continue
			}
			if _, _, err := tx.saveBlock(botID, r.Name, r.Cards, data); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// lastCards returns the cards of a block's current version, re-encoded as
// an import encodes them; "" when the block was never saved or is deleted.
func lastCards(q querier, botID, name string) (string, error) {
	rows, err := q.Query(`SELECT cards, deleted FROM blocks WHERE bot_id = $1 AND name = $2 ORDER BY version DESC LIMIT 1`, botID, name)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	if !rows.Next() {
		return "", rows.Err()
	}
	var stored string
	var deleted bool
	if err := rows.Scan(&stored, &deleted); err != nil || deleted {
		return "", err
	}
	var cards []core.Message
	if err := json.Unmarshal([]byte(stored), &cards); err != nil {
		return "", err
	}
	data, err := json.Marshal(cards)
	return string(data), err
}
