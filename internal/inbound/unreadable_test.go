package inbound_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A correctly signed webhook botgate cannot read — invalid UTF-8, a NUL in
// an id — is answered 200 (Meta stops redelivering), kept byte for byte, set
// aside with the reason and counted; no job processes it, so nothing
// retries it, and the merchant receives nothing. On PostgreSQL such a body
// used to answer 503 forever.
func TestUnreadableWebhookIsKeptAndSetAside(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		merchant := withForwarding(t, env)
		text := fixture(t, "text")
		bodies := map[string][]byte{
			"NUL in the sender id": bytes.Replace(text, []byte(`"524807506000000"`), []byte(`"5248075\u0000"`), 1),
			"invalid UTF-8 text":   bytes.Replace(text, []byte(`"text":"11"`), []byte("\"text\":\"1\xff1\""), 1),
			"a NUL in the text":    bytes.Replace(text, []byte(`"text":"11"`), []byte(`"text":"1\u00001"`), 1),
		}
		for name, body := range bodies {
			if status := post(env, "/webhooks/messenger", body, harness.AppSecret); status != 200 {
				t.Errorf("%s: %d, want 200", name, status)
			}
		}
		ctx := context.Background()
		var ids, reasons []string
		for i := range len(bodies) + 1 {
			var id, reason string
			err := env.Server.Store.ReadRow(ctx, `SELECT id, unreadable FROM webhooks ORDER BY id LIMIT 1 OFFSET $1`, i).Scan(&id, &reason)
			if err != nil {
				break
			}
			ids, reasons = append(ids, id), append(reasons, reason)
		}
		if len(ids) != len(bodies) {
			t.Fatalf("%d webhooks kept, want %d", len(ids), len(bodies))
		}
		kept := map[string]bool{}
		for i, id := range ids {
			if !strings.Contains(reasons[i], "UTF-8") && !strings.Contains(reasons[i], "NUL") {
				t.Errorf("webhook %s: reason %q", id, reasons[i])
			}
			wh, err := env.Server.Store.GetWebhook(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			kept[string(wh.Body)] = true
		}
		for name, body := range bodies {
			if !kept[string(body)] {
				t.Errorf("%s: not kept as received", name)
			}
		}
		var jobs int
		if err := env.Server.Store.ReadRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'inbound'`).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 0 {
			t.Errorf("%d inbound jobs for unreadable webhooks, want none", jobs)
		}
		if got := metric(t, env, `botgate_webhooks_total{object="page",outcome="unreadable"}`); got != "3" {
			t.Errorf("unreadable counter = %q, want 3", got)
		}
		// A readable webhook still works, and nothing of the others was forwarded.
		post(env, "/webhooks/messenger", text, harness.AppSecret)
		if got := merchant.Wait(t, 1, 10*time.Second); string(got[0].Body) != string(text) {
			t.Errorf("forwarded %s", got[0].Body)
		}
	})
}

func metric(t *testing.T, env *harness.Env, series string) string {
	t.Helper()
	_, body := env.Do(http.MethodGet, "/metrics", nil, nil)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}
