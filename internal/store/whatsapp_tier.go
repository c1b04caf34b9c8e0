package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// WAPace is a number's configured pace and how far ahead its turns are taken.
type WAPace struct {
	RequestsPerSecond float64
	NewUsersPerSecond float64
	Burst             int
	// BookedAhead is how far past now the request pace's turns are taken
	// (its theoretical arrival time), and TurnsAhead about how many turns
	// that is at the configured rate; LineAhead is how far the line of
	// queued sends waiting for a turn reaches.
	BookedAhead, LineAhead time.Duration
	TurnsAhead             int
}

// ReadWhatsAppTier reads a number's tier and pace as the console's overview
// shows them, in a read-only transaction: no lock is taken and nothing is
// written, so a page polled by many tabs never queues behind the writer or
// the number's sends. An upgrade earned but not yet applied (the number's
// next counted send or the admin API's tier read applies it) shows as
// applied.
func (s *Store) ReadWhatsAppTier(ctx context.Context, botID string) (*WATier, *WAPace, error) {
	rtx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	defer rtx.Rollback()
	row := func(dst any, query string, args ...any) error {
		return rtx.QueryRowContext(ctx, query, args...).Scan(dst)
	}
	var phoneNumberID, rawLimits string
	var tier int
	var reqTAT, queueTAT int64
	err = rtx.QueryRowContext(ctx, `SELECT phone_number_id, limits, tier, request_tat, queue_tat FROM whatsapp_numbers WHERE bot_id = $1`, botID).
		Scan(&phoneNumberID, &rawLimits, &tier, &reqTAT, &queueTAT)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, core.Errorf(core.KindNotFound, "bot %s has no WhatsApp number", botID)
	}
	if err != nil {
		return nil, nil, err
	}
	var l core.WALimits
	if err := json.Unmarshal([]byte(rawLimits), &l); err != nil {
		return nil, nil, fmt.Errorf("store: bot %s WhatsApp limits: %w", botID, err)
	}
	l = l.WithDefaults()
	now := s.now()
	var reach, scheduled, window int
	if err := row(&reach, `SELECT COUNT(*) FROM tier_reach WHERE phone_number_id = $1 AND at > $2`,
		phoneNumberID, now.Add(-core.StandardWindow).UnixMicro()); err != nil {
		return nil, nil, err
	}
	if err := row(&scheduled, `SELECT COUNT(*) FROM tier_reach WHERE phone_number_id = $1 AND at > $2`, phoneNumberID, now.UnixMicro()); err != nil {
		return nil, nil, err
	}
	// The upgrade rule of maybeUpgrade, reckoned without saving it.
	uniqueSince := func(n *int) error {
		return row(n, `SELECT COUNT(DISTINCT contact) FROM tier_reach WHERE phone_number_id = $1 AND at > $2 AND at <= $3`,
			phoneNumberID, now.Add(-l.UpgradeWindow()).UnixMicro(), now.UnixMicro())
	}
	if err := uniqueSince(&window); err != nil {
		return nil, nil, err
	}
	for need := l.UpgradeAt(tier); need != 0 && window >= need; need = l.UpgradeAt(tier) {
		tier++
	}
	t := &WATier{Tier: tier, Limit: l.TierLimit(tier), UpgradeAt: l.UpgradeAt(tier), WindowDays: l.UpgradeWindowDays,
		Scheduled: scheduled, Reached: reach - scheduled, Available: -1, Window: window}
	if t.UpgradeAt != 0 {
		t.NextLimit = l.TierLimit(tier + 1)
	}
	if t.Limit != 0 {
		t.Available = max(t.Limit-reach, 0)
	}
	p := &WAPace{RequestsPerSecond: l.RequestsPerSecond, NewUsersPerSecond: l.NewUsersPerSecond, Burst: l.Burst,
		BookedAhead: max(micro(reqTAT).Sub(now), 0), LineAhead: max(micro(queueTAT).Sub(now), 0)}
	p.TurnsAhead = int(p.BookedAhead.Seconds() * l.RequestsPerSecond)
	p.BookedAhead, p.LineAhead = p.BookedAhead.Round(time.Millisecond), p.LineAhead.Round(time.Millisecond)
	return t, p, nil
}
