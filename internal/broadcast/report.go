package broadcast

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// broadcast is r without its counts.
func (r *record) broadcast() *Broadcast {
	return &Broadcast{ID: r.id, BotID: r.botID, Name: r.name, Channel: r.channel, State: r.state, Spec: r.spec,
		SkippedByReason: map[string]int64{}, FailedByReason: map[string]int64{}, CreatedAt: r.created,
		ScheduledAt: r.scheduled, StartedAt: r.started, FinishedAt: r.finished}
}

// report reads a broadcast's live counts from its recipients joined with
// their messages' own statuses, its UTC-hour breakdown and, while it
// sends, its estimated finish.
//
// Counts: targeted is every recipient; each is then scheduled (waiting for
// its time), queued (handed over, not yet sent), failed or skipped; sent
// counts the messages that reached Graph, delivered and read those of them
// the user's phone reported (so read ≤ delivered ≤ sent).
func (s *Service) report(ctx context.Context, r *record) (*Broadcast, error) {
	b := r.broadcast()
	rows, err := s.Store.Read(ctx, `SELECT r.state, r.reason, COALESCE(m.status, ''), COUNT(*) FROM broadcast_recipients r
		LEFT JOIN messages m ON m.id = r.message_id WHERE r.broadcast_id = $1 GROUP BY r.state, r.reason, m.status`, r.id)
	if err != nil {
		return nil, err
	}
	c := &b.Counts
	for rows.Next() {
		var state, reason, status string
		var n int64
		if err := rows.Scan(&state, &reason, &status, &n); err != nil {
			rows.Close()
			return nil, err
		}
		c.Targeted += n
		switch {
		case state == RecipientScheduled:
			c.Scheduled += n
		case state == RecipientSkipped:
			c.Skipped += n
			b.SkippedByReason[reason] += n
		case status == string(core.StatusRead):
			c.Sent, c.Delivered, c.Read = c.Sent+n, c.Delivered+n, c.Read+n
		case status == string(core.StatusDelivered):
			c.Sent, c.Delivered = c.Sent+n, c.Delivered+n
		case status == string(core.StatusSent):
			c.Sent += n
		case status == string(core.StatusFailed):
			c.Failed += n
		default:
			c.Queued += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if c.Failed > 0 {
		if err := s.failedReasons(ctx, r.id, b.FailedByReason); err != nil {
			return nil, err
		}
	}
	if b.Hours, err = s.hours(ctx, r.id); err != nil {
		return nil, err
	}
	if live(r.state) && c.Scheduled > 0 {
		if b.EstimatedFinishAt, err = s.estimate(ctx, r, c.Scheduled); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// failedReasons counts failed messages by their error's kind (Graph's
// code for Graph's refusals: "upstream_131026").
func (s *Service) failedReasons(ctx context.Context, id string, into map[string]int64) error {
	rows, err := s.Store.Read(ctx, `SELECT m.error FROM broadcast_recipients r JOIN messages m ON m.id = r.message_id
		WHERE r.broadcast_id = $1 AND r.state = 'queued' AND m.status = 'failed'`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var raw sql.NullString
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		into[failReason(raw.String)]++
	}
	return rows.Err()
}

func failReason(raw string) string {
	var e core.Error
	if raw == "" || json.Unmarshal([]byte(raw), &e) != nil || e.Kind == "" {
		return "unknown"
	}
	if e.Upstream != nil && e.Upstream.Code != 0 {
		return string(e.Kind) + "_" + itoa(e.Upstream.Code)
	}
	return string(e.Kind)
}

func itoa(n int) string { return strconv.Itoa(n) }

// hours counts the recipients still to send or sent per UTC hour of their
// scheduled time: the time-zone breakdown.
func (s *Service) hours(ctx context.Context, id string) ([]HourCount, error) {
	rows, err := s.Store.Read(ctx, `SELECT scheduled_at / 3600000, COUNT(*) FROM broadcast_recipients
		WHERE broadcast_id = $1 AND state <> 'skipped' GROUP BY scheduled_at / 3600000 ORDER BY 1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HourCount
	for rows.Next() {
		var h, n int64
		if err := rows.Scan(&h, &n); err != nil {
			return nil, err
		}
		out = append(out, HourCount{Hour: time.UnixMilli(h * 3600000).UTC(), Recipients: n})
	}
	return out, rows.Err()
}

// estimate is when the last scheduled recipient should be handed over:
// after the latest scheduled time, at the broadcast's rate (a WhatsApp
// number's own rate when slower), and for a WhatsApp broadcast larger than
// what is left of today's tier, as many days later as the tier needs.
func (s *Service) estimate(ctx context.Context, r *record, remaining int64) (*time.Time, error) {
	var last int64
	if err := s.Store.ReadRow(ctx, `SELECT COALESCE(MAX(scheduled_at), 0) FROM broadcast_recipients WHERE broadcast_id = $1 AND state = 'scheduled'`,
		r.id).Scan(&last); err != nil {
		return nil, err
	}
	now := s.Store.Now()
	from := time.UnixMilli(last).UTC()
	if from.Before(now) {
		from = now
	}
	rate := r.spec.RatePerSecond
	var days int64
	if r.channel == core.ChannelWhatsApp {
		tier, pace, err := s.Store.ReadWhatsAppTier(ctx, r.botID)
		if err != nil && core.ErrorKind(err) != core.KindNotFound {
			return nil, err
		}
		if pace != nil && pace.RequestsPerSecond > 0 && (rate == 0 || pace.RequestsPerSecond < rate) {
			rate = pace.RequestsPerSecond
		}
		if tier != nil && tier.Limit > 0 && remaining > int64(tier.Available) {
			days = int64(math.Ceil(float64(remaining-int64(tier.Available)) / float64(tier.Limit)))
		}
	}
	at := from
	if rate > 0 {
		at = at.Add(time.Duration(float64(remaining) / rate * float64(time.Second)))
	}
	if days > 0 {
		if next := now.Add(time.Duration(days) * 24 * time.Hour); next.After(at) {
			at = next
		}
	}
	at = at.Truncate(time.Second)
	return &at, nil
}

// recipients reads a page of recipients after seq.
func (s *Service) recipients(ctx context.Context, id string, f RecipientFilter, after int64, limit int) ([]Recipient, string, error) {
	q := `SELECT r.seq, r.recipient, r.state, r.scheduled_at, r.message_id, r.reason, COALESCE(m.status, ''), m.error
		FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.broadcast_id = $1 AND r.seq > $2`
	args := []any{id, after, limit + 1}
	switch f.State {
	case "":
	case RecipientScheduled, RecipientSkipped:
		q += ` AND r.state = $4`
		args = append(args, f.State)
	case RecipientQueued:
		q += ` AND r.state = 'queued' AND (m.status IS NULL OR m.status = $4)`
		args = append(args, string(core.StatusAccepted))
	case RecipientSent, RecipientDelivered, RecipientRead, RecipientFailed:
		q += ` AND r.state = 'queued' AND m.status = $4`
		args = append(args, f.State)
	default:
		return nil, "", core.Invalid("state", "must be scheduled, queued, sent, delivered, read, failed or skipped, not %q", f.State)
	}
	if f.Reason != "" {
		q += ` AND r.reason = $` + itoa(len(args)+1)
		args = append(args, f.Reason)
	}
	q += ` ORDER BY r.seq LIMIT $3`
	rows, err := s.Store.Read(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []Recipient
	var seqs []int64
	for rows.Next() {
		var rc Recipient
		var seq, at int64
		var status string
		var errText sql.NullString
		if err := rows.Scan(&seq, &rc.Recipient, &rc.State, &at, &rc.MessageID, &rc.Reason, &status, &errText); err != nil {
			return nil, "", err
		}
		t := time.UnixMilli(at).UTC()
		rc.ScheduledAt = &t
		if rc.State == RecipientQueued && status != "" && status != string(core.StatusAccepted) {
			rc.State = status
			if status == string(core.StatusFailed) {
				rc.Reason = failReason(errText.String)
			}
		}
		out = append(out, rc)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out, next = out[:limit], itoa(int(seqs[limit-1]))
	}
	return out, next, nil
}
