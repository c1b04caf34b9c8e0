package inbound_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The WhatsApp webhook receiver (/webhooks/whatsapp): verification,
// signatures, routing by phone_number_id, dedupe of Meta's redeliveries,
// byte-exact forwarding, and the customer-service window an inbound message
// opens. Bodies are built by hand in the Cloud API's shape (GRAPH-FACTS.md).

const (
	waPath    = "/webhooks/whatsapp"
	waVerify  = "wa-verify-token" // harness.AttachWhatsApp's verify token
	waUser    = "447700900123"    // harness.WAUser as WhatsApp writes it
	waDisplay = "15550001111"     // harness.WAPhone as WhatsApp writes it

	// A second number, of a second bot.
	waNumber2  = "209876543210"
	waPhone2   = "+15550002222"
	waDisplay2 = "15550002222"
	waUser2    = "447700900456"
)

// waSignature is X-Hub-Signature-256 for body under secret.
func waSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// waPost POSTs a webhook body to /webhooks/whatsapp, signed with secret
// ("" = unsigned), and returns botgate's status and answer.
func waPost(env *harness.Env, body []byte, secret string) (int, string) {
	env.T.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if secret != "" {
		h.Set("X-Hub-Signature-256", waSignature(secret, body))
	}
	status, resp := env.Do(http.MethodPost, waPath, h, body)
	return status, string(resp)
}

// The pieces of a Cloud API webhook. Only the members botgate keeps as
// they are (metadata, contacts, each message and status) carry spaces and
// escapes, so a forward rebuilt from them can be written out exactly.

func waBody(entries ...string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[` + strings.Join(entries, ",") + `]}`)
}

func waEntry(waba string, changes ...string) string {
	return `{"id":"` + waba + `","changes":[` + strings.Join(changes, ",") + `]}`
}

// waChange is one number's change; members are the value's members after
// metadata, e.g. waMembers(...).
func waChange(numberID, display string, members ...string) string {
	value := `{"messaging_product":"whatsapp","metadata":{ "display_phone_number": "` + display + `", "phone_number_id": "` + numberID + `" }`
	for _, m := range members {
		value += "," + m
	}
	return `{"value":` + value + `},"field":"messages"}`
}

func waContacts(name, waID string) string {
	return fmt.Sprintf(`"contacts":[ { "profile": { "name": %q }, "wa_id": %q } ]`, name, waID)
}

func waMessages(items ...string) string { return `"messages":[` + strings.Join(items, ",") + `]` }
func waStatuses(items ...string) string { return `"statuses":[` + strings.Join(items, ",") + `]` }

// waText is a user's text message; text is a JSON string literal, escapes
// as the test wants them.
func waText(from, wamid string, at time.Time, text string) string {
	return fmt.Sprintf(`{ "from": %q, "id": %q, "timestamp": "%d", "text": { "body": %s }, "type": "text" }`, from, wamid, at.Unix(), text)
}

func waStatusOf(wamid, status, recipient string, at time.Time) string {
	return fmt.Sprintf(`{ "id": %q, "status": %q, "timestamp": "%d", "recipient_id": %q }`, wamid, status, at.Unix(), recipient)
}

// count runs a COUNT query on botgate's database.
func count(t *testing.T, env *harness.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.Server.Store.ReadRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// settled waits until every kept webhook has been processed (its job is
// deleted when done), and fails if one was discarded as unreadable. After
// it, every forward a webhook causes is in the deliveries table: the
// forward commits with the job.
func settled(t *testing.T, env *harness.Env) {
	t.Helper()
	harness.WaitFor(t, "the inbound jobs to finish", 10*time.Second, func() bool {
		return count(t, env, `SELECT COUNT(*) FROM jobs WHERE kind = 'inbound' AND state <> 'discarded'`) == 0
	})
	if n := count(t, env, `SELECT COUNT(*) FROM jobs WHERE kind = 'inbound'`); n != 0 {
		t.Fatalf("%d inbound jobs discarded", n)
	}
}

// forwards is how many events were forwarded to the bot's webhook URL.
func forwards(t *testing.T, env *harness.Env, botID string) int {
	t.Helper()
	return count(t, env, `SELECT COUNT(*) FROM deliveries WHERE bot_id = $1 AND kind = 'event'`, botID)
}

// waMerchant points the test bot's webhook URL at a fresh inbox.
func waMerchant(t *testing.T, env *harness.Env) *harness.Inbox {
	in := harness.NewInbox(t)
	in.Secret = env.Secret
	env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"webhook_url": in.URL}, http.StatusOK, nil)
	return in
}

// secondBot creates a bot with the second number, signed by appSecret, that
// forwards to its own inbox.
func secondBot(t *testing.T, env *harness.Env, appSecret string) (string, *harness.Inbox) {
	in := harness.NewInbox(t)
	var b struct {
		ID             string `json:"id"`
		CallbackSecret string `json:"callback_secret"`
	}
	env.Admin(http.MethodPost, "/admin/v1/bots", map[string]any{"name": "Second number", "webhook_url": in.URL,
		"settings": map[string]any{"window_policy": "off"}}, http.StatusCreated, &b)
	in.Secret = b.CallbackSecret
	env.Fake.AddWhatsAppNumber(waNumber2, waDisplay2, "wa-token-2")
	env.Admin(http.MethodPut, "/admin/v1/bots/"+b.ID+"/whatsapp", map[string]any{"bot_phone": waPhone2, "phone_number_id": waNumber2,
		"access_token": "wa-token-2", "app_secret": appSecret, "verify_token": "wa-verify-2"}, http.StatusOK, nil)
	return b.ID, in
}

func lastInbound(t *testing.T, env *harness.Env, botID, waID string) *time.Time {
	t.Helper()
	c, err := env.Server.Store.GetContact(t.Context(), botID, "wa:"+waID)
	if err != nil {
		t.Fatal(err)
	}
	if c == nil {
		return nil
	}
	return c.LastInboundAt
}

func TestWhatsAppVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		get := func(query string) (int, string) {
			status, body := env.Do(http.MethodGet, waPath+"?"+query, nil, nil)
			return status, string(body)
		}
		good := "hub.mode=subscribe&hub.verify_token=" + waVerify + "&hub.challenge=1158201444"
		// No bot has a WhatsApp number yet: nothing verifies.
		if status, body := get(good); status != 403 || body != "forbidden\n" {
			t.Fatalf("before any number: %d %q", status, body)
		}
		env.AttachWhatsApp(nil)
		cases := []struct {
			query  string
			status int
			body   string
		}{
			{good, 200, "1158201444"},
			{"hub.mode=subscribe&hub.verify_token=" + waVerify + "&hub.challenge=x%20y", 200, "x y"},
			{"hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", 403, "forbidden\n"},
			{"hub.mode=subscribe&hub.verify_token=" + waVerify + "x&hub.challenge=1", 403, "forbidden\n"},
			{"hub.mode=subscribe&hub.verify_token=&hub.challenge=1", 403, "forbidden\n"},
			{"hub.mode=subscribe&hub.challenge=1", 403, "forbidden\n"},
			{"hub.verify_token=" + waVerify + "&hub.challenge=1", 403, "forbidden\n"},
			{"hub.mode=unsubscribe&hub.verify_token=" + waVerify + "&hub.challenge=1", 403, "forbidden\n"},
			// The bot's Messenger verify token is not its WhatsApp number's.
			{"hub.mode=subscribe&hub.verify_token=verify-token&hub.challenge=1", 403, "forbidden\n"},
		}
		for _, c := range cases {
			if status, body := get(c.query); status != c.status || body != c.body {
				t.Errorf("GET %s?%s = %d %q, want %d %q", waPath, c.query, status, body, c.status, c.body)
			}
		}
		// Nor does the WhatsApp token verify Messenger's endpoint.
		status, body := env.Do(http.MethodGet, "/webhooks/messenger?"+good, nil, nil)
		if status != 403 {
			t.Errorf("the WhatsApp verify token on /webhooks/messenger: %d %s", status, body)
		}
		// A detached number's token stops verifying.
		env.Admin(http.MethodDelete, "/admin/v1/bots/"+env.BotID+"/whatsapp", nil, http.StatusNoContent, nil)
		if status, body := get(good); status != 403 || body != "forbidden\n" {
			t.Errorf("after the number was detached: %d %q", status, body)
		}
	})
}

func TestWhatsAppRefusesWhatItCannotVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.AttachWhatsApp(nil)
		merchant := waMerchant(t, env)
		now := time.Now()
		body := waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay,
			waContacts("Ada", waUser), waMessages(waText(waUser, "wamid.refused", now, `"hello"`)))))
		unknown := waBody(waEntry("100000000000001", waChange("999999999999", waDisplay,
			waContacts("Ada", waUser), waMessages(waText(waUser, "wamid.refused", now, `"hello"`)))))
		noID := waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay,
			waMessages(`{"from":"447700900123","timestamp":"1","type":"text","text":{"body":"x"}}`))))
		noNumber := []byte(strings.Replace(string(body), `"phone_number_id": "`+harness.WANumberID+`"`, `"phone_number_id": ""`, 1))
		page := []byte(`{"object":"page","entry":[{"id":"110661988000000","time":1,"messaging":[]}]}`)
		sha1Only := func() http.Header {
			mac := hmac.New(sha1.New, []byte(harness.AppSecret))
			mac.Write(body)
			return http.Header{"X-Hub-Signature": {"sha1=" + hex.EncodeToString(mac.Sum(nil))}}
		}
		cases := []struct {
			name   string
			body   []byte
			header http.Header
		}{
			{"unsigned", body, nil},
			{"signed with another secret", body, http.Header{"X-Hub-Signature-256": {waSignature("not-the-app-secret", body)}}},
			{"signature without sha256=", body, http.Header{"X-Hub-Signature-256": {strings.TrimPrefix(waSignature(harness.AppSecret, body), "sha256=")}}},
			{"signature not hex", body, http.Header{"X-Hub-Signature-256": {"sha256=zz"}}},
			{"empty signature", body, http.Header{"X-Hub-Signature-256": {"sha256="}}},
			{"only the legacy sha1 signature", body, sha1Only()},
			{"tampered after signing", []byte(strings.Replace(string(body), "hello", "hellO", 1)), http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, body)}}},
			{"unknown phone_number_id", unknown, http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, unknown)}}},
			{"no phone_number_id", noNumber, http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, noNumber)}}},
			{"malformed JSON", body[:len(body)-1], http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, body[:len(body)-1])}}},
			{"not JSON", []byte("hub.mode=x"), http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, []byte("hub.mode=x"))}}},
			{"empty", []byte{}, http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, nil)}}},
			{"not a whatsapp_business_account object", page, http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, page)}}},
			{"a message without an id", noID, http.Header{"X-Hub-Signature-256": {waSignature(harness.AppSecret, noID)}}},
		}
		for _, c := range cases {
			status, resp := env.Do(http.MethodPost, waPath, c.header, c.body)
			if status != http.StatusForbidden || string(resp) != "forbidden\n" {
				t.Errorf("%s: %d %q, want 403", c.name, status, resp)
			}
		}
		// Nothing was kept, so nothing can be acted on or forwarded.
		// (The retention pass's and the template sync's own jobs are always there.)
		for _, table := range []string{"webhooks", "jobs WHERE kind NOT IN ('retention', 'template_sync')", "inbound_seen", "contacts", "deliveries"} {
			if n := count(t, env, `SELECT COUNT(*) FROM `+table); n != 0 {
				t.Errorf("%d rows in %s after refused webhooks", n, table)
			}
		}
		// The same body, signed right, goes through: each refusal above was
		// for the one thing that case changed.
		if status, resp := waPost(env, body, harness.AppSecret); status != 200 || resp != "EVENT_RECEIVED" {
			t.Fatalf("signed: %d %q", status, resp)
		}
		got := merchant.Wait(t, 1, 10*time.Second)
		if string(got[0].Body) != string(body) || !got[0].Verified {
			t.Fatalf("forward (verified %v):\n%s\nwant\n%s", got[0].Verified, got[0].Body, body)
		}
		settled(t, env)
		if n := forwards(t, env, env.BotID); n != 1 {
			t.Errorf("%d forwards, want 1", n)
		}
	})
}

// One webhook about two numbers of two bots: with one app secret (one Meta
// app), each bot's merchant gets its own number's events only, each member
// byte for byte; with two app secrets the one signature cannot verify for
// both, and the body is refused whole.
func TestWhatsAppOneWebhookTwoBots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.AttachWhatsApp(nil)
		one := waMerchant(t, env)
		twoID, two := secondBot(t, env, harness.AppSecret)
		at := time.Unix(1763632800, 0) // 2025-11-20T10:00:00Z
		msgA := waText(waUser, "wamid.A1", at, `"caf\u00e9 \/ <b> — one"`)
		statusB := waStatusOf("wamid.B1", "delivered", waUser2, at.Add(time.Second))
		msgB := waText(waUser2, "wamid.B2", at.Add(2*time.Second), `"two"`)
		body := waBody(
			waEntry("100000000000001",
				waChange(harness.WANumberID, waDisplay, waContacts("Ada", waUser), waMessages(msgA)),
				waChange(waNumber2, waDisplay2, waStatuses(statusB))),
			waEntry("100000000000002",
				waChange(waNumber2, waDisplay2, waContacts("Alan", waUser2), waMessages(msgB))))
		if status, resp := waPost(env, body, harness.AppSecret); status != 200 || resp != "EVENT_RECEIVED" {
			t.Fatalf("webhook for two numbers: %d %q", status, resp)
		}
		wantOne := string(waBody(waEntry("100000000000001",
			waChange(harness.WANumberID, waDisplay, waContacts("Ada", waUser), waMessages(msgA)))))
		wantTwo := string(waBody(
			waEntry("100000000000001", waChange(waNumber2, waDisplay2, waStatuses(statusB))),
			waEntry("100000000000002", waChange(waNumber2, waDisplay2, waContacts("Alan", waUser2), waMessages(msgB)))))
		a := one.Wait(t, 1, 10*time.Second)
		b := two.Wait(t, 1, 10*time.Second)
		if string(a[0].Body) != wantOne || !a[0].Verified {
			t.Errorf("the first number's bot got (verified %v):\n%s\nwant\n%s", a[0].Verified, a[0].Body, wantOne)
		}
		if string(b[0].Body) != wantTwo || !b[0].Verified {
			t.Errorf("the second number's bot got (verified %v):\n%s\nwant\n%s", b[0].Verified, b[0].Body, wantTwo)
		}
		settled(t, env)
		if n1, n2 := forwards(t, env, env.BotID), forwards(t, env, twoID); n1 != 1 || n2 != 1 {
			t.Errorf("forwards: %d and %d, want 1 each", n1, n2)
		}
		// Each bot's users, and no one else's, wrote to it.
		if got := lastInbound(t, env, env.BotID, waUser); got == nil || !got.Equal(at) {
			t.Errorf("first bot's user last wrote %v, want %v", got, at)
		}
		if got := lastInbound(t, env, twoID, waUser2); got == nil || !got.Equal(at.Add(2*time.Second)) {
			t.Errorf("second bot's user last wrote %v, want %v", got, at.Add(2*time.Second))
		}
		if lastInbound(t, env, env.BotID, waUser2) != nil || lastInbound(t, env, twoID, waUser) != nil {
			t.Error("a user became the other bot's contact")
		}

		// The second number moves to another app, with its own secret.
		env.Admin(http.MethodPut, "/admin/v1/bots/"+twoID+"/whatsapp", map[string]any{"bot_phone": waPhone2, "phone_number_id": waNumber2,
			"app_secret": "second-app-secret"}, http.StatusOK, nil)
		msgA3 := waText(waUser, "wamid.A3", at.Add(time.Minute), `"three"`)
		msgB4 := waText(waUser2, "wamid.B4", at.Add(time.Minute), `"four"`)
		partOne := waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waMessages(msgA3))))
		partTwo := waBody(waEntry("100000000000002", waChange(waNumber2, waDisplay2, waMessages(msgB4))))
		mixed := waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waMessages(msgA3))),
			waEntry("100000000000002", waChange(waNumber2, waDisplay2, waMessages(msgB4))))
		kept := count(t, env, `SELECT COUNT(*) FROM webhooks`)
		for _, secret := range []string{harness.AppSecret, "second-app-secret"} {
			if status, resp := waPost(env, mixed, secret); status != 403 || resp != "forbidden\n" {
				t.Errorf("two apps' numbers in one body, signed with %q: %d %q", secret, status, resp)
			}
		}
		if n := count(t, env, `SELECT COUNT(*) FROM webhooks`); n != kept {
			t.Errorf("a refused webhook was kept: %d webhooks, want %d", n, kept)
		}
		// Each app's own webhook goes through, whole and as sent, which also
		// shows the refused bodies' events were never seen.
		if status, _ := waPost(env, partTwo, harness.AppSecret); status != 403 {
			t.Errorf("the second number's webhook signed with the first app's secret: %d", status)
		}
		if status, _ := waPost(env, partOne, harness.AppSecret); status != 200 {
			t.Fatalf("first app's webhook: %d", status)
		}
		if status, _ := waPost(env, partTwo, "second-app-secret"); status != 200 {
			t.Fatalf("second app's webhook: %d", status)
		}
		a = one.Wait(t, 2, 10*time.Second)
		b = two.Wait(t, 2, 10*time.Second)
		if string(a[1].Body) != string(partOne) || !a[1].Verified {
			t.Errorf("first bot's second forward (verified %v): %s", a[1].Verified, a[1].Body)
		}
		if string(b[1].Body) != string(partTwo) || !b[1].Verified {
			t.Errorf("second bot's second forward (verified %v): %s", b[1].Verified, b[1].Body)
		}
		settled(t, env)
		if n1, n2 := forwards(t, env, env.BotID), forwards(t, env, twoID); n1 != 2 || n2 != 2 {
			t.Errorf("forwards: %d and %d, want 2 each", n1, n2)
		}
	})
}

// Meta redelivers for days, and a redelivery may carry new events beside
// old ones: the merchant gets the new ones only, in Meta's envelope, and the
// message log moves forward only.
func TestWhatsAppRedeliveryForwardsOnlyNewEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.AttachWhatsApp(nil)
		merchant := waMerchant(t, env)
		status, resp := env.WhatsApp(`{"id":"r1","to":"` + waUser + `","timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"Your order shipped"}}`)
		if status != 200 {
			t.Fatalf("send: %d %s", status, resp)
		}
		wamid := env.Fake.WhatsAppSends()[0].WAMID
		at := time.Now().Truncate(time.Second)
		delivered := waStatusOf(wamid, "delivered", waUser, at)
		read := waStatusOf(wamid, "read", waUser, at.Add(time.Second))
		hello := waText(waUser, "wamid.hello", at, `"thanks!"`)

		first := waBody(
			waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waStatuses(delivered))),
			waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waContacts("Ada", waUser), waMessages(hello))))
		if status, _ := waPost(env, first, harness.AppSecret); status != 200 {
			t.Fatalf("first delivery: %d", status)
		}
		got := merchant.Wait(t, 1, 10*time.Second)
		if string(got[0].Body) != string(first) || !got[0].Verified {
			t.Fatalf("first forward (verified %v):\n%s\nwant it as sent:\n%s", got[0].Verified, got[0].Body, first)
		}
		settled(t, env)

		// Redelivered with the read status added: the delivered status and
		// the message were seen; the entry holding only the message goes.
		second := waBody(
			waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waStatuses(delivered, read))),
			waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waContacts("Ada", waUser), waMessages(hello))))
		if status, _ := waPost(env, second, harness.AppSecret); status != 200 {
			t.Fatalf("redelivery: %d", status)
		}
		want := string(waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waStatuses(read)))))
		got = merchant.Wait(t, 2, 10*time.Second)
		if string(got[1].Body) != want || !got[1].Verified {
			t.Fatalf("forward of the redelivery (verified %v):\n%s\nwant\n%s", got[1].Verified, got[1].Body, want)
		}
		// Both again, and the delivered status alone once more: nothing new.
		waPost(env, second, harness.AppSecret)
		waPost(env, waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay, waStatuses(delivered)))), harness.AppSecret)
		settled(t, env)
		if n := forwards(t, env, env.BotID); n != 2 {
			t.Errorf("%d forwards for two webhooks with new events and two without", n)
		}
		if n := count(t, env, `SELECT COUNT(*) FROM webhooks`); n != 4 {
			t.Errorf("%d webhooks kept, want 4", n)
		}
		var list struct {
			Messages []struct{ ID, Status string }
		}
		env.Admin(http.MethodGet, "/admin/v1/messages?bot_id="+env.BotID+"&request_id=r1", nil, http.StatusOK, &list)
		if len(list.Messages) != 1 || list.Messages[0].Status != "read" {
			t.Fatalf("the message after delivered, read, delivered again: %+v", list.Messages)
		}
		var d struct{ History []struct{ Kind string } }
		env.Admin(http.MethodGet, "/admin/v1/messages/"+list.Messages[0].ID, nil, http.StatusOK, &d)
		var kinds []string
		for _, h := range d.History {
			kinds = append(kinds, h.Kind)
		}
		if got := strings.Join(kinds, " "); got != "accepted sent delivered read" {
			t.Errorf("history %q", got)
		}
	})
}

// A user's message opens their 24-hour customer-service window from the
// time WhatsApp says they wrote, under window_policy enforce: a message
// written more than 24 hours ago does not, a status does not, an older
// message arriving late does not move the window back.
func TestWhatsAppInboundOpensTheWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		clk := storetest.NewClock(now)
		env := harness.Start(t, db, harness.Options{
			Config: func(c *server.Config) { c.Now = clk.Now },
			Bot:    map[string]any{"settings": map[string]any{"window_policy": "enforce"}},
		})
		env.AttachWhatsApp(nil)
		n := 0
		send := func() (int, string, string) {
			n++
			id := fmt.Sprint("w", n)
			status, body := env.WhatsApp(`{"id":"` + id + `","to":"` + waUser + `","timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"Hello"}}`)
			return status, string(body), id
		}
		refused := func(what, message string) {
			t.Helper()
			status, body, id := send()
			want := `{"error":{"message":"` + message + `","type":"InvalidRequest","code":10100,"error_subcode":2018278,"request_id":"` + id + `"}}`
			if status != http.StatusForbidden || harness.Compact(t, []byte(body)) != want {
				t.Fatalf("%s: %d %s\nwant 403 %s", what, status, body, want)
			}
		}
		message := func(wamid string, at time.Time) {
			t.Helper()
			body := waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay,
				waContacts("Ada", waUser), waMessages(waText(waUser, wamid, at, `"hi"`)))))
			if status, _ := waPost(env, body, harness.AppSecret); status != 200 {
				t.Fatalf("message %s: %d", wamid, status)
			}
		}

		refused("before the user wrote", "outside the 24-hour customer-service window: the user has never written to this number; WhatsApp delivers only template messages to them: send one with \\\"type\\\":\\\"template\\\"")

		// A message the user wrote 25 hours ago, delivered only now.
		message("wamid.old", now.Add(-25*time.Hour))
		harness.WaitFor(t, "the old message processed", 10*time.Second, func() bool {
			at := lastInbound(t, env, env.BotID, waUser)
			return at != nil && at.Equal(now.Add(-25*time.Hour))
		})
		refused("after a message 25 hours old", "outside the 24-hour customer-service window: the user last wrote at 2026-11-19T09:00:00Z (25h0m0s ago); outside it, WhatsApp delivers only template messages: send one with \\\"type\\\":\\\"template\\\"")

		// A status about the user is not the user writing.
		status := waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay,
			waStatuses(waStatusOf("wamid.unknown", "read", waUser, now)))))
		if st, _ := waPost(env, status, harness.AppSecret); st != 200 {
			t.Fatalf("status: %d", st)
		}
		settled(t, env)
		refused("after a read status", "outside the 24-hour customer-service window: the user last wrote at 2026-11-19T09:00:00Z (25h0m0s ago); outside it, WhatsApp delivers only template messages: send one with \\\"type\\\":\\\"template\\\"")
		if sends := env.Fake.WhatsAppSends(); len(sends) != 0 {
			t.Fatalf("%d refused sends reached WhatsApp", len(sends))
		}

		// The user writes now: the window opens.
		wrote := now.Add(-time.Minute)
		message("wamid.new", wrote)
		harness.WaitFor(t, "the new message processed", 10*time.Second, func() bool {
			at := lastInbound(t, env, env.BotID, waUser)
			return at != nil && at.Equal(wrote)
		})
		if status, body, _ := send(); status != 200 || !strings.Contains(body, `"status":"sent"`) {
			t.Fatalf("inside the window: %d %s", status, body)
		}
		sends := env.Fake.WhatsAppSends()
		if len(sends) != 1 || sends[0].To != waUser || sends[0].Status != 200 {
			t.Fatalf("sends %+v", sends)
		}

		// An older message arriving late leaves the window where it is.
		message("wamid.late", now.Add(-30*time.Hour))
		settled(t, env)
		if at := lastInbound(t, env, env.BotID, waUser); at == nil || !at.Equal(wrote) {
			t.Fatalf("after a late older message the user last wrote %v, want %v", at, wrote)
		}

		// The window's edges: open 23h59m after the message, closed at 24h1m.
		clk.Set(wrote.Add(23*time.Hour + 59*time.Minute))
		if status, body, _ := send(); status != 200 {
			t.Fatalf("23h59m after: %d %s", status, body)
		}
		clk.Set(wrote.Add(24*time.Hour + time.Minute))
		refused("24h1m after", "outside the 24-hour customer-service window: the user last wrote at 2026-11-20T09:59:00Z (24h1m0s ago); outside it, WhatsApp delivers only template messages: send one with \\\"type\\\":\\\"template\\\"")
		if n := len(env.Fake.WhatsAppSends()); n != 2 {
			t.Fatalf("%d sends reached WhatsApp, want 2", n)
		}
	})
}

// ---- Tests for review findings of the WhatsApp feature (commit 8353231).
// Each describes the behaviour the review asks for; some fail until the
// finding is fixed.

// A Meta webhook may batch a change of another field (a template's status,
// an account update), which names no phone number, with a number's
// messages. The messages must not be refused with it: Meta would retry the
// body for days, and the user's messages never arrive.
func TestWhatsAppChangeOfAnotherFieldBesideMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.AttachWhatsApp(nil)
		merchant := waMerchant(t, env)
		template := `{"value":{"event":"APPROVED","message_template_id":594425479261596,"message_template_name":"order_update","message_template_language":"en_US","reason":"NONE"},"field":"message_template_status_update"}`
		body := waBody(waEntry("100000000000001", template,
			waChange(harness.WANumberID, waDisplay, waContacts("Ada", waUser), waMessages(waText(waUser, "wamid.t1", time.Now(), `"hi"`)))))
		if status, resp := waPost(env, body, harness.AppSecret); status != 200 {
			t.Fatalf("a signed webhook with a template status beside a message: %d %q, want 200", status, resp)
		}
		merchant.Wait(t, 1, 10*time.Second)
	})
}

// A second botgate on the same database may have cached the bot before its
// WhatsApp number was attached; a webhook for the number must not panic it.
func TestWhatsAppWebhookOnAPeerThatCachedTheBot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		peer := env.StartPeer()
		// The peer reads the bot (no WhatsApp number yet) for a Messenger event.
		msgr := []byte(`{"object":"page","entry":[{"id":"` + harness.Page + `","time":1714121000000,"messaging":[{"sender":{"id":"` + harness.User +
			`"},"recipient":{"id":"` + harness.Page + `"},"timestamp":1714121000000,"message":{"mid":"m_peer","text":"hi"}}]}]}`)
		req, _ := http.NewRequest(http.MethodPost, peer.URL()+"/webhooks/messenger", strings.NewReader(string(msgr)))
		req.Header.Set("X-Hub-Signature-256", waSignature(harness.AppSecret, msgr))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("messenger webhook on the peer: %v %v", resp, err)
		}
		resp.Body.Close()
		env.AttachWhatsApp(nil) // on the first instance
		body := waBody(waEntry("100000000000001", waChange(harness.WANumberID, waDisplay,
			waMessages(waText(waUser, "wamid.peer", time.Now(), `"hi"`)))))
		req, _ = http.NewRequest(http.MethodPost, peer.URL()+waPath, strings.NewReader(string(body)))
		req.Header.Set("X-Hub-Signature-256", waSignature(harness.AppSecret, body))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("the peer dropped the connection (a panic in receiveWhatsApp?): %v", err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// 403 is acceptable while the peer's cache is stale; a crash is not.
		if resp.StatusCode != 200 && resp.StatusCode != 403 {
			t.Fatalf("peer answered %d %s", resp.StatusCode, data)
		}
	})
}

// limits.burst is "the most requests any one second may hold": a steady
// rate above it cannot be honoured, whichever of the two is left to its
// default.
func TestWhatsAppLimitsRateAboveDefaultBurstIsRefused(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	body := map[string]any{"bot_phone": harness.WAPhone, "phone_number_id": harness.WANumberID, "access_token": harness.WAToken,
		"app_secret": harness.AppSecret, "verify_token": waVerify, "limits": map[string]any{"requests_per_second": 80}}
	data, _ := json.Marshal(body)
	status, resp := env.Do(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/whatsapp", http.Header{"Authorization": {"Bearer " + harness.AdminToken}}, data)
	if status != http.StatusBadRequest {
		t.Fatalf("requests_per_second 80 with the default burst of 60: %d %s, want 400", status, resp)
	}
}

// A number's webhook moves only that number's bot's messages: a status
// signed by another bot's app (another tenant, who knows its own app
// secret) must not fail or advance a message the first bot sent.
func TestWhatsAppStatusOnlyMovesTheNumbersOwnMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.AttachWhatsApp(nil)
		secondBot(t, env, "second-app-secret")
		status, resp := env.WhatsApp(`{"id":"x1","to":"` + waUser + `","timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"Your code is 1234"}}`)
		if status != 200 {
			t.Fatalf("send: %d %s", status, resp)
		}
		wamid := env.Fake.WhatsAppSends()[0].WAMID
		forged := waBody(waEntry("100000000000002", waChange(waNumber2, waDisplay2, waStatuses(
			`{ "id": "`+wamid+`", "status": "failed", "timestamp": "1700000001", "recipient_id": "`+waUser+`", "errors": [ { "code": 131026, "title": "Message undeliverable" } ] }`))))
		if st, _ := waPost(env, forged, "second-app-secret"); st != 200 {
			t.Fatalf("second number's webhook: %d", st)
		}
		settled(t, env)
		var list struct {
			Messages []struct{ Status string }
		}
		env.Admin(http.MethodGet, "/admin/v1/messages?bot_id="+env.BotID+"&request_id=x1", nil, http.StatusOK, &list)
		if len(list.Messages) != 1 || list.Messages[0].Status != "sent" {
			t.Fatalf("the first bot's message after a status from the second bot's number: %+v, want sent", list.Messages)
		}
	})
}

// A change about a second number that carries neither messages nor
// statuses (e.g. a system "errors" value) is that number's: forwarding the
// rest of the body whole must not hand it to the first number's merchant.
func TestWhatsAppVerbatimForwardHoldsOnlyTheBotsNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.AttachWhatsApp(nil)
		merchant := waMerchant(t, env)
		secondBot(t, env, harness.AppSecret)
		body := waBody(waEntry("100000000000001",
			waChange(harness.WANumberID, waDisplay, waMessages(waText(waUser, "wamid.v1", time.Now(), `"hi"`))),
			waChange(waNumber2, waDisplay2, `"errors":[ { "code": 131000, "title": "Something went wrong" } ]`)))
		if st, _ := waPost(env, body, harness.AppSecret); st != 200 {
			t.Fatalf("webhook: %d", st)
		}
		got := merchant.Wait(t, 1, 10*time.Second)
		if strings.Contains(string(got[0].Body), waNumber2) {
			t.Fatalf("the first number's merchant got the second number's change:\n%s", got[0].Body)
		}
	})
}

// A rate so small its interval overflows time.Duration turns into a
// negative interval, which lets every send through at once.
func TestWhatsAppLimitsRateTooSmallIsRefused(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	for _, limits := range []map[string]any{{"requests_per_second": 1e-10}, {"new_users_per_second": 1e-10}} {
		body := map[string]any{"bot_phone": harness.WAPhone, "phone_number_id": harness.WANumberID, "access_token": harness.WAToken,
			"app_secret": harness.AppSecret, "verify_token": waVerify, "limits": limits}
		data, _ := json.Marshal(body)
		status, resp := env.Do(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/whatsapp", http.Header{"Authorization": {"Bearer " + harness.AdminToken}}, data)
		if status != http.StatusBadRequest {
			t.Errorf("limits %v: %d %s, want 400", limits, status, resp)
		}
	}
	// What such a number does: with a burst of 3, two requests may go at
	// once (a new user costs two), and then one every 317 years. Every send
	// goes instead.
	data, _ := json.Marshal(map[string]any{"bot_phone": harness.WAPhone, "phone_number_id": harness.WANumberID, "access_token": harness.WAToken,
		"app_secret": harness.AppSecret, "verify_token": waVerify, "limits": map[string]any{"requests_per_second": 1e-10, "burst": 3, "new_users_per_second": 1000}})
	if status, _ := env.Do(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/whatsapp", http.Header{"Authorization": {"Bearer " + harness.AdminToken}}, data); status != http.StatusOK {
		return // refused: nothing more to show
	}
	sent := 0
	for i := range 5 {
		status, _ := env.WhatsApp(fmt.Sprintf(`{"id":"tiny%d","to":"%s","timestamp":"1","source":"botchat","type":"text","text":{"body":"hi"}}`, i, waUser))
		if status == 200 {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("%d of 5 sends went at 1e-10 requests a second with a burst of 3; want 1", sent)
	}
}

// Two numbers, sync sends to both at once through one botgate: on
// PostgreSQL each reservation locks its number's row until the group commit
// holding it commits, and up to four group commits run side by side, so two
// of them can lock the two rows in opposite orders. PostgreSQL then aborts
// one with "deadlock detected" (40P01); the writer hands that error to the
// operation instead of retrying, and the caller gets 500 "internal error"
// although its message stays accepted, its job claimed, and goes out when
// the lease ends. The limits are roomy: no send should wait, let alone fail.
func TestWhatsAppConcurrentSendsToTwoNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		// Bounds roomy enough that a loaded machine (CI runs packages side by
		// side) does not time sends out: the failure looked for is a 500, not
		// a slow answer. The lease still ends soon after, to see what becomes
		// of a send whose caller was told it failed.
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
			c.GraphTimeout, c.SyncTimeout, c.JobLease = 20*time.Second, 40*time.Second, 45*time.Second
		}})
		roomy := map[string]any{"requests_per_second": 1000, "burst": 2000, "new_users_per_second": 1000, "tiers": []int{0}}
		env.AttachWhatsApp(roomy)
		twoID, _ := secondBot(t, env, harness.AppSecret)
		env.Admin(http.MethodPut, "/admin/v1/bots/"+twoID+"/whatsapp", map[string]any{"bot_phone": waPhone2, "phone_number_id": waNumber2,
			"limits": roomy}, http.StatusOK, nil)
		var key struct{ Key string }
		env.Admin(http.MethodPost, "/admin/v1/bots/"+twoID+"/api-keys", nil, http.StatusCreated, &key)
		status := func(id string) string {
			var list struct{ Messages []struct{ Status string } }
			env.Admin(http.MethodGet, "/admin/v1/messages?request_id="+id, nil, http.StatusOK, &list)
			if len(list.Messages) != 1 {
				return fmt.Sprint(len(list.Messages), " messages")
			}
			return list.Messages[0].Status
		}
		const rounds, n = 3, 300
		for round := range rounds {
			var wg sync.WaitGroup
			var mu sync.Mutex
			failures := map[string]int{}
			var internal []string // ids answered 500
			for i := range n {
				wg.Go(func() {
					phone, apiKey := harness.WAPhone, env.APIKey
					if i%2 == 1 {
						phone, apiKey = waPhone2, key.Key
					}
					id := fmt.Sprintf("c%d-%d", round, i)
					body := fmt.Sprintf(`{"id":%q,"to":"44770%d%05d","timestamp":"1","source":"botchat","type":"text","text":{"body":"hi"}}`, id, round, i)
					req, _ := http.NewRequest(http.MethodPost, env.Server.URL()+"/channels/"+phone+"/messages", strings.NewReader(body))
					req.Header.Set("APIKEY", apiKey)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					data, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						var out struct{ Error struct{ Code int } }
						_ = json.Unmarshal(data, &out)
						mu.Lock()
						failures[fmt.Sprintf("%d code %d", resp.StatusCode, out.Error.Code)]++
						if resp.StatusCode == 500 {
							internal = append(internal, id)
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(failures) == 0 {
				continue
			}
			t.Errorf("round %d of %d sync sends to two roomy numbers: failures %v", round+1, n, failures)
			if len(internal) > 0 {
				// The caller was told "internal error"; the message goes anyway
				// once its claimed job's lease ends, with no callback.
				id := internal[0]
				t.Logf("%s right after its 500: %s", id, status(id))
				harness.WaitFor(t, "the lease to end", time.Minute, func() bool { return status(id) != "accepted" })
				t.Errorf("%s, answered 500 internal error, is now %s", id, status(id))
			}
			return
		}
	})
}

// PUT /admin/v1/bots/{id}/whatsapp keeps what it is not given: rotating a
// token keeps the number's limits (here Meta's smaller ladder), and a new
// number starts at the first rung, not at the tier the bot's old number had
// reached at Meta.
func TestWhatsAppAdminPutKeepsLimitsAndTierBelongsToTheNumber(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	put := func(body map[string]any) {
		t.Helper()
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/whatsapp", body, http.StatusOK, nil)
	}
	var out struct {
		Limits struct{ Tiers []int }
		Tier   struct{ Tier, Limit int }
	}
	get := func() {
		t.Helper()
		env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/whatsapp", nil, http.StatusOK, &out)
	}
	put(map[string]any{"bot_phone": harness.WAPhone, "phone_number_id": harness.WANumberID, "access_token": harness.WAToken,
		"app_secret": harness.AppSecret, "verify_token": waVerify, "limits": map[string]any{"preset": "meta"}, "tier": 3})
	put(map[string]any{"bot_phone": harness.WAPhone, "phone_number_id": harness.WANumberID, "access_token": "rotated-token"})
	get()
	if fmt.Sprint(out.Limits.Tiers) != "[250 2000 10000 100000 0]" || out.Tier.Tier != 3 || out.Tier.Limit != 10000 {
		t.Errorf("after rotating the token: tiers %v, tier %+v; want Meta's ladder kept at tier 3 (10000)", out.Limits.Tiers, out.Tier)
	}
	// Another number for the bot.
	put(map[string]any{"bot_phone": waPhone2, "phone_number_id": waNumber2, "limits": map[string]any{"preset": "meta"}})
	get()
	if out.Tier.Tier != 1 || out.Tier.Limit != 250 {
		t.Errorf("a new number starts at tier %+v; want tier 1 (250)", out.Tier)
	}
}
