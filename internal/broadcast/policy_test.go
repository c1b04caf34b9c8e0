package broadcast_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A block broadcast fills each recipient's {{params}} (the row's over the
// broadcast's) and Graph receives exactly those bodies; recipients the
// policy refuses are skipped with the reason, before anything is sent; the
// merchant hears broadcast.started and broadcast.completed with the counts.
func TestBlockBroadcastBodiesSkipsAndEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		e := start(t, db, t0, harness.Options{})
		hooks := harness.NewInbox(t)
		status, body := e.Do(http.MethodPost, "/v1/webhook-endpoints", http.Header{"Authorization": {"Bearer " + e.APIKey}, "Content-Type": {"application/json"}},
			[]byte(`{"url":"`+hooks.URL+`","events":["broadcast.started","broadcast.completed"]}`))
		if status != http.StatusCreated {
			t.Fatalf("endpoint: %d %s", status, body)
		}
		e.Admin(http.MethodPut, "/admin/v1/bots/"+e.BotID+"/blocks/xmas", map[string]any{
			"cards": []any{map[string]any{"text": "Hello {{name}}, your code is {{code}}"}}}, http.StatusCreated, nil)
		open, closed, never := "700000000000001", "700000000000002", "700000000000003"
		e.user(open, 1, t0.Add(-time.Hour))
		e.user(closed, 1, t0.Add(-48*time.Hour))
		e.user(never, 1, time.Time{})
		second := "700000000000004"
		e.user(second, 1, t0.Add(-2*time.Hour))
		spec := broadcast.Spec{Name: "Codes", Channel: "messenger", MessagingType: "UPDATE",
			Content: broadcast.Content{Block: &broadcast.BlockRef{Name: "xmas", Params: map[string]string{"code": "XMAS", "name": "friend"}}},
			Audience: broadcast.Audience{List: []broadcast.ListEntry{
				{PSID: open, Params: map[string]string{"name": "Ada"}},
				{PSID: closed, Params: map[string]string{"name": "Bob"}},
				{PSID: never},
				{Username: "nobody-linked"},
				{PSID: open, Params: map[string]string{"name": "Ada again"}}, // listed twice: one recipient
				{PSID: second, Params: map[string]string{"code": "VIP"}},
			}}}
		dry := spec
		dry.DryRun = true
		d, err := e.svc().Create(t.Context(), e.bot, dry)
		if err != nil {
			t.Fatal(err)
		}
		wantSkips := map[string]int64{broadcast.ReasonOutsideWindow: 2, broadcast.ReasonUnknown: 1}
		if d.State != broadcast.StateDraft || d.Counts.Targeted != 5 || d.Counts.Scheduled != 2 || !equalMaps(d.SkippedByReason, wantSkips) {
			t.Errorf("dry run: %+v", d)
		}
		if n := e.Fake.SendCount(); n != 0 {
			t.Fatalf("a dry run sent %d", n)
		}
		b, err := e.svc().Create(t.Context(), e.bot, spec)
		if err != nil {
			t.Fatal(err)
		}
		done := e.waitState(b.ID, broadcast.StateCompleted)
		harness.WaitFor(t, "both sends", wait, func() bool { return e.get(b.ID).Counts.Sent == 2 })
		var bodies []string
		for _, s := range e.Fake.Sends() {
			bodies = append(bodies, string(s.Body))
		}
		slices.Sort(bodies)
		want := []string{
			`{"recipient":{"id":"700000000000001"},"messaging_type":"UPDATE","message":{"text":"Hello Ada, your code is XMAS"}}`,
			`{"recipient":{"id":"700000000000004"},"messaging_type":"UPDATE","message":{"text":"Hello friend, your code is VIP"}}`,
		}
		if !slices.Equal(bodies, want) {
			t.Errorf("Graph received:\n%s\nwant:\n%s", strings.Join(bodies, "\n"), strings.Join(want, "\n"))
		}
		got := e.get(b.ID)
		if got.Counts.Targeted != 5 || got.Counts.Skipped != 3 || !equalMaps(got.SkippedByReason, wantSkips) || done.Counts.Queued+done.Counts.Sent != 2 {
			t.Errorf("counts: %+v", got)
		}
		rs, next, err := e.svc().Recipients(t.Context(), e.BotID, b.ID, broadcast.RecipientFilter{State: "skipped"}, "", 2)
		if err != nil || next == "" || len(rs) != 2 || rs[0].Recipient != closed || rs[0].Reason != broadcast.ReasonOutsideWindow || rs[1].Recipient != never {
			t.Errorf("skipped, first page: %+v %q %v", rs, next, err)
		}
		rs, next, err = e.svc().Recipients(t.Context(), e.BotID, b.ID, broadcast.RecipientFilter{State: "skipped"}, next, 2)
		if err != nil || next != "" || len(rs) != 1 || rs[0].Recipient != "username:nobody-linked" || rs[0].Reason != broadcast.ReasonUnknown {
			t.Errorf("skipped, second page: %+v %q %v", rs, next, err)
		}
		rs, _, err = e.svc().Recipients(t.Context(), e.BotID, b.ID, broadcast.RecipientFilter{State: "sent"}, "", 10)
		if err != nil || len(rs) != 2 || rs[0].MessageID == "" || rs[0].State != "sent" {
			t.Errorf("sent: %+v %v", rs, err)
		}
		events := hooks.Wait(t, 2, wait)
		var types []string
		var completed struct {
			Data struct {
				ID     string           `json:"id"`
				State  string           `json:"state"`
				Counts broadcast.Counts `json:"counts"`
				Skips  map[string]int64 `json:"skipped_by_reason"`
			} `json:"data"`
		}
		for _, ev := range events {
			var head struct{ Type string }
			_ = json.Unmarshal(ev.Body, &head)
			types = append(types, head.Type)
			if head.Type == "broadcast.completed" {
				_ = json.Unmarshal(ev.Body, &completed)
			}
		}
		if fmt.Sprint(types) != "[broadcast.started broadcast.completed]" || completed.Data.ID != b.ID || completed.Data.State != "completed" ||
			completed.Data.Counts.Targeted != 5 || completed.Data.Counts.Skipped != 3 || !equalMaps(completed.Data.Skips, wantSkips) {
			t.Errorf("events %v: %+v", types, completed)
		}
	})
}

func equalMaps(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
