package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// SaveBlock stores cards as the block's next version, and reports whether
// that created the block (it did not exist, or was deleted).
func (s *Store) SaveBlock(ctx context.Context, botID, name string, cards []core.Message) (*core.Block, bool, error) {
	data, err := json.Marshal(cards)
	if err != nil {
		return nil, false, err
	}
	var b *core.Block
	var created bool
	err = s.Write(ctx, func(tx *Tx) error {
		b, created, err = tx.saveBlock(botID, name, cards, data)
		return err
	})
	return b, created, err
}

// saveBlock stores cards (data, as JSON) as the block's next version.
func (tx *Tx) saveBlock(botID, name string, cards []core.Message, data []byte) (*core.Block, bool, error) {
	// Another process may take the next version number between our read
	// and our insert (PostgreSQL, several writers): then the insert adds
	// nothing and we read again.
	for range 10 {
		last, err := tx.lastBlock(botID, name)
		if err != nil {
			return nil, false, err
		}
		b := &core.Block{BotID: botID, Name: name, Version: last.Version + 1, Cards: cards, System: core.IsSystemBlock(name), CreatedAt: tx.Now()}
		res, err := tx.Exec(`INSERT INTO blocks (bot_id, name, version, cards, deleted, created_at) VALUES ($1, $2, $3, $4, FALSE, $5)
			ON CONFLICT (bot_id, name, version) DO NOTHING`, botID, name, b.Version, string(data), ms(b.CreatedAt))
		if err != nil {
			return nil, false, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return b, last.Version == 0 || last.Deleted, nil
		}
	}
	return nil, false, fmt.Errorf("store: block %q: could not take a version number", name)
}

// DeleteBlock deletes a block by saving a deleted version; earlier versions
// stay readable and can be restored. System blocks cannot be deleted.
func (s *Store) DeleteBlock(ctx context.Context, botID, name string) error {
	if core.IsSystemBlock(name) {
		return core.Errorf(core.KindConflict, "%q is a system block; it can be edited but not deleted", name)
	}
	return s.Write(ctx, func(tx *Tx) error {
		current, err := tx.currentBlock(botID, name)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO blocks (bot_id, name, version, cards, deleted, created_at) VALUES ($1, $2, $3, '[]', TRUE, $4)`,
			botID, name, current.Version+1, ms(tx.Now()))
		return err
	})
}

// GetBlock returns a block's current version, or version when positive
// (deleted blocks' earlier versions included). A system block never saved
// is version 0 with no cards.
func (s *Store) GetBlock(ctx context.Context, botID, name string, version int) (*core.Block, error) {
	query := `SELECT version, cards, deleted, created_at FROM blocks WHERE bot_id = $1 AND name = $2 AND version = $3`
	args := []any{botID, name, version}
	if version <= 0 {
		query = `SELECT version, cards, deleted, created_at FROM blocks WHERE bot_id = $1 AND name = $2 ORDER BY version DESC LIMIT 1`
		args = args[:2]
	}
	b, err := scanBlock(s.queryRow(ctx, query, args...), botID, name)
	if version > 0 && core.ErrorKind(err) == core.KindUnknownBlock {
		return nil, core.Errorf(core.KindUnknownBlock, "block %q has no version %d", name, version)
	}
	if err != nil {
		return nil, err
	}
	if version > 0 && b.Version != version {
		// Only the current version of a never-saved system block is a stand-in.
		return nil, core.Errorf(core.KindUnknownBlock, "block %q has no version %d", name, version)
	}
	if version <= 0 && b.Deleted {
		return nil, core.Errorf(core.KindUnknownBlock, "block %q was deleted", name)
	}
	return b, nil
}

// ListBlocks returns the current version of every live block of a bot, and
// its system blocks, by name.
func (s *Store) ListBlocks(ctx context.Context, botID string) ([]*core.Block, error) {
	rows, err := s.query(ctx, `SELECT b.name, b.version, b.cards, b.deleted, b.created_at FROM blocks b
		WHERE b.bot_id = $1 AND b.version = (SELECT MAX(version) FROM blocks WHERE bot_id = b.bot_id AND name = b.name)
		ORDER BY b.name`, botID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*core.Block
	seen := map[string]bool{}
	for rows.Next() {
		var name string
		b, err := scanBlockRow(rows, botID, &name)
		if err != nil {
			return nil, err
		}
		seen[name] = true
		if !b.Deleted {
			out = append(out, b)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range core.SystemBlocks {
		if !seen[name] {
			out = append(out, &core.Block{BotID: botID, Name: name, System: true, Cards: []core.Message{}})
		}
	}
	slices.SortFunc(out, func(a, b *core.Block) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// BlockVersions lists every version of a block, newest first.
func (s *Store) BlockVersions(ctx context.Context, botID, name string) ([]*core.Block, error) {
	rows, err := s.query(ctx, `SELECT name, version, cards, deleted, created_at FROM blocks WHERE bot_id = $1 AND name = $2
		ORDER BY version DESC`, botID, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*core.Block{}
	for rows.Next() {
		var n string
		b, err := scanBlockRow(rows, botID, &n)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 && !core.IsSystemBlock(name) {
		return nil, core.Errorf(core.KindUnknownBlock, "no block %q", name)
	}
	return out, nil // a system block never saved has no versions yet
}

// lastBlock returns the block's last version and whether it was a deletion;
// version 0 when it was never saved.
func (tx *Tx) lastBlock(botID, name string) (struct {
	Version int
	Deleted bool
}, error) {
	var last struct {
		Version int
		Deleted bool
	}
	err := tx.QueryRow(`SELECT version, deleted FROM blocks WHERE bot_id = $1 AND name = $2 ORDER BY version DESC LIMIT 1`,
		botID, name).Scan(&last.Version, &last.Deleted)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return last, err
}

func (tx *Tx) currentBlock(botID, name string) (*core.Block, error) {
	b, err := scanBlock(tx.QueryRow(`SELECT version, cards, deleted, created_at FROM blocks WHERE bot_id = $1 AND name = $2
		ORDER BY version DESC LIMIT 1`, botID, name), botID, name)
	if err == nil && b.Deleted {
		return nil, core.Errorf(core.KindUnknownBlock, "block %q was deleted", name)
	}
	return b, err
}

func scanBlock(row scanner, botID, name string) (*core.Block, error) {
	b, err := scanBlockRow(row, botID, nil)
	if errors.Is(err, sql.ErrNoRows) {
		if core.IsSystemBlock(name) {
			return &core.Block{BotID: botID, Name: name, System: true, Cards: []core.Message{}}, nil
		}
		return nil, core.Errorf(core.KindUnknownBlock, "no block %q", name)
	}
	if err != nil {
		return nil, err
	}
	b.Name, b.System = name, core.IsSystemBlock(name)
	return b, nil
}

// scanBlockRow reads (name,) version, cards, deleted, created_at; name is
// read only when into is not nil.
func scanBlockRow(row scanner, botID string, into *string) (*core.Block, error) {
	b := &core.Block{BotID: botID}
	var cards string
	var created int64
	dest := []any{&b.Version, &cards, &b.Deleted, &created}
	if into != nil {
		dest = append([]any{into}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if into != nil {
		b.Name, b.System = *into, core.IsSystemBlock(*into)
	}
	if err := json.Unmarshal([]byte(cards), &b.Cards); err != nil {
		return nil, err
	}
	b.CreatedAt = fromMS(created)
	return b, nil
}
