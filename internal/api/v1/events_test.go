package v1_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// endpointFor creates a webhook endpoint at in for events.
func (e *env) endpointFor(in *harness.Inbox, events ...string) {
	e.T.Helper()
	status, _, body := e.call("POST", "/v1/webhook-endpoints", e.APIKey, map[string]any{"url": in.URL, "events": events})
	if status != 201 {
		e.T.Fatalf("create endpoint: %d %s", status, body)
	}
}

// sendNow sends a message and waits until Graph took it; it returns the
// message resource.
func (e *env) sendNow(body map[string]any) map[string]any {
	e.T.Helper()
	status, _, data := e.call(http.MethodPost, "/v1/messages", e.APIKey, body, "Prefer", "wait=10")
	m := decode(e.T, data)
	if status != 200 || m["status"] != "sent" {
		e.T.Fatalf("send: %d %s", status, data)
	}
	return m
}

// byMessage indexes events by the message they tell of, failing on a second
// event of the same type for one message.
func byMessage(t *testing.T, evs []event) map[string]event {
	t.Helper()
	out := map[string]event{}
	for _, ev := range evs {
		id := ev.Data["id"].(string)
		if _, twice := out[ev.Type+" "+id]; twice {
			t.Fatalf("%s told twice for %s", ev.Type, id)
		}
		out[ev.Type+" "+id] = ev
	}
	return out
}

// TestMessengerStatusEventsPerMessage: a delivery watermark tells
// message.delivered once for every message it moves, a second watermark
// covering them tells nothing, a delivery naming a mid tells that message,
// and a read watermark tells message.read for each message it moves; each
// event is the message resource's event shape.
func TestMessengerStatusEventsPerMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		in, forwarded := harness.NewInbox(t), harness.NewInbox(t)
		e.endpointFor(in, "message.delivered", "message.read")
		// Every processed webhook is forwarded: the count says when botgate has acted on each.
		e.Admin(http.MethodPatch, "/admin/v1/bots/"+e.BotID, map[string]any{"webhook_url": forwarded.URL}, 200, nil)
		var sent []map[string]any
		for _, s := range []string{"one", "two", "three"} {
			sent = append(sent, e.sendNow(text(harness.User, s)))
		}
		if _, err := e.Fake.UserReceives(harness.Page, harness.User, nil); err != nil {
			t.Fatal(err)
		}
		got := byMessage(t, eventsOf(t, in.Wait(t, 3, 15*time.Second)))
		for _, m := range sent {
			ev, ok := got["message.delivered "+m["id"].(string)]
			if !ok || ev.Data["status"] != "delivered" || ev.Data["request_id"] != m["request_id"] || ev.Data["psid"] != harness.User ||
				!slices.Equal(ev.Data["message_ids"].([]any), m["message_ids"].([]any)) || ev.Data["face"] != "v1" {
				t.Fatalf("delivered event for %s: %+v", m["id"], ev)
			}
		}
		// Again, with nothing new: moves nothing, tells nothing.
		if _, err := e.Fake.UserReceives(harness.Page, harness.User, nil); err != nil {
			t.Fatal(err)
		}
		forwarded.Wait(t, 2, 15*time.Second)
		fourth := e.sendNow(text(harness.User, "four"))
		mid := fourth["message_ids"].([]any)[0].(string)
		if _, err := e.Fake.UserReceives(harness.Page, harness.User, []string{mid}); err != nil {
			t.Fatal(err)
		}
		forwarded.Wait(t, 3, 15*time.Second)
		if _, err := e.Fake.UserReads(harness.Page, harness.User); err != nil {
			t.Fatal(err)
		}
		forwarded.Wait(t, 4, 15*time.Second)
		evs := eventsOf(t, in.Wait(t, 8, 15*time.Second))
		got = byMessage(t, evs)
		if len(evs) != 8 || got["message.delivered "+fourth["id"].(string)].Data["status"] != "delivered" {
			t.Fatalf("events %v", types(evs))
		}
		for _, m := range append(sent, fourth) {
			if ev, ok := got["message.read "+m["id"].(string)]; !ok || ev.Data["status"] != "read" {
				t.Fatalf("read event for %s: %+v", m["id"], ev)
			}
		}
		// The deliveries botgate owes the endpoint, all of them made: no ninth.
		harness.WaitFor(t, "every delivery listed", 10*time.Second, func() bool {
			_, _, body := e.call("GET", "/v1/webhook-endpoints", e.APIKey, nil)
			id := decode(t, body)["items"].([]any)[0].(map[string]any)["id"].(string)
			_, _, body = e.call("GET", "/v1/webhook-endpoints/"+id+"/deliveries?limit=100", e.APIKey, nil)
			return len(decode(t, body)["items"].([]any)) == 8
		})
		if n := len(in.Received()); n != 8 {
			t.Fatalf("%d events delivered; want 8", n)
		}
	})
}

// TestWhatsAppStatusEvents: per-message statuses tell delivered and read
// once each, a late status that moves nothing tells nothing, and a failed status arriving
// after the send tells message.failed with Graph's code and reason and
// counts as a failed message in botgate_messages_total.
func TestWhatsAppStatusEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		e.AttachWhatsApp(nil)
		in, forwarded := harness.NewInbox(t), harness.NewInbox(t)
		e.endpointFor(in, "message.delivered", "message.read", "message.failed")
		e.Admin(http.MethodPatch, "/admin/v1/bots/"+e.BotID, map[string]any{"webhook_url": forwarded.URL}, 200, nil)
		wa := func(s string) map[string]any {
			return map[string]any{"channel": "whatsapp", "to": map[string]any{"wa_id": "447700900123"},
				"message": map[string]any{"type": "text", "text": map[string]any{"body": s}}}
		}
		ok, late, doomed := e.sendNow(wa("Thanks")), e.sendNow(wa("Shipped")), e.sendNow(wa("Your code"))
		failedBefore := harness.Metric(e.Scrape(), "botgate_messages_total", "face", "v1", "channel", "whatsapp", "status", "failed")
		wamid := func(m map[string]any) string { return m["message_ids"].([]any)[0].(string) }
		// A delivered arriving after read moves nothing back and tells nothing.
		for i, st := range []struct {
			m      map[string]any
			status string
		}{{ok, "delivered"}, {ok, "read"}, {late, "read"}, {late, "delivered"}} {
			if _, err := e.Fake.WAStatus(harness.WANumberID, wamid(st.m), harness.WAUser, st.status); err != nil {
				t.Fatal(err)
			}
			forwarded.Wait(t, i+1, 15*time.Second) // acted on before the next
		}
		if _, err := e.Fake.WAStatus(harness.WANumberID, wamid(doomed), harness.WAUser, "failed", fakegraph.ErrWAUndeliverable); err != nil {
			t.Fatal(err)
		}
		evs := eventsOf(t, in.Wait(t, 4, 15*time.Second))
		got := byMessage(t, evs)
		if got["message.delivered "+ok["id"].(string)].Data["status"] != "delivered" || got["message.read "+ok["id"].(string)].Data["status"] != "read" ||
			got["message.read "+late["id"].(string)].Data["status"] != "read" {
			t.Fatalf("events %+v", evs)
		}
		failed := got["message.failed "+doomed["id"].(string)].Data
		errData, _ := failed["error"].(map[string]any)
		upstream, _ := errData["upstream"].(map[string]any)
		if failed["status"] != "failed" || errData["kind"] != "upstream" || upstream["code"] != float64(131026) ||
			upstream["message"] != "Message undeliverable" {
			t.Fatalf("failed event %+v", failed)
		}
		_, _, body := e.call("GET", "/v1/messages/"+doomed["id"].(string), e.APIKey, nil)
		if m := decode(t, body); m["status"] != "failed" {
			t.Fatalf("message %s", body)
		}
		harness.WaitFor(t, "the failure counted", 10*time.Second, func() bool {
			return harness.Metric(e.Scrape(), "botgate_messages_total", "face", "v1", "channel", "whatsapp", "status", "failed") == failedBefore+1
		})
		// A failed status for a message already read moves nothing: nothing told, nothing counted.
		if _, err := e.Fake.WAStatus(harness.WANumberID, wamid(ok), harness.WAUser, "failed", fakegraph.ErrWAUndeliverable); err != nil {
			t.Fatal(err)
		}
		forwarded.Wait(t, 6, 15*time.Second)
		if n := len(in.Received()); n != 4 {
			t.Fatalf("%d events; want 4", n)
		}
		if n := harness.Metric(e.Scrape(), "botgate_messages_total", "face", "v1", "channel", "whatsapp", "status", "failed"); n != failedBefore+1 {
			t.Fatalf("failed messages counted %v; want %v", n, failedBefore+1)
		}
	})
}
