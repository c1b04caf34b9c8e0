package broadcast

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// record is a broadcasts row.
type record struct {
	id, botID, name, channel, state string
	spec                            Spec
	cursor                          string
	expanded                        bool
	targeted                        int64
	created                         time.Time
	scheduled, started, finished    *time.Time // scheduled: nil for a draft
}

// start is when the broadcast was scheduled: its recipients' times (now,
// late, local time) count from it. A draft's is its creation, until
// Schedule sets it.
func (r *record) start() time.Time {
	if r.scheduled != nil {
		return *r.scheduled
	}
	return r.created
}

const recordColumns = `id, bot_id, name, channel, state, spec, expand_cursor, expanded, targeted, created_at, scheduled_at, started_at, finished_at`

type scanner interface{ Scan(...any) error }

func scanRecord(row scanner) (*record, error) {
	var r record
	var spec string
	var created int64
	var scheduled, started, finished sql.NullInt64
	if err := row.Scan(&r.id, &r.botID, &r.name, &r.channel, &r.state, &spec, &r.cursor, &r.expanded, &r.targeted,
		&created, &scheduled, &started, &finished); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(spec), &r.spec); err != nil {
		return nil, err
	}
	r.created = time.UnixMilli(created).UTC()
	r.scheduled, r.started, r.finished = msTime(scheduled), msTime(started), msTime(finished)
	return &r, nil
}

func msTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// load reads one broadcast; KindNotFound unless it is botID's (any bot's
// when botID is empty).
func (s *Service) load(ctx context.Context, botID, id string) (*record, error) {
	r, err := scanRecord(s.Store.ReadRow(ctx, `SELECT `+recordColumns+` FROM broadcasts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && botID != "" && r.botID != botID {
		return nil, core.Errorf(core.KindNotFound, "no broadcast %s", id)
	}
	return r, err
}

// loadTx reads one broadcast inside a write.
func loadTx(tx *store.Tx, id string) (*record, error) {
	r, err := scanRecord(tx.QueryRow(`SELECT `+recordColumns+` FROM broadcasts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no broadcast %s", id)
	}
	return r, err
}

// live reports states in which a broadcast still sends.
func live(state string) bool { return state == StateScheduled || state == StateRunning }

// final reports states a broadcast never leaves.
func final(state string) bool {
	return state == StateCompleted || state == StateCancelled || state == StateExpired
}
