package v1_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestErrors: every refusal is a problem with the status the one table
// gives its kind, and the field it names.
func TestErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		ok := text(harness.User, "hi")
		msg := func(change func(m map[string]any)) map[string]any {
			m := text(harness.User, "hi")
			change(m)
			return m
		}
		big := `{"channel":"messenger","to":{"psid":"1"},"message":{"text":"` + strings.Repeat("x", 1<<20) + `"}}`
		status, _ := e.Bothub(fmt.Sprintf(`{"request":{"method":"send_message","id":"dup-1","sync":true},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, harness.User))
		if status != 200 {
			t.Fatalf("bothub send: %d", status)
		}
		cases := []struct {
			name, method, path, key string
			body                    any
			header                  []string
			status                  int
			code, field             string
		}{
			{"no key", "POST", "/v1/messages", "", ok, nil, 401, "unauthenticated", ""},
			{"bad key", "GET", "/v1/messages", "bgk_nope.nope", nil, nil, 401, "bad_credential", ""},
			{"not json", "POST", "/v1/messages", e.APIKey, "hello", []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", ""},
			{"malformed", "POST", "/v1/messages", e.APIKey, `{"channel":`, nil, 400, "invalid", ""},
			{"no channel", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { delete(m, "channel") }), nil, 400, "missing", "channel"},
			{"unknown field", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["colour"] = 1 }), nil, 400, "invalid", "colour"},
			{"bad channel", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["channel"] = "sms" }), nil, 400, "invalid", "channel"},
			{"two ways", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["to"] = map[string]any{"psid": "1", "email": "a@b.c"} }), nil, 400, "bad_recipient", "to"},
			{"no way", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["to"] = map[string]any{} }), nil, 400, "unknown_recipient_way", "to"},
			{"no message", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { delete(m, "message") }), nil, 400, "missing_message", "message"},
			{"bad message", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["message"] = map[string]any{"txt": "hi"} }), nil, 400, "bad_message", "message.txt"},
			{"message and block", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["block"] = map[string]any{"name": "x"} }), nil, 400, "invalid", "block"},
			{"unknown block", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { delete(m, "message"); m["block"] = map[string]any{"name": "nope"} }), []string{"Idempotency-Key", "b1"}, 404, "unknown_block", ""},
			{"unknown user", "POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["to"] = map[string]any{"email": "nobody@example.com"} }), nil, 404, "unknown_user", ""},
			{"wait too long", "POST", "/v1/messages", e.APIKey, ok, []string{"Prefer", "wait=31"}, 400, "invalid", "Prefer"},
			{"request id used by a vendor face", "POST", "/v1/messages", e.APIKey, ok, []string{"Idempotency-Key", "dup-1"}, 409, "duplicate", ""},
			{"too large", "POST", "/v1/messages", e.APIKey, big, nil, 413, "too_large", ""},
			{"unknown message", "GET", "/v1/messages/msg_nope", e.APIKey, nil, nil, 404, "not_found", ""},
			{"unknown parameter", "GET", "/v1/messages?colour=red", e.APIKey, nil, nil, 400, "invalid", "colour"},
			{"limit 0", "GET", "/v1/messages?limit=0", e.APIKey, nil, nil, 400, "invalid", "limit"},
			{"limit 501", "GET", "/v1/messages?limit=501", e.APIKey, nil, nil, 400, "invalid", "limit"},
			{"limit not a number", "GET", "/v1/messages?limit=ten", e.APIKey, nil, nil, 400, "invalid", "limit"},
			{"bad cursor", "GET", "/v1/messages?cursor=%21%21", e.APIKey, nil, nil, 400, "invalid", "cursor"},
			{"bad status", "GET", "/v1/messages?status=lost", e.APIKey, nil, nil, 400, "invalid", "status"},
			{"bad since", "GET", "/v1/messages?since=yesterday", e.APIKey, nil, nil, 400, "invalid", "since"},
			{"method", "DELETE", "/v1/messages", e.APIKey, nil, nil, 405, "method_not_allowed", ""},
			{"no route", "GET", "/v1/nothing", e.APIKey, nil, nil, 404, "no_route", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, h, body := e.call(c.method, c.path, c.key, c.body, c.header...)
				p := problemOf(t, status, h, body, c.status, c.code)
				if c.field == "" {
					return
				}
				errs, _ := p["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["field"] != c.field {
					t.Fatalf("errors %v; want field %s", p["errors"], c.field)
				}
			})
		}
		// A window policy refusal is a 422.
		e.Admin(http.MethodPatch, "/admin/v1/bots/"+e.BotID, map[string]any{"settings": map[string]any{"window_policy": "enforce"}}, 200, nil)
		status, h, body := e.call("POST", "/v1/messages", e.APIKey, msg(func(m map[string]any) { m["messaging_type"] = "RESPONSE" }))
		problemOf(t, status, h, body, 422, "policy")
	})
}
