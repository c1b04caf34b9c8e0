package inbound_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A bot moved over from a vendor: botgate has not yet listened to the
// page's webhooks for a full window, so a user it never saw write has an
// unknown window. Under enforce the send goes out (Graph decides) and the
// message log notes the window as unknown; once botgate has listened for a
// full window (24 hours; 7 days for HUMAN_AGENT), such a user is refused as
// before. A user botgate knows wrote long ago (an imported last
// interaction) is refused from the start.
func TestWindowUnknownUntilBotgateHasListenedAFullWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		clk := storetest.NewClock(start)
		env := harness.Start(t, db, harness.Options{
			NewListener: true,
			Config:      func(c *server.Config) { c.Now = clk.Now },
			Bot:         map[string]any{"settings": map[string]any{"window_policy": "enforce"}},
		})
		req := func(id, psid, mt, tag string) string {
			return fmt.Sprintf(`{"request":{"method":"send_message","id":%q},"recipient":{"id":%q},"messaging_type":%q,"message_tag":%q,"message":{"text":"hi"}}`, id, psid, mt, tag)
		}
		// Nothing received yet: unknown, sent, noted.
		if status, resp := env.Bothub(req("u1", harness.User, "RESPONSE", "")); status != 200 {
			t.Fatalf("never listened, RESPONSE: %d %s", status, resp)
		}
		if h := history(t, env, "u1"); !strings.Contains(h, "window_unknown: window unknown: botgate has not yet received this page's webhooks for a full window") {
			t.Errorf("u1 history: %s", h)
		}
		// The imported contact: known to have written 3 days ago, so outside.
		old := start.Add(-72 * time.Hour)
		if err := env.Server.Store.Write(context.Background(), func(tx *store.Tx) error {
			return tx.TouchContact(env.BotID, harness.OtherUser, &old)
		}); err != nil {
			t.Fatal(err)
		}
		status, resp := env.Bothub(req("o1", harness.OtherUser, "RESPONSE", ""))
		if status != 403 || !strings.Contains(string(resp), "the user last wrote at 2026-11-17T10:00:00Z") {
			t.Errorf("a seen contact outside the window: %d %s", status, resp)
		}
		// The first webhook about the page starts the count.
		body := fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":"999"},"recipient":{"id":%q},"timestamp":%d,"read":{"watermark":1}}]}]}`,
			harness.Page, start.UnixMilli(), harness.Page, start.UnixMilli())
		if status := post(env, "/webhooks/messenger", []byte(body), harness.AppSecret); status != 200 {
			t.Fatalf("webhook: %d", status)
		}
		steps := []struct {
			after   time.Duration
			mt, tag string
			status  int
		}{
			{23 * time.Hour, "RESPONSE", "", 200},
			{25 * time.Hour, "RESPONSE", "", 403},
			{25 * time.Hour, "MESSAGE_TAG", "HUMAN_AGENT", 200},
			{7*24*time.Hour + time.Hour, "MESSAGE_TAG", "HUMAN_AGENT", 403},
		}
		for i, s := range steps {
			clk.Set(start.Add(s.after))
			status, resp := env.Bothub(req(fmt.Sprint("s", i), harness.User, s.mt, s.tag))
			if status != s.status {
				t.Errorf("%v after listening began, %s %s: %d %s", s.after, s.mt, s.tag, status, resp)
			}
			if s.status == 403 && !strings.Contains(string(resp), "the user has never written to this page") {
				t.Errorf("refusal: %s", resp)
			}
		}
	})
}

// history is a message's history as "kind: detail" lines.
func history(t *testing.T, env *harness.Env, requestID string) string {
	t.Helper()
	var list struct{ Messages []struct{ ID string } }
	env.Admin(http.MethodGet, "/admin/v1/messages?request_id="+requestID, nil, 200, &list)
	if len(list.Messages) == 0 {
		t.Fatalf("no message %s", requestID)
	}
	var d struct {
		History []struct{ Kind, Detail string }
	}
	env.Admin(http.MethodGet, "/admin/v1/messages/"+list.Messages[0].ID, nil, 200, &d)
	var lines []string
	for _, h := range d.History {
		lines = append(lines, h.Kind+": "+h.Detail)
	}
	return strings.Join(lines, "\n")
}
