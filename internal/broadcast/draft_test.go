package broadcast_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// draftSpec is a tagged Messenger text to list, so every recipient is sent
// to whatever their window.
func draftSpec(text string, list []string) broadcast.Spec {
	var entries []broadcast.ListEntry
	for _, p := range list {
		entries = append(entries, broadcast.ListEntry{PSID: p})
	}
	return broadcast.Spec{Name: "Draft sale", Channel: "messenger", Draft: true,
		Content:  broadcast.Content{Message: json.RawMessage(`{"text":` + mustQuote(text) + `}`)},
		Audience: broadcast.Audience{List: entries}, MessagingType: "MESSAGE_TAG", Tag: "ACCOUNT_UPDATE"}
}

func mustQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// conflict fails unless err is a conflict whose message says want.
func conflict(t *testing.T, what string, err error, want string) {
	t.Helper()
	if e := core.AsError(err); err == nil || e.Kind != core.KindConflict || !strings.Contains(e.Message, want) {
		t.Fatalf("%s: %v; want a conflict saying %q", what, err, want)
	}
}

// jobs counts the queue's jobs of a broadcast, whatever their state.
func (e *env) jobs(id string) int {
	e.T.Helper()
	var n int
	if err := e.Server.Store.ReadRow(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND ref = $2`,
		broadcast.JobKind, id).Scan(&n); err != nil {
		e.T.Fatal(err)
	}
	return n
}

// A draft is stored with no jobs and sends nothing, however long it waits
// and however often the runner is woken; it can be edited (checked like a
// create), not paused or resumed; scheduled, it sends the edited content
// to every recipient once; after that it is no draft to edit, schedule or
// delete.
func TestDraftEditSchedule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC)
		e := start(t, db, t0, harness.Options{})
		users := []string{"710000000000001", "710000000000002"}
		for _, p := range users {
			e.user(p, 0, time.Time{})
		}
		ctx := context.Background()
		d, err := e.svc().Create(ctx, e.bot, draftSpec("First words", users))
		if err != nil {
			t.Fatal(err)
		}
		if d.State != broadcast.StateDraft || d.Counts != (broadcast.Counts{}) || d.StartedAt != nil || d.Spec.Draft || e.jobs(d.ID) != 0 {
			t.Fatalf("draft: %+v, %d jobs", d, e.jobs(d.ID))
		}
		// Time passes and the runner is woken: still nothing.
		e.clk.Add(2 * time.Hour)
		e.svc().Wake()
		time.Sleep(1500 * time.Millisecond) // the runner polls each second
		if got := e.get(d.ID); got.State != broadcast.StateDraft || got.Counts.Targeted != 0 || e.Fake.SendCount() != 0 {
			t.Fatalf("a draft ran: %+v, %d sends", got, e.Fake.SendCount())
		}

		_, err = e.svc().Pause(ctx, e.BotID, d.ID)
		conflict(t, "pause a draft", err, "is a draft: it sends nothing until it is scheduled")
		_, err = e.svc().Resume(ctx, e.BotID, d.ID)
		conflict(t, "resume a draft", err, "is a draft: schedule it to start it")

		// An edit is checked like a create, and a refused one changes nothing.
		bad := draftSpec("x", users)
		bad.Content = broadcast.Content{}
		if _, err := e.svc().Update(ctx, e.bot, d.ID, bad); core.AsError(err).Field != "content" {
			t.Fatalf("an edit without content: %v", err)
		}
		edited := draftSpec("Edited words", users)
		edited.Name = "Draft sale, edited"
		u, err := e.svc().Update(ctx, e.bot, d.ID, edited)
		if err != nil || u.State != broadcast.StateDraft || u.Name != "Draft sale, edited" || string(u.Spec.Content.Message) != `{"text":"Edited words"}` {
			t.Fatalf("edit: %+v %v", u, err)
		}
		if _, err := e.svc().Update(ctx, e.bot, "bc_nope", edited); core.ErrorKind(err) != core.KindNotFound {
			t.Fatalf("edit of no broadcast: %v", err)
		}

		s, err := e.svc().Schedule(ctx, e.bot, d.ID)
		if err != nil || (s.State != broadcast.StateScheduled && s.State != broadcast.StateRunning) || e.jobs(d.ID) == 0 {
			t.Fatalf("schedule: %+v %v", s, err)
		}
		done := e.waitState(d.ID, broadcast.StateCompleted)
		harness.WaitFor(t, "both sent", wait, func() bool { return e.get(d.ID).Counts.Sent == 2 })
		if done.Counts.Targeted != 2 {
			t.Fatalf("completed: %+v", done)
		}
		for _, p := range users {
			sent := e.Fake.SentTo(p)
			if len(sent) != 1 || sent[0].Parsed["message"].(map[string]any)["text"] != "Edited words" {
				t.Fatalf("%s got %d sends: %+v", p, len(sent), sent)
			}
		}

		_, err = e.svc().Update(ctx, e.bot, d.ID, edited)
		conflict(t, "edit a completed broadcast", err, "is completed; only a draft can be edited")
		_, err = e.svc().Schedule(ctx, e.bot, d.ID)
		conflict(t, "schedule again", err, "is completed; only a draft can be scheduled")
		err = e.svc().Delete(ctx, e.BotID, d.ID)
		conflict(t, "delete a completed broadcast", err, "is completed; only a draft can be deleted")
	})
}

// Deleting a draft removes it; a cancelled draft is kept, cancelled, and
// no longer a draft to delete. Another bot's draft is not found.
func TestDraftDeleteCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC), harness.Options{})
		e.user("710000000000001", 0, time.Time{})
		ctx := context.Background()
		d, err := e.svc().Create(ctx, e.bot, draftSpec("Gone soon", []string{"710000000000001"}))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc().Delete(ctx, "bot_other", d.ID); core.ErrorKind(err) != core.KindNotFound {
			t.Fatalf("another bot's delete: %v", err)
		}
		if err := e.svc().Delete(ctx, e.BotID, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc().Get(ctx, e.BotID, d.ID); core.ErrorKind(err) != core.KindNotFound {
			t.Fatalf("deleted draft: %v", err)
		}
		if err := e.svc().Delete(ctx, e.BotID, d.ID); core.ErrorKind(err) != core.KindNotFound {
			t.Fatalf("delete twice: %v", err)
		}

		c, err := e.svc().Create(ctx, e.bot, draftSpec("Never", []string{"710000000000001"}))
		if err != nil {
			t.Fatal(err)
		}
		if c, err = e.svc().Cancel(ctx, e.BotID, c.ID); err != nil || c.State != broadcast.StateCancelled || c.FinishedAt == nil {
			t.Fatalf("cancel a draft: %+v %v", c, err)
		}
		conflict(t, "delete a cancelled draft", e.svc().Delete(ctx, e.BotID, c.ID), "is cancelled; only a draft can be deleted")
		_, err = e.svc().Schedule(ctx, e.bot, c.ID)
		conflict(t, "schedule a cancelled draft", err, "is cancelled; only a draft can be scheduled")
		if list, _, err := e.svc().List(ctx, e.BotID, "", 10); err != nil || len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
		if e.Fake.SendCount() != 0 || e.jobs(c.ID) != 0 {
			t.Fatalf("%d sends, %d jobs", e.Fake.SendCount(), e.jobs(c.ID))
		}
	})
}

// Scheduling checks the draft again, as of then: an expiry that has passed
// since it was written refuses it. A draft's schedule counts from the
// moment it is scheduled: with late: skip, a local time that passed while
// it was a draft is late, skipped, not sent.
func TestDraftScheduleChecksAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC)
		e := start(t, db, t0, harness.Options{})
		e.user("710000000000001", 0, time.Time{})
		ctx := context.Background()
		spec := draftSpec("Lunch offer", []string{"710000000000001"})
		expires := t0.Add(time.Hour)
		spec.ExpiresAt = &expires
		d, err := e.svc().Create(ctx, e.bot, spec)
		if err != nil {
			t.Fatal(err)
		}
		late := draftSpec("Lunch offer", []string{"710000000000001"})
		late.Schedule = broadcast.Schedule{LocalTime: "12:30", Date: "2026-12-23", Late: broadcast.LateSkip}
		l, err := e.svc().Create(ctx, e.bot, late)
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Add(2 * time.Hour)
		if _, err := e.svc().Schedule(ctx, e.bot, d.ID); core.AsError(err).Field != "expires_at" {
			t.Fatalf("schedule past its expiry: %v", err)
		}
		if got := e.get(d.ID); got.State != broadcast.StateDraft || e.jobs(d.ID) != 0 {
			t.Fatalf("a refused schedule changed the draft: %+v", got)
		}
		if _, err := e.svc().Schedule(ctx, e.bot, l.ID); err != nil {
			t.Fatal(err)
		}
		done := e.waitState(l.ID, broadcast.StateCompleted)
		if done.Counts.Skipped != 1 || done.SkippedByReason[broadcast.ReasonLate] != 1 || e.Fake.SendCount() != 0 {
			t.Fatalf("late draft: %+v, %d sends", done, e.Fake.SendCount())
		}
	})
}
