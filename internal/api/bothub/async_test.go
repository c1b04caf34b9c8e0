package bothub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

func asyncBody(id, recipient, message, meta string) string {
	return fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":"false","meta":%s},"recipient":%s,"messaging_type":"RESPONSE","message":%s}`,
		id, meta, recipient, message)
}

// messageDetail reads a message's log entry through the admin API.
type messageDetail struct {
	ID       string
	Status   string
	Error    *struct{ Kind, Message string }
	Attempts []struct {
		Outcome    string
		StatusCode int `json:"status_code"`
		Request    json.RawMessage
	}
	History []struct{ Kind, Detail string }
}

func detailOf(t *testing.T, env *harness.Env, requestID string) messageDetail {
	t.Helper()
	var list struct{ Messages []struct{ ID string } }
	env.Admin(http.MethodGet, "/admin/v1/messages?request_id="+requestID+"&bot_id="+env.BotID, nil, 200, &list)
	if len(list.Messages) != 1 {
		t.Fatalf("%d messages with request id %s", len(list.Messages), requestID)
	}
	var d messageDetail
	env.Admin(http.MethodGet, "/admin/v1/messages/"+list.Messages[0].ID, nil, 200, &d)
	return d
}

func historyKinds(d messageDetail) string {
	var kinds []string
	for _, h := range d.History {
		kinds = append(kinds, h.Kind)
	}
	return strings.Join(kinds, " ")
}

func TestAsyncResultsArriveSignedWithMeta(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.Fake.OutsideWindow("524807506000099")

		status, body := env.Bothub(asyncBody("a1", user, text, `{"order":"A-1"}`))
		if status != 200 || string(body) != `{"request_id":"a1"}`+"\n" {
			t.Fatalf("accept: %d %s", status, body)
		}
		status, body = env.Bothub(asyncBody("a2", `{"id":"524807506000099"}`, text, `"free text"`))
		if status != 200 {
			t.Fatalf("accept: %d %s", status, body)
		}
		got := env.Inbox.Wait(t, 2, 10*time.Second)
		byID := map[string]harness.Received{}
		for _, r := range got {
			if !r.Verified {
				t.Errorf("callback %s: signature does not verify with the bot's callback secret", r.Body)
			}
			var v struct {
				RequestID string `json:"request_id"`
				Error     struct {
					RequestID string `json:"request_id"`
				}
			}
			_ = json.Unmarshal(r.Body, &v)
			byID[v.RequestID+v.Error.RequestID] = r
		}
		var mid string
		for _, s := range env.Fake.Sends() {
			if s.Err == nil {
				mid = s.MessageID
			}
		}
		want := fmt.Sprintf(`{"request_id":"a1","recipient_id":%q,"message_id":%q,"meta":{"order":"A-1"}}`, harness.User, mid)
		if string(byID["a1"].Body) != want {
			t.Errorf("success callback %s\nwant %s", byID["a1"].Body, want)
		}
		failed := fbtrace.ReplaceAllString(string(byID["a2"].Body), `"fbtrace_id":"X"`)
		wantFailed := `{"error":{"message":"Facebook refused the message: ` + outsideWindow + `","type":"OAuthException","code":10000,"error_subcode":2018278,"request_id":"a2","upstream":{"http_status":400,"code":10,"error_subcode":2018278,"type":"OAuthException","message":"` + outsideWindow + `","fbtrace_id":"X"}},"meta":"free text"}`
		if failed != wantFailed {
			t.Errorf("failure callback %s\nwant %s", failed, wantFailed)
		}
		if h := byID["a1"].Header; !strings.HasPrefix(h.Get("webhook-signature"), "v1,") || h.Get("webhook-id") == "" || h.Get("webhook-timestamp") == "" {
			t.Errorf("Standard Webhooks headers missing: %v", h)
		}
		harness.WaitFor(t, "callback recorded", 5*time.Second, func() bool {
			return historyKinds(detailOf(t, env, "a1")) == "accepted sent callback_delivered"
		})
	})
}

// A receiver that answers slowly times out; each timeout shows in the
// message's history with code 19000, and the callback is retried until it lands.
func TestCallbackTimeoutIsLoggedAs19000(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.CallbackTimeout = 100 * time.Millisecond }})
		env.Inbox.Respond(func(n int) (int, time.Duration) {
			if n <= 2 {
				return 204, 400 * time.Millisecond
			}
			return 204, 0
		})
		if status, body := env.Bothub(asyncBody("slow", user, text, `""`)); status != 200 {
			t.Fatalf("accept: %d %s", status, body)
		}
		harness.WaitFor(t, "the third callback attempt", 10*time.Second, func() bool {
			return strings.HasSuffix(historyKinds(detailOf(t, env, "slow")), "callback_delivered")
		})
		d := detailOf(t, env, "slow")
		if k := historyKinds(d); k != "accepted sent callback_timeout callback_timeout callback_delivered" {
			t.Fatalf("history %q", k)
		}
		if !strings.HasPrefix(d.History[2].Detail, "19000 callback timed out, attempt 1 of 8") {
			t.Errorf("timeout detail %q", d.History[2].Detail)
		}
	})
}

// Transient Graph failures are retried: inline within a sync request, and
// from the queue with backoff for async ones. Every attempt is logged.
func TestTransientErrorsAreRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		env.Fake.FailNext(2, fakegraph.ErrTemporary)
		status, body := env.Bothub(envelope("s1", user, text))
		if status != 200 {
			t.Fatalf("sync after two transient failures: %d %s", status, body)
		}
		d := detailOf(t, env, "s1")
		if len(d.Attempts) != 3 || d.Attempts[0].Outcome != "retry" || d.Attempts[1].Outcome != "retry" || d.Attempts[2].Outcome != "sent" {
			t.Fatalf("sync attempts %+v", d.Attempts)
		}
		if d.Attempts[0].StatusCode != 400 || d.Status != "sent" {
			t.Errorf("first attempt status %d, message %s", d.Attempts[0].StatusCode, d.Status)
		}

		env.Fake.FailNext(3, fakegraph.ErrService)
		if status, body := env.Bothub(asyncBody("a1", user, text, `""`)); status != 200 {
			t.Fatalf("accept: %d %s", status, body)
		}
		cb := env.Inbox.Wait(t, 1, 10*time.Second)
		if !strings.Contains(string(cb[0].Body), `"request_id":"a1","recipient_id"`) {
			t.Fatalf("callback %s", cb[0].Body)
		}
		d = detailOf(t, env, "a1")
		var outcomes []string
		for _, a := range d.Attempts {
			outcomes = append(outcomes, fmt.Sprint(a.Outcome, "/", a.StatusCode))
		}
		if got := strings.Join(outcomes, " "); got != "retry/500 retry/500 retry/500 sent/200" {
			t.Fatalf("async attempts %s", got)
		}
		if sends := env.Fake.SendCount(); sends != 7 {
			t.Errorf("%d calls reached Graph, want 7 (3 + 4)", sends)
		}
	})
}

// N concurrent requests with one request id reach Graph exactly once.
func TestConcurrentIdenticalRequestIDsSendOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		for _, mode := range []string{"true", "false"} {
			id := "same-" + mode
			body := fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":%s},"recipient":%s,"messaging_type":"RESPONSE","message":%s}`, id, mode, user, text)
			const n = 40
			statuses := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i], _ = env.Bothub(body)
				}()
			}
			wg.Wait()
			counts := map[int]int{}
			for _, s := range statuses {
				counts[s]++
			}
			if counts[200] != 1 || counts[409] != n-1 {
				t.Fatalf("sync=%s: statuses %v, want one 200 and %d 409", mode, counts, n-1)
			}
		}
		env.Inbox.Wait(t, 1, 10*time.Second)
		time.Sleep(100 * time.Millisecond) // let any stray duplicate reach the fake
		if got := env.Fake.SendCount(); got != 2 {
			t.Fatalf("Graph received %d sends for 2 request ids", got)
		}
	})
}

func TestLegacyTagsMapOrReject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		status, body := env.Bothub(envelope("t1", user, text, `"messaging_type":"MESSAGE_TAG","message_tag":"SHIPPING_UPDATE"`))
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		sent := string(env.Fake.Sends()[0].Body)
		if want := `{"recipient":{"id":"524807506000000"},"messaging_type":"MESSAGE_TAG","tag":"POST_PURCHASE_UPDATE","message":{"text":"hi"}}`; sent != want {
			t.Errorf("Graph body %s\nwant %s", sent, want)
		}
		var rec struct {
			Messages []struct {
				Tag          string `json:"tag"`
				EffectiveTag string `json:"effective_tag"`
			}
		}
		env.Admin(http.MethodGet, "/admin/v1/messages?request_id=t1", nil, 200, &rec)
		if rec.Messages[0].Tag != "SHIPPING_UPDATE" || rec.Messages[0].EffectiveTag != "POST_PURCHASE_UPDATE" {
			t.Errorf("record keeps %+v", rec.Messages[0])
		}
		env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"settings": map[string]any{"legacy_tags": "reject"}}, 200, nil)
		status, body = env.Bothub(envelope("t2", user, text, `"messaging_type":"MESSAGE_TAG","message_tag":"SHIPPING_UPDATE"`))
		want := errBody(10100, 0, "InvalidRequest", "t2", `message_tag: "SHIPPING_UPDATE" was retired by Facebook on 2020-03-04 and this bot rejects retired tags`)
		if status != 400 || harness.Compact(t, body) != want {
			t.Errorf("reject mode: %d %s", status, body)
		}
	})
}

// The profile is fetched once per contact and kept.
func TestProfileFetchedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		for i := range 3 {
			status, body := env.Bothub(envelope(fmt.Sprint("p", i), user, `{"text":"Hi {{first_name}}"}`))
			if status != 200 {
				t.Fatalf("%d %s", status, body)
			}
		}
		profileCalls := 0
		for _, r := range env.Fake.Requests() {
			if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/"+harness.User) {
				profileCalls++
			}
		}
		if profileCalls != 1 {
			t.Errorf("%d profile fetches for 3 sends", profileCalls)
		}
		for _, s := range env.Fake.Sends() {
			if !strings.Contains(string(s.Body), `"text":"Hi Ada"`) {
				t.Errorf("sent %s", s.Body)
			}
		}
	})
}

func TestPhoneNumbersAreNormalised(t *testing.T) {
	env := harness.Start(t, storetest.New(t, "sqlite"), harness.Options{})
	cases := []struct{ recipient, want string }{
		{`{"phone_number":"18900001111","country":{"phone_code":"86"}}`, "+8618900001111"},
		{`{"phone_number":"+86 189-0000-1111"}`, "+8618900001111"},
		{`{"phone_number":"008618900001111"}`, "+8618900001111"},
		{`{"phone_number":"020 7946 0018","country":{"phone_code":"+44"}}`, "+442079460018"},
		{`{"phone_number":18900001111,"country":{"phone_code":86}}`, "+8618900001111"},
	}
	for i, c := range cases {
		status, body := env.Bothub(envelope(fmt.Sprint("ph", i), c.recipient, text))
		if status != 200 {
			t.Fatalf("%s: %d %s", c.recipient, status, body)
		}
		sends := env.Fake.Sends()
		if got := sends[len(sends)-1].Recipient["phone_number"]; got != c.want {
			t.Errorf("%s sent as %v, want %s", c.recipient, got, c.want)
		}
	}
}
