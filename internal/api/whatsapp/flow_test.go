package whatsapp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

func asyncBody(id, phone string) string {
	return fmt.Sprintf(`{"id":%q,"to":%q,"timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"Your order shipped"},"sync":false}`, id, phone)
}

// TestAsyncResultAndStatuses: an async send answers at once and reports to
// the callback, signed; the user's phone then reports read before delivered,
// and the log stays at read; each new status reaches the merchant's webhook
// once, however often Meta delivers it; a failed status fails a sent message
// with WhatsApp's reason.
func TestAsyncResultAndStatuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		hooks := harness.NewInbox(t)
		env := start(t, db, harness.Options{Bot: map[string]any{"webhook_url": hooks.URL}}, nil)
		hooks.Secret = env.Secret

		status, body := env.WhatsApp(asyncBody("a1", to))
		if want := `{"result":true,"data":{"id":"a1","to":"+447700900123","status":"accepted"}}`; status != 200 || harness.Compact(t, body) != want {
			t.Fatalf("accept: %d %s\nwant %s", status, body, want)
		}
		got := env.Inbox.Wait(t, 1, 10*time.Second)
		wamid := env.Fake.WhatsAppSends()[0].WAMID
		want := fmt.Sprintf(`{"result":true,"data":{"id":"a1","wamid":%q,"to":"+447700900123","wa_id":"447700900123","status":"sent"}}`, wamid)
		if !got[0].Verified || harness.Compact(t, got[0].Body) != want {
			t.Fatalf("callback (verified %v): %s\nwant %s", got[0].Verified, got[0].Body, want)
		}

		read, err := env.Fake.WAStatus(harness.WANumberID, wamid, to, "read")
		if err != nil || read.Status != 200 {
			t.Fatalf("read status: %+v %v", read, err)
		}
		delivered, err := env.Fake.WAStatus(harness.WANumberID, wamid, to, "delivered")
		if err != nil {
			t.Fatal(err)
		}
		// Meta retries for days: the same read again.
		if again, err := env.Fake.DeliverWhatsApp(read.Body, harness.AppSecret); err != nil || again.Status != 200 {
			t.Fatalf("redelivery: %d %v", again.Status, err)
		}
		// Signed with another secret, or not at all: refused, and nothing acts on it.
		for _, secret := range []string{"not-the-app-secret", ""} {
			if forged, err := env.Fake.DeliverWhatsApp(read.Body, secret); err != nil || forged.Status != http.StatusForbidden {
				t.Fatalf("signed with %q: %d %v", secret, forged.Status, err)
			}
		}
		forwarded := hooks.Wait(t, 2, 10*time.Second)
		harness.WaitFor(t, "the read status", 5*time.Second, func() bool { return message(t, env, "a1").Status == "read" })
		time.Sleep(200 * time.Millisecond) // the redelivery's job, had it forwarded anything
		if n := len(hooks.Received()); n != 2 {
			t.Fatalf("%d forwards for 2 new statuses and a redelivery", n)
		}
		for _, f := range forwarded {
			if !f.Verified || !strings.Contains(string(f.Body), wamid) || !strings.Contains(string(f.Body), `"whatsapp_business_account"`) {
				t.Errorf("forwarded (verified %v): %s", f.Verified, f.Body)
			}
		}
		// Each webhook goes to the merchant as Meta sent it; the two are
		// processed concurrently, so they may arrive in either order.
		var bodies []string
		for _, f := range forwarded {
			bodies = append(bodies, string(f.Body))
		}
		slices.Sort(bodies)
		wantBodies := []string{string(read.Body), string(delivered.Body)}
		slices.Sort(wantBodies)
		if !slices.Equal(bodies, wantBodies) {
			t.Errorf("the webhooks of the two new statuses go to the merchant as Meta sent them:\n%q\nwant\n%q", bodies, wantBodies)
		}
		if m := message(t, env, "a1"); m.Status != "read" {
			t.Fatalf("after read then delivered: %s", m.Status)
		}

		// A failure WhatsApp reports after accepting the message.
		if status, body := env.WhatsApp(textBody("f1")); status != 200 {
			t.Fatalf("send: %d %s", status, body)
		}
		sends := env.Fake.WhatsAppSends()
		if _, err := env.Fake.WAStatus(harness.WANumberID, sends[len(sends)-1].WAMID, to, "failed", fakegraph.ErrWAOutsideWindow); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the failed status", 5*time.Second, func() bool { return message(t, env, "f1").Status == "failed" })
		if m := message(t, env, "f1"); m.Error == nil || !strings.Contains(m.Error.Message, "(#131047) Re-engagement message") {
			t.Errorf("failed message's error: %+v", m.Error)
		}
	})
}

// TestWindowPolicy: with window_policy enforce, a user who never wrote to
// the number cannot be sent to; once they write, they can.
func TestWindowPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{Bot: map[string]any{"settings": map[string]any{"window_policy": "enforce"}}}, nil)
		status, body := env.WhatsApp(textBody("w1"))
		var out struct {
			Error struct {
				Code    int
				Message string
			}
		}
		if err := json.Unmarshal(body, &out); err != nil || status != http.StatusForbidden || out.Error.Code != 10100 ||
			!strings.Contains(out.Error.Message, "outside the 24-hour customer-service window: the user has never written to this number") {
			t.Fatalf("before the user wrote: %d %s", status, body)
		}
		hook, err := env.Fake.WAUserSendsText(harness.WANumberID, to, "Ada", "where is my order?")
		if err != nil || hook.Status != 200 {
			t.Fatalf("user writes: %+v %v", hook, err)
		}
		n := 0
		harness.WaitFor(t, "the window to open", 5*time.Second, func() bool {
			n++
			status, _ := env.WhatsApp(textBody(fmt.Sprintf("w%d", n+1)))
			return status == http.StatusOK
		})
		if sends := env.Fake.WhatsAppSends(); len(sends) != 1 {
			t.Fatalf("%d sends, want the one after the user wrote", len(sends))
		}
	})
}

// TestPacingHoldsOverHTTP sends 80 messages to new users through the API
// at once, queued, with a limit of 40 new users a second, and checks when
// they reached WhatsApp: no second holds more than 40 (one more allowed for
// the scheduling jitter of real time; the store's test checks the exact
// limit on a simulated clock). A sync send during the backlog still goes
// within its bound.
func TestPacingHoldsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, map[string]any{"requests_per_second": 100, "burst": 110, "new_users_per_second": 40})
		const n = 80
		for i := range n {
			if status, body := env.WhatsApp(asyncBody(fmt.Sprintf("p%d", i), fmt.Sprintf("4477009%05d", i))); status != 200 {
				t.Fatalf("accept %d: %d %s", i, status, body)
			}
		}
		time.Sleep(300 * time.Millisecond)
		start := time.Now()
		if status, body := env.WhatsApp(textBody("sync-in-backlog")); status != 200 {
			t.Fatalf("sync send behind the backlog: %d %s", status, body)
		}
		t.Logf("the sync send behind the backlog took %s", time.Since(start).Round(time.Millisecond))
		env.Inbox.Wait(t, n, 20*time.Second)
		times := sendTimes(env.Fake.WhatsAppSends())
		if len(times) != n+1 {
			t.Fatalf("%d sends reached WhatsApp, want %d", len(times), n+1)
		}
		if busiest := busiest(times); busiest > 41 {
			t.Fatalf("%d new users in one second; the limit is 40", busiest)
		}
		if span := times[len(times)-1].Sub(times[0]); span < 1900*time.Millisecond {
			t.Fatalf("81 new users went out in %s; at 40 a second it takes at least 2s", span)
		}
	})
}

func sendTimes(sends []fakegraph.WhatsAppSend) []time.Time {
	var times []time.Time
	for _, s := range sends {
		if s.Status == 200 {
			times = append(times, s.Time)
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	return times
}

// busiest is the most sends any one-second window holds.
func busiest(times []time.Time) int {
	most := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < time.Second {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// TestDailyTierOverHTTP: over the tier, a sync send is refused with 41041
// and a queued one holds the next place, as the admin API shows.
func TestDailyTierOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, map[string]any{"tiers": []int{2, 4}})
		for i, phone := range []string{"447700900001", "447700900002"} {
			if status, body := env.WhatsApp(strings.Replace(textBody(fmt.Sprint("t", i)), to, phone, 1)); status != 200 {
				t.Fatalf("user %d: %d %s", i, status, body)
			}
		}
		status, body := env.WhatsApp(strings.Replace(textBody("t3"), to, "447700900003", 1))
		var out struct {
			Error struct {
				Code    int
				Message string
			}
		}
		if err := json.Unmarshal(body, &out); err != nil || status != http.StatusTooManyRequests || out.Error.Code != 41041 ||
			!strings.Contains(out.Error.Message, "tier 1 allows 2") {
			t.Fatalf("third user, sync: %d %s", status, body)
		}
		if status, body := env.WhatsApp(strings.Replace(asyncBody("t4", to), to, "447700900003", 1)); status != 200 {
			t.Fatalf("third user, queued: %d %s", status, body)
		}
		var wa struct {
			Tier struct {
				Tier, Limit, Reached, Scheduled, Available int
				UpgradeAt                                  int `json:"upgrade_at"`
				NextLimit                                  int `json:"next_limit"`
			}
		}
		harness.WaitFor(t, "the queued send to hold a place", 5*time.Second, func() bool {
			env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/whatsapp", nil, http.StatusOK, &wa)
			return wa.Tier.Scheduled == 1
		})
		if w := wa.Tier; w.Tier != 1 || w.Limit != 2 || w.Reached != 2 || w.Available != 0 || w.UpgradeAt != 4 || w.NextLimit != 4 {
			t.Fatalf("tier = %+v", w)
		}
		m := message(t, env, "t4")
		if m.Status != "accepted" || !strings.Contains(fmt.Sprint(m.History), "the number's daily tier is full") {
			t.Fatalf("the held message: %+v", m)
		}
		if n := len(env.Fake.WhatsAppSends()); n != 2 {
			t.Fatalf("%d sends; the third user waits for the tier", n)
		}
	})
}

// TestTwoInstancesShareThePace runs two botgates on one database, each
// taking half of 80 queued sends to new users, and checks that together
// they kept one number's limit of 40 new users a second.
func TestTwoInstancesShareThePace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, map[string]any{"requests_per_second": 100, "burst": 110, "new_users_per_second": 40})
		peer := env.StartPeer()
		const n = 80
		var wg sync.WaitGroup
		for half, base := range []string{env.Server.URL(), peer.URL()} {
			wg.Go(func() {
				for i := half; i < n; i += 2 {
					req, _ := http.NewRequest(http.MethodPost, base+"/channels/"+harness.WAPhone+"/messages",
						strings.NewReader(asyncBody(fmt.Sprintf("two%d", i), fmt.Sprintf("4477008%05d", i))))
					req.Header.Set("APIKEY", env.APIKey)
					resp, err := http.DefaultClient.Do(req)
					if err != nil || resp.StatusCode != 200 {
						t.Errorf("accept %d on instance %d: %v %v", i, half, resp, err)
						return
					}
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		env.Inbox.Wait(t, n, 20*time.Second)
		times := sendTimes(env.Fake.WhatsAppSends())
		if len(times) != n {
			t.Fatalf("%d sends reached WhatsApp, want %d", len(times), n)
		}
		if b := busiest(times); b > 41 {
			t.Fatalf("two instances sent to %d new users in one second; the number's limit is 40", b)
		}
	})
}

// TestThrottledSendsWaitWithoutUsingAttempts: WhatsApp's throttling
// (130429) makes a queued send wait and try again, however often, without
// using up its attempts: it goes once the limit lifts.
func TestThrottledSendsWaitWithoutUsingAttempts(t *testing.T) {
	env := start(t, storetest.New(t, "sqlite"), harness.Options{Config: func(c *server.Config) { c.SendAttempts = 2 }}, nil)
	env.Fake.WhatsAppFail(to, fakegraph.ErrWAThroughput)
	if status, body := env.WhatsApp(asyncBody("th1", to)); status != 200 {
		t.Fatalf("accept: %d %s", status, body)
	}
	harness.WaitFor(t, "four throttled calls", 20*time.Second, func() bool { return len(env.Fake.WhatsAppSends()) >= 4 })
	env.Fake.WhatsAppFail(to, fakegraph.GraphError{})
	got := env.Inbox.Wait(t, 1, 20*time.Second)
	if !strings.Contains(string(got[0].Body), `"status":"sent"`) {
		t.Fatalf("after the throttle lifted: %s", got[0].Body)
	}
	if m := message(t, env, "th1"); m.Status != "sent" {
		t.Fatalf("message %+v", m)
	}
}
