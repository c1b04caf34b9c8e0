package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The statements that read one user's messages (a delivery or read
// watermark, the conversation page) go through the index on psid, on
// PostgreSQL's generic plan too (the one a prepared statement may keep
// after five calls). SQLite's watermark once took the bot's status index
// instead, walking every sent message of the bot for each webhook event,
// in the single writer; PostgreSQL could use the index only in a plan made
// for the call's values.
func TestUserQueriesUseThePSIDIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		seedSent(t, s, db.Kind, 200, 100)
		for _, q := range []struct {
			name, sql string
			args      []any
		}{
			{"watermark", store.AdvanceUpToSQL(core.StatusRead), []any{"bot", "p007", 50, "read", 2}},
			{"conversation", store.ConversationSQL, []any{"bot", "p007", "msg_999", 50}},
		} {
			if plan := db.Plan(t, s, true, q.sql, q.args...); !strings.Contains(plan, "messages_psid_any") {
				t.Errorf("%s: the plan does not use the index on psid:\n%s", q.name, plan)
			}
		}
		err := s.Write(ctx, func(tx *store.Tx) error {
			moved, err := tx.AdvanceUpTo("bot", "p007", time.UnixMilli(49), core.StatusRead)
			if err == nil && (len(moved) != 50 || moved[0] != "msg_007_000" || moved[49] != "msg_007_049") {
				err = fmt.Errorf("moved %d: %v", len(moved), moved)
			}
			return err
		})
		if err != nil {
			t.Error(err)
		}
	})
}

// seedSent stores each messages sent to each of users users of one bot,
// bot: message i of user u is msg_UUU_III to pUUU, sent at i ms.
func seedSent(t testing.TB, s *store.Store, kind string, users, each int) {
	t.Helper()
	ctx := context.Background()
	for u := range users {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO messages (id, bot_id, request_id, channel, face, method, sync, status, psid, request, created_at, updated_at, sent_at) VALUES `)
		for i := range each {
			if i > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "('msg_%03d_%03d', 'bot', 'r%03d_%03d', 'messenger', 'bothub', 'send_message', FALSE, 'sent', 'p%03d', '{}', 1, 1, %d)", u, i, u, i, u, i)
		}
		if err := s.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(sb.String()); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if kind == "postgres" {
		if err := s.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(`ANALYZE messages`); return err }); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkWatermark measures a read watermark's statement on a bot with
// 100,000 sent messages to 1,000 users, against the same statement without
// its condition that psid is not empty (as it was before the psid index
// could serve it). The watermark precedes every send, so nothing moves and
// each call reads the same rows:
//
//	go test -run '^$' -bench Watermark ./internal/store/
func BenchmarkWatermark(b *testing.B) {
	now := store.AdvanceUpToSQL(core.StatusRead)
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			s := storetest.New(b, kind).Open(b, store.Options{})
			seedSent(b, s, kind, 1000, 100)
			for _, c := range []struct{ name, sql string }{{"psid_index", now}, {"as_before", strings.Replace(now, " AND psid <> ''", "", 1)}} {
				b.Run(c.name, func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						// Urgent: a write alone waits up to a millisecond
						// for company, which would be most of what this
						// measures.
						err := s.WriteUrgent(context.Background(), func(tx *store.Tx) error {
							rows, err := tx.Query(c.sql, "bot", fmt.Sprintf("p%03d", i%1000), -1, "read", 2)
							if err != nil {
								return err
							}
							defer rows.Close()
							for rows.Next() {
								return fmt.Errorf("a watermark before every send moved a message")
							}
							return rows.Err()
						})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
