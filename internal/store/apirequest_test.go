package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestAPIRequestPruneSkipsLockedRows: two instances on one PostgreSQL prune
// the same bot's oldest requests at once. The prune must not wait for the
// other's transaction — it shares its group commit with accepts, which
// would all wait too — so rows another transaction holds are left to it.
// Here another session holds the three oldest rows: the prune deletes the
// rest of what is over the limit at once, and the next prune, once that
// session has let go, takes the three.
func TestAPIRequestPruneSkipsLockedRows(t *testing.T) {
	db := storetest.New(t, "postgres")
	s := db.Open(t, store.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := 0
	insert := func(count int) {
		t.Helper()
		var reqs []*store.APIRequest
		for range count {
			at := t0.Add(time.Duration(n) * time.Millisecond)
			reqs = append(reqs, &store.APIRequest{ID: core.NewID("req_", at), BotID: "bot_a", Face: "bothub", Method: "POST", Path: "/api",
				Status: 200, Request: fmt.Sprintf(`{"n":%d}`, n), Response: `{}`, At: at})
			n++
		}
		if err := s.InsertAPIRequests(ctx, reqs, []string{"bot_a"}); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	other, err := sql.Open("pgx", db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	kept := func() string {
		t.Helper()
		var count int
		if err := other.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_requests WHERE bot_id = 'bot_a'`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		rows, err := other.QueryContext(ctx, `SELECT request FROM api_requests WHERE bot_id = 'bot_a' ORDER BY id LIMIT 4`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var oldest []string
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				t.Fatal(err)
			}
			oldest = append(oldest, r)
		}
		return fmt.Sprintf("%d kept, oldest %s", count, strings.Join(oldest, " "))
	}

	insert(store.APIRequestsKept)
	// The other session locks the three oldest, as its own prune would.
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT id FROM api_requests WHERE bot_id = 'bot_a' ORDER BY id LIMIT 3 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	insert(10) // 1,010 rows: n = 0…9 are over the limit, 0…2 locked
	if got, want := kept(), `1003 kept, oldest {"n":0} {"n":1} {"n":2} {"n":10}`; got != want {
		t.Errorf("while another session holds the oldest: %s, want %s", got, want)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	insert(1)
	if got, want := kept(), `1000 kept, oldest {"n":11} {"n":12} {"n":13} {"n":14}`; got != want {
		t.Errorf("after it let go: %s, want %s", got, want)
	}
}

// TestAPIRequestsMultiRowInsert: a flush of 101 requests goes in as
// multi-row INSERTs (chunks of 64, 32, 4 and 1) and every request reads back
// whole, on both databases.
func TestAPIRequestsMultiRowInsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		ctx := context.Background()
		var reqs []*store.APIRequest
		for n := range 101 {
			at := t0.Add(time.Duration(n) * time.Millisecond)
			reqs = append(reqs, &store.APIRequest{ID: core.NewID("req_", at), BotID: []string{"bot_a", "bot_b"}[n%2], Face: "bothub",
				Method: "POST", Path: fmt.Sprintf("/api/%d", n), Status: 200 + n, Request: fmt.Sprintf(`{"n":%d}`, n), Response: `{"ok":true}`,
				Remote: "127.0.0.1:1", Duration: time.Duration(n) * time.Microsecond, At: at})
		}
		if err := s.InsertAPIRequests(ctx, reqs, nil); err != nil {
			t.Fatalf("insert: %v", err)
		}
		for _, bot := range []string{"bot_a", "bot_b"} {
			page, err := s.ListAPIRequests(ctx, store.APIRequestFilter{BotID: bot, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var want []*store.APIRequest
			for i := len(reqs) - 1; i >= 0; i-- { // newest first
				if reqs[i].BotID == bot {
					want = append(want, reqs[i])
				}
			}
			if len(page.Requests) != len(want) {
				t.Fatalf("%s: %d requests read back, want %d", bot, len(page.Requests), len(want))
			}
			for i, got := range page.Requests {
				w := want[i]
				if got.ID != w.ID || got.Path != w.Path || got.Status != w.Status || got.Request != w.Request || got.Response != w.Response ||
					got.Remote != w.Remote || got.Duration != w.Duration || !got.At.Equal(w.At) {
					t.Fatalf("%s: request %d read back as %+v, want %+v", bot, i, got, w)
				}
			}
		}
	})
}
