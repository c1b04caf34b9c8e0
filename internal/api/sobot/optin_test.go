package sobot_test

import (
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The seed's opt-in sample (which spells recipient_id) sends the topic's
// notification_messages template; overrides win for one message.
func TestSendOptIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		toPage := strings.NewReplacer("106474898833640", harness.Page, "123456789", harness.User)
		item(t, s.post("create_or_update_title", toPage.Replace(read(t, "topics/create_or_update_title.json"))))

		got := s.post("send_opt_in_message", toPage.Replace(read(t, "topics/send_opt_in_message.json")))
		last := lastSend(t, s)
		want := strings.Replace(toPage.Replace(read(t, "topics/send_opt_in_message.answer.json")),
			"m_PWpxCEkBhmD6guuH7FnlVtlnpgH1w6kCmPWZypSP-IHxHmHwJf02vcR2t3tE2HGTtzEm27GCqXLyIhG4WazTDw", last.MessageID, 1)
		if got != compact(t, want) {
			t.Errorf("answer\n got %s\nwant %s", got, compact(t, want))
		}
		graph := `{"recipient":{"id":"` + harness.User + `"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"template","payload":{` +
			`"template_type":"notification_messages","image_aspect_ratio":"SQUARE","title":"测试","image_url":"https://xxx.xx.com/xxx/image.png",` +
			`"payload":"这是一条测试消息","notification_messages_timezone":"UTC","notification_messages_cta_text":"ALLOW"}}}}`
		if string(last.Body) != graph {
			t.Errorf("Graph body\n got %s\nwant %s", last.Body, graph)
		}

		got = s.post("send_opt_in_message", `{"appid":"`+harness.Page+`","title":"测试","recipientid":"`+harness.OtherUser+`",`+
			`"describe":"Only today","image_url":"https://example.com/o.png","image_ratio":"HORIZONTAL","button_type":"GET_UPDATES","timezone":"Asia/Shanghai"}`)
		last = lastSend(t, s)
		if want := `{"item":{"message_id":"` + last.MessageID + `","recipient_id":"` + harness.OtherUser + `"},"ret_code":"000000","ret_msg":"成功"}`; got != want {
			t.Errorf("with overrides:\n got %s\nwant %s", got, want)
		}
		graph = `{"recipient":{"id":"` + harness.OtherUser + `"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"template","payload":{` +
			`"template_type":"notification_messages","image_aspect_ratio":"HORIZONTAL","title":"测试","image_url":"https://example.com/o.png",` +
			`"payload":"Only today","notification_messages_timezone":"Asia/Shanghai","notification_messages_cta_text":"GET_UPDATES"}}}}`
		if string(last.Body) != graph {
			t.Errorf("Graph body with overrides\n got %s\nwant %s", last.Body, graph)
		}
	})
}

func TestSendOptInErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := start(t, db)
		item(t, s.post("create_or_update_title", `{"appid":"`+harness.Page+`","title":"Deals","describe":"D","image_ratio":"SQUARE","button_type":"ALLOW"}`))
		s.Fake.OutsideWindow(harness.OtherUser)
		optIn := func(extra string) string {
			return `{"appid":"` + harness.Page + `","title":"Deals","recipientid":"` + harness.User + `"` + extra + `}`
		}
		cases := []struct{ name, body, want string }{
			{"no appid", `{"title":"Deals","recipientid":"1"}`, errBody("210001", "appid is required: the Facebook page id")},
			{"another page", `{"appid":"7","title":"Deals","recipientid":"1"}`, errBody("210002", "appid 7 is not a page of this app")},
			{"no title", `{"appid":"` + harness.Page + `","recipientid":"1"}`, errBody("210003", "title is required")},
			{"no recipient", `{"appid":"` + harness.Page + `","title":"Deals"}`, errBody("210009", "recipientid (the user's Facebook id) is required")},
			{"unknown topic", `{"appid":"` + harness.Page + `","title":"News","recipientid":"1"}`,
				errBody("210010", `page `+harness.Page+` has no topic titled "News"; create it with create_or_update_title`)},
			{"long describe", optIn(`,"describe":"` + strings.Repeat("x", 66) + `"`), errBody("210006", "describe is 66 characters; at most 65 are allowed")},
			{"unknown button_type", optIn(`,"button_type":"YES"`), errBody("210007", `button_type must be one of ALLOW, GET, GET_UPDATES, OPT_IN, SIGN_UP, not "YES"`)},
			{"unknown image_ratio", optIn(`,"image_ratio":"1:1"`), errBody("210012", `image_ratio must be SQUARE or HORIZONTAL, not "1:1"`)},
			{"relative image_url", optIn(`,"image_url":"o.png"`), errBody("999999", "image_url: must be an absolute http or https URL")},
		}
		for _, c := range cases {
			if got := s.post("send_opt_in_message", c.body); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
			}
		}
		if n := len(s.Fake.Sends()); n != 0 {
			t.Errorf("refused requests reached Graph %d times", n)
		}
		got := fbtrace.ReplaceAllString(s.post("send_opt_in_message", `{"appid":"`+harness.Page+`","title":"Deals","recipientid":"`+harness.OtherUser+`"}`), `"fbtrace_id":"TRACE"`)
		want := `{"ret_code":"999999","ret_msg":"Facebook refused the message: ` + outsideWindow + `","upstream":{"http_status":400,"code":10,` +
			`"error_subcode":2018278,"type":"OAuthException","message":"` + outsideWindow + `","fbtrace_id":"TRACE"}}`
		if got != want {
			t.Errorf("Graph's refusal:\n got %s\nwant %s", got, want)
		}
	})
}
