package admin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// graphSends returns the Send API calls the fake Graph received: their
// bodies and its answers, in order.
func graphSends(fake *fakegraph.Server) (bodies, answers []string) {
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/me/messages") {
			bodies = append(bodies, string(r.Body))
			answers = append(answers, strings.TrimSpace(string(r.Response)))
		}
	}
	return bodies, answers
}

type messageView struct {
	ID       string `json:"id"`
	Attempts []struct {
		ID int64 `json:"id"`
	} `json:"attempts"`
}

// messageByRequest finds a bot's message by its request id.
func messageByRequest(c *client, botID, requestID string) string {
	c.t.Helper()
	var list struct{ Messages []messageView }
	c.decode("GET", "/admin/v1/messages?bot_id="+botID+"&request_id="+requestID, "", 200, &list)
	if len(list.Messages) != 1 {
		c.t.Fatalf("%d messages with request id %s", len(list.Messages), requestID)
	}
	return list.Messages[0].ID
}

// The message log after real sends: the request as accepted, the exact
// bodies Graph received under parts and attempts with Graph's answers, and
// the history. A clock set by the test makes every time known.
func TestMessageDetail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		clk := storetest.NewClock(t0)
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.Now = clk.Now }})
		c := newClient(t, env)
		const graphBody = `{"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","message":{"text":"Hello Ada"}}`

		// A sync send that Graph refuses once, then takes.
		t1 := t0.Add(time.Second)
		clk.Set(t1)
		env.Fake.FailNext(1, fakegraph.ErrTemporary)
		status, body := env.Bothub(`{"request":{"method":"send_message","id":"r1","sync":true},"recipient":{"id":"524807506000000"},
			"messaging_type":"RESPONSE","message":{"text":"Hello {{first_name}}"}}`)
		if status != 200 {
			t.Fatalf("sync send: %d %s", status, body)
		}
		bodies, answers := graphSends(env.Fake)
		sends := env.Fake.Sends()
		if len(bodies) != 2 || bodies[0] != graphBody || bodies[1] != graphBody || len(sends) != 2 || sends[1].MessageID == "" {
			t.Fatalf("Graph received %q", bodies)
		}
		mid := sends[1].MessageID
		id := messageByRequest(c, env.BotID, "r1")
		var v messageView
		got := withoutDurations(c.decode("GET", "/admin/v1/messages/"+id, "", 200, &v))
		if len(v.Attempts) != 2 || v.Attempts[1].ID <= v.Attempts[0].ID {
			t.Fatalf("attempts: %s", got)
		}
		ts1 := stamp(t1)
		want := fmt.Sprintf(`{"id":%q,"bot_id":%q,"request_id":"r1","channel":"messenger","face":"bothub","method":"send_message","sync":true,`+
			`"status":"sent","recipient":{"id":"524807506000000"},"psid":"524807506000000","recipient_id":"524807506000000","message_ids":[%q],`+
			`"messaging_type":"RESPONSE","created_at":%q,"updated_at":%[4]q,"sent_at":%[4]q,`+
			`"request":{"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","cards":[{"text":"Hello {{first_name}}"}],"psid":"524807506000000"},`+
			`"parts":[{"seq":0,"message_id":%[3]q,"body":%[5]s,"sent_at":%[4]q}],`+
			`"attempts":[{"id":%[6]d,"part":0,"at":%[4]q,"request":%[5]s,"status_code":400,"response":%[7]s,"outcome":"retry",`+
			`"error":"graph error 1200: (#1200) Temporary send message failure. Please try again later","duration_ms":0},`+
			`{"id":%[8]d,"part":0,"at":%[4]q,"request":%[5]s,"status_code":200,"response":%[9]s,"outcome":"sent","message_id":%[3]q,"duration_ms":0}],`+
			`"history":[{"at":%[4]q,"kind":"accepted"},{"at":%[4]q,"kind":"sent"}]}`,
			id, env.BotID, mid, ts1, graphBody, v.Attempts[0].ID, answers[0], v.Attempts[1].ID, answers[1])
		if got != want {
			t.Errorf("sync message:\n got %s\nwant %s", got, want)
		}
		if answers[1] != fmt.Sprintf(`{"recipient_id":"524807506000000","message_id":%q}`, mid) {
			t.Errorf("Graph answered %s", answers[1])
		}

		// An async send with meta: its callback shows in the history.
		t2 := t1.Add(time.Second)
		clk.Set(t2)
		status, body = env.Bothub(`{"request":{"method":"send_message","id":"r2","sync":false,"meta":{"order":"A-1"}},"recipient":{"id":"524807506000000"},
			"messaging_type":"RESPONSE","message":{"text":"Your order shipped"}}`)
		if status != 200 {
			t.Fatalf("async send: %d %s", status, body)
		}
		callback := env.Inbox.Wait(t, 1, 10*time.Second)[0]
		id2 := messageByRequest(c, env.BotID, "r2")
		harness.WaitFor(t, "the callback recorded", 5*time.Second, func() bool {
			return strings.Contains(c.want("GET", "/admin/v1/messages/"+id2, "", 200), "callback_delivered")
		})
		sends = env.Fake.Sends()
		mid2 := sends[len(sends)-1].MessageID
		bodies, answers = graphSends(env.Fake)
		graphBody2 := `{"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","message":{"text":"Your order shipped"}}`
		if len(bodies) != 3 || bodies[2] != graphBody2 {
			t.Fatalf("Graph received %q", bodies)
		}
		deliveryID := callback.Header.Get("webhook-id")
		if want := fmt.Sprintf(`{"request_id":"r2","recipient_id":"524807506000000","message_id":%q,"meta":{"order":"A-1"}}`, mid2); string(callback.Body) != want {
			t.Errorf("callback %s, want %s", callback.Body, want)
		}
		got = withoutDurations(c.decode("GET", "/admin/v1/messages/"+id2, "", 200, &v))
		ts2 := stamp(t2)
		want = fmt.Sprintf(`{"id":%q,"bot_id":%q,"request_id":"r2","channel":"messenger","face":"bothub","method":"send_message","sync":false,`+
			`"status":"sent","recipient":{"id":"524807506000000"},"psid":"524807506000000","recipient_id":"524807506000000","message_ids":[%q],`+
			`"messaging_type":"RESPONSE","created_at":%q,"updated_at":%[4]q,"sent_at":%[4]q,`+
			`"request":{"meta":{"order":"A-1"},"recipient":{"id":"524807506000000"},"messaging_type":"RESPONSE","cards":[{"text":"Your order shipped"}],"psid":"524807506000000"},`+
			`"parts":[{"seq":0,"message_id":%[3]q,"body":%[5]s,"sent_at":%[4]q}],`+
			`"attempts":[{"id":%[6]d,"part":0,"at":%[4]q,"request":%[5]s,"status_code":200,"response":%[7]s,"outcome":"sent","message_id":%[3]q,"duration_ms":0}],`+
			`"history":[{"at":%[4]q,"kind":"accepted"},{"at":%[4]q,"kind":"sent"},{"at":%[4]q,"kind":"callback_delivered","detail":"webhook-id %[8]s"}]}`,
			id2, env.BotID, mid2, ts2, graphBody2, v.Attempts[0].ID, answers[2], deliveryID)
		if got != want {
			t.Errorf("async message:\n got %s\nwant %s", got, want)
		}
		// Its delivery, in the bot's delivery log and on its own.
		delivery := fmt.Sprintf(`{"id":%q,"bot_id":%q,"kind":"callback","message_id":%q,"url":%q,"body":%s,"state":"delivered","attempts":1,`+
			`"last_status":204,"created_at":%q,"updated_at":%[6]q,"delivered_at":%[6]q`, deliveryID, env.BotID, id2, env.Inbox.URL, callback.Body, ts2)
		if got, want := c.want("GET", "/admin/v1/deliveries/"+deliveryID, "", 200), delivery+fmt.Sprintf(`,"attempt_log":[{"n":1,"at":%q,"status_code":204}]}`, ts2); got != want {
			t.Errorf("delivery:\n got %s\nwant %s", got, want)
		}
		if got, want := c.want("GET", "/admin/v1/bots/"+env.BotID+"/deliveries", "", 200), `{"deliveries":[`+delivery+`}]}`; got != want {
			t.Errorf("deliveries:\n got %s\nwant %s", got, want)
		}

		// A send Graph refuses for good.
		t3 := t2.Add(time.Second)
		clk.Set(t3)
		env.Fake.OutsideWindow(harness.OtherUser)
		status, body = env.Bothub(`{"request":{"method":"send_message","id":"r3","sync":true},"recipient":{"id":"` + harness.OtherUser + `"},
			"messaging_type":"RESPONSE","message":{"text":"Too late"}}`)
		if status != 422 {
			t.Fatalf("refused send: %d %s", status, body)
		}
		bodies, answers = graphSends(env.Fake)
		graphBody3 := `{"recipient":{"id":"524807506000001"},"messaging_type":"RESPONSE","message":{"text":"Too late"}}`
		if len(bodies) != 4 || bodies[3] != graphBody3 {
			t.Fatalf("Graph received %q", bodies)
		}
		id3 := messageByRequest(c, env.BotID, "r3")
		got = withoutDurations(c.decode("GET", "/admin/v1/messages/"+id3, "", 200, &v))
		var graphAnswer struct {
			Error struct {
				FBTraceID string `json:"fbtrace_id"`
			}
		}
		if err := json.Unmarshal([]byte(answers[3]), &graphAnswer); err != nil || graphAnswer.Error.FBTraceID == "" {
			t.Fatalf("Graph answered %s", answers[3])
		}
		const outside = "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
		ts3 := stamp(t3)
		want = fmt.Sprintf(`{"id":%q,"bot_id":%q,"request_id":"r3","channel":"messenger","face":"bothub","method":"send_message","sync":true,`+
			`"status":"failed","recipient":{"id":"524807506000001"},"psid":"524807506000001","message_ids":[],"messaging_type":"RESPONSE",`+
			`"error":{"kind":"upstream","message":"Facebook refused the message: %[3]s","subcode":2018278,`+
			`"upstream":{"http_status":400,"code":10,"error_subcode":2018278,"type":"OAuthException","message":%[3]q,"fbtrace_id":%[4]q}},`+
			`"created_at":%[5]q,"updated_at":%[5]q,`+
			`"request":{"recipient":{"id":"524807506000001"},"messaging_type":"RESPONSE","cards":[{"text":"Too late"}],"psid":"524807506000001"},`+
			`"parts":[],`+
			`"attempts":[{"id":%[6]d,"part":0,"at":%[5]q,"request":%[7]s,"status_code":400,"response":%[8]s,"outcome":"failed",`+
			`"error":"graph error 10/2018278: %[3]s","duration_ms":0}],`+
			`"history":[{"at":%[5]q,"kind":"accepted"},{"at":%[5]q,"kind":"failed","detail":"Facebook refused the message: %[3]s"}]}`,
			id3, env.BotID, outside, graphAnswer.Error.FBTraceID, ts3, v.Attempts[0].ID, graphBody3, answers[3])
		if got != want {
			t.Errorf("failed message:\n got %s\nwant %s", got, want)
		}
		if want := fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":%q}}`, outside, graphAnswer.Error.FBTraceID); answers[3] != want {
			t.Errorf("Graph answered %s", answers[3])
		}

		// Unknown ids.
		c.wantError("GET", "/admin/v1/messages/msg_nope", "", 404, "not_found", "no such message", "")
		c.wantError("GET", "/admin/v1/deliveries/msg_nope", "", 404, "not_found", "no such delivery", "")
		c.wantError("GET", "/admin/v1/bots/bot_nope/deliveries", "", 404, "not_found", "no bot bot_nope", "")
	})
}

// Listing messages: newest first, filtered by bot, request id and status,
// in pages of limit linked by before and next_before.
func TestMessageList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		clk := storetest.NewClock(t0)
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.Now = clk.Now }})
		c := newClient(t, env)
		// A second bot on a second page.
		env.Fake.AddPage("120000000000000", "page-token-2")
		env.Fake.AddUser("120000000000000", "624807506000000", fakegraph.Profile{FirstName: "Grace"})
		var b2 botView
		c.decode("POST", "/admin/v1/bots", `{"name":"Second","messenger":{"page_id":"120000000000000","access_token":"page-token-2"},"settings":{"window_policy":"off"}}`, 201, &b2)
		c.forbid("the second bot's page token", "page-token-2")
		c.forbid("the second bot's callback secret", b2.CallbackSecret)
		var k2 struct{ Key string }
		c.decode("POST", "/admin/v1/bots/"+b2.ID+"/api-keys", "", 201, &k2)
		c.forbidKey(k2.Key)
		env.Fake.OutsideWindow(harness.OtherUser)

		type send struct{ key, requestID, recipient string }
		ids := make([]string, 0, 5) // m1…m5, oldest first
		for i, s := range []send{
			{env.APIKey, "r-1", harness.User},
			{k2.Key, "r-1", "624807506000000"},
			{env.APIKey, "r-2", harness.OtherUser}, // refused: outside the window
			{env.APIKey, "r-3", harness.User},
			{k2.Key, "r-2", "624807506000000"},
		} {
			clk.Set(t0.Add(time.Duration(i+1) * time.Second))
			status, body := sendWith(env, s.key, s.requestID, s.recipient, fmt.Sprint("message ", i+1))
			if (i == 2) != (status != 200) {
				t.Fatalf("send %d: %d %s", i+1, status, body)
			}
			var list struct{ Messages []messageView }
			c.decode("GET", "/admin/v1/messages?limit=1", "", 200, &list)
			ids = append(ids, list.Messages[0].ID)
		}
		m1, m2, m3, m4, m5 := ids[0], ids[1], ids[2], ids[3], ids[4]
		sends := env.Fake.Sends()

		page := func(query string) ([]string, string) {
			t.Helper()
			var p struct {
				Messages   []messageView
				NextBefore *string `json:"next_before"`
			}
			raw := c.decode("GET", "/admin/v1/messages"+query, "", 200, &p)
			if p.Messages == nil {
				t.Errorf("%s: messages is not a list: %s", query, raw)
			}
			var got []string
			for _, m := range p.Messages {
				got = append(got, m.ID)
			}
			next := "-"
			if p.NextBefore != nil {
				next = *p.NextBefore
			}
			return got, next
		}
		for _, tc := range []struct {
			query string
			want  []string
			next  string // "-" for none
		}{
			{"", []string{m5, m4, m3, m2, m1}, "-"},
			{"?limit=2", []string{m5, m4}, m4},
			{"?limit=2&before=" + m4, []string{m3, m2}, m2},
			{"?limit=2&before=" + m2, []string{m1}, "-"},
			{"?limit=5", []string{m5, m4, m3, m2, m1}, m1},
			{"?limit=5&before=" + m1, nil, "-"},
			{"?limit=1000", []string{m5, m4, m3, m2, m1}, "-"},
			{"?before=" + m3, []string{m2, m1}, "-"},
			{"?bot_id=" + env.BotID, []string{m4, m3, m1}, "-"},
			{"?bot_id=" + env.BotID + "&limit=1", []string{m4}, m4},
			{"?bot_id=" + env.BotID + "&limit=1&before=" + m4, []string{m3}, m3},
			{"?bot_id=" + env.BotID + "&limit=1&before=" + m3, []string{m1}, m1},
			{"?bot_id=" + env.BotID + "&limit=1&before=" + m1, nil, "-"},
			{"?bot_id=" + b2.ID, []string{m5, m2}, "-"},
			{"?bot_id=bot_nope", nil, "-"},
			{"?request_id=r-1", []string{m2, m1}, "-"},
			{"?request_id=r-1&bot_id=" + b2.ID, []string{m2}, "-"},
			{"?request_id=r-9", nil, "-"},
			{"?status=failed", []string{m3}, "-"},
			{"?status=sent", []string{m5, m4, m2, m1}, "-"},
			{"?status=sent&limit=3", []string{m5, m4, m2}, m2},
			{"?status=sent&limit=3&before=" + m2, []string{m1}, "-"},
			{"?status=accepted", nil, "-"},
			{"?status=delivered", nil, "-"},
			{"?status=read", nil, "-"},
			{"?status=sent&bot_id=" + env.BotID + "&request_id=r-3", []string{m4}, "-"},
		} {
			got, next := page(tc.query)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") || next != tc.next {
				t.Errorf("GET /admin/v1/messages%s = %v next %s, want %v next %s", tc.query, got, next, tc.want, tc.next)
			}
		}
		if got := c.want("GET", "/admin/v1/messages?limit=5&before="+m1, "", 200); got != `{"messages":[]}` {
			t.Errorf("an empty page: %s", got)
		}

		// A list item, exactly: a sent and a refused message.
		item1 := fmt.Sprintf(`{"id":%q,"bot_id":%q,"request_id":"r-1","channel":"messenger","face":"bothub","method":"send_message","sync":true,`+
			`"status":"sent","recipient":{"id":"524807506000000"},"psid":"524807506000000","recipient_id":"524807506000000","message_ids":[%q],`+
			`"messaging_type":"RESPONSE","created_at":%q,"updated_at":%[4]q,"sent_at":%[4]q}`, m1, env.BotID, sends[0].MessageID, stamp(t0.Add(time.Second)))
		if got := c.want("GET", "/admin/v1/messages?limit=1&before="+m2, "", 200); got != `{"messages":[`+item1+`],"next_before":"`+m1+`"}` {
			t.Errorf("list item:\n got %s\nwant %s", got, `{"messages":[`+item1+`],"next_before":"`+m1+`"}`)
		}
		var failed struct {
			Messages []map[string]json.RawMessage
		}
		c.decode("GET", "/admin/v1/messages?status=failed", "", 200, &failed)
		if m := failed.Messages[0]; string(m["status"]) != `"failed"` || string(m["message_ids"]) != `[]` || m["recipient_id"] != nil ||
			m["sent_at"] != nil || !strings.HasPrefix(string(m["error"]), `{"kind":"upstream","message":"Facebook refused the message: (#10)`) {
			t.Errorf("failed item: %v", m)
		}

		for _, tc := range []struct{ query, message, field string }{
			{"?limit=0", "limit: must be a number from 1 to 1000", "limit"},
			{"?limit=-1", "limit: must be a number from 1 to 1000", "limit"},
			{"?limit=1001", "limit: must be a number from 1 to 1000", "limit"},
			{"?limit=ten", "limit: must be a number from 1 to 1000", "limit"},
			{"?limit=1.5", "limit: must be a number from 1 to 1000", "limit"},
			{"?status=bogus", "status: must be one of accepted, sent, delivered, read, failed", "status"},
			{"?status=SENT", "status: must be one of accepted, sent, delivered, read, failed", "status"},
		} {
			c.wantError("GET", "/admin/v1/messages"+tc.query, "", 400, "invalid", tc.message, tc.field)
		}
	})
}

// The delivery log keeps every attempt of a callback: a receiver that fails
// once, then takes it.
func TestDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{})
		c := newClient(t, env)
		if got := c.want("GET", "/admin/v1/bots/"+env.BotID+"/deliveries", "", 200); got != `{"deliveries":[]}` {
			t.Errorf("no deliveries yet: %s", got)
		}
		env.Inbox.Respond(func(n int) (int, time.Duration) {
			if n == 1 {
				return http.StatusInternalServerError, 0
			}
			return http.StatusNoContent, 0
		})
		async := func(id string) {
			t.Helper()
			status, body := env.Bothub(`{"request":{"method":"send_message","id":"` + id + `","sync":false},"recipient":{"id":"` + harness.User +
				`"},"messaging_type":"RESPONSE","message":{"text":"hi"}}`)
			if status != 200 {
				t.Fatalf("async send: %d %s", status, body)
			}
		}
		async("d1")
		got := env.Inbox.Wait(t, 2, 10*time.Second)
		d1 := got[0].Header.Get("webhook-id")
		if got[1].Header.Get("webhook-id") != d1 || !got[1].Verified || string(got[0].Body) != string(got[1].Body) {
			t.Fatalf("the retry is not the same delivery: %+v", got)
		}
		m1 := messageByRequest(c, env.BotID, "d1")
		type attempt struct {
			N  int    `json:"n"`
			At string `json:"at"`
		}
		var d struct {
			CreatedAt   string    `json:"created_at"`
			UpdatedAt   string    `json:"updated_at"`
			DeliveredAt string    `json:"delivered_at"`
			AttemptLog  []attempt `json:"attempt_log"`
		}
		harness.WaitFor(t, "the delivery recorded", 5*time.Second, func() bool {
			c.decode("GET", "/admin/v1/deliveries/"+d1, "", 200, &d)
			return d.DeliveredAt != ""
		})
		raw := c.decode("GET", "/admin/v1/deliveries/"+d1, "", 200, &d)
		if len(d.AttemptLog) != 2 || parseTime(t, d.AttemptLog[0].At).Before(parseTime(t, d.CreatedAt)) ||
			!parseTime(t, d.AttemptLog[0].At).Before(parseTime(t, d.AttemptLog[1].At)) || d.UpdatedAt != d.DeliveredAt ||
			parseTime(t, d.DeliveredAt).Before(parseTime(t, d.AttemptLog[1].At)) {
			t.Fatalf("delivery times: %s", raw)
		}
		delivery1 := fmt.Sprintf(`{"id":%q,"bot_id":%q,"kind":"callback","message_id":%q,"url":%q,"body":%s,"state":"delivered","attempts":2,`+
			`"last_status":204,"created_at":%q,"updated_at":%q,"delivered_at":%[7]q`, d1, env.BotID, m1, env.Inbox.URL, got[0].Body, d.CreatedAt, d.DeliveredAt)
		want := delivery1 + fmt.Sprintf(`,"attempt_log":[{"n":1,"at":%q,"status_code":500,"error":"receiver answered HTTP 500"},{"n":2,"at":%q,"status_code":204}]}`,
			d.AttemptLog[0].At, d.AttemptLog[1].At)
		if raw != want {
			t.Errorf("delivery:\n got %s\nwant %s", raw, want)
		}
		history := c.want("GET", "/admin/v1/messages/"+m1, "", 200)
		if !strings.HasSuffix(history, fmt.Sprintf(`{"at":%q,"kind":"callback_delivered","detail":"webhook-id %s"}]}`, d.DeliveredAt, d1)) ||
			strings.Count(history, `"kind":`) != 3 {
			t.Errorf("history: %s", history)
		}

		// A second delivery: the log is newest first, and pages with before.
		async("d2")
		d2 := env.Inbox.Wait(t, 3, 10*time.Second)[2].Header.Get("webhook-id")
		harness.WaitFor(t, "the second delivery recorded", 5*time.Second, func() bool {
			return strings.Contains(c.want("GET", "/admin/v1/deliveries/"+d2, "", 200), `"state":"delivered"`)
		})
		var list struct {
			Deliveries []struct{ ID string }
		}
		c.decode("GET", "/admin/v1/bots/"+env.BotID+"/deliveries", "", 200, &list)
		if len(list.Deliveries) != 2 || list.Deliveries[0].ID != d2 || list.Deliveries[1].ID != d1 {
			t.Errorf("deliveries: %+v, want %s %s", list.Deliveries, d2, d1)
		}
		if got := c.want("GET", "/admin/v1/bots/"+env.BotID+"/deliveries?before="+d2, "", 200); got != `{"deliveries":[`+delivery1+`}]}` {
			t.Errorf("deliveries before the second:\n got %s\nwant %s", got, `{"deliveries":[`+delivery1+`}]}`)
		}
	})
}
