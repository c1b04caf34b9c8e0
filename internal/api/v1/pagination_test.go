package v1_test

import (
	"net/url"
	"testing"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestPagination: 10,000 messages, listed page by page, come back each
// once, newest first, with no gaps; the last page has no next_cursor.
func TestPagination(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 messages")
	}
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		const total = 10_000
		want := map[string]bool{}
		for batch := 0; batch < total/500; batch++ {
			err := e.Server.Store.Write(t.Context(), func(tx *store.Tx) error {
				for i := 0; i < 500; i++ {
					m := &core.MessageRecord{ID: core.NewID("msg_", tx.Now()), BotID: e.BotID, Channel: core.ChannelMessenger,
						Request: core.SendRequest{Face: core.FaceV1, Method: "v1_message", RequestID: core.NewID("req_", tx.Now()),
							Recipient: core.Recipient{ID: harness.User}}}
					encoded, _ := store.EncodeRequest(&m.Request)
					if err := tx.InsertMessage(m, encoded); err != nil {
						return err
					}
					want[m.ID] = true
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(want) != total {
			t.Fatalf("%d distinct messages made", len(want))
		}
		for _, limit := range []string{"500", "137"} {
			seen := map[string]bool{}
			last, cursor, pages := "", "", 0
			for {
				path := "/v1/messages?limit=" + limit
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				status, _, body := e.call("GET", path, e.APIKey, nil)
				if status != 200 {
					t.Fatalf("page %d: %d %s", pages, status, body)
				}
				page := decode(t, body)
				for _, it := range page["items"].([]any) {
					id := it.(map[string]any)["id"].(string)
					if seen[id] || !want[id] || (last != "" && id >= last) {
						t.Fatalf("limit %s: %s repeated, unknown or out of order after %s", limit, id, last)
					}
					seen[id], last = true, id
				}
				pages++
				next, _ := page["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			if len(seen) != total {
				t.Fatalf("limit %s: %d of %d messages listed in %d pages", limit, len(seen), total, pages)
			}
		}
	})
}
