package fakegraph

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	seedPage = "110661988000000"
	seedUser = "524807506000000"  // the PSID of the seed's text, image and opt-in samples
	seedUsr2 = "5248075068000000" // the PSID of its video, file, delivery and read samples
	secret   = "app-secret"
)

// fixedClock is a clock stopped at ms milliseconds since the epoch.
func fixedClock(ms int64) func() time.Time {
	return func() time.Time { return time.UnixMilli(ms) }
}

// hookFake is a fake whose Messenger webhooks go to a signature-checking
// receiver.
func hookFake(t *testing.T, opts Options) (*Server, *receiver) {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := New(opts)
	rc := newReceiver(t, secret)
	s.SetMessengerWebhook(rc.URL, secret)
	return s, rc
}

// wantDelivered checks that hook was delivered, signed and answered 200,
// with exactly the body want.
func wantDelivered(t *testing.T, rc *receiver, hook Webhook, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	d := rc.next(t)
	if string(d.body) != string(hook.Body) {
		t.Errorf("delivered %s\nreturned %s", d.body, hook.Body)
	}
	if !d.verified || hook.Status != http.StatusOK {
		t.Errorf("signature verified %v, status %d; headers %v", d.verified, hook.Status, d.header)
	}
	if ct, ua := d.header.Get("Content-Type"), d.header.Get("User-Agent"); ct != "application/json" || ua != "facebookexternalua" {
		t.Errorf("Content-Type %q, User-Agent %q", ct, ua)
	}
	if string(hook.Body) != want {
		t.Errorf("body\n%s\nwant\n%s", hook.Body, want)
	}
}

// TestWebhooksMatchSeedSamples plays each of seed 002's samples and
// compares the fake's body with the sample, compacted. The fake stamps an
// event and its entry with one instant, so the sample's event timestamp
// (and watermark) become the entry time; the generated mid replaces the
// sample's.
func TestWebhooksMatchSeedSamples(t *testing.T) {
	cases := []struct {
		name   string
		sample string
		time   int64    // the sample's entry time, the fake's clock
		stamps []string // the sample's other times, replaced by the clock
		mid    string   // the sample's mid, replaced by the generated one
		act    func(s *Server) (Webhook, error)
	}{
		{"text", seedText, 1714120447751, []string{"1714120446870"}, "m_hAxxtkOsBG8UEtO0RQNcwPgfxWKYaLWowT0Z7iLv",
			func(s *Server) (Webhook, error) { return s.UserSendsText(seedPage, seedUser, "11") }},
		{"video", seedVideo, 1714120224310, []string{"1714120223681"},
			"m_6RK4gK9eklpa6uPCNFvNEvgfxWKYaLWowT0Z7iLv8BXpnCPA8KDnJOQOD26NINRuF",
			func(s *Server) (Webhook, error) { return s.UserSendsAttachment(seedPage, seedUsr2, "video", "URL") }},
		{"image", seedImage, 1714120138060, []string{"1714120137558"}, "m_378ZrH7cpKmUUlmqOi5jQPgfxWKYaLWowT0Z7iLv8BWDeU",
			func(s *Server) (Webhook, error) { return s.UserSendsAttachment(seedPage, seedUser, "image", "URL") }},
		{"file", seedFile, 1714120108440, []string{"1714120107805"}, "m_0xp5Sj8GPFoLroU33qbcjPgfxWKYaLWowT0Z7iLv8BWnRj",
			func(s *Server) (Webhook, error) { return s.UserSendsAttachment(seedPage, seedUsr2, "file", "URL") }},
		{"delivery", seedDelivery, 1714120251647, []string{"1714120251542", "1714120250796"}, "",
			func(s *Server) (Webhook, error) {
				return s.UserReceives(seedPage, seedUsr2, []string{"m_UdMtmDiovEo-vSR_awTk2_gfxWKYaLWowT0Z7iLv8BVMtn2OGld3BIc2naK-pB2hE"})
			}},
		{"read", seedRead, 1714120249177, []string{"1714120248829", "1714120247551"}, "",
			func(s *Server) (Webhook, error) { return s.UserReads(seedPage, seedUsr2) }},
		{"opt-in", seedOptIn, 1714119984959, []string{"1714119984091"}, "",
			func(s *Server) (Webhook, error) {
				return s.UserOptsIn(seedPage, seedUser, OptIn{Title: "订阅主题", Payload: "描述", Token: "863341894114000000"})
			}},
		// The seed's STOP and RESUME samples have one instant: they match byte for byte.
		{"stop", seedStop, 1714120013874, nil, "",
			func(s *Server) (Webhook, error) {
				return s.UserOptsIn(seedPage, seedUser, OptIn{Title: "订阅主题", Payload: "描述",
					Token: "86334189411000000", Status: "STOP_NOTIFICATIONS"})
			}},
		{"resume", seedResume, 1714120082018, nil, "",
			func(s *Server) (Webhook, error) {
				return s.UserOptsIn(seedPage, seedUser, OptIn{Title: "订阅主题", Payload: "描述",
					Token: "863341894114000000", Status: "RESUME_NOTIFICATIONS", UserTokenStatus: "NOT_REFRESHED",
					Expiry: time.UnixMilli(2145916800000)})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, rc := hookFake(t, Options{Now: fixedClock(tc.time)})
			hook, err := tc.act(s)
			want := compactJSON(t, tc.sample)
			for _, stamp := range tc.stamps {
				want = strings.ReplaceAll(want, stamp, strconv.FormatInt(tc.time, 10))
			}
			if tc.mid != "" {
				if !strings.HasPrefix(hook.MID, "m_") || len(hook.MID) != 42 {
					t.Errorf("mid %q is not m_ and 40 characters", hook.MID)
				}
				want = strings.ReplaceAll(want, tc.mid, hook.MID)
			} else if hook.MID != "" {
				t.Errorf("mid %q on an event without one", hook.MID)
			}
			wantDelivered(t, rc, hook, err, want)
		})
	}
}

// TestWebhooksBeyondTheSeed covers the events seed 002 has no sample of,
// in the general envelope: entry time before id, sender first.
func TestWebhooksBeyondTheSeed(t *testing.T) {
	const ms = 1714120447751
	envelope := func(event string) string {
		return `{"object":"page","entry":[{"time":1714120447751,"id":"100","messaging":[{"sender":{"id":"7"},` +
			`"recipient":{"id":"100"},"timestamp":1714120447751,` + event + `}]}]}`
	}
	cases := []struct {
		name string
		act  func(s *Server) (Webhook, error)
		want string // MID stands for the generated mid
	}{
		{"quick reply", func(s *Server) (Webhook, error) { return s.UserTapsQuickReply("100", "7", "Yes", "YES_PAYLOAD") },
			envelope(`"message":{"mid":"MID","text":"Yes","quick_reply":{"payload":"YES_PAYLOAD"}}`)},
		{"postback", func(s *Server) (Webhook, error) { return s.UserTapsPostback("100", "7", "Get started", "START") },
			envelope(`"postback":{"mid":"MID","title":"Get started","payload":"START"}`)},
		{"audio", func(s *Server) (Webhook, error) {
			return s.UserSendsAttachment("100", "7", "audio", "https://cdn/a.mp4?x=1&y=<2>")
		},
			envelope(`"message":{"mid":"MID","attachments":[{"type":"audio","payload":{"url":"https://cdn/a.mp4?x=1&y=<2>"}}]}`)},
		{"delivery without mids", func(s *Server) (Webhook, error) { return s.UserReceives("100", "7", nil) },
			envelope(`"delivery":{"watermark":1714120447751}`)},
		{"delivery with empty mids", func(s *Server) (Webhook, error) { return s.UserReceives("100", "7", []string{}) },
			envelope(`"delivery":{"mids":[],"watermark":1714120447751}`)},
		{"plugin opt-in", func(s *Server) (Webhook, error) { return s.UserOptsInPlugin("100", "7", "landing-page") },
			envelope(`"optin":{"ref":"landing-page"}`)},
		{"checkbox opt-in", func(s *Server) (Webhook, error) { return s.UserOptsInCheckbox("100", "ref-abc", "cart") },
			`{"object":"page","entry":[{"time":1714120447751,"id":"100","messaging":[{"recipient":{"id":"100"},` +
				`"timestamp":1714120447751,"optin":{"ref":"cart","user_ref":"ref-abc"}}]}]}`},
		{"stop with a timezone and an expiry", func(s *Server) (Webhook, error) {
			return s.UserOptsIn("100", "7", OptIn{Title: "T", Payload: "P", Token: "42", Timezone: "Asia/Shanghai",
				Status: "STOP_NOTIFICATIONS", UserTokenStatus: "REFRESHED", Expiry: time.UnixMilli(1800000000000)})
		}, `{"object":"page","entry":[{"id":"100","time":1714120447751,"messaging":[{"recipient":{"id":"100"},` +
			`"timestamp":1714120447751,"sender":{"id":"7"},"optin":{"type":"notification_messages","payload":"P",` +
			`"notification_messages_token":"42","token_expiry_timestamp":1800000000000,"user_token_status":"REFRESHED",` +
			`"notification_messages_timezone":"Asia/Shanghai","notification_messages_status":"STOP_NOTIFICATIONS","title":"T"}}]}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, rc := hookFake(t, Options{Now: fixedClock(ms)})
			hook, err := tc.act(s)
			wantDelivered(t, rc, hook, err, strings.ReplaceAll(tc.want, "MID", hook.MID))
		})
	}
}

func TestOptInGeneratesAToken(t *testing.T) {
	s, rc := hookFake(t, Options{Now: fixedClock(1714119984959)})
	hook, err := s.UserOptsIn("100", "7", OptIn{Title: "Deals", Payload: "D"})
	var body struct {
		Entry []struct {
			Messaging []struct {
				OptIn struct {
					Token string `json:"notification_messages_token"`
				} `json:"optin"`
			} `json:"messaging"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(hook.Body, &body); err != nil {
		t.Fatal(err)
	}
	token := body.Entry[0].Messaging[0].OptIn.Token
	if len(token) != 18 || !allDigits(token) {
		t.Errorf("token %q is not 18 digits", token)
	}
	wantDelivered(t, rc, hook, err, `{"object":"page","entry":[{"id":"100","time":1714119984959,"messaging":[`+
		`{"sender":{"id":"7"},"recipient":{"id":"100"},"timestamp":1714119984959,"optin":{"type":"notification_messages",`+
		`"payload":"D","notification_messages_token":"`+token+`","token_expiry_timestamp":2145916800000,`+
		`"user_token_status":"NOT_REFRESHED","notification_messages_timezone":"UTC","title":"Deals"}}]}]}`)
}

// SentTo and UserReceives close the gateway's delivery-status loop.
func TestSentToAndDeliveries(t *testing.T) {
	s, rc := hookFake(t, Options{Now: fixedClock(5)})
	s.AddPage(testPage, testToken)
	base := newLoopback(t, s)
	s.Unavailable("9")
	postJSON(t, base+sendPath, to("7"))
	postJSON(t, base+sendPath, to("8"))
	postJSON(t, base+sendPath, `{"recipient":{"id":7},"sender_action":"typing_on"}`)
	postJSON(t, base+sendPath, to("9"))
	postJSON(t, base+sendPath, to("7"))

	sent := s.SentTo("7")
	all := s.Sends()
	if len(sent) != 3 || sent[0].Seq != all[0].Seq || sent[1].Seq != all[2].Seq || sent[2].Seq != all[4].Seq {
		t.Fatalf("SentTo(7) = %+v", sent)
	}
	if len(s.SentTo("9")) != 0 || len(s.SentTo("nobody")) != 0 {
		t.Errorf("SentTo counts failed sends or strangers")
	}
	var mids []string
	for _, send := range sent {
		if send.MessageID != "" {
			mids = append(mids, send.MessageID)
		}
	}
	hook, err := s.UserReceives(testPage, "7", mids)
	wantDelivered(t, rc, hook, err, `{"object":"page","entry":[{"time":5,"id":"100","messaging":[{"sender":{"id":"7"},`+
		`"recipient":{"id":"100"},"timestamp":5,"delivery":{"mids":["`+mids[0]+`","`+mids[1]+`"],"watermark":5}}]}]}`)
}
