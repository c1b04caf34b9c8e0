package broadcast

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// dryRun counts the audience a spec would reach, and the recipients it
// would skip by reason as of now, with the UTC-hour breakdown; it stores
// nothing and sends nothing. The audience is read a page at a time, as a
// broadcast reads it.
func (s *Service) dryRun(ctx context.Context, bot *core.Bot, spec *Spec) (*Broadcast, error) {
	p, err := parsePlan(spec.Schedule, spec.ExpiresAt)
	if err != nil {
		return nil, err
	}
	now := s.Store.Now()
	b := &Broadcast{BotID: bot.ID, Name: spec.Name, Channel: spec.Channel, State: StateDraft, Spec: *spec,
		SkippedByReason: map[string]int64{}, FailedByReason: map[string]int64{}, CreatedAt: now}
	r := &record{id: "dry_run", botID: bot.ID, channel: spec.Channel, spec: *spec, created: now} // starts when created, as a create would
	hours := map[int64]int64{}
	// Lists name a user at most once per broadcast; contacts and topics do
	// by construction. A name again is no one new; another name for a user
	// an earlier name reached is a duplicate, skipped (insertTargets).
	// reached holds the users reached under a name other than their PSID,
	// which seen holds already.
	var seen, reached map[string]bool
	if spec.Audience.List != nil || spec.Audience.Upload != "" {
		seen, reached = map[string]bool{}, map[string]bool{}
	}
	cursor := ""
	for {
		ts, next, done, err := s.page(ctx, bot.ID, spec, cursor)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			duplicate := false
			if seen != nil {
				if seen[t.recipient] {
					continue
				}
				seen[t.recipient] = true
				if t.contact != "" {
					duplicate = reached[t.contact] || (t.contact != t.recipient && seen[t.contact])
					if t.contact != t.recipient {
						reached[t.contact] = true
					}
				}
			}
			b.Counts.Targeted++
			at, reason := p.when(t.zone, now)
			if reason == "" {
				reason = t.skip
			}
			if duplicate {
				reason = ReasonDuplicate
			}
			if reason == "" {
				d := due{recipient: t.recipient, way: t.way, contact: t.contact, zone: t.zone, params: t.params}
				var req *core.SendRequest
				if req, reason, err = s.request(ctx, bot, r, d); err == nil && reason == "" {
					reason, err = s.policy(ctx, bot, r, d, req)
				}
				if err != nil {
					return nil, err
				}
			}
			if reason != "" {
				b.Counts.Skipped++
				b.SkippedByReason[reason]++
				continue
			}
			b.Counts.Scheduled++
			hours[at.UnixMilli()/3600000]++
		}
		if done {
			break
		}
		cursor = next
	}
	for h, n := range hours {
		b.Hours = append(b.Hours, HourCount{Hour: time.UnixMilli(h * 3600000).UTC(), Recipients: n})
	}
	slices.SortFunc(b.Hours, func(a, b HourCount) int { return a.Hour.Compare(b.Hour) })
	return b, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return string(b)
}

func parseParams(s string) map[string]string {
	var m map[string]string
	_ = json.Unmarshal([]byte(s), &m)
	return m
}
