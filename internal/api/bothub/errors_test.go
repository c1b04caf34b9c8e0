package bothub_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// envelope builds a send_message body around its parts.
func envelope(id, recipient, message string, extra ...string) string {
	parts := []string{fmt.Sprintf(`"request":{"method":"send_message","id":%q,"sync":true}`, id)}
	if recipient != "" {
		parts = append(parts, `"recipient":`+recipient)
	}
	if message != "" {
		parts = append(parts, `"message":`+message)
	}
	parts = append(parts, extra...)
	if !strings.Contains(strings.Join(extra, ""), "messaging_type") {
		parts = append(parts, `"messaging_type":"RESPONSE"`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

var (
	user     = fmt.Sprintf(`{"id":%q}`, harness.User)
	text     = `{"text":"hi"}`
	fbtrace  = regexp.MustCompile(`"fbtrace_id":"[^"]*"`)
	longText = strings.Repeat("x", 2001)
	// Graph's wording for 10/2018278, as the fake Graph answers it.
	outsideWindow = "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
)

func errBody(code, subcode int, typ, requestID, message string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":%q,"code":%d,"error_subcode":%d,"request_id":%q}}`, message, typ, code, subcode, requestID)
}

func TestEveryErrorCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
			c.SyncTimeout = 2 * time.Second
		}})
		// A second key, disabled; a deleted bot's key; a bot without a callback URL.
		var k2 struct{ ID, Key string }
		env.Admin(http.MethodPost, "/admin/v1/bots/"+env.BotID+"/api-keys", nil, 201, &k2)
		env.Admin(http.MethodPatch, "/admin/v1/api-keys/"+k2.ID, map[string]any{"enabled": false}, 200, nil)
		var gone, quiet struct{ ID string }
		var goneKey, quietKey struct{ Key string }
		env.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "gone"}, 201, &gone)
		env.Admin(http.MethodPost, "/admin/v1/bots/"+gone.ID+"/api-keys", nil, 201, &goneKey)
		env.Admin(http.MethodDelete, "/admin/v1/bots/"+gone.ID, nil, 204, nil)
		env.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "quiet",
			"messenger": map[string]any{"page_id": "999", "access_token": "t"}}, 201, &quiet)
		env.Admin(http.MethodPost, "/admin/v1/bots/"+quiet.ID+"/api-keys", nil, 201, &quietKey)
		env.Fake.UnmatchedPhone("+8618900002222")
		env.Fake.OutsideWindow("524807506000099")
		if status, body := env.Bothub(envelope("dup", user, text)); status != 200 {
			t.Fatalf("first use of request id: %d %s", status, body)
		}

		cases := []struct {
			name   string
			key    string // APIKEY header; "-" for none, "" for the bot's key
			body   string
			status int
			want   string
		}{
			{"10001 no key", "-", envelope("r1", user, text), 401,
				errBody(10001, 0, "AuthException", "", "an API key is required")},
			{"10002 unknown key", "bgk_nope.nope", envelope("r1", user, text), 401,
				errBody(10002, 0, "AuthException", "", "invalid or disabled API key")},
			{"10002 disabled key", k2.Key, envelope("r1", user, text), 401,
				errBody(10002, 0, "AuthException", "", "invalid or disabled API key")},
			{"10006 deleted bot", goneKey.Key, envelope("r1", user, text), 404,
				errBody(10006, 0, "InvalidRequest", "", "the bot of this API key was deleted")},
			{"10003 no request id", "", `{"request":{"method":"send_message"},"recipient":` + user + `,"message":` + text + `}`, 400,
				errBody(10003, 0, "InvalidRequest", "", "request.id is required")},
			{"10004 no method", "", `{"request":{"id":"r1"},"recipient":` + user + `,"message":` + text + `}`, 400,
				errBody(10004, 0, "InvalidRequest", "r1", "request.method is required")},
			{"10005 unknown method", "", `{"request":{"id":"r1","method":"send_fax"}}`, 400,
				errBody(10005, 0, "InvalidRequest", "r1", `request.method "send_fax" is not a known method`)},
			{"10007 no recipient", "", envelope("r1", "", text), 400,
				errBody(10007, 0, "InvalidRequest", "r1", "recipient is required")},
			{"10008 recipient not an object", "", envelope("r1", `"524807506000000"`, text), 400,
				errBody(10008, 0, "InvalidRequest", "r1", "recipient: must be an object")},
			{"10008 two ways", "", envelope("r1", `{"id":"1","email":"a@b.c"}`, text), 400,
				errBody(10008, 0, "InvalidRequest", "r1", "recipient names the user in more than one way (id, email); give exactly one")},
			{"10008 national number without country code", "", envelope("r1", `{"phone_number":"18900001111"}`, text), 400,
				errBody(10008, 0, "InvalidRequest", "r1", `recipient.phone_number: "18900001111" needs the plus sign and country code (+8618900001111), or country.phone_code`)},
			{"10009 unknown way", "", envelope("r1", `{"fb_id":"1"}`, text), 400,
				errBody(10009, 0, "InvalidRequest", "r1", "recipient.fb_id is not a way to name the user; use id, phone_number, username, email, user_phone_number or notification_messages_token")},
			{"10010 unlinked username", "", envelope("r1", `{"username":"mike"}`, text), 404,
				errBody(10010, 0, "InvalidRequest", "r1", "no Messenger user is linked to this username; link it with link_account, matching exactly")},
			{"10011 duplicate request id", "", envelope("dup", user, text), 409,
				errBody(10011, 0, "InvalidRequest", "dup", `request id "dup" was already used for this bot`)},
			{"10100 text too long", "", envelope("r1", user, `{"text":"`+longText+`"}`), 400,
				errBody(10100, 0, "InvalidRequest", "r1", "message.text: is 2001 characters; at most 2000 are allowed")},
			{"10100 sync not a boolean", "", `{"request":{"method":"send_message","id":"r1","sync":"maybe"}}`, 400,
				errBody(10100, 0, "InvalidRequest", "r1", "request.sync: must be true or false")},
			{"10100 request id of the wrong type", "", `{"request":{"method":"send_message","id":{"a":1}}}`, 400,
				errBody(10100, 0, "InvalidRequest", "", "request.id: must be a string or a number")},
			{"10100 no messaging type", "", `{"request":{"method":"send_message","id":"r1"},"recipient":` + user + `,"message":` + text + `}`, 400,
				errBody(10100, 0, "InvalidRequest", "r1", "messaging_type: is required (RESPONSE, UPDATE or MESSAGE_TAG)")},
			{"10100 MESSAGE_TAG without a tag", "", envelope("r1", user, text, `"messaging_type":"MESSAGE_TAG"`), 400,
				errBody(10100, 0, "InvalidRequest", "r1", "message_tag: is required when messaging_type is MESSAGE_TAG")},
			{"10100 retired tag with no equivalent", "", envelope("r1", user, text, `"messaging_type":"MESSAGE_TAG","message_tag":"GAME_EVENT"`), 400,
				errBody(10100, 0, "InvalidRequest", "r1", `message_tag: "GAME_EVENT" was retired by Facebook on 2020-03-04 and has no current equivalent; use ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE or HUMAN_AGENT`)},
			{"10100 malformed JSON", "", `{"request":{"method":"send_message",}`, 400,
				errBody(10100, 0, "InvalidRequest", "", "malformed JSON at byte 37: invalid character '}' looking for beginning of object key string")},
			{"10100 body over 1 MiB", "", `{"pad":"` + strings.Repeat("x", 1<<20) + `"}`, 413,
				errBody(10100, 0, "InvalidRequest", "", "request body is larger than 1048576 bytes (1 MiB)")},
			{"10100 unfilled placeholder", "", envelope("r1", user, `{"text":"You have {{points}} points"}`), 400,
				errBody(10100, 0, "InvalidRequest", "r1", "message.text: placeholder {{points}} has no value: pass it in params or set it on the contact")},
			{"20001 no message", "", envelope("r1", user, ""), 400,
				errBody(20001, 0, "InvalidRequest", "r1", "message is required")},
			{"20002 async without callback URL", quietKey.Key, `{"request":{"method":"send_message","id":"r1","sync":false},"recipient":` + user + `,"message":` + text + `,"messaging_type":"RESPONSE"}`, 400,
				errBody(20002, 0, "InvalidRequest", "r1", "async requests need a callback URL; set one on the bot or send with sync true")},
			{"20004 text not a string", "", envelope("r1", user, `{"text":5}`), 400,
				errBody(20004, 0, "InvalidRequest", "r1", "message.text: must be a string")},
			{"20004 unknown field", "", envelope("r1", user, `{"txt":"hi"}`), 400,
				errBody(20004, 0, "InvalidRequest", "r1", "message.txt: is not a known field")},
			{"20004 text and attachment", "", envelope("r1", user, `{"text":"hi","attachment":{"type":"image","payload":{"url":"https://x.test/a.png"}}}`), 400,
				errBody(20004, 0, "InvalidRequest", "r1", "message: has both text and attachment; a message carries exactly one")},
			{"20004 unknown template type", "", envelope("r1", user, `{"attachment":{"type":"template","payload":{"template_type":"list"}}}`), 400,
				errBody(20004, 0, "InvalidRequest", "r1", `message.attachment.payload.template_type: must be generic, button, media, receipt or notification_messages, not "list"`)},
			{"10100 too many generic elements", "", envelope("r1", user, `{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[`+strings.Repeat(`{"title":"t"},`, 10)+`{"title":"t"}]}}}`), 400,
				errBody(10100, 0, "InvalidRequest", "r1", "message.attachment.payload.elements: has 11 elements; a generic template takes 1 to 10")},
			{"10100 button title too long", "", envelope("r1", user, `{"attachment":{"type":"template","payload":{"template_type":"button","text":"t","buttons":[{"type":"postback","title":"123456789012345678901","payload":"p"}]}}}`), 400,
				errBody(10100, 0, "InvalidRequest", "r1", "message.attachment.payload.buttons[0].title: is 21 characters; at most 20 are allowed")},
			{"20003 phone not matched", "", envelope("r20003", `{"phone_number":"+8618900002222"}`, text), 404,
				`{"error":{"message":"the phone number matches no Messenger user: (#100) No matching user found","type":"OAuthException","code":20003,"error_subcode":2018001,"request_id":"r20003","upstream":{"http_status":400,"code":100,"error_subcode":2018001,"type":"OAuthException","message":"(#100) No matching user found","fbtrace_id":"X"}}}`},
			{"10000 Facebook refused", "", envelope("r10000", `{"id":"524807506000099"}`, text), 422,
				`{"error":{"message":"Facebook refused the message: ` + outsideWindow + `","type":"OAuthException","code":10000,"error_subcode":2018278,"request_id":"r10000","upstream":{"http_status":400,"code":10,"error_subcode":2018278,"type":"OAuthException","message":"` + outsideWindow + `","fbtrace_id":"X"}}}`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := http.Header{"Content-Type": {"application/json"}}
				switch c.key {
				case "":
					h.Set("APIKEY", env.APIKey)
				case "-":
				default:
					h.Set("APIKEY", c.key)
				}
				status, body := env.Do(http.MethodPost, "/api", h, []byte(c.body))
				got := fbtrace.ReplaceAllString(harness.Compact(t, body), `"fbtrace_id":"X"`)
				if status != c.status || got != c.want {
					t.Errorf("got %d %s\nwant %d %s", status, got, c.status, c.want)
				}
			})
		}

		// 18000: Graph keeps throttling past the sync bound. The page limit
		// asks for a minute's pause, more than the bound: botgate answers at once.
		env.Fake.FailNext(1, fakegraph.ErrRateLimitPage)
		status, body := env.Bothub(envelope("r18000", user, text))
		got := fbtrace.ReplaceAllString(harness.Compact(t, body), `"fbtrace_id":"X"`)
		want := `{"error":{"message":"Facebook did not take the message in time: (#32) Page request limit reached","type":"OAuthException","code":18000,"error_subcode":0,"request_id":"r18000","upstream":{"http_status":400,"code":32,"type":"OAuthException","message":"(#32) Page request limit reached","fbtrace_id":"X"}}}`
		if status != 503 || got != want {
			t.Errorf("18000: got %d %s\nwant 503 %s", status, got, want)
		}
	})
}
