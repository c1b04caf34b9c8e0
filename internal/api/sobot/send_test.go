package sobot_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Every send sample of the seed reaches Graph as the golden body, and the
// answer is the sent message.
func TestSendSeedSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		// The media sample sends an attachment uploaded before.
		s.Admin(http.MethodPatch, "/admin/v1/bots/"+s.BotID, map[string]any{"webhook_url": s.Inbox.URL}, 200, nil)
		track := item(t, s.post("upload_async", sample(t, "upload_async.json")))
		attachment := attachmentID(t, s.Inbox.Wait(t, 1, 5*time.Second)[0].Body, track)

		for _, name := range []string{"text", "image", "message_tag", "button", "generic", "media_attachment", "media_url"} {
			t.Run(name, func(t *testing.T) {
				body := strings.Replace(sample(t, "send/"+name+".json"), "ATTACHMENT_ID", attachment, 1)
				got := s.post("send", body)
				last := lastSend(t, s)
				want := fmt.Sprintf(`{"item":{"message_id":%q,"recipient_id":%q},"ret_code":"000000","ret_msg":"成功"}`, last.MessageID, harness.User)
				if got != want {
					t.Fatalf("answer\n got %s\nwant %s", got, want)
				}
				// The uploaded id differs from run to run; the golden file names it.
				golden(t, "send/"+name+".graph.json", bytes.ReplaceAll(last.Body, []byte(attachment), []byte("ATTACHMENT_ID")))
			})
		}
	})
}

// Sends to a notification-messages token, with HUMAN_AGENT, and with the
// seed's opt-in spelling of the recipient.
func TestSendVariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		cases := []struct {
			name, body, answer, graph string
		}{
			{"marketing message to an opt-in token",
				`{"pageid":"PAGEID","recipient_token":"863341894114000000","type":"text","payload":"Deals today"}`,
				`{"item":{"message_id":"MID"},"ret_code":"000000","ret_msg":"成功"}`,
				`{"recipient":{"notification_messages_token":"863341894114000000"},"message":{"text":"Deals today"}}`},
			{"HUMAN_AGENT",
				`{"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","recipientid":"RECIPIENTID","pageid":"PAGEID","type":"text","payload":"An agent here"}`,
				`{"item":{"message_id":"MID","recipient_id":"RECIPIENTID"},"ret_code":"000000","ret_msg":"成功"}`,
				`{"recipient":{"id":"RECIPIENTID"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"An agent here"}}`},
			{"no messaging_type, numeric ids, recipient_id",
				`{"recipient_id":524807506000000,"pageid":110661988000000,"type":"file","payload":{"url":"https://example.com/a.pdf","is_reusable":true}}`,
				`{"item":{"message_id":"MID","recipient_id":"RECIPIENTID"},"ret_code":"000000","ret_msg":"成功"}`,
				`{"recipient":{"id":"RECIPIENTID"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"file","payload":{"url":"https://example.com/a.pdf","is_reusable":true}}}}`},
		}
		fill := strings.NewReplacer("RECIPIENTID", harness.User, "PAGEID", harness.Page)
		for _, c := range cases {
			got := s.post("send", fill.Replace(c.body))
			last := lastSend(t, s)
			if want := strings.Replace(fill.Replace(c.answer), "MID", last.MessageID, 1); got != want {
				t.Errorf("%s: answer\n got %s\nwant %s", c.name, got, want)
			}
			if want := fill.Replace(c.graph); string(last.Body) != want {
				t.Errorf("%s: Graph body\n got %s\nwant %s", c.name, last.Body, want)
			}
		}
	})
}

func TestSendErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		s.Fake.OutsideWindow(harness.OtherUser)
		send := func(extra string) string {
			return `{"recipientid":"` + harness.User + `","pageid":"` + harness.Page + `",` + extra + `}`
		}
		cases := []struct {
			name, token, body, want string
		}{
			{"no token", "-", send(`"type":"text","payload":"hi"`), errBody("900001", "the token header is required; get one from /api/get_token")},
			{"malformed JSON", "", `{"type":"text",`, errBody("999999", "malformed JSON: the body ends early")},
			{"not an object", "", `[1]`, errBody("999999", "the request body must be a JSON object")},
			{"over 1 MiB", "", send(`"type":"text","payload":"` + strings.Repeat("x", 1<<20) + `"`), errBody("999999", "request body is larger than 1048576 bytes (1 MiB)")},
			{"no pageid", "", `{"recipientid":"1","type":"text","payload":"hi"}`, errBody("210001", "pageid is required: the Facebook page id")},
			{"another page", "", `{"recipientid":"1","pageid":"999","type":"text","payload":"hi"}`, errBody("210002", "pageid 999 is not a page of this app")},
			{"no recipient", "", `{"pageid":"` + harness.Page + `","type":"text","payload":"hi"}`,
				errBody("210009", "recipientid (the user's Facebook id) or recipient_token is required")},
			{"both recipients", "", send(`"recipient_token":"42","type":"text","payload":"hi"`),
				errBody("999999", "recipientid: and recipient_token are exclusive: give recipientid for a user, or recipient_token for a marketing message")},
			{"no type", "", send(`"payload":"hi"`), errBody("999999", "type: is required: text, image, audio, video, file or template")},
			{"unknown type", "", send(`"type":"sticker","payload":"hi"`), errBody("999999", `type: must be text, image, audio, video, file or template, not "sticker"`)},
			{"no payload", "", send(`"type":"text"`), errBody("999999", "payload is required")},
			{"text payload object", "", send(`"type":"text","payload":{"text":"hi"}`), errBody("999999", "payload: must be a string when type is text")},
			{"empty text", "", send(`"type":"text","payload":""`), errBody("999999", "payload: is empty; type text needs the message's text")},
			{"text too long", "", send(`"type":"text","payload":"` + strings.Repeat("x", 2001) + `"`), errBody("999999", "payload: is 2001 characters; at most 2000 are allowed")},
			{"media payload misspelt", "", send(`"type":"image","payload":{"uri":"https://example.com/a.png"}`), errBody("999999", "payload.uri: is not a known field")},
			{"media without url", "", send(`"type":"video","payload":{}`), errBody("999999", "payload: needs url or attachment_id")},
			{"relative url", "", send(`"type":"image","payload":{"url":"/a.png"}`), errBody("999999", "payload.url: must be an absolute http or https URL")},
			{"template field misspelt", "", send(`"type":"template","payload":{"template_type":"generic","elements":[{"title":"T","subtile":"S"}]}`),
				errBody("999999", "payload.elements[0].subtile: is not a known field")},
			{"four buttons", "", send(`"type":"template","payload":{"template_type":"button","text":"T","buttons":[` +
				strings.TrimSuffix(strings.Repeat(`{"type":"postback","title":"B","payload":"P"},`, 4), ",") + `]}`),
				errBody("999999", "payload.buttons: has 4 buttons; 1 to 3 are allowed")},
			{"unknown template type", "", send(`"type":"template","payload":{"template_type":"list"}`),
				errBody("999999", `payload.template_type: must be generic, button, media, receipt or notification_messages, not "list"`)},
			{"MESSAGE_TAG without tag", "", send(`"messaging_type":"MESSAGE_TAG","type":"text","payload":"hi"`),
				errBody("999999", "tag: is required when messaging_type is MESSAGE_TAG")},
			{"unknown messaging_type", "", send(`"messaging_type":"PUSH","type":"text","payload":"hi"`),
				errBody("999999", `messaging_type: must be RESPONSE, UPDATE or MESSAGE_TAG, not "PUSH"`)},
			{"retired tag without an equivalent", "", send(`"messaging_type":"MESSAGE_TAG","tag":"GAME_EVENT","type":"text","payload":"hi"`),
				errBody("999999", `tag: "GAME_EVENT" was retired by Facebook on 2020-03-04 and has no current equivalent; use ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE or HUMAN_AGENT`)},
		}
		for _, c := range cases {
			token := s.Token
			if c.token == "-" {
				token = ""
			}
			if got := s.do(http.MethodPost, "/chat-facebook/api/messenger/send", token, c.body); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
			}
		}
		if n := len(s.Fake.Sends()); n != 0 {
			t.Errorf("refused requests reached Graph %d times", n)
		}

		// Facebook refuses: 999999 with Graph's own error kept.
		got := s.post("send", `{"recipientid":"`+harness.OtherUser+`","pageid":"`+harness.Page+`","type":"text","payload":"hi"}`)
		want := `{"ret_code":"999999","ret_msg":"Facebook refused the message: ` + outsideWindow + `","upstream":{"http_status":400,"code":10,` +
			`"error_subcode":2018278,"type":"OAuthException","message":"` + outsideWindow + `","fbtrace_id":"TRACE"}}`
		if got = fbtrace.ReplaceAllString(got, `"fbtrace_id":"TRACE"`); got != want {
			t.Errorf("Graph's refusal:\n got %s\nwant %s", got, want)
		}

		// The bot's window policy is the core's: enforced, it refuses before sending.
		s.Admin(http.MethodPatch, "/admin/v1/bots/"+s.BotID, map[string]any{"settings": map[string]any{"window_policy": "enforce"}}, 200, nil)
		got = s.post("send", `{"recipientid":"`+harness.User+`","pageid":"`+harness.Page+`","type":"text","payload":"hi"}`)
		want = errBody("999999", "outside the 24-hour messaging window: the user has never written to this page; "+
			"a message to them needs messaging_type MESSAGE_TAG with a tag, or a notification-messages token")
		if got != want {
			t.Errorf("window policy:\n got %s\nwant %s", got, want)
		}
	})
}

var (
	fbtrace = regexp.MustCompile(`"fbtrace_id":"[^"]*"`)
	// Graph's wording for 10/2018278, as the fake Graph answers it.
	outsideWindow = "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
)
