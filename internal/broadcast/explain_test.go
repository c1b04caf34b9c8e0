package broadcast

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestExplainPlans prints the query plans of the engine's queries over a
// broadcast of 100,000 recipients (BOTGATE_EXPLAIN=1): each must use an
// index, never a scan of every broadcast's recipients.
func TestExplainPlans(t *testing.T) {
	if os.Getenv("BOTGATE_EXPLAIN") == "" {
		t.Skip("set BOTGATE_EXPLAIN=1 to print the query plans")
	}
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		box, _ := seal.New(storetest.Key)
		st := db.Open(t, store.Options{Box: box})
		ctx := context.Background()
		const n = 100_000
		for _, id := range []string{"bc_other", "bc_x"} {
			for i := 0; i < n; i += 1000 {
				err := st.Write(ctx, func(tx *store.Tx) error {
					var sb strings.Builder
					sb.WriteString(`INSERT INTO broadcast_recipients (broadcast_id, seq, recipient, way, state, scheduled_at, due_at, reason, message_id) VALUES `)
					for j := i; j < i+1000; j++ {
						if j > i {
							sb.WriteString(",")
						}
						state, reason := "scheduled", ""
						if j%3 == 1 {
							state = "queued"
						} else if j%3 == 2 {
							state, reason = "skipped", "outside_window"
						}
						fmt.Fprintf(&sb, "('%s', %d, 'r%d', 'psid', '%s', %d, %d, '%s', 'msg_%s_%d')", id, j+1, j, state, int64(j)*1000, int64(j)*1000, reason, id, j)
					}
					_, err := tx.Exec(sb.String())
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if db.Kind == "postgres" {
			_ = st.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(`ANALYZE broadcast_recipients`); return err })
		} else {
			_ = st.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(`ANALYZE`); return err })
		}
		now := time.Now().UnixMilli()
		for _, q := range []struct {
			name, sql string
			args      []any
		}{
			{"take", `SELECT seq, recipient, way, contact, zone, params FROM broadcast_recipients WHERE broadcast_id = $1 AND state = 'scheduled' AND due_at <= $2 ORDER BY due_at LIMIT 100`, []any{"bc_x", int64(50_000_000)}},
			{"next due", `SELECT MIN(due_at) FROM broadcast_recipients WHERE broadcast_id = $1 AND state = 'scheduled'`, []any{"bc_x"}},
			{"max seq", `SELECT COALESCE(MAX(seq), 0) FROM broadcast_recipients WHERE broadcast_id = $1`, []any{"bc_x"}},
			{"list by state", `SELECT r.seq FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.broadcast_id = $1 AND r.seq > $2 AND r.state = $3 ORDER BY r.seq LIMIT 100`, []any{"bc_x", 0, "skipped"}},
			{"list by reason", `SELECT r.seq FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.broadcast_id = $1 AND r.seq > $2 AND r.reason = $3 ORDER BY r.seq LIMIT 100`, []any{"bc_x", 0, "outside_window"}},
			{"counts", `SELECT r.state, r.reason, COALESCE(m.status, ''), COUNT(*) FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.broadcast_id = $1 GROUP BY r.state, r.reason, m.status`, []any{"bc_x"}},
			{"tier room", `SELECT COUNT(*) FROM broadcast_recipients r JOIN messages m ON m.id = r.message_id WHERE r.broadcast_id = $1 AND r.state = 'queued' AND m.status = 'accepted'`, []any{"bc_x"}},
			{"cancel", `UPDATE broadcast_recipients SET state = 'skipped', reason = 'cancelled' WHERE broadcast_id = $1 AND state = 'scheduled' AND due_at < 0`, []any{"bc_x"}},
			{"topic page", `SELECT psid, token, timezone FROM subscriptions WHERE bot_id = $1 AND title = $2 AND psid > $3 AND status = 1 AND (expires_at IS NULL OR expires_at > $4) ORDER BY psid LIMIT 500`, []any{"b", "t", "", now}},
			{"upload page", `SELECT line, way, value, params FROM broadcast_upload_rows WHERE upload_id = $1 AND line > $2 ORDER BY line LIMIT 500`, []any{"u", 0}},
		} {
			plan := db.Plan(t, st, false, q.sql, q.args...)
			t.Logf("%s %s:\n  %s", db.Kind, q.name, strings.ReplaceAll(plan, "\n", "\n  "))
		}
	})
}
