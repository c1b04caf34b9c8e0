package broadcast

import (
	"context"
	"database/sql"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// tierSlack: with this many places left in the tier, the broadcast's
// messages still on their way are not worth counting.
const tierSlack = 1000

// A WhatsApp broadcast larger than the number's daily tier continues
// tomorrow: it hands over no more recipients than the tier has places
// left, instead of filling the send queue with messages that would wait
// there. The dispatcher keeps the tier for every send; this keeps the
// broadcast from running ahead of it.

// tierAvailable is how many places the number's tier has left now; -1
// when it has no limit (or the broadcast is not WhatsApp's).
func (s *Service) tierAvailable(ctx context.Context, r *record) (int, error) {
	if r.channel != core.ChannelWhatsApp {
		return -1, nil
	}
	tier, _, err := s.Store.ReadWhatsAppTier(ctx, r.botID)
	if core.ErrorKind(err) == core.KindNotFound || err == nil && tier.Limit == 0 {
		return -1, nil
	}
	if err != nil {
		return 0, err
	}
	return tier.Available, nil
}

// tierRoom is, in the take's transaction (which other takes of the
// broadcast wait on), how many of available places are not already meant
// for this broadcast's recipients on their way: taken by a worker, or
// handed over and not yet sent (whose place the dispatcher may not have
// taken yet).
func tierRoom(tx *store.Tx, r *record, available int) (int, error) {
	if available < 0 || available >= tierSlack {
		return available, nil
	}
	now := tx.Now().UnixMilli()
	var onTheirWay int
	err := tx.QueryRow(`SELECT
		(SELECT COUNT(*) FROM broadcast_recipients r JOIN messages m ON m.id = r.message_id
			WHERE r.broadcast_id = $1 AND r.state = 'queued' AND m.status = 'accepted') +
		(SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = $1 AND state = 'scheduled' AND due_at > $2 AND scheduled_at <= $2)`,
		r.id, now).Scan(&onTheirWay)
	return max(available-onTheirWay, 0), err
}

// tierFrees is when the number's oldest place in the tier frees, reckoned
// from now, a time taken before the tier was found full: from a later
// time, a place that freed in between would be missing, and with none left
// the broadcast would wait the fallback minute below instead of going on at
// once (forever, on a clock that stands still in a test).
func (s *Service) tierFrees(ctx context.Context, r *record, now time.Time) (time.Time, error) {
	var oldest sql.NullInt64
	if err := s.Store.ReadRow(ctx, `SELECT MIN(t.at) FROM tier_reach t JOIN whatsapp_numbers w ON w.phone_number_id = t.phone_number_id
		WHERE w.bot_id = $1 AND t.at > $2`, r.botID, now.Add(-core.StandardWindow).UnixMicro()).Scan(&oldest); err != nil {
		return time.Time{}, err
	}
	free := now.Add(time.Minute) // every place is held by a message on its way: look again soon
	if oldest.Valid {
		if at := time.UnixMicro(oldest.Int64).Add(core.StandardWindow); at.After(now) {
			free = at
		}
	}
	return free, nil
}
