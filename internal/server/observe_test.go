package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func sendBody(id string, sync bool) string {
	return fmt.Sprintf(`{"request":{"method":"send_message","id":%q,"sync":%t},"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":"hi"}}`,
		id, sync, harness.User)
}

// post sends a request and returns the status and the response's headers.
func post(t *testing.T, env *harness.Env, path string, h http.Header, body string) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL()+path, strings.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

func signed(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// After real traffic — two sync sends, one Graph refusal, two async sends
// (one retried), a callback refused once and one refused for good, a
// webhook accepted and one refused, and a job whose message is gone — the
// log has a line for each outcome, naming its request, and the metrics
// count exactly that traffic. No secret appears in any line.
func TestLogsAndMetricsAfterTraffic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		var logbuf harness.LogBuffer
		env := harness.Start(t, db, harness.Options{Log: &logbuf})
		key := http.Header{"Apikey": {env.APIKey}, "Content-Type": {"application/json"}}
		env.Inbox.Respond(func(n int) (int, time.Duration) {
			switch n {
			case 1:
				return http.StatusInternalServerError, 0
			case 3:
				return http.StatusGone, 0 // given up at once
			}
			return http.StatusNoContent, 0
		})

		// A caller's request id is kept; without one, botgate makes one.
		h := key.Clone()
		h.Set("X-Request-Id", "trace-ok-1")
		if status, hdr := post(t, env, "/api", h, sendBody("ok-1", true)); status != 200 || hdr.Get("X-Request-Id") != "trace-ok-1" {
			t.Fatalf("ok-1: %d, X-Request-Id %q", status, hdr.Get("X-Request-Id"))
		}
		h.Set("X-Request-Id", "bad id\twith spaces")
		_, hdr := post(t, env, "/api", h, sendBody("ok-2", true))
		generated := hdr.Get("X-Request-Id")
		if !strings.HasPrefix(generated, "req_") {
			t.Fatalf("an insane X-Request-Id must be replaced; got %q", generated)
		}
		env.Fake.FailNext(1, fakegraph.ErrInvalidParameter)
		h.Set("X-Request-Id", "trace-fail-1")
		post(t, env, "/api", h, sendBody("fail-1", true))

		// Refused requests: a wrong API key, and Sobot's HTTP 200 hiding a missing token.
		post(t, env, "/api", http.Header{"Apikey": {"bgk_wrong"}}, sendBody("nokey", true))
		if status, _ := post(t, env, "/chat-facebook/api/messenger/send", http.Header{}, `{}`); status != 200 {
			t.Fatalf("sobot without a token: %d", status)
		}

		env.Fake.FailNext(1, fakegraph.ErrService)
		post(t, env, "/api", key, sendBody("async-1", false))
		env.Inbox.Wait(t, 2, 10*time.Second) // refused once, then delivered
		post(t, env, "/api", key, sendBody("async-2", false))
		env.Inbox.Wait(t, 3, 10*time.Second)

		page := `{"object":"page","entry":[{"id":"` + harness.Page + `","time":1,"messaging":[]}]}`
		if status, _ := post(t, env, "/webhooks/messenger", http.Header{"X-Hub-Signature-256": {signed(harness.AppSecret, page)}}, page); status != 200 {
			t.Fatalf("signed webhook: %d", status)
		}
		if status, _ := post(t, env, "/webhooks/messenger", http.Header{"X-Hub-Signature-256": {signed("wrong", page)}}, page); status != 403 {
			t.Fatalf("badly signed webhook: %d", status)
		}
		// The user reads what they were sent: a status report.
		if _, err := env.Fake.UserReads(harness.Page, harness.User); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "ok-1 to be read", 10*time.Second, func() bool {
			var list struct{ Messages []struct{ Status string } }
			env.Admin(http.MethodGet, "/admin/v1/messages?request_id=ok-1", nil, http.StatusOK, &list)
			return len(list.Messages) == 1 && list.Messages[0].Status == "read"
		})
		if status, _ := post(t, env, "/webhooks/whatsapp", http.Header{}, `{"object":"whatsapp_business_account","entry":[]}`); status != 403 {
			t.Fatalf("unsigned WhatsApp webhook: %d", status)
		}
		err := env.Server.Store.Write(context.Background(), func(tx *store.Tx) error {
			// A reply job whose ref cannot be read: set aside, kept dead. (A
			// send job cannot lose its message: the message is the job.)
			return queue.Enqueue(tx, "reply", "gone", 3, tx.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the job to be set aside", 10*time.Second, func() bool {
			return len(logbuf.Find("job set aside", map[string]any{"ref": "gone"})) == 1
		})
		harness.WaitFor(t, "the gave-up delivery's line", 10*time.Second, func() bool {
			return len(logbuf.Find("delivery given up", nil)) == 1
		})

		// The log.
		want := []struct {
			msg   string
			attrs map[string]any
		}{
			{"http request", map[string]any{"request_id": "trace-ok-1", "method": "POST", "route": "POST /api", "status": 200,
				"face": "bothub", "bot": env.BotID}},
			{"http request", map[string]any{"request_id": generated, "route": "POST /api"}},
			{"message sent", map[string]any{"request_id": "trace-ok-1", "bot": env.BotID, "face": "bothub", "channel": "messenger", "sync": true}},
			{"message sent", map[string]any{"request_id": generated}},
			{"http request", map[string]any{"request_id": "trace-fail-1", "status": 422, "error": "upstream"}},
			{"http request", map[string]any{"route": "POST /api", "status": 401, "error": "bad_credential", "bot": ""}},
			{"http request", map[string]any{"route": "POST /chat-facebook/api/messenger/send", "status": 200, "face": "sobot", "error": "unauthenticated"}},
			{"message failed", map[string]any{"request_id": "trace-fail-1", "graph_code": 100, "code": "upstream", "reason": "Facebook refused the message: (#100) Invalid parameter"}},
			{"send retry scheduled", map[string]any{"client_request_id": "async-1", "attempt": 1, "reason": "error", "channel": "messenger"}},
			{"message sent", map[string]any{"client_request_id": "async-1", "sync": false, "attempt": 2}},
			{"message sent", map[string]any{"client_request_id": "async-2", "sync": false, "attempt": 1}},
			{"delivery failed", map[string]any{"kind": "callback", "attempt": 1, "status": 500, "reason": "receiver answered HTTP 500"}},
			{"delivery given up", map[string]any{"kind": "callback", "attempt": 1, "status": 410}},
			{"webhook refused", map[string]any{"object": "page", "why": "signature"}},
			{"webhook refused", map[string]any{"object": "whatsapp_business_account", "why": "signature"}},
			{"http request", map[string]any{"route": "POST /webhooks/messenger", "status": 403, "face": "inbound"}},
			{"job set aside", map[string]any{"kind": "reply", "ref": "gone"}},
		}
		for _, w := range want {
			if got := logbuf.Find(w.msg, w.attrs); len(got) != 1 {
				t.Errorf("%d lines %q with %v, want 1", len(got), w.msg, w.attrs)
			}
		}
		for _, line := range logbuf.Find("http request", nil) {
			if line["request_id"] == nil || line["duration_ms"] == nil || line["bytes"] == nil || line["remote"] == nil {
				t.Errorf("access line without its attributes: %v", line)
			}
		}
		all := logbuf.String()
		for name, secret := range map[string]string{"API key": env.APIKey, "admin token": harness.AdminToken,
			"app secret": harness.AppSecret, "page token": harness.PageToken, "callback secret": env.Secret} {
			if strings.Contains(all, secret) {
				t.Errorf("the log contains the %s", name)
			}
		}
		if t.Failed() {
			t.Logf("log:\n%s", all)
		}

		// The metrics. A WhatsApp number, for its tier's series.
		env.AttachWhatsApp(map[string]any{"tiers": []int{1000}})
		if status, body := env.WhatsApp(`{"id":"wa-1","to":"` + harness.WAUser + `","timestamp":"1","source":"botchat","type":"text","text":{"body":"hi"}}`); status != 200 {
			t.Fatalf("WhatsApp send: %d %s", status, body)
		}
		m := env.Scrape()
		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"botgate_messages_total", []string{"face", "bothub", "channel", "messenger", "status", "sent"}, 4},
			{"botgate_messages_total", []string{"status", "failed"}, 1},
			{"botgate_send_retries_total", []string{"channel", "messenger", "reason", "error"}, 1},
			{"botgate_graph_call_seconds", []string{"endpoint", "messages", "outcome", "ok"}, 4},
			{"botgate_graph_call_seconds", []string{"endpoint", "messages", "outcome", "error"}, 2},
			{"botgate_graph_errors_total", []string{"endpoint", "messages", "code", "100"}, 1},
			{"botgate_graph_errors_total", []string{"endpoint", "messages", "code", "2"}, 1},
			{"botgate_delivery_seconds", []string{"kind", "callback", "outcome", "retry"}, 1},
			{"botgate_delivery_seconds", []string{"kind", "callback", "outcome", "delivered"}, 1},
			{"botgate_delivery_seconds", []string{"kind", "callback", "outcome", "gave_up"}, 1},
			{"botgate_webhooks_total", []string{"object", "page", "outcome", "accepted"}, 2},
			{"botgate_status_events_total", []string{"channel", "messenger", "status", "read"}, 1},
			{"botgate_webhooks_total", []string{"object", "page", "outcome", "refused_signature"}, 1},
			{"botgate_webhooks_total", []string{"object", "whatsapp_business_account", "outcome", "refused_signature"}, 1},
			{"botgate_http_requests_total", []string{"route", "POST /api"}, 6},
			{"botgate_api_errors_total", []string{"face", "bothub", "kind", "upstream"}, 1},
			{"botgate_api_errors_total", []string{"face", "bothub", "kind", "bad_credential"}, 1},
			{"botgate_api_errors_total", []string{"face", "sobot", "kind", "unauthenticated"}, 1},
			{"botgate_api_errors_total", []string{}, 3},
			{"botgate_http_request_seconds", []string{"route", "POST /webhooks/messenger"}, 3},
			{"botgate_queue_jobs", []string{"kind", "reply", "state", "dead"}, 1},
			{"botgate_queue_jobs", []string{"kind", "send", "state", "dead"}, 0},
			{"botgate_queue_jobs", []string{"kind", "send", "state", "waiting"}, 0},
			{"botgate_queue_jobs", []string{"kind", "deliver", "state", "dead"}, 1},
			{"botgate_queue_oldest_waiting_seconds", []string{"kind", "send"}, 0},
		} {
			if got := harness.Metric(m, c.name, c.labels...); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		for _, name := range []string{"botgate_store_transaction_seconds", "botgate_store_batch_operations"} {
			if harness.Metric(m, name) == 0 {
				t.Errorf("%s observed nothing", name)
			}
		}
		for _, c := range []struct {
			name string
			want float64
		}{
			{"botgate_whatsapp_tier", 1}, {"botgate_whatsapp_tier_limit_users", 1000}, {"botgate_whatsapp_tier_used_users", 1}, // a new user outside a window
			{"botgate_whatsapp_pace_requests_per_second", 20},
			{"botgate_whatsapp_sends_total", 1},
		} {
			if got := harness.Metric(m, c.name, "phone_number_id", harness.WANumberID); got != c.want {
				t.Errorf("%s = %v, want %v", c.name, got, c.want)
			}
		}
		// A kind that never had a job reads 0 in every state rather than vanishing.
		uploads := 0
		for _, s := range m["botgate_queue_jobs"].GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == "upload" && s.GetGauge().GetValue() == 0 {
					uploads++
				}
			}
		}
		if uploads != 5 {
			t.Errorf("%d zero series of upload jobs, want 5 (one per state)", uploads)
		}
		if got := harness.Metric(m, "botgate_messages_total", "face", "whatsapp", "channel", "whatsapp", "status", "sent"); got != 1 {
			t.Errorf("WhatsApp messages sent = %v, want 1", got)
		}
		if m["botgate_scrape_errors"] == nil || harness.Metric(m, "botgate_scrape_errors") != 0 {
			t.Errorf("botgate_scrape_errors missing or not 0")
		}
		if exported(m, "botgate_no_such_total") || exported(m, "botgate_messages_total_count") {
			t.Errorf("the dashboard check would pass a metric that does not exist")
		}
		checkMonitoringFiles(t, m)
		var buf bytes.Buffer
		for name := range m {
			buf.WriteString(name + " ")
		}
		if t.Failed() {
			t.Logf("families: %s", buf.String())
		}
	})
}
