package fakegraph

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// actAnswer is what POST /_fake/users/act answers.
type actAnswer struct {
	Status int             `json:"status"`
	MID    string          `json:"mid"`
	Body   json.RawMessage `json:"body"`
}

func TestControlActs(t *testing.T) {
	s := New(Options{Seed: 1, Now: fixedClock(1714120447751)})
	ts := newLoopback(t, s)
	messenger, whatsapp := newReceiver(t, secret), newReceiver(t, "wa-secret")
	for _, c := range []struct{ path, body string }{
		{"/_fake/webhooks/messenger", `{"url":"` + messenger.URL + `","app_secret":"` + secret + `"}`},
		{"/_fake/webhooks/whatsapp", `{"url":"` + whatsapp.URL + `","app_secret":"wa-secret"}`},
		{"/_fake/whatsapp/numbers", `{"phone_number_id":"` + waPhoneID + `","display_phone_number":"` + waDisplay + `","access_token":"` + waToken + `"}`},
	} {
		if res := postJSON(t, ts+c.path, c.body); res.status != 204 {
			t.Fatalf("POST %s: HTTP %d %s", c.path, res.status, res.body)
		}
	}
	const env = `{"object":"page","entry":[{"time":1714120447751,"id":"100","messaging":[{"sender":{"id":"7"},` +
		`"recipient":{"id":"100"},"timestamp":1714120447751,`
	cases := []struct {
		act  string
		rc   *receiver
		want string // the delivered body; MID stands for the generated id
	}{
		{`"action":"text","page_id":"100","psid":"7","text":"hi"`, messenger,
			env + `"message":{"mid":"MID","text":"hi"}}]}]}`},
		{`"action":"attachment","page_id":"100","psid":"7","type":"image","url":"https://x/a.png"`, messenger,
			env + `"message":{"mid":"MID","attachments":[{"type":"image","payload":{"url":"https://x/a.png"}}]}}]}]}`},
		{`"action":"quick_reply","page_id":"100","psid":"7","title":"Yes","payload":"Y"`, messenger,
			env + `"message":{"mid":"MID","text":"Yes","quick_reply":{"payload":"Y"}}}]}]}`},
		{`"action":"postback","page_id":"100","psid":"7","title":"Go","payload":"GO"`, messenger,
			env + `"postback":{"mid":"MID","title":"Go","payload":"GO"}}]}]}`},
		{`"action":"delivery","page_id":"100","psid":"7","mids":["m_1","m_2"]`, messenger,
			env + `"delivery":{"mids":["m_1","m_2"],"watermark":1714120447751}}]}]}`},
		{`"action":"delivery","page_id":"100","psid":"7"`, messenger,
			env + `"delivery":{"watermark":1714120447751}}]}]}`},
		{`"action":"read","page_id":"100","psid":"7"`, messenger,
			env + `"read":{"watermark":1714120447751}}]}]}`},
		{`"action":"optin","page_id":"100","psid":"7","title":"T","payload":"P","token":"42","status":"RESUME_NOTIFICATIONS",` +
			`"token_expiry_timestamp":1800000000000`, messenger,
			`{"object":"page","entry":[{"id":"100","time":1714120447751,"messaging":[{"recipient":{"id":"100"},"timestamp":1714120447751,` +
				`"sender":{"id":"7"},"optin":{"type":"notification_messages","payload":"P","notification_messages_token":"42",` +
				`"token_expiry_timestamp":1800000000000,"user_token_status":"NOT_REFRESHED","notification_messages_status":"RESUME_NOTIFICATIONS","title":"T"}}]}]}`},
		{`"action":"optin_plugin","page_id":"100","psid":"7","ref":"r"`, messenger,
			env + `"optin":{"ref":"r"}}]}]}`},
		{`"action":"optin_plugin","page_id":"100","user_ref":"u","ref":"r"`, messenger,
			`{"object":"page","entry":[{"time":1714120447751,"id":"100","messaging":[{"recipient":{"id":"100"},` +
				`"timestamp":1714120447751,"optin":{"ref":"r","user_ref":"u"}}]}]}`},
		{`"action":"wa_text","phone_number_id":"` + waPhoneID + `","from":"16505551234","name":"Ann","text":"hi"`, whatsapp,
			waEnvelope(`"contacts":[{"profile":{"name":"Ann"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234",` +
				`"id":"MID","timestamp":"1714120447","text":{"body":"hi"},"type":"text"}]`)},
		{`"action":"wa_status","phone_number_id":"` + waPhoneID + `","wamid":"wamid.X","recipient":"16505551234","status":"failed",` +
			`"errors":[{"code":131026},{"code":131047,"message":"(#131047) Custom","details":"D"}]`, whatsapp,
			waEnvelope(`"statuses":[{"id":"wamid.X","status":"failed","timestamp":"1714120447","recipient_id":"16505551234",` +
				`"errors":[{"code":131026,"title":"Message undeliverable","error_data":{"details":"` + ErrWAUndeliverable.Details + `"}},` +
				`{"code":131047,"title":"Custom","error_data":{"details":"D"}}]}]`)},
	}
	for _, tc := range cases {
		t.Run(tc.act, func(t *testing.T) {
			res := postJSON(t, ts+"/_fake/users/act", "{"+tc.act+"}")
			var got actAnswer
			if err := json.Unmarshal([]byte(res.body), &got); err != nil || res.status != 200 {
				t.Fatalf("HTTP %d %s: %v", res.status, res.body, err)
			}
			d := tc.rc.next(t)
			want := strings.ReplaceAll(tc.want, "MID", got.MID)
			if !d.verified || got.Status != 200 || string(d.body) != want || string(got.Body) != want {
				t.Errorf("verified %v, answer %s\ndelivered %s\nwant %s", d.verified, res.body, d.body, want)
			}
			// The answer embeds the delivered bytes as they are.
			wantAnswer := `{"status":200,` + `"mid":"` + got.MID + `",` + `"body":` + want + `}`
			if got.MID == "" {
				wantAnswer = `{"status":200,"body":` + want + `}`
			}
			if res.body != wantAnswer {
				t.Errorf("answer %s\nwant %s", res.body, wantAnswer)
			}
		})
	}
}

func TestControlActErrors(t *testing.T) {
	s := New(Options{Seed: 1})
	ts := newLoopback(t, s)
	down := httptest.NewServer(nil)
	down.Close()
	cases := []struct {
		target string
		body   string
		status int
		want   string
	}{
		{"", `{"action":"text","page_id":"1","psid":"2"}`, 400, `{"error":"fakegraph: no webhook target set for messenger"}`},
		{down.URL, `{"action":"read","page_id":"1","psid":"2"}`, 502, ""},
		{down.URL, `{"action":"dance"}`, 400, `{"error":"unknown action \"dance\": want text, attachment, quick_reply, ` +
			`postback, delivery, read, optin, optin_plugin, wa_text, wa_status, wa_button_reply, wa_list_reply or wa_button"}`},
		{down.URL, `{"action":"attachment","page_id":"1","psid":"2","type":"gif"}`, 400,
			`{"error":"fakegraph: attachment type \"gif\" is not one of [image video audio file]"}`},
		{down.URL, `{"action":"text","page":"1"}`, 400, `{"error":"invalid JSON body: json: unknown field \"page\""}`},
		{down.URL, `{"action":"wa_status","phone_number_id":"1","wamid":"w","status":"failed","errors":[{}]}`, 400,
			`{"error":"errors[].code is required"}`},
		{down.URL, `{"action":"wa_text","phone_number_id":"1","from":"1"}`, 400,
			`{"error":"fakegraph: phone number id \"1\" was not added with AddWhatsAppNumber"}`},
	}
	for _, tc := range cases {
		s.SetMessengerWebhook(tc.target, "")
		res := postJSON(t, ts+"/_fake/users/act", tc.body)
		if res.status != tc.status || (tc.want != "" && res.body != tc.want) ||
			(tc.want == "" && !strings.HasPrefix(res.body, `{"error":"fakegraph: webhook delivery failed: messenger webhook: Post `)) {
			t.Errorf("%s: HTTP %d %s, want %d %s", tc.body, res.status, res.body, tc.status, tc.want)
		}
	}
	for _, c := range []struct{ path, body, want string }{
		{"/_fake/webhooks/messenger", `{"url":"x","secret":"y"}`, `{"error":"invalid JSON body: json: unknown field \"secret\""}`},
		{"/_fake/whatsapp/numbers", `{"phone_number_id":"1"}`, `{"error":"phone_number_id and access_token are required"}`},
		{"/_fake/rules", `{"whatsapp_fail":[{"to":"1"}]}`, `{"error":"whatsapp_fail needs to and code"}`},
	} {
		if res := postJSON(t, ts+c.path, c.body); res.status != 400 || res.body != c.want {
			t.Errorf("POST %s %s: HTTP %d %s", c.path, c.body, res.status, res.body)
		}
	}
}

func TestControlWhatsApp(t *testing.T) {
	s := New(Options{Seed: 1})
	ts := newLoopback(t, s)
	postJSON(t, ts+"/_fake/whatsapp/numbers", `{"phone_number_id":"`+waPhoneID+`","display_phone_number":"`+waDisplay+`","access_token":"`+waToken+`"}`)
	res := postJSON(t, ts+"/_fake/rules", `{"whatsapp_fail":[{"to":"+447700900123","code":133010},{"to":"15550001111","code":131056,"details":"slow down"}]}`)
	if res.status != 204 {
		t.Fatalf("rules: HTTP %d %s", res.status, res.body)
	}
	wantWASent(t, s, waPost(t, ts+waSend, waToken, waText))
	wantWAError(t, waPost(t, ts+waSend, waToken, `{"messaging_product":"whatsapp","to":"447700900123","type":"text","text":{"body":"hi"}}`),
		400, 133010, "(#133010) Phone number not registered", "Phone number not registered on the WhatsApp Business Platform.")
	wantWAError(t, waPost(t, ts+waSend, waToken, `{"messaging_product":"whatsapp","to":"15550001111","text":{"body":"hi"}}`),
		400, 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit", "slow down")

	if res := do(t, "GET", ts+"/_fake/whatsapp/sends/count", "", ""); res.body != `{"count":3}` {
		t.Errorf("count %s", res.body)
	}
	var sends []map[string]any
	getJSON(t, ts+"/_fake/whatsapp/sends", &sends)
	if len(sends) != 3 {
		t.Fatalf("%d sends", len(sends))
	}
	if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(sends[0]["time"])); err != nil || !at.Equal(s.WhatsAppSends()[0].Time) {
		t.Errorf("first send's time %v, want %s", sends[0]["time"], s.WhatsAppSends()[0].Time)
	}
	delete(sends[0], "time")
	first := compactJSON(t, mustJSON(t, sends[0]))
	wantFirst := `{"body":{"messaging_product":"whatsapp","recipient_type":"individual","text":{"body":"hi"},"to":"+16505551234","type":"text"},` +
		`"parsed":{"messaging_product":"whatsapp","recipient_type":"individual","text":{"body":"hi"},"to":"+16505551234","type":"text"},` +
		`"phone_number_id":"` + waPhoneID + `","seq":1,"status":200,"to":"+16505551234","type":"text","wamid":"` + s.WhatsAppSends()[0].WAMID + `"}`
	if first != wantFirst {
		t.Errorf("first send\n%s\nwant\n%s", first, wantFirst)
	}
	third := compactJSON(t, mustJSON(t, sends[2]["error"]))
	wantThird := `{"code":131056,"details":"slow down","http_status":400,"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException"}`
	if third != wantThird {
		t.Errorf("third send's error %s", third)
	}
}
