package v1_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

func text(to, s string) map[string]any {
	return map[string]any{"channel": "messenger", "to": map[string]any{"psid": to}, "messaging_type": "UPDATE",
		"message": map[string]any{"text": s}, "metadata": map[string]any{"order": "A-1"}}
}

// TestSendAndRead: a message is accepted (202, status accepted), sent
// through the fake Graph, and read back by id and in the list; with
// Prefer: wait it answers sent, with Graph's id.
func TestSendAndRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		status, h, body := e.call(http.MethodPost, "/v1/messages", e.APIKey, text(harness.User, "Your order shipped"), "Idempotency-Key", "order-1")
		m := decode(t, body)
		if status != http.StatusAccepted || m["status"] != "accepted" || m["request_id"] != "order-1" || m["face"] != "v1" ||
			h.Get("Location") != "/v1/messages/"+m["id"].(string) {
			t.Fatalf("accept: %d %v %s", status, h, body)
		}
		id := m["id"].(string)
		harness.WaitFor(t, "the message sent", 10*time.Second, func() bool {
			_, _, body := e.call(http.MethodGet, "/v1/messages/"+id, e.APIKey, nil)
			return decode(t, body)["status"] == "sent"
		})
		_, _, body = e.call(http.MethodGet, "/v1/messages/"+id, e.APIKey, nil)
		got := decode(t, body)
		if got["to"].(map[string]any)["psid"] != harness.User || got["metadata"].(map[string]any)["order"] != "A-1" ||
			len(got["message_ids"].([]any)) != 1 || len(got["attempts"].([]any)) != 1 || len(got["parts"].([]any)) != 1 {
			t.Fatalf("message: %s", body)
		}
		if sent := e.Fake.SentTo(harness.User); len(sent) != 1 {
			t.Fatalf("fake Graph got %d sends", len(sent))
		}

		status, h, body = e.call(http.MethodPost, "/v1/messages", e.APIKey, text(harness.User, "now"), "Prefer", "wait=5")
		m = decode(t, body)
		if status != http.StatusOK || m["status"] != "sent" || len(m["message_ids"].([]any)) != 1 || h.Get("Preference-Applied") != "wait=5" {
			t.Fatalf("wait: %d %s", status, body)
		}

		status, _, body = e.call(http.MethodGet, "/v1/messages?status=sent&channel=messenger&face=v1&recipient="+harness.User, e.APIKey, nil)
		page := decode(t, body)
		if items := page["items"].([]any); status != 200 || len(items) != 2 || items[0].(map[string]any)["id"] != m["id"] || page["next_cursor"] != nil {
			t.Fatalf("list: %d %s", status, body)
		}
		_, _, body = e.call(http.MethodGet, "/v1/messages?channel=whatsapp", e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); len(items) != 0 {
			t.Fatalf("whatsapp filter: %s", body)
		}
		since := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		_, _, body = e.call(http.MethodGet, "/v1/messages?since="+since, e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); len(items) != 0 {
			t.Fatalf("since filter: %s", body)
		}
	})
}

// TestWhatsApp: a WhatsApp text goes to the user's wa_id through the core.
func TestWhatsApp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		e.AttachWhatsApp(nil)
		body := map[string]any{"channel": "whatsapp", "to": map[string]any{"wa_id": "447700900123"},
			"message": map[string]any{"type": "text", "text": map[string]any{"body": "Your order shipped"}}}
		status, _, data := e.call(http.MethodPost, "/v1/messages", e.APIKey, body, "Prefer", "wait=5")
		m := decode(t, data)
		if status != 200 || m["status"] != "sent" || m["channel"] != "whatsapp" || m["to"].(map[string]any)["wa_id"] != harness.WAUser {
			t.Fatalf("whatsapp: %d %s", status, data)
		}
		if n := len(e.Fake.WhatsAppSends()); n != 1 {
			t.Fatalf("fake got %d WhatsApp sends", n)
		}
	})
}
