package console_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A callback's attempt keeps the headers botgate sent and the merchant's
// answer, and the message and delivery pages show them.
func TestDeliveryExchange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		var mu sync.Mutex
		var got http.Header
		merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			got = r.Header.Clone()
			mu.Unlock()
			w.Header().Set("X-Merchant-Trace", "trace-42")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, `{"ok":true,"note":"queued <fast> ✓"}`)
		}))
		defer merchant.Close()
		e := harness.Start(t, db, harness.Options{Bot: map[string]any{"callback_url": merchant.URL + "/cb"}})
		ctx := context.Background()
		admin := signInAs(t, e, "ada", core.RoleAdmin)

		status, resp := e.Bothub(`{"request":{"method":"send_message","id":"cb-1","sync":false},"recipient":{"id":"` + harness.User +
			`"},"messaging_type":"RESPONSE","message":{"text":"Shipped"}}`)
		if status != http.StatusOK {
			t.Fatalf("send: %d %s", status, resp)
		}
		var d *core.Delivery
		harness.WaitFor(t, "the callback delivered", 10*time.Second, func() bool {
			p, err := e.Server.Store.DeliveryPage(ctx, store.DeliveryFilter{BotID: e.BotID, State: core.DeliveryDelivered})
			if err == nil && len(p.Deliveries) == 1 {
				d = p.Deliveries[0]
			}
			return d != nil
		})
		attempts, err := e.Server.Store.DeliveryAttempts(ctx, d.ID)
		if err != nil || len(attempts) != 1 {
			t.Fatalf("attempts: %v %v", attempts, err)
		}
		a := attempts[0]
		mu.Lock()
		sent := http.Header{}
		for _, k := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "Content-Type", "User-Agent"} {
			sent[k] = got[k]
		}
		mu.Unlock()
		if !reflect.DeepEqual(a.RequestHeaders, sent) {
			t.Errorf("request headers stored %v, the merchant got %v", a.RequestHeaders, sent)
		}
		if a.StatusCode != http.StatusAccepted || a.ResponseBody != `{"ok":true,"note":"queued <fast> ✓"}` {
			t.Errorf("answer stored: %d %q", a.StatusCode, a.ResponseBody)
		}
		if want := []string{"trace-42"}; !reflect.DeepEqual(a.ResponseHeaders["X-Merchant-Trace"], want) ||
			!reflect.DeepEqual(a.ResponseHeaders["Content-Type"], []string{"application/json"}) {
			t.Errorf("response headers stored: %v", a.ResponseHeaders)
		}
		// Pages compared as the browser reads them (html/template escapes + too).
		wants := []string{"Webhook-Signature: " + sent.Get("Webhook-Signature"), "Webhook-Id: " + d.ID,
			"X-Merchant-Trace: trace-42", `{"ok":true,"note":"queued <fast> ✓"}`, "HTTP 202"}
		mustContain(t, html.UnescapeString(admin.get("/console/deliveries/"+d.ID, http.StatusOK)), "delivery", wants...)
		mustContain(t, html.UnescapeString(admin.get("/console/messages/"+d.MessageID, http.StatusOK)), "message", wants...)
	})
}
