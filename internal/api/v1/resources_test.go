package v1_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestContacts: a user who wrote is a contact with an open window; its
// parameters merge and its tags are replaced; a read key may not change it.
func TestContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		if _, err := e.Fake.UserSendsText(harness.Page, harness.User, "Hi!"); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the contact", 10*time.Second, func() bool {
			status, _, _ := e.call("GET", "/v1/contacts/"+harness.User, e.APIKey, nil)
			return status == 200
		})
		_, _, body := e.call("GET", "/v1/contacts", e.APIKey, nil)
		items := decode(t, body)["items"].([]any)
		c := items[0].(map[string]any)
		if len(items) != 1 || c["id"] != harness.User || c["channel"] != "messenger" || c["window"].(map[string]any)["open"] != true {
			t.Fatalf("contacts: %s", body)
		}
		status, _, body := e.call("PATCH", "/v1/contacts/"+harness.User, e.APIKey, map[string]any{"params": map[string]any{"points": "10"}, "tags": []string{"vip", "b", "vip"}})
		c = decode(t, body)
		if status != 200 || c["params"].(map[string]any)["points"] != "10" || len(c["tags"].([]any)) != 2 || c["tags"].([]any)[0] != "b" {
			t.Fatalf("patch: %d %s", status, body)
		}
		_, _, body = e.call("PATCH", "/v1/contacts/"+harness.User, e.APIKey, map[string]any{"params": map[string]any{"level": "gold"}})
		c = decode(t, body)
		if p := c["params"].(map[string]any); p["points"] != "10" || p["level"] != "gold" || len(c["tags"].([]any)) != 2 {
			t.Fatalf("merge: %s", body)
		}
		status, h, body := e.call("PATCH", "/v1/contacts/"+harness.User, e.APIKey, map[string]any{"params": map[string]any{"bad name!": "x"}})
		problemOf(t, status, h, body, 400, "invalid")
		status, h, body = e.call("PATCH", "/v1/contacts/nobody", e.APIKey, map[string]any{"tags": []string{}})
		problemOf(t, status, h, body, 404, "not_found")
		status, h, body = e.call("GET", "/v1/contacts/nobody", e.APIKey, nil)
		problemOf(t, status, h, body, 404, "not_found")

		var reader struct {
			Key string `json:"key"`
		}
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"read"}}, 201, &reader)
		status, h, body = e.call("PATCH", "/v1/contacts/"+harness.User, reader.Key, map[string]any{"tags": []string{}})
		if p := problemOf(t, status, h, body, 403, "forbidden"); p["detail"] != "this API key lacks the manage scope" {
			t.Fatalf("403: %s", body)
		}
	})
}

// TestBlocks: create, conflict, new version, read a version, list versions,
// send it, delete; a system block cannot be deleted.
func TestBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		card := func(s string) []any { return []any{map[string]any{"text": s}} }
		status, h, body := e.call("POST", "/v1/blocks", e.APIKey, map[string]any{"name": "points", "cards": card("You have {{points}} points")}, "Idempotency-Key", "blk-1")
		if b := decode(t, body); status != 201 || b["version"] != float64(1) || h.Get("Location") != "/v1/blocks/points" {
			t.Fatalf("create: %d %s", status, body)
		}
		status, h, body = e.call("POST", "/v1/blocks", e.APIKey, map[string]any{"name": "points", "cards": card("again")})
		problemOf(t, status, h, body, 409, "conflict")
		status, h, body = e.call("POST", "/v1/blocks", e.APIKey, map[string]any{"name": "empty", "cards": []any{}})
		problemOf(t, status, h, body, 400, "invalid")
		status, _, body = e.call("PUT", "/v1/blocks/points", e.APIKey, map[string]any{"cards": card("Now {{points}} points")})
		if b := decode(t, body); status != 200 || b["version"] != float64(2) {
			t.Fatalf("put: %d %s", status, body)
		}
		_, _, body = e.call("GET", "/v1/blocks/points?version=1", e.APIKey, nil)
		if b := decode(t, body); b["cards"].([]any)[0].(map[string]any)["text"] != "You have {{points}} points" {
			t.Fatalf("version 1: %s", body)
		}
		_, _, body = e.call("GET", "/v1/blocks/points/versions", e.APIKey, nil)
		if n := len(decode(t, body)["items"].([]any)); n != 2 {
			t.Fatalf("versions: %s", body)
		}
		_, _, body = e.call("GET", "/v1/blocks", e.APIKey, nil)
		if n := len(decode(t, body)["items"].([]any)); n < 5 { // the four system blocks and points
			t.Fatalf("list: %s", body)
		}
		send := map[string]any{"channel": "messenger", "to": map[string]any{"psid": harness.User}, "messaging_type": "UPDATE",
			"block": map[string]any{"name": "points", "params": map[string]any{"points": "7"}}}
		status, _, body = e.call("POST", "/v1/messages", e.APIKey, send, "Prefer", "wait=5")
		if m := decode(t, body); status != 200 || m["status"] != "sent" || m["block"] != "points" || m["block_version"] != float64(2) {
			t.Fatalf("send block: %d %s", status, body)
		}
		if sent := e.Fake.SentTo(harness.User); len(sent) != 1 || !strings.Contains(string(sent[0].Body), `"text":"Now 7 points"`) {
			t.Fatalf("fake got %v", sent)
		}
		if status, _, _ := e.call("DELETE", "/v1/blocks/points", e.APIKey, nil); status != http.StatusNoContent {
			t.Fatalf("delete: %d", status)
		}
		status, h, body = e.call("DELETE", "/v1/blocks/welcome", e.APIKey, nil)
		problemOf(t, status, h, body, 409, "conflict")
		status, h, body = e.call("GET", "/v1/blocks/points?version=0", e.APIKey, nil)
		problemOf(t, status, h, body, 400, "invalid")
	})
}
