package admin_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Messages are found by recipient and by time range; a query parameter no
// route reads is refused, naming it, instead of being ignored.
func TestMessageFiltersAndUnknownParameters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		clk := storetest.NewClock(t0)
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.Now = clk.Now }})
		c := newClient(t, env)
		clk.Set(t0.Add(time.Minute))
		if status, body := sendWith(env, env.APIKey, "to-ada", harness.User, "one"); status != 200 {
			t.Fatalf("send: %d %s", status, body)
		}
		clk.Set(t0.Add(2 * time.Minute))
		if status, body := sendWith(env, env.APIKey, "to-alan", harness.OtherUser, "two"); status != 200 {
			t.Fatalf("send: %d %s", status, body)
		}
		list := func(query string) []string {
			var out struct {
				Messages []struct {
					RequestID string `json:"request_id"`
				}
			}
			c.decode("GET", "/admin/v1/messages?"+query, "", 200, &out)
			var ids []string
			for _, m := range out.Messages {
				ids = append(ids, m.RequestID)
			}
			return ids
		}
		at := func(d time.Duration) string { return url.QueryEscape(t0.Add(d).Format(time.RFC3339)) }
		for query, want := range map[string]string{
			"recipient=" + harness.User:      "[to-ada]",
			"recipient=" + harness.OtherUser: "[to-alan]",
			"recipient=nobody":               "[]",
			"since=" + at(90*time.Second):    "[to-alan]",
			"until=" + at(90*time.Second):    "[to-ada]",
			"since=" + at(time.Minute) + "&until=" + at(time.Minute+time.Second): "[to-ada]",
			"since=" + at(time.Hour):           "[]",
			"bot_id=" + env.BotID + "&limit=5": "[to-alan to-ada]",
		} {
			if got := fmtList(list(query)); got != want {
				t.Errorf("?%s: %s, want %s", query, got, want)
			}
		}
		c.wantError("GET", "/admin/v1/messages?since=yesterday", "", 400, "invalid", "since: must be a time in RFC 3339, e.g. 2026-12-04T15:00:00Z", "since")
		c.wantError("GET", "/admin/v1/messages?reciepient=x&colour=red&status=sent", "", 400, "invalid",
			"unknown query parameter: colour, reciepient (this endpoint takes: bot_id, request_id, status, recipient, since, until, limit, before)", "colour")
		c.wantError("GET", "/admin/v1/bots?limit=5", "", 400, "invalid", "unknown query parameter: limit (this endpoint takes: none)", "limit")
		c.wantError("GET", "/admin/v1/bots/"+env.BotID+"/deliveries?after=x", "", 400, "invalid",
			"unknown query parameter: after (this endpoint takes: before)", "after")
		// A wrong token is told so first, whatever the query.
		if status, _ := c.doAs("Bearer wrong", "GET", "/admin/v1/bots?limit=5", ""); status != http.StatusUnauthorized {
			t.Errorf("wrong token with an unknown parameter: %d", status)
		}
	})
}

func fmtList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}

// A message or delivery waiting for its next try says when that is.
func TestNextAttemptAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
			c.SendRetryBase = time.Hour
			c.CallbackSchedule = []time.Duration{time.Hour}
		}})
		c := newClient(t, env)
		env.Inbox.Respond(func(int) (int, time.Duration) { return 500, 0 })
		env.Fake.FailNext(1, fakegraph.ErrTemporary)
		status, body := env.Bothub(`{"request":{"method":"send_message","id":"later","sync":false},"recipient":{"id":"` + harness.User + `"},
			"messaging_type":"RESPONSE","message":{"text":"hi"}}`)
		if status != 200 {
			t.Fatalf("async send: %d %s", status, body)
		}
		type next struct {
			Messages []struct {
				CreatedAt     time.Time  `json:"created_at"`
				NextAttemptAt *time.Time `json:"next_attempt_at"`
			}
		}
		var v next
		harness.WaitFor(t, "the send to wait for its retry", 10*time.Second, func() bool {
			c.decode("GET", "/admin/v1/messages?request_id=later", "", 200, &v)
			return len(v.Messages) == 1 && v.Messages[0].NextAttemptAt != nil && v.Messages[0].NextAttemptAt.After(v.Messages[0].CreatedAt.Add(5*time.Minute))
		})
		var detail struct {
			NextAttemptAt *time.Time `json:"next_attempt_at"`
		}
		c.decode("GET", "/admin/v1/messages/"+messageByRequest(c, env.BotID, "later"), "", 200, &detail)
		if detail.NextAttemptAt == nil || !detail.NextAttemptAt.Equal(*v.Messages[0].NextAttemptAt) {
			t.Errorf("message detail next_attempt_at %v, list %v", detail.NextAttemptAt, v.Messages[0].NextAttemptAt)
		}

		// An async send succeeds; its callback is refused, so it waits an hour.
		if status, body := env.Bothub(`{"request":{"method":"send_message","id":"cb","sync":false},"recipient":{"id":"` + harness.OtherUser + `"},
			"messaging_type":"RESPONSE","message":{"text":"hi"}}`); status != 200 {
			t.Fatalf("send: %d %s", status, body)
		}
		var ds struct {
			Deliveries []struct {
				ID            string     `json:"id"`
				State         string     `json:"state"`
				Attempts      int        `json:"attempts"`
				NextAttemptAt *time.Time `json:"next_attempt_at"`
			}
		}
		harness.WaitFor(t, "the callback to wait for its retry", 10*time.Second, func() bool {
			c.decode("GET", "/admin/v1/bots/"+env.BotID+"/deliveries", "", 200, &ds)
			return len(ds.Deliveries) == 1 && ds.Deliveries[0].Attempts == 1 && ds.Deliveries[0].NextAttemptAt != nil
		})
		var one struct {
			NextAttemptAt *time.Time `json:"next_attempt_at"`
		}
		c.decode("GET", "/admin/v1/deliveries/"+ds.Deliveries[0].ID, "", 200, &one)
		if ds.Deliveries[0].State != "pending" || one.NextAttemptAt == nil || !one.NextAttemptAt.Equal(*ds.Deliveries[0].NextAttemptAt) {
			t.Errorf("delivery %+v, detail next_attempt_at %v", ds.Deliveries[0], one.NextAttemptAt)
		}
	})
}
