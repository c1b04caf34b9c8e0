package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// WAUsage is one number's tier and pace as metrics read them, without
// taking its row's lock: a read, not a reservation.
type WAUsage struct {
	PhoneNumberID string
	Tier          int
	Limit         int     // unique users per rolling 24 h; 0: unlimited
	Used          int     // places taken in the last 24 h, and held ahead for queued sends
	Pace          float64 // requests a second the number is paced at
	BookedAhead   time.Duration
}

// WhatsAppUsage reads every number's usage in two read-only queries.
func (s *Store) WhatsAppUsage(ctx context.Context) ([]WAUsage, error) {
	now := s.now()
	used := map[string]int{}
	rows, err := s.query(ctx, `SELECT phone_number_id, COUNT(*) FROM tier_reach WHERE at > $1 GROUP BY phone_number_id`,
		now.Add(-core.StandardWindow).UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("store: whatsapp usage: %w", err)
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		used[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, `SELECT phone_number_id, limits, tier, request_tat FROM whatsapp_numbers ORDER BY phone_number_id`)
	if err != nil {
		return nil, fmt.Errorf("store: whatsapp usage: %w", err)
	}
	defer rows.Close()
	var out []WAUsage
	for rows.Next() {
		var u WAUsage
		var limits string
		var tat int64
		if err := rows.Scan(&u.PhoneNumberID, &limits, &u.Tier, &tat); err != nil {
			return nil, err
		}
		var l core.WALimits
		if err := json.Unmarshal([]byte(limits), &l); err != nil {
			return nil, fmt.Errorf("store: number %s limits: %w", u.PhoneNumberID, err)
		}
		l = l.WithDefaults()
		u.Limit, u.Used, u.Pace = l.TierLimit(u.Tier), used[u.PhoneNumberID], l.RequestsPerSecond
		u.BookedAhead = max(micro(tat).Sub(now), 0)
		out = append(out, u)
	}
	return out, rows.Err()
}
