package v1_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// verifies checks a delivery's headers with secret by the Standard Webhooks
// reference algorithm: base64(HMAC-SHA256(key, id.timestamp.body)), the key
// being the base64 after whsec_, matched against any v1 signature given.
func verifies(secret string, r harness.Received) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(r.Body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(r.Header.Get("webhook-signature")) {
		if v, ok := strings.CutPrefix(sig, "v1,"); ok && hmac.Equal([]byte(v), []byte(want)) {
			return true
		}
	}
	return false
}

type event struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// eventsOf reads delivered events, each checked against its schema in the
// contract's webhooks section.
func eventsOf(t *testing.T, rs []harness.Received) []event {
	t.Helper()
	var out []event
	for _, r := range rs {
		var e event
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Timestamp.IsZero() || e.Data == nil {
			t.Fatalf("event body %s: %v", r.Body, err)
		}
		checkEvent(t, e.Type, r.Body)
		out = append(out, e)
	}
	return out
}

func types(es []event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Type)
	}
	slices.Sort(out)
	return out
}

// TestWebhookEndpoints: an endpoint receives the events it chose, signed
// with its secret; after a rotation both secrets sign; deliveries are
// listed and replayed; an endpoint failing for five days is disabled.
func TestWebhookEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		in := harness.NewInbox(t)
		create := map[string]any{"url": in.URL, "description": "orders", "events": []string{"message.sent", "message.accepted", "inbound.message", "contact.window_opened"}}
		status, h, body := e.call("POST", "/v1/webhook-endpoints", e.APIKey, create, "Idempotency-Key", "ep-1")
		ep := decode(t, body)
		secret, _ := ep["secret"].(string)
		id, _ := ep["id"].(string)
		if status != 201 || !strings.HasPrefix(secret, "whsec_") || h.Get("Location") != "/v1/webhook-endpoints/"+id ||
			len(ep["events"].([]any)) != 4 || ep["events"].([]any)[0] != "message.accepted" {
			t.Fatalf("create: %d %s", status, body)
		}
		if _, _, body := e.call("GET", "/v1/webhook-endpoints/"+id, e.APIKey, nil); strings.Contains(string(body), "whsec_") {
			t.Fatalf("the secret is shown again: %s", body)
		}
		status, h, body = e.call("POST", "/v1/webhook-endpoints", e.APIKey, map[string]any{"url": "ftp://example.com", "events": []string{"message.sent"}})
		problemOf(t, status, h, body, 400, "invalid")
		status, h, body = e.call("POST", "/v1/webhook-endpoints", e.APIKey, map[string]any{"url": in.URL, "events": []string{"message.lost"}})
		problemOf(t, status, h, body, 400, "invalid")

		// A message's accepted and sent events, each signed with the secret.
		if status, _, body := e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "hi"), "Prefer", "wait=5"); status != 200 {
			t.Fatalf("send: %d %s", status, body)
		}
		got := in.Wait(t, 2, 10*time.Second)
		if ts := types(eventsOf(t, got)); !slices.Equal(ts, []string{"message.accepted", "message.sent"}) {
			t.Fatalf("events %v", ts)
		}
		for _, r := range got {
			if !verifies(secret, r) {
				t.Fatalf("delivery not signed with the endpoint's secret: %v", r.Header)
			}
		}
		// The user writes: an inbound message, and the window opens.
		if _, err := e.Fake.UserSendsText(harness.Page, harness.User, "Hello"); err != nil {
			t.Fatal(err)
		}
		got = in.Wait(t, 4, 10*time.Second)
		evs := eventsOf(t, got[2:])
		if ts := types(evs); !slices.Equal(ts, []string{"contact.window_opened", "inbound.message"}) {
			t.Fatalf("inbound events %v", ts)
		}

		// Rotation: the next delivery carries both signatures.
		status, _, body = e.call("POST", "/v1/webhook-endpoints/"+id+"/rotate-secret", e.APIKey, nil)
		rotated := decode(t, body)
		newSecret, _ := rotated["secret"].(string)
		if status != 200 || newSecret == secret || !strings.HasPrefix(newSecret, "whsec_") || rotated["old_secret_expires_at"] == nil {
			t.Fatalf("rotate: %d %s", status, body)
		}
		e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "after"), "Prefer", "wait=5")
		got = in.Wait(t, 6, 10*time.Second)
		for _, r := range got[4:] {
			if !verifies(secret, r) || !verifies(newSecret, r) || len(strings.Fields(r.Header.Get("webhook-signature"))) != 2 {
				t.Fatalf("after rotation: %v", r.Header)
			}
		}

		// Deliveries are listed and replayed under the same webhook-id.
		_, _, body = e.call("GET", "/v1/webhook-endpoints/"+id+"/deliveries?limit=2", e.APIKey, nil)
		page := decode(t, body)
		items := page["items"].([]any)
		if len(items) != 2 || page["next_cursor"] == nil {
			t.Fatalf("deliveries: %s", body)
		}
		first := items[0].(map[string]any)
		status, _, body = e.call("POST", "/v1/webhook-endpoints/"+id+"/deliveries/"+first["id"].(string)+"/replay", e.APIKey, nil)
		if status != 202 {
			t.Fatalf("replay: %d %s", status, body)
		}
		got = in.Wait(t, 7, 10*time.Second)
		if got[6].Header.Get("webhook-id") != first["id"] {
			t.Fatalf("replayed webhook-id %s; want %s", got[6].Header.Get("webhook-id"), first["id"])
		}
		status, h, body = e.call("POST", "/v1/webhook-endpoints/"+id+"/deliveries/msg_nope/replay", e.APIKey, nil)
		problemOf(t, status, h, body, 404, "not_found")

		// An endpoint failing for five days is disabled, and says so. The
		// successes above are recorded first: each would end the run of failures.
		harness.WaitFor(t, "every delivery recorded", 10*time.Second, func() bool {
			_, _, body := e.call("GET", "/v1/webhook-endpoints/"+id+"/deliveries", e.APIKey, nil)
			return !strings.Contains(string(body), `"state":"pending"`)
		})
		in.Respond(func(int) (int, time.Duration) { return http.StatusInternalServerError, 0 })
		if err := e.Server.Store.Write(t.Context(), func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE webhook_endpoints SET failing_since = $1`, time.Now().Add(-6*24*time.Hour).UnixMilli())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		e.call("POST", "/v1/messages", e.APIKey, text(harness.User, "into the void"), "Prefer", "wait=5")
		harness.WaitFor(t, "the endpoint disabled", 10*time.Second, func() bool {
			_, _, body := e.call("GET", "/v1/webhook-endpoints/"+id, e.APIKey, nil)
			return decode(t, body)["disabled"] == true
		})
		_, _, body = e.call("GET", "/v1/webhook-endpoints/"+id, e.APIKey, nil)
		if ep := decode(t, body); ep["disabled_reason"] != "every delivery failed for 120h0m0s" {
			t.Fatalf("disabled: %s", body)
		}
		status, _, body = e.call("PATCH", "/v1/webhook-endpoints/"+id, e.APIKey, map[string]any{"disabled": false, "events": []string{"message.failed"}})
		if ep := decode(t, body); status != 200 || ep["disabled"] != false || ep["failing_since"] != nil || len(ep["events"].([]any)) != 1 {
			t.Fatalf("enable: %d %s", status, body)
		}
		if status, _, _ := e.call("DELETE", "/v1/webhook-endpoints/"+id, e.APIKey, nil); status != 204 {
			t.Fatalf("delete: %d", status)
		}
		status, h, body = e.call("GET", "/v1/webhook-endpoints/"+id, e.APIKey, nil)
		problemOf(t, status, h, body, 404, "not_found")
	})
}

// TestWhatsAppEvents: a WhatsApp user's message and a status of a message
// sent to them reach the endpoint, the user named by the contact's id.
func TestWhatsAppEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		e.AttachWhatsApp(nil)
		in := harness.NewInbox(t)
		create := map[string]any{"url": in.URL, "events": []string{"inbound.message", "message.delivered", "contact.window_opened"}}
		status, _, body := e.call("POST", "/v1/webhook-endpoints", e.APIKey, create)
		secret, _ := decode(t, body)["secret"].(string)
		if status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
		if _, err := e.Fake.WAUserSendsText(harness.WANumberID, harness.WAUser, "Grace", "Hi"); err != nil {
			t.Fatal(err)
		}
		evs := eventsOf(t, in.Wait(t, 2, 10*time.Second))
		if ts := types(evs); !slices.Equal(ts, []string{"contact.window_opened", "inbound.message"}) {
			t.Fatalf("events %v", ts)
		}
		for _, ev := range evs {
			if ev.Data["psid"] != "wa:447700900123" {
				t.Fatalf("%s names %v", ev.Type, ev.Data["psid"])
			}
		}
		send := map[string]any{"channel": "whatsapp", "to": map[string]any{"wa_id": "447700900123"},
			"message": map[string]any{"type": "text", "text": map[string]any{"body": "Thanks"}}}
		_, _, body = e.call("POST", "/v1/messages", e.APIKey, send, "Prefer", "wait=5")
		wamid := decode(t, body)["message_ids"].([]any)[0].(string)
		if _, err := e.Fake.WAStatus(harness.WANumberID, wamid, harness.WAUser, "delivered"); err != nil {
			t.Fatal(err)
		}
		got := in.Wait(t, 3, 10*time.Second)
		ev := eventsOf(t, got[2:])[0]
		if ev.Type != "message.delivered" || ev.Data["status"] != "delivered" || ev.Data["message_ids"].([]any)[0] != wamid ||
			!verifies(secret, got[2]) {
			t.Fatalf("status event %+v", ev)
		}
	})
}
