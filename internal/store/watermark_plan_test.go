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
// PostgreSQL's generic plan too (the one a prepared statement keeps after
// five calls). The watermark once took the bot's status index instead,
// walking every sent message of the bot for each webhook event, in the
// single writer.
func TestUserQueriesUseThePSIDIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		const users, each = 200, 100
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
		if db.Kind == "postgres" {
			if err := s.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(`ANALYZE messages`); return err }); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []struct {
			name, sql string
			args      []any
		}{
			{"watermark", store.AdvanceUpToSQL(core.StatusRead), []any{"bot", "p007", 50, "read", 2}},
			{"conversation", store.ConversationSQL, []any{"bot", "p007", "msg_999", 50}},
		} {
			if plan := explainGeneric(t, s, db.Kind, q.sql, q.args); !strings.Contains(plan, "messages_psid_any") {
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

// explainGeneric returns the plan of query with args: SQLite's (it plans
// every statement without its values), PostgreSQL's generic one.
func explainGeneric(t *testing.T, s *store.Store, kind, query string, args []any) string {
	t.Helper()
	var plan []string
	err := s.Write(context.Background(), func(tx *store.Tx) error {
		plan = plan[:0]
		explain := "EXPLAIN QUERY PLAN " + query
		if kind == "postgres" {
			for _, q := range []string{`SET LOCAL plan_cache_mode = force_generic_plan`, `PREPARE explained AS ` + query} {
				if _, err := tx.Exec(q); err != nil {
					return err
				}
			}
			defer tx.Exec(`DEALLOCATE explained`)
			// EXECUTE takes its values as literals; the plan is the
			// generic one whatever they are.
			values := make([]string, len(args))
			for i, a := range args {
				values[i] = fmt.Sprint(a)
				if _, ok := a.(string); ok {
					values[i] = "'" + a.(string) + "'"
				}
			}
			explain, args = `EXPLAIN EXECUTE explained(`+strings.Join(values, ", ")+`)`, nil
		}
		rows, err := tx.Query(explain, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(any)
			}
			if err := rows.Scan(vals...); err != nil {
				return err
			}
			plan = append(plan, fmt.Sprint(*vals[len(vals)-1].(*any)))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
