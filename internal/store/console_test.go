package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// listSeed records a message created at t0 plus minutes.
type listSeed struct {
	name, bot, psid, face, channel, text string
	minutes                              int
	status                               core.Status
}

func seedList(t *testing.T, s *store.Store, clock *storetest.Clock, seeds []listSeed) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, sm := range seeds {
		at := t0.Add(time.Duration(sm.minutes) * time.Minute)
		clock.Set(at)
		m := &core.MessageRecord{ID: core.NewID("msg_", at), BotID: sm.bot, Channel: sm.channel, PSID: sm.psid,
			Request: core.SendRequest{Face: sm.face, Method: "send_message", RequestID: "req-" + sm.name,
				Recipient: core.Recipient{ID: sm.psid}, Cards: []core.Message{{Text: sm.text}}}}
		err := s.Write(context.Background(), func(tx *store.Tx) error {
			if err := tx.InsertMessage(m, mustEncode(m)); err != nil {
				return err
			}
			switch sm.status {
			case core.StatusFailed:
				return tx.MarkFailed(m.ID, &core.Error{Kind: core.KindUpstream, Message: "outside the window"})
			case core.StatusSent:
				return tx.MarkSent(m.ID, sm.psid, sm.psid)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids[sm.name] = m.ID
	}
	return ids
}

func names(ids map[string]string, msgs []*core.MessageRecord) string {
	byID := map[string]string{}
	for n, id := range ids {
		byID[id] = n
	}
	var out []string
	for _, m := range msgs {
		out = append(out, byID[m.ID])
	}
	return strings.Join(out, " ")
}

func TestMessagePageFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(t0)
		s := db.Open(t, store.Options{Now: clock.Now})
		ids := seedList(t, s, clock, []listSeed{
			{"m1", "bot_a", "111", "bothub", core.ChannelMessenger, "Your ORDER has shipped", 1, core.StatusSent},
			{"m2", "bot_a", "222", "sobot", core.ChannelMessenger, "Hello Bob 100%", 2, ""},
			{"m3", "bot_b", "wa:15551234567", "whatsapp", core.ChannelWhatsApp, "WA hi", 3, core.StatusSent},
			{"m4", "bot_a", "111", "bothub", core.ChannelMessenger, "Second try", 4, core.StatusFailed},
			{"m5", "bot_b", "333", "bothub", core.ChannelMessenger, "order delivered", 5, ""},
		})
		if err := s.LinkAccount(ctx, "bot_a", "111", map[string]string{"username": "alice", "email": "alice@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkAccount(ctx, "bot_a", "222", map[string]string{"user_phone_number": "+15550001111"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			f    store.MessageFilter
			want string
		}{
			{store.MessageFilter{}, "m5 m4 m3 m2 m1"},
			{store.MessageFilter{BotID: "bot_a"}, "m4 m2 m1"},
			{store.MessageFilter{Status: core.StatusSent}, "m3 m1"},
			{store.MessageFilter{BotID: "bot_a", Status: core.StatusFailed}, "m4"},
			{store.MessageFilter{Face: "bothub"}, "m5 m4 m1"},
			{store.MessageFilter{Channel: core.ChannelWhatsApp}, "m3"},
			{store.MessageFilter{Recipient: "111"}, "m4 m1"},
			{store.MessageFilter{Recipient: "alice"}, "m4 m1"},
			{store.MessageFilter{Recipient: "alice@example.com", BotID: "bot_b"}, ""},
			{store.MessageFilter{Recipient: "+15551234567"}, "m3"},
			{store.MessageFilter{Recipient: "15550001111"}, "m2"},
			{store.MessageFilter{RequestID: "req-m2"}, "m2"},
			{store.MessageFilter{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, "m3 m2"},
			{store.MessageFilter{Text: "order"}, "m5 m1"},
			{store.MessageFilter{Text: "100%"}, "m2"},
			{store.MessageFilter{Text: "0%"}, "m2"},
			{store.MessageFilter{Text: "_"}, ""},
			{store.MessageFilter{Text: "order", BotID: "bot_b", Face: "bothub"}, "m5"},
		} {
			p, err := s.MessagePage(ctx, c.f)
			if err != nil {
				t.Fatalf("%+v: %v", c.f, err)
			}
			if got := names(ids, p.Messages); got != c.want || p.Next != "" {
				t.Errorf("%+v: got %q next %q, want %q", c.f, got, p.Next, c.want)
			}
		}
		// Pages of two follow each other by cursor, the last one without a next.
		var got []string
		cursor := ""
		for range 5 {
			p, err := s.MessagePage(ctx, store.MessageFilter{Limit: 2, Before: cursor})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, names(ids, p.Messages))
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if strings.Join(got, "|") != "m5 m4|m3 m2|m1" {
			t.Fatalf("pages = %q", got)
		}
	})
}

// A filter no index serves reads a bounded window of rows per page: a page
// may come back short, with a cursor to read on from.
func TestMessagePageScanWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(t0)
		s := db.Open(t, store.Options{Now: clock.Now})
		seedList(t, s, clock, []listSeed{{"old", "bot_a", "1", "sobot", core.ChannelMessenger, "needle", 0, ""}})
		err := s.Write(ctx, func(tx *store.Tx) error {
			for i := range 5000 {
				at := t0.Add(time.Hour + time.Duration(i)*time.Millisecond)
				m := &core.MessageRecord{ID: core.NewID("msg_", at), BotID: "bot_a", Channel: core.ChannelMessenger,
					Request: core.SendRequest{Face: "bothub", RequestID: fmt.Sprint(i), Cards: []core.Message{{Text: "hay"}}}}
				if err := tx.InsertMessage(m, mustEncode(m)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.MessagePage(ctx, store.MessageFilter{Text: "needle"})
		if err != nil || len(p.Messages) != 0 || p.Next == "" {
			t.Fatalf("first window: %d messages, next %q, %v; want none and a cursor", len(p.Messages), p.Next, err)
		}
		p, err = s.MessagePage(ctx, store.MessageFilter{Text: "needle", Before: p.Next})
		if err != nil || len(p.Messages) != 1 || p.Messages[0].Request.RequestID != "req-old" || p.Next != "" {
			t.Fatalf("second window: %+v, %v", p, err)
		}
	})
}

func TestContactsAndConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(t0)
		s := db.Open(t, store.Options{Now: clock.Now})
		seedList(t, s, clock, []listSeed{
			{"out1", "bot_a", "111", "bothub", core.ChannelMessenger, "Welcome", 1, core.StatusSent},
			{"out2", "bot_a", "111", "bothub", core.ChannelMessenger, "Your order", 3, core.StatusSent},
			{"other", "bot_a", "222", "bothub", core.ChannelMessenger, "Not theirs", 4, core.StatusSent},
		})
		err := s.Write(ctx, func(tx *store.Tx) error {
			for i, psid := range []string{"111", "222", "333"} {
				at := t0.Add(time.Duration(2*i) * time.Minute)
				if err := tx.TouchContact("bot_a", psid, &at); err != nil {
					return err
				}
			}
			if err := tx.TouchContact("bot_b", "999", nil); err != nil {
				return err
			}
			if err := tx.SaveProfile("bot_a", "111", &core.Profile{FirstName: "Alice", LastName: "Liddell"}); err != nil {
				return err
			}
			for _, in := range []struct {
				min  int
				kind string
			}{{0, core.EventMessage}, {2, core.EventPostback}, {5, core.EventQuickReply}} {
				if err := tx.InsertInboundMessage(&store.InboundMessage{BotID: "bot_a", PSID: "111", Channel: core.ChannelMessenger,
					Kind: in.kind, At: t0.Add(time.Duration(in.min) * time.Minute), Body: json.RawMessage(`{"kind":"` + in.kind + `"}`)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LinkAccount(ctx, "bot_a", "333", map[string]string{"username": "carol"}); err != nil {
			t.Fatal(err)
		}

		contacts := func(f store.ContactFilter) (string, string) {
			p, err := s.ListContacts(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range p.Contacts {
				out = append(out, c.BotID+"/"+c.PSID+":"+c.Name)
			}
			return strings.Join(out, " "), p.Next
		}
		if got, next := contacts(store.ContactFilter{BotID: "bot_a"}); got != "bot_a/111:Alice Liddell bot_a/222: bot_a/333:" || next != "" {
			t.Fatalf("bot_a contacts = %q next %q", got, next)
		}
		if got, _ := contacts(store.ContactFilter{Query: "carol"}); got != "bot_a/333:" {
			t.Fatalf("contact by linked username = %q", got)
		}
		got, next := contacts(store.ContactFilter{Limit: 3})
		if got != "bot_a/111:Alice Liddell bot_a/222: bot_a/333:" || next != "bot_a/333" {
			t.Fatalf("first page = %q next %q", got, next)
		}
		if got, next = contacts(store.ContactFilter{Limit: 3, After: next}); got != "bot_b/999:" || next != "" {
			t.Fatalf("second page = %q next %q", got, next)
		}

		turns, err := s.Conversation(ctx, "bot_a", "111", time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, tn := range turns {
			if tn.Inbound != nil {
				seq = append(seq, "in:"+tn.Inbound.Kind)
			} else {
				seq = append(seq, "out:"+tn.Outbound.Request.Cards[0].Text)
			}
		}
		if s := strings.Join(seq, ", "); s != "in:message, out:Welcome, in:postback, out:Your order, in:quick_reply" {
			t.Fatalf("conversation = %s", s)
		}
		// The newest three, still oldest first; then the ones before them.
		turns, err = s.Conversation(ctx, "bot_a", "111", time.Time{}, 3)
		if err != nil || len(turns) != 3 || turns[0].Inbound == nil || turns[0].Inbound.Kind != core.EventPostback {
			t.Fatalf("last three turns: %+v, %v", turns, err)
		}
		turns, err = s.Conversation(ctx, "bot_a", "111", turns[0].At, 3)
		if err != nil || len(turns) != 2 || turns[1].Outbound == nil {
			t.Fatalf("turns before: %+v, %v", turns, err)
		}
	})
}

func TestDeliveriesWebhooksAndOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(t0)
		s := db.Open(t, store.Options{Now: clock.Now})
		ids := seedList(t, s, clock, []listSeed{
			{"a", "bot_a", "1", "bothub", core.ChannelMessenger, "x", 1, core.StatusSent},
			{"b", "bot_a", "1", "bothub", core.ChannelMessenger, "x", 2, core.StatusFailed},
			{"c", "bot_b", "2", "bothub", core.ChannelMessenger, "x", 2, core.StatusFailed},
			{"d", "bot_b", "2", "bothub", core.ChannelMessenger, "x", 70, ""},
		})
		err := s.Write(ctx, func(tx *store.Tx) error {
			for i, d := range []*core.Delivery{
				{ID: "dl_1", BotID: "bot_a", Kind: core.DeliveryCallback, MessageID: ids["a"], URL: "http://m/cb", Body: json.RawMessage(`{}`)},
				{ID: "dl_2", BotID: "bot_a", Kind: core.DeliveryEvent, URL: "http://m/wh", Body: json.RawMessage(`{}`)},
				{ID: "dl_3", BotID: "bot_b", Kind: core.DeliveryCallback, MessageID: ids["c"], URL: "http://m/cb", Body: json.RawMessage(`{}`)},
			} {
				if err := tx.InsertDelivery(d); err != nil {
					return err
				}
				state := []string{core.DeliveryDelivered, core.DeliveryFailed, core.DeliveryPending}[i]
				if err := tx.RecordDeliveryAttempt(d.ID, core.DeliveryAttempt{N: 1, At: tx.Now(), StatusCode: 500}, state); err != nil {
					return err
				}
			}
			for _, w := range []*store.Webhook{{ID: "wh_1", Channel: "messenger", BotID: "bot_a", Body: []byte(`{"a":1}`)},
				{ID: "wh_2", Channel: "whatsapp", BotID: "bot_b", Body: []byte(`{}`)}} {
				if err := tx.InsertWebhook(w); err != nil {
					return err
				}
			}
			return queue.Enqueue(tx, "inbound", "wh_1", 1, tx.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Write(ctx, func(tx *store.Tx) error {
			jobs, err := queue.Claim(tx, "inbound", "test", time.Minute, 1)
			if err != nil || len(jobs) != 1 {
				return fmt.Errorf("claim: %v %v", jobs, err)
			}
			return queue.Discard(tx, jobs[0], "unreadable webhook")
		})
		if err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			f    store.DeliveryFilter
			want string
		}{
			{store.DeliveryFilter{}, "dl_3 dl_2 dl_1"},
			{store.DeliveryFilter{BotID: "bot_a"}, "dl_2 dl_1"},
			{store.DeliveryFilter{State: core.DeliveryFailed}, "dl_2"},
			{store.DeliveryFilter{Kind: core.DeliveryCallback, BotID: "bot_b"}, "dl_3"},
			{store.DeliveryFilter{MessageID: ids["a"]}, "dl_1"},
			{store.DeliveryFilter{Limit: 2}, "dl_3 dl_2 next"},
		} {
			p, err := s.DeliveryPage(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range p.Deliveries {
				got = append(got, d.ID)
			}
			if p.Next != "" {
				got = append(got, "next")
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("%+v: got %q, want %q", c.f, got, c.want)
			}
		}

		wp, err := s.ListWebhooks(ctx, "", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(wp.Webhooks) != 2 || wp.Webhooks[0].ID != "wh_2" || wp.Webhooks[1].Discarded != "unreadable webhook" || wp.Webhooks[1].Size != 7 {
			t.Fatalf("webhooks = %+v", wp.Webhooks)
		}
		if wp, _ := s.ListWebhooks(ctx, "bot_b", "", 10); len(wp.Webhooks) != 1 || wp.Webhooks[0].Discarded != "" {
			t.Fatalf("bot_b webhooks = %+v", wp.Webhooks)
		}

		counts, err := s.StatusCounts(ctx, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		if counts[core.StatusSent] != 1 || counts[core.StatusFailed] != 2 || counts[core.StatusAccepted] != 1 {
			t.Fatalf("counts = %v", counts)
		}
		if counts, _ := s.StatusCounts(ctx, "bot_b", t0.Add(time.Hour)); counts[core.StatusAccepted] != 1 || counts[core.StatusFailed] != 0 {
			t.Fatalf("bot_b counts in the last part = %v", counts)
		}
		reasons, err := s.FailureReasons(ctx, "", t0)
		if err != nil || len(reasons) != 1 || reasons[0] != (store.Reason{Message: "outside the window", Count: 2}) {
			t.Fatalf("reasons = %+v, %v", reasons, err)
		}
		perMinute, err := s.PerMinute(ctx, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[time.Time]int{t0.Add(time.Minute): 1, t0.Add(2 * time.Minute): 2, t0.Add(70 * time.Minute): 1}
		if fmt.Sprint(perMinute) != fmt.Sprint(want) {
			t.Fatalf("per minute = %v, want %v", perMinute, want)
		}
		pending, failed, err := s.DeliveryCounts(ctx, "")
		if err != nil || pending != 1 || failed != 1 {
			t.Fatalf("delivery counts = %d pending, %d failed, %v", pending, failed, err)
		}
	})
}

func TestAPIRequestsBoundedPerBot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(t0)
		s := db.Open(t, store.Options{Now: clock.Now})
		var reqs []*store.APIRequest
		for i := range store.APIRequestsKept + 5 {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			status := 200
			if i%2 == 1 {
				status = 400
			}
			reqs = append(reqs, &store.APIRequest{ID: core.NewID("req_", at), BotID: "bot_a", Face: "bothub", Method: "POST", Path: "/api",
				Status: status, Request: fmt.Sprintf(`{"n":%d}`, i), Response: `{"code":10001}`, Duration: time.Millisecond, At: at})
		}
		reqs = append(reqs, &store.APIRequest{ID: core.NewID("req_", t0), Face: "whatsapp", Method: "POST", Path: "/channels/x/messages",
			Status: 401, Request: "", Response: `{"error":"unauthorized"}`, At: t0})
		for chunk := range slices.Chunk(reqs, 300) {
			if err := s.InsertAPIRequests(ctx, chunk, []string{"bot_a", ""}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.ListAPIRequests(ctx, store.APIRequestFilter{BotID: "bot_a", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Requests) != store.APIRequestsKept || p.Next != "" {
			t.Fatalf("kept %d (next %q), want %d", len(p.Requests), p.Next, store.APIRequestsKept)
		}
		newest, oldest := p.Requests[0], p.Requests[len(p.Requests)-1]
		if newest.Request != fmt.Sprintf(`{"n":%d}`, store.APIRequestsKept+4) || oldest.Request != `{"n":5}` {
			t.Fatalf("kept from %s to %s", oldest.Request, newest.Request)
		}
		p, err = s.ListAPIRequests(ctx, store.APIRequestFilter{Refused: true, Limit: 3})
		if err != nil || len(p.Requests) != 3 || p.Next == "" || p.Requests[0].Status != 400 {
			t.Fatalf("refused page: %+v, %v", p, err)
		}
		p, err = s.ListAPIRequests(ctx, store.APIRequestFilter{Face: "whatsapp"})
		if err != nil || len(p.Requests) != 1 || p.Requests[0].BotID != "" || p.Requests[0].Status != 401 {
			t.Fatalf("whatsapp: %+v, %v", p, err)
		}
		got, err := s.GetAPIRequest(ctx, p.Requests[0].ID)
		if err != nil || got.Response != `{"error":"unauthorized"}` {
			t.Fatalf("get: %+v, %v", got, err)
		}
		if _, err := s.GetAPIRequest(ctx, "req_nope"); core.ErrorKind(err) != core.KindNotFound {
			t.Fatalf("missing: %v", err)
		}
	})
}
