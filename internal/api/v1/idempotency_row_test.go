package v1_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestKeyedAcceptFromRow: a keyed message accept keeps nothing beside the
// message (no idempotency_keys row: the row is the claim and the answer);
// its replay, after the message went out, still answers the accept's bytes;
// another body under the key is refused; a Bothub request id stays a
// duplicate for v1.
func TestKeyedAcceptFromRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		keys := func() int {
			var n int
			if err := e.Server.Store.ReadRow(t.Context(), `SELECT COUNT(*) FROM idempotency_keys`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		status, h, first := e.call(http.MethodPost, "/v1/messages", e.APIKey, text(harness.User, "row"), "Idempotency-Key", "row-1")
		if status != 202 || keys() != 0 {
			t.Fatalf("accept: %d %s, %d keys kept", status, first, keys())
		}
		id := decode(t, first)["id"].(string)
		harness.WaitFor(t, "the message sent", 10*time.Second, func() bool {
			_, _, body := e.call(http.MethodGet, "/v1/messages/"+id, e.APIKey, nil)
			return decode(t, body)["status"] == "sent"
		})
		status, h2, again := e.call(http.MethodPost, "/v1/messages", e.APIKey, text(harness.User, "row"), "Idempotency-Key", "row-1")
		if status != 202 || !bytes.Equal(again, first) || h2.Get("Idempotent-Replayed") != "true" || h2.Get("Location") != h.Get("Location") {
			t.Fatalf("replay: %d %v\n%s\nfirst %s", status, h2, again, first)
		}
		status, h2, body := e.call(http.MethodPost, "/v1/messages", e.APIKey, text(harness.User, "other"), "Idempotency-Key", "row-1")
		problemOf(t, status, h2, body, 422, "idempotency_key_reused")
		if n := len(e.Fake.SentTo(harness.User)); n != 1 || keys() != 0 {
			t.Fatalf("%d sends, %d keys kept; want 1 and 0", n, keys())
		}

		if status, body := e.Bothub(`{"request":{"method":"send_message","id":"bh-1"},"recipient":{"id":"` + harness.User +
			`"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`); status != 200 {
			t.Fatalf("bothub: %d %s", status, body)
		}
		status, h2, body = e.call(http.MethodPost, "/v1/messages", e.APIKey, text(harness.User, "hi"), "Idempotency-Key", "bh-1")
		problemOf(t, status, h2, body, 409, "duplicate")
	})
}
