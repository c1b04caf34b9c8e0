package inbound_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(data)
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends a webhook body to botgate as Facebook would, signed with secret
// ("" for unsigned).
func post(env *harness.Env, path string, body []byte, secret string) int {
	h := http.Header{"Content-Type": {"application/json"}}
	if secret != "" {
		h.Set("X-Hub-Signature-256", sign(secret, body))
	}
	status, _ := env.Do(http.MethodPost, path, h, body)
	return status
}

// withForwarding points the bot's webhook URL at a fresh merchant inbox.
func withForwarding(t *testing.T, env *harness.Env) *harness.Inbox {
	in := harness.NewInbox(t)
	in.Secret = env.Secret
	env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"webhook_url": in.URL}, 200, nil)
	return in
}

func TestVerification(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/webhooks/messenger?hub.mode=subscribe&hub.verify_token=verify-token&hub.challenge=1158201444", 200, "1158201444"},
		{"/webhooks/messenger/" + env.BotID + "?hub.mode=subscribe&hub.verify_token=verify-token&hub.challenge=42", 200, "42"},
		{"/webhooks/messenger?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", 403, "forbidden\n"},
		{"/webhooks/messenger?hub.mode=unsubscribe&hub.verify_token=verify-token&hub.challenge=1", 403, "forbidden\n"},
		{"/webhooks/messenger?hub.verify_token=verify-token&hub.challenge=1", 403, "forbidden\n"},
		{"/webhooks/messenger/bot_nope?hub.mode=subscribe&hub.verify_token=verify-token&hub.challenge=1", 403, "forbidden\n"},
	}
	for _, c := range cases {
		status, body := env.Do(http.MethodGet, c.path, nil, nil)
		if status != c.status || string(body) != c.body {
			t.Errorf("GET %s = %d %q, want %d %q", c.path, status, body, c.status, c.body)
		}
	}
}

func TestSignaturesAndLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		body := fixture(t, "text")
		other := []byte(strings.Replace(string(body), "110661988000000", "999999999999999", -1))
		cases := []struct {
			name, path string
			body       []byte
			secret     string
			status     int
		}{
			{"unsigned", "/webhooks/messenger", body, "", 403},
			{"wrong secret", "/webhooks/messenger", body, "not-the-app-secret", 403},
			{"unknown page", "/webhooks/messenger", other, harness.AppSecret, 403},
			{"another bot's path", "/webhooks/messenger/bot_nope", body, harness.AppSecret, 403},
			{"not a page webhook", "/webhooks/messenger", []byte(`{"object":"instagram","entry":[{"id":"110661988000000"}]}`), harness.AppSecret, 403},
			{"over 1 MiB", "/webhooks/messenger", append(append([]byte(nil), body[:len(body)-1]...), []byte(`,"pad":"`+strings.Repeat("x", 1<<20)+`"}`)...), harness.AppSecret, 413},
			{"signed", "/webhooks/messenger", body, harness.AppSecret, 200},
			{"signed, on the bot's path", "/webhooks/messenger/" + env.BotID, fixture(t, "image"), harness.AppSecret, 200},
		}
		for _, c := range cases {
			if got := post(env, c.path, c.body, c.secret); got != c.status {
				t.Errorf("%s: %d, want %d", c.name, got, c.status)
			}
		}
		// A body tampered with after signing fails too.
		h := http.Header{"X-Hub-Signature-256": {sign(harness.AppSecret, body)}}
		tampered := bytes.Replace(body, []byte(`"11"`), []byte(`"12"`), 1)
		if status, _ := env.Do(http.MethodPost, "/webhooks/messenger", h, tampered); status != 403 {
			t.Errorf("tampered body: %d", status)
		}
	})
}

// Every seed 002 sample reaches the merchant exactly as Facebook sent it,
// signed with Standard Webhooks headers; a redelivery is dropped.
func TestForwardingIsVerbatimAndOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		merchant := withForwarding(t, env)
		names := []string{"text", "video", "image", "file", "delivery", "read", "subscribe", "unsubscribe", "resubscribe"}
		for _, name := range names {
			if status := post(env, "/webhooks/messenger", fixture(t, name), harness.AppSecret); status != 200 {
				t.Fatalf("%s: %d", name, status)
			}
		}
		// Meta redelivers: nothing happens twice.
		for _, name := range []string{"text", "read", "subscribe"} {
			post(env, "/webhooks/messenger", fixture(t, name), harness.AppSecret)
		}
		got := merchant.Wait(t, len(names), 10*time.Second)
		bodies := map[string]bool{}
		for _, r := range got {
			if !r.Verified {
				t.Errorf("forwarded %s: signature does not verify", r.Body)
			}
			bodies[string(r.Body)] = true
		}
		for _, name := range names {
			if !bodies[string(fixture(t, name))] {
				t.Errorf("the merchant did not receive %s verbatim", name)
			}
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(merchant.Received()); n != len(names) {
			t.Errorf("%d forwards for %d distinct events", n, len(names))
		}
	})
}

// A batch from two pages goes to each page's bot, each receiving its own
// entries only, in Facebook's envelope.
func TestBatchFromTwoPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		one := withForwarding(t, env)
		two := harness.NewInbox(t)
		var b2 struct {
			ID             string `json:"id"`
			CallbackSecret string `json:"callback_secret"`
		}
		env.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "Second page", "webhook_url": two.URL,
			"messenger": map[string]any{"page_id": "120000000000000", "access_token": "t2", "app_secret": harness.AppSecret}}, 201, &b2)
		two.Secret = b2.CallbackSecret
		if status := post(env, "/webhooks/messenger", fixture(t, "batch_two_pages"), harness.AppSecret); status != 200 {
			t.Fatalf("batch: %d", status)
		}
		a := one.Wait(t, 1, 10*time.Second)
		b := two.Wait(t, 1, 10*time.Second)
		wantA := `{"object":"page","entry":[{"id":"110661988000000","time":1714121000000,"messaging":[{"sender":{"id":"524807506000000"},"recipient":{"id":"110661988000000"},"timestamp":1714121000000,"message":{"mid":"m_batch_a1","text":"first, page one"}},{"sender":{"id":"524807506000000"},"recipient":{"id":"110661988000000"},"timestamp":1714121000100,"read":{"watermark":1714121000050}}]}]}`
		wantB := `{"object":"page","entry":[{"id":"120000000000000","time":1714121000200,"messaging":[{"sender":{"id":"624807506000000"},"recipient":{"id":"120000000000000"},"timestamp":1714121000200,"message":{"mid":"m_batch_b1","text":"page two"}}]}]}`
		if string(a[0].Body) != wantA || !a[0].Verified {
			t.Errorf("page one's bot got %s", a[0].Body)
		}
		if string(b[0].Body) != wantB || !b[0].Verified {
			t.Errorf("page two's bot got %s", b[0].Body)
		}
	})
}

// Delivery and read move the message log forward only: a delivery after a
// read changes nothing; a delivery without mids covers earlier messages by
// its watermark.
func TestStatusesFromDeliveriesAndReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		send := func(id string) string {
			status, body := env.Bothub(fmt.Sprintf(`{"request":{"method":"send_message","id":%q},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"hi"}}`, id, harness.User))
			if status != 200 {
				t.Fatalf("send %s: %d %s", id, status, body)
			}
			sends := env.Fake.Sends()
			return sends[len(sends)-1].MessageID
		}
		statusOf := func(id string) string {
			var list struct{ Messages []struct{ Status string } }
			env.Admin(http.MethodGet, "/admin/v1/messages?request_id="+id, nil, 200, &list)
			return list.Messages[0].Status
		}
		m1 := send("m1")
		send("m2")
		if _, err := env.Fake.UserReceives(harness.Page, harness.User, []string{m1}); err != nil {
			t.Fatal(err)
		}
		// The watermark is now: m2, sent earlier, is delivered too.
		harness.WaitFor(t, "delivered", 5*time.Second, func() bool { return statusOf("m1") == "delivered" && statusOf("m2") == "delivered" })
		if _, err := env.Fake.UserReads(harness.Page, harness.User); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "read", 5*time.Second, func() bool { return statusOf("m1") == "read" && statusOf("m2") == "read" })
		// A late delivery (Meta redelivers out of order) never overwrites read.
		if _, err := env.Fake.UserReceives(harness.Page, harness.User, []string{m1}); err != nil {
			t.Fatal(err)
		}
		m3 := send("m3")
		if _, err := env.Fake.UserReceives(harness.Page, harness.User, []string{m3}); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "m3 delivered", 5*time.Second, func() bool { return statusOf("m3") == "delivered" })
		if statusOf("m1") != "read" {
			t.Fatalf("m1 went from read to %s", statusOf("m1"))
		}
		var d struct{ History []struct{ Kind string } }
		var list struct{ Messages []struct{ ID string } }
		env.Admin(http.MethodGet, "/admin/v1/messages?request_id=m1", nil, 200, &list)
		env.Admin(http.MethodGet, "/admin/v1/messages/"+list.Messages[0].ID, nil, 200, &d)
		var kinds []string
		for _, h := range d.History {
			kinds = append(kinds, h.Kind)
		}
		if got := strings.Join(kinds, " "); got != "accepted sent delivered read" {
			t.Errorf("history %q", got)
		}
	})
}

// The window at its edges: 23:59 and 24:01 after the user's last message,
// and HUMAN_AGENT on day 6 and day 8.
func TestWindowPolicyAtItsEdges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		wrote := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		clk := storetest.NewClock(wrote)
		env := harness.Start(t, db, harness.Options{
			Config: func(c *server.Config) { c.Now = clk.Now },
			Bot:    map[string]any{"settings": map[string]any{"window_policy": "enforce"}},
		})
		body := fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":"m_edge","text":"hello"}}]}]}`,
			harness.Page, wrote.UnixMilli(), harness.User, harness.Page, wrote.UnixMilli())
		// Before the user writes, a RESPONSE is refused.
		req := func(id, mt, tag string) string {
			return fmt.Sprintf(`{"request":{"method":"send_message","id":%q},"recipient":{"id":%q},"messaging_type":%q,"message_tag":%q,"message":{"text":"hi"}}`, id, harness.User, mt, tag)
		}
		status, resp := env.Bothub(req("never", "RESPONSE", ""))
		want := `{"error":{"message":"outside the 24-hour messaging window: the user has never written to this page; a message to them needs messaging_type MESSAGE_TAG with a tag, or a notification-messages token","type":"InvalidRequest","code":10100,"error_subcode":2018278,"request_id":"never"}}`
		if status != 403 || harness.Compact(t, resp) != want {
			t.Fatalf("before any message: %d %s", status, resp)
		}
		if status := post(env, "/webhooks/messenger", []byte(body), harness.AppSecret); status != 200 {
			t.Fatalf("webhook: %d", status)
		}
		harness.WaitFor(t, "the user's message processed", 5*time.Second, func() bool {
			clk.Set(wrote.Add(time.Minute))
			s, _ := env.Bothub(req(fmt.Sprint("probe-", time.Now().UnixNano()), "RESPONSE", ""))
			return s == 200
		})
		steps := []struct {
			after     time.Duration
			mt, tag   string
			status    int
			errSubstr string
		}{
			{23*time.Hour + 59*time.Minute, "RESPONSE", "", 200, ""},
			{24*time.Hour + time.Minute, "RESPONSE", "", 403, "outside the 24-hour messaging window: the user last wrote at 2026-11-20T10:00:00Z (24h1m0s ago)"},
			{24*time.Hour + time.Minute, "UPDATE", "", 403, "outside the 24-hour messaging window"},
			{24*time.Hour + time.Minute, "MESSAGE_TAG", "ACCOUNT_UPDATE", 200, ""},
			{6 * 24 * time.Hour, "MESSAGE_TAG", "HUMAN_AGENT", 200, ""},
			{8 * 24 * time.Hour, "MESSAGE_TAG", "HUMAN_AGENT", 403, "outside the 7-day HUMAN_AGENT window: the user last wrote at 2026-11-20T10:00:00Z (192h0m0s ago)"},
			{8 * 24 * time.Hour, "MESSAGE_TAG", "POST_PURCHASE_UPDATE", 200, ""},
		}
		sent := env.Fake.SendCount()
		for i, s := range steps {
			clk.Set(wrote.Add(s.after))
			status, resp := env.Bothub(req(fmt.Sprint("edge-", i), s.mt, s.tag))
			if status != s.status || !strings.Contains(string(resp), s.errSubstr) {
				t.Errorf("%v after, %s %s: %d %s", s.after, s.mt, s.tag, status, resp)
			}
			if s.status == 403 && !strings.Contains(string(resp), `"code":10100,"error_subcode":2018278`) {
				t.Errorf("refusal without code 10100/2018278: %s", resp)
			}
			if s.status == 200 {
				sent++
			}
		}
		// Refusals never reach Graph.
		if got := env.Fake.SendCount(); got != sent {
			t.Errorf("Graph received %d sends, want %d", got, sent)
		}
		// warn sends and notes it; off does not look.
		clk.Set(wrote.Add(48 * time.Hour))
		env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"settings": map[string]any{"window_policy": "warn"}}, 200, nil)
		if status, resp := env.Bothub(req("warned", "RESPONSE", "")); status != 200 {
			t.Fatalf("warn mode: %d %s", status, resp)
		}
		var list struct{ Messages []struct{ ID string } }
		env.Admin(http.MethodGet, "/admin/v1/messages?request_id=warned", nil, 200, &list)
		var d struct {
			History []struct{ Kind, Detail string }
		}
		env.Admin(http.MethodGet, "/admin/v1/messages/"+list.Messages[0].ID, nil, 200, &d)
		warned := false
		for _, h := range d.History {
			warned = warned || h.Kind == "warning" && strings.HasPrefix(h.Detail, "window policy warn: sent although outside the 24-hour messaging window")
		}
		if !warned {
			t.Errorf("warn history %+v", d.History)
		}
		// The dry run answers the same, sending nothing.
		env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"settings": map[string]any{"window_policy": "enforce"}}, 200, nil)
		before := env.Fake.SendCount()
		status, resp = env.Bothub(strings.Replace(req("dry", "RESPONSE", ""), "send_message", "check_message", 1))
		if status != 200 || !strings.Contains(string(resp), `"allowed":false`) || !strings.Contains(string(resp), `"error_subcode":2018278`) {
			t.Errorf("check_message outside the window: %d %s", status, resp)
		}
		status, resp = env.Bothub(strings.Replace(req("dry2", "MESSAGE_TAG", "ACCOUNT_UPDATE"), "send_message", "check_message", 1))
		wantAllowed := `{"request_id":"dry2","allowed":true,"bodies":[{"recipient":{"id":"524807506000000"},"messaging_type":"MESSAGE_TAG","tag":"ACCOUNT_UPDATE","message":{"text":"hi"}}]}`
		if status != 200 || harness.Compact(t, resp) != wantAllowed {
			t.Errorf("check_message with a tag: %d %s", status, resp)
		}
		if env.Fake.SendCount() != before {
			t.Error("a dry run reached Graph")
		}
	})
}

// A tap on a block button sends the block, with the user's stored
// parameters; a redelivered tap replies once.
func TestBlockButtonTapReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/view_details",
			map[string]any{"cards": []any{map[string]any{"text": "{{first_name}}, you have {{points}} points"}}}, 201, nil)
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/contacts/"+harness.User+"/params",
			map[string]any{"params": map[string]string{"points": "120"}}, 200, nil)
		tap := fixture(t, "postback")
		post(env, "/webhooks/messenger", tap, harness.AppSecret)
		post(env, "/webhooks/messenger", tap, harness.AppSecret)
		harness.WaitFor(t, "the reply", 10*time.Second, func() bool { return env.Fake.SendCount() >= 1 })
		time.Sleep(300 * time.Millisecond)
		sends := env.Fake.Sends()
		want := `{"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","message":{"text":"Ada, you have 120 points"}}`
		if len(sends) != 1 || string(sends[0].Body) != want {
			t.Fatalf("replies %d, first %s", len(sends), sends[0].Body)
		}
		// The fake phone taps too.
		if _, err := env.Fake.UserTapsPostback(harness.Page, harness.User, "again", "BOTGATE_BLOCK:view_details"); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the second reply", 10*time.Second, func() bool { return env.Fake.SendCount() == 2 })

		// A hand-written postback naming a system block sends nothing: no
		// block button can name one.
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/blocks/welcome",
			map[string]any{"cards": []any{map[string]any{"text": "Welcome!"}}}, 200, nil)
		if _, err := env.Fake.UserTapsPostback(harness.Page, harness.User, "forged", "BOTGATE_BLOCK:welcome"); err != nil {
			t.Fatal(err)
		}
		// The tap after it replies, so the forged one was handled by then.
		if _, err := env.Fake.UserTapsPostback(harness.Page, harness.User, "third", "BOTGATE_BLOCK:view_details"); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the third reply", 10*time.Second, func() bool { return env.Fake.SendCount() >= 3 })
		time.Sleep(200 * time.Millisecond)
		for _, send := range env.Fake.Sends() {
			if strings.Contains(string(send.Body), "Welcome!") {
				t.Fatalf("a forged tap sent the system block: %s", send.Body)
			}
		}
	})
}

// Forwarding retries a flaky receiver; a 410 turns forwarding off until an
// operator turns it on; a replay sends a delivery again under its webhook-id.
func TestForwardingRetriesGoneAndReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		merchant := withForwarding(t, env)
		merchant.Respond(func(n int) (int, time.Duration) {
			switch n {
			case 1, 2:
				return 500, 0
			case 4:
				return 410, 0
			}
			return 204, 0
		})
		if _, err := env.Fake.UserSendsText(harness.Page, harness.User, "one"); err != nil {
			t.Fatal(err)
		}
		got := merchant.Wait(t, 3, 10*time.Second)
		if got[0].Header.Get("webhook-id") != got[2].Header.Get("webhook-id") || got[2].Status != 204 {
			t.Fatalf("retries: %+v", got)
		}
		var deliveries struct {
			Deliveries []struct {
				ID, State string
				Attempts  int
			}
		}
		harness.WaitFor(t, "the third attempt recorded", 5*time.Second, func() bool {
			env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/deliveries", nil, 200, &deliveries)
			d := deliveries.Deliveries[0]
			return d.State == "delivered" && d.Attempts == 3
		})
		// The receiver says it is gone.
		if _, err := env.Fake.UserSendsText(harness.Page, harness.User, "two"); err != nil {
			t.Fatal(err)
		}
		merchant.Wait(t, 4, 10*time.Second)
		harness.WaitFor(t, "forwarding off", 5*time.Second, func() bool {
			var b struct{ Forwarding bool }
			env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID, nil, 200, &b)
			return !b.Forwarding
		})
		if _, err := env.Fake.UserSendsText(harness.Page, harness.User, "three"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(merchant.Received()); n != 4 {
			t.Fatalf("%d POSTs after the 410; forwarding should be off", n)
		}
		env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"forwarding": true}, 200, nil)
		// Replaying the first delivery sends it again, same webhook-id.
		first := deliveries.Deliveries[0].ID
		env.Admin(http.MethodPost, "/admin/v1/deliveries/"+first+"/replay", nil, 202, nil)
		again := merchant.Wait(t, 5, 10*time.Second)
		if again[4].Header.Get("webhook-id") != first || string(again[4].Body) != string(got[2].Body) {
			t.Fatalf("replay: %s %s", again[4].Header.Get("webhook-id"), again[4].Body)
		}
		// The merchant moved: a replay goes to the bot's webhook URL as it is now.
		moved := harness.NewInbox(t)
		moved.Secret = env.Secret
		env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"webhook_url": moved.URL}, 200, nil)
		env.Admin(http.MethodPost, "/admin/v1/deliveries/"+first+"/replay", nil, 202, nil)
		there := moved.Wait(t, 1, 10*time.Second)
		if there[0].Header.Get("webhook-id") != first || string(there[0].Body) != string(got[2].Body) || !there[0].Verified {
			t.Fatalf("replay to the new URL: %s %s", there[0].Header.Get("webhook-id"), there[0].Body)
		}
		var d struct{ URL string }
		env.Admin(http.MethodGet, "/admin/v1/deliveries/"+first, nil, 200, &d)
		if d.URL != moved.URL {
			t.Errorf("the delivery's URL is %s, want the new %s", d.URL, moved.URL)
		}
	})
}

// The SSRF guard refuses a merchant URL on loopback unless allowed; the
// refusal shows in the delivery log.
func TestForwardingRefusesInternalAddresses(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{Config: func(c *server.Config) {
		c.EgressAllow = ""
		c.CallbackSchedule = []time.Duration{10 * time.Millisecond}
	}})
	merchant := harness.NewInbox(t)
	port := merchant.URL[strings.LastIndex(merchant.URL, ":")+1:]
	// A name that resolves to loopback is refused as surely as the address.
	env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"webhook_url": "http://localhost:" + port}, 200, nil)
	if _, err := env.Fake.UserSendsText(harness.Page, harness.User, "hi"); err != nil {
		t.Fatal(err)
	}
	var deliveries struct {
		Deliveries []struct {
			State     string
			LastError string `json:"last_error"`
		}
	}
	harness.WaitFor(t, "the refusal", 10*time.Second, func() bool {
		env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/deliveries", nil, 200, &deliveries)
		return len(deliveries.Deliveries) == 1 && deliveries.Deliveries[0].State == "failed"
	})
	if e := deliveries.Deliveries[0].LastError; !strings.Contains(e, "egress: destination refused: 127.0.0.1 is in 127.0.0.0/8") {
		t.Errorf("delivery log error %q", e)
	}
	if len(merchant.Received()) != 0 {
		t.Error("the loopback receiver was reached")
	}
}

// Opt-ins, stops and resumes are kept per topic and user.
func TestSubscriptionsFromOptIns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		if _, err := env.Fake.UserOptsIn(harness.Page, harness.User, fakegraph.OptIn{Title: "Deals", Token: "tok-1", Payload: "weekly"}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Fake.UserOptsIn(harness.Page, harness.User, fakegraph.OptIn{Title: "Deals", Token: "tok-1", Status: "STOP_NOTIFICATIONS"}); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the stop", 5*time.Second, func() bool {
			subs, err := env.Server.Store.ListSubscriptions(t.Context(), env.BotID, "Deals")
			return err == nil && len(subs) == 1 && subs[0].Status == 0 && subs[0].Token == "tok-1"
		})
		if _, err := env.Fake.UserOptsIn(harness.Page, harness.User, fakegraph.OptIn{Title: "Deals", Token: "tok-2", Status: "RESUME_NOTIFICATIONS"}); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the resume", 5*time.Second, func() bool {
			subs, err := env.Server.Store.ListSubscriptions(t.Context(), env.BotID, "Deals")
			return err == nil && len(subs) == 1 && subs[0].Status == 1 && subs[0].Token == "tok-2" && subs[0].Timezone == "UTC"
		})
	})
}

// Webhooks are processed concurrently, so an older opt-in may be processed
// after a newer stop: the subscription follows the events' own times.
func TestSubscriptionFollowsEventTimesNotArrival(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		subscription := func() []store.Subscription {
			subs, err := env.Server.Store.ListSubscriptions(t.Context(), env.BotID, "订阅主题")
			if err != nil {
				t.Fatal(err)
			}
			return subs
		}
		if status := post(env, "/webhooks/messenger", fixture(t, "unsubscribe"), harness.AppSecret); status != 200 {
			t.Fatalf("stop: %d", status)
		}
		harness.WaitFor(t, "the stop", 5*time.Second, func() bool { return len(subscription()) == 1 })
		// The opt-in that came before the stop arrives after it.
		if status := post(env, "/webhooks/messenger", fixture(t, "subscribe"), harness.AppSecret); status != 200 {
			t.Fatalf("opt-in: %d", status)
		}
		harness.WaitFor(t, "the opt-in processed", 5*time.Second, func() bool {
			var queued int
			err := env.Server.Store.ReadRow(t.Context(), `SELECT COUNT(*) FROM jobs WHERE kind = 'inbound'`).Scan(&queued)
			return err == nil && queued == 0
		})
		if subs := subscription(); len(subs) != 1 || subs[0].Status != 0 || subs[0].Token != "86334189411000000" {
			t.Fatalf("after a late older opt-in: %+v, want the stop kept", subs)
		}
	})
}
