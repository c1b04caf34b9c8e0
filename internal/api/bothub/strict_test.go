package bothub_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// What the hostile review got through: repeated keys (the last won),
// unknown fields in request and recipient, other content types, NUL and
// invalid UTF-8, over-long ids, and a block button naming no block. Each is
// refused with Bothub's envelope and code, naming the field, and nothing
// reaches Graph.
func TestStrictParsing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		const user = `{"id":"` + harness.User + `"}`
		cases := []struct {
			name, contentType, body string
			status                  int
			want                    string
		}{
			{"request.id twice", "", `{"request":{"method":"send_message","id":"r1","id":"r2"},"recipient":` + user + `,"message":{"text":"a"}}`,
				400, `{"error":{"message":"request.id: appears more than once","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":""}}`},
			{"two messages", "", `{"request":{"method":"send_message","id":"r1"},"recipient":` + user + `,"message":{"text":"a"},"message":{"text":"b"}}`,
				400, `{"error":{"message":"message: appears more than once","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":""}}`},
			{"unknown request field", "", `{"request":{"method":"send_message","id":"r1","synch":false},"recipient":` + user + `,"message":{"text":"a"}}`,
				400, `{"error":{"message":"request.synch: is not a known field","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":""}}`},
			{"unknown recipient field", "", `{"request":{"method":"send_message","id":"r1"},"recipient":{"id":"1","nickname":"x"},"message":{"text":"a"}}`,
				400, `{"error":{"message":"recipient.nickname is not a way to name the user; use id, phone_number, username, email, user_phone_number or notification_messages_token","type":"InvalidRequest","code":10009,"error_subcode":0,"request_id":"r1"}}`},
			{"XML", "text/xml", `{"request":{"method":"send_message","id":"r1"},"recipient":` + user + `,"message":{"text":"a"}}`,
				415, `{"error":{"message":"Content-Type \"text/xml\" is not accepted; send the body as application/json","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":""}}`},
			{"NUL in the request id", "", `{"request":{"method":"send_message","id":"r\u0000"},"recipient":` + user + `,"message":{"text":"a"}}`,
				400, `{"error":{"message":"request.id: contains a NUL character (\\u0000)","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":""}}`},
			{"invalid UTF-8 in meta", "", "{\"request\":{\"method\":\"send_message\",\"id\":\"r1\",\"meta\":{\"k\":\"\xff\"}},\"recipient\":" + user + ",\"message\":{\"text\":\"a\"}}",
				400, `{"error":{"message":"request.meta.k: is not valid UTF-8","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":""}}`},
			{"NUL in the text", "", `{"request":{"method":"send_message","id":"r1"},"recipient":` + user + `,"message":{"text":"a\u0000"}}`,
				400, `{"error":{"message":"message.text: contains a NUL character (\\u0000)","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":""}}`},
			{"257-character recipient id", "", `{"request":{"method":"send_message","id":"r1"},"recipient":{"id":"` + strings.Repeat("1", 257) + `"},"message":{"text":"a"}}`,
				400, `{"error":{"message":"recipient.id: is 257 characters; at most 256 are allowed","type":"InvalidRequest","code":10100,"error_subcode":0,"request_id":"r1"}}`},
			{"a button to no block", "", `{"request":{"method":"send_message","id":"r1"},"recipient":` + user + `,"messaging_type":"RESPONSE","message":{"attachment":{"type":"template","payload":{"template_type":"button","text":"Go","buttons":[{"type":"block","title":"More","block_name":"nope"}]}}}}`,
				404, `{"error":{"message":"message.attachment.payload.buttons[0].block_name: the bot has no block named \"nope\"; create it before sending a button that opens it","type":"InvalidRequest","code":20005,"error_subcode":0,"request_id":"r1"}}`},
		}
		for _, c := range cases {
			h := http.Header{"Apikey": {env.APIKey}}
			if c.contentType != "" {
				h.Set("Content-Type", c.contentType)
			}
			status, body := env.Do(http.MethodPost, "/api", h, []byte(c.body))
			if status != c.status || strings.TrimSpace(string(body)) != c.want {
				t.Errorf("%s: %d %s\nwant %d %s", c.name, status, body, c.status, c.want)
			}
		}
		if n := env.Fake.SendCount(); n != 0 {
			t.Errorf("%d refused requests reached Graph", n)
		}
		// The request ids refused above were not used up, and a JSON body
		// labelled as a form (seeds 000 and 001 say "Form Data") is read.
		h := http.Header{"Apikey": {env.APIKey}, "Content-Type": {"application/x-www-form-urlencoded"}}
		status, body := env.Do(http.MethodPost, "/api", h, []byte(`{"request":{"method":"send_message","id":"r1"},"recipient":`+user+`,"messaging_type":"RESPONSE","message":{"text":"a"}}`))
		if status != 200 {
			t.Errorf("form-labelled JSON: %d %s", status, body)
		}
		h.Set("Content-Type", "application/json; charset=UTF-8")
		if status, body := env.Do(http.MethodPost, "/api", h, []byte(`{"request":{"method":"send_message","id":"r2"},"recipient":`+user+`,"messaging_type":"RESPONSE","message":{"text":"a"}}`)); status != 200 {
			t.Errorf("JSON with a charset: %d %s", status, body)
		}
	})
}
