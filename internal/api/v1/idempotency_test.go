package v1_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestIdempotency: the same key and body answer the first answer again,
// marked replayed, and send once; a different body is refused 422; a
// request arriving while the first runs is refused 409.
func TestIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		first, h1, body1 := e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "once"), "Idempotency-Key", "k-1")
		again, h2, body2 := e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "once"), "Idempotency-Key", "k-1")
		if first != 202 || again != 202 || !bytes.Equal(body1, body2) || h1.Get("Idempotent-Replayed") != "" ||
			h2.Get("Idempotent-Replayed") != "true" || h2.Get("Location") != h1.Get("Location") {
			t.Fatalf("replay: %d %s / %d %v %s", first, body1, again, h2, body2)
		}
		status, h, body := e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "twice"), "Idempotency-Key", "k-1")
		problemOf(t, status, h, body, 422, "idempotency_key_reused")
		_, _, list := e.call("GET", "/v1/messages", e.APIKey, nil)
		if n := len(decode(t, list)["items"].([]any)); n != 1 {
			t.Fatalf("%d messages after a replay; want 1", n)
		}

		// A refusal is kept too: the same request is refused the same way.
		bad := map[string]any{"channel": "messenger", "to": map[string]any{"psid": harness.User}}
		s1, _, b1 := e.call("POST", "/v1/messages", e.APIKey, bad, "Idempotency-Key", "k-bad")
		s2, h2, b2 := e.call("POST", "/v1/messages", e.APIKey, bad, "Idempotency-Key", "k-bad")
		if s1 != 400 || s2 != 400 || !bytes.Equal(b1, b2) || h2.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("refusal replay: %d %s / %d %s", s1, b1, s2, b2)
		}

		// Concurrent: the first waits on a slow Graph while the second arrives.
		e.Fake.SetLatency(time.Second)
		done := make(chan []byte)
		go func() {
			_, _, b := e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "slow"), "Idempotency-Key", "k-2", "Prefer", "wait=10")
			done <- b
		}()
		harness.WaitFor(t, "the first request to claim its key", 5*time.Second, func() bool {
			var n int
			_ = e.Server.Store.ReadRow(t.Context(), `SELECT COUNT(*) FROM idempotency_keys WHERE key = 'k-2'`).Scan(&n)
			return n == 1
		})
		status, h, body = e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "slow"), "Idempotency-Key", "k-2", "Prefer", "wait=10")
		problemOf(t, status, h, body, 409, "idempotency_key_in_progress")
		firstBody := <-done
		if decode(t, firstBody)["status"] != "sent" {
			t.Fatalf("slow send: %s", firstBody)
		}
		status, h, body = e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "slow"), "Idempotency-Key", "k-2", "Prefer", "wait=10")
		if status != http.StatusOK || !bytes.Equal(body, firstBody) || h.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("after the first: %d %s", status, body)
		}
		if n := len(e.Fake.SentTo(harness.User)); n != 2 {
			t.Fatalf("fake Graph got %d sends; want 2", n)
		}
	})
}

// TestScopes: a key made with some scopes is refused, naming the scope,
// outside them; a vendor face needs send.
func TestScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		var reader, sender struct {
			Key    string   `json:"key"`
			Scopes []string `json:"scopes"`
		}
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"read"}}, 201, &reader)
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"send"}}, 201, &sender)
		if len(reader.Scopes) != 1 || reader.Scopes[0] != "read" {
			t.Fatalf("reader key scopes %v", reader.Scopes)
		}
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"admin"}}, 400, nil)

		status, h, body := e.call("POST", "/v1/messages", reader.Key, text(harness.User, "hi"))
		p := problemOf(t, status, h, body, 403, "forbidden")
		if p["detail"] != "this API key lacks the send scope" {
			t.Fatalf("403 detail %v", p["detail"])
		}
		if status, _, body := e.call("GET", "/v1/messages", reader.Key, nil); status != 200 {
			t.Fatalf("reader list: %d %s", status, body)
		}
		if status, _, body := e.call("POST", "/v1/messages", sender.Key, text(harness.User, "hi")); status != 202 {
			t.Fatalf("sender send: %d %s", status, body)
		}
		status, h, body = e.call("GET", "/v1/messages", sender.Key, nil)
		problemOf(t, status, h, body, 403, "forbidden")

		// The vendor faces need send: a read-only key is an invalid key there.
		status, body = e.Do("POST", "/api", http.Header{"Apikey": {reader.Key}, "Content-Type": {"application/json"}},
			[]byte(`{"request":{"method":"send_message","id":"v-1","sync":true},"recipient":{"id":"`+harness.User+`"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`))
		if status != 401 || !bytes.Contains(body, []byte(`"code":10002`)) {
			t.Fatalf("bothub with a read key: %d %s", status, body)
		}
		// Keys made before scopes, like the harness's, keep all three.
		if status, _, _ := e.call("GET", "/v1/messages", e.APIKey, nil); status != 200 {
			t.Fatalf("old key: %d", status)
		}
	})
}
