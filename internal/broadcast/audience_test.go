package broadcast_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A topic's active subscribers get a 09:00 broadcast at 09:00 in their
// subscription's time zone, through their notification-messages tokens; a
// subscriber who stopped the topic before their time is skipped as
// unsubscribed. An uploaded list keeps its good rows and refuses the rest
// with their lines.
func TestTopicAndUploadAudiences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC)
		e := start(t, db, t0, harness.Options{})
		const page = harness.Page
		e.importCSV("subscriptions", "page_id,psid,topic,token,status,timezone,updated_at\n"+
			page+",700000000000001,offers,tok-shanghai,1,Asia/Shanghai,2026-12-01T00:00:00Z\n"+
			page+",700000000000002,offers,tok-stopped,0,Europe/Paris,2026-12-01T00:00:00Z\n"+
			page+",700000000000003,offers,tok-newyork,1,America/New_York,2026-12-01T00:00:00Z\n"+
			page+",700000000000004,news,tok-news,1,,2026-12-01T00:00:00Z\n")
		b, err := e.svc().Create(t.Context(), e.bot, broadcast.Spec{Name: "offers", Channel: "messenger",
			Content:  broadcast.Content{Message: json.RawMessage(`{"text":"Today only"}`)},
			Audience: broadcast.Audience{Topic: "offers"},
			Schedule: broadcast.Schedule{LocalTime: "09:00", Date: "2026-12-24"}})
		if err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the audience expanded", wait, func() bool { return len(e.get(b.ID).Hours) == 2 })
		got := e.get(b.ID)
		if got.Counts.Targeted != 2 || !got.Hours[0].Hour.Equal(time.Date(2026, 12, 24, 1, 0, 0, 0, time.UTC)) ||
			!got.Hours[1].Hour.Equal(time.Date(2026, 12, 24, 14, 0, 0, 0, time.UTC)) {
			t.Fatalf("topic audience: %+v %+v", got.Counts, got.Hours)
		}
		e.clk.Set(time.Date(2026, 12, 24, 1, 0, 0, 0, time.UTC))
		harness.WaitFor(t, "Shanghai's 09:00", wait, func() bool { return e.Fake.SendCount() == 1 })
		if tok := e.Fake.Sends()[0].Recipient["notification_messages_token"]; tok != "tok-shanghai" {
			t.Fatalf("sent to %v", e.Fake.Sends()[0].Recipient)
		}
		// Recorded before the clock jumps again, past the send job's lease.
		harness.WaitFor(t, "the send recorded", wait, func() bool { return e.get(b.ID).Counts.Sent == 1 })
		e.importCSV("subscriptions", "page_id,psid,topic,token,status,timezone,updated_at\n"+
			page+",700000000000003,offers,tok-newyork,0,America/New_York,2026-12-24T00:30:00Z\n")
		e.clk.Set(time.Date(2026, 12, 24, 14, 0, 0, 0, time.UTC))
		done := e.waitState(b.ID, broadcast.StateCompleted)
		if done.Counts.Sent != 1 || done.SkippedByReason[broadcast.ReasonUnsubscribed] != 1 || sendsTo(e.Fake)["tok-newyork"] != 0 {
			t.Errorf("after New York's 09:00: %+v %v, %d sends", done.Counts, done.SkippedByReason, e.Fake.SendCount())
		}

		up, err := e.svc().Upload(t.Context(), e.BotID, strings.NewReader("psid,name\n700000000000001,Ada\n,nobody\n700000000000003,Bob,extra\n700000000000003,Bob\n"), "csv")
		if err != nil {
			t.Fatal(err)
		}
		if up.Rows != 2 || len(up.Refused) != 2 || up.Refused[0].Line != 3 || up.Refused[1].Line != 4 ||
			up.Refused[0].Reason != "names no user; give one of psid, wa_id, phone, username, email" {
			t.Errorf("upload: %+v", up)
		}
		dry, err := e.svc().Create(t.Context(), e.bot, broadcast.Spec{Channel: "messenger", DryRun: true,
			Content:       broadcast.Content{Message: json.RawMessage(`{"text":"Hi {{name}}"}`)},
			Audience:      broadcast.Audience{Upload: up.ID},
			MessagingType: "MESSAGE_TAG", Tag: "ACCOUNT_UPDATE"})
		if err != nil || dry.Counts.Targeted != 2 || dry.Counts.Scheduled != 2 {
			t.Errorf("dry run of the upload: %+v %v", dry, err)
		}
		if _, err := e.svc().Create(t.Context(), e.bot, broadcast.Spec{Channel: "messenger", Content: broadcast.Content{Message: json.RawMessage(`{"text":"x"}`)},
			Audience: broadcast.Audience{Upload: "bup_none"}, MessagingType: "UPDATE"}); err == nil || !strings.Contains(err.Error(), "no upload") {
			t.Errorf("an unknown upload: %v", err)
		}
	})
}

// TestUserNamedTwoWaysIsSentOnce: a list that names one user by the
// username linked to them and, on a later page of the audience, by PSID,
// and another by email and then by PSID on one page, reaches each once;
// the later naming is skipped as a duplicate, in the dry run's counts as
// in the broadcast's. The first name again, on the later page, is no one
// new.
func TestUserNamedTwoWaysIsSentOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		e := start(t, db, t0, harness.Options{})
		ada, bob := "700000000000011", "700000000000012"
		e.user(ada, 1, t0.Add(-time.Hour))
		e.user(bob, 1, t0.Add(-time.Hour))
		e.importCSV("links", "psid,username\n"+ada+",ada\n")
		e.importCSV("links", "psid,email\n"+bob+",bob@example.com\n")
		list := []broadcast.ListEntry{{Username: "ada"}}
		for i := range 1999 { // the rest of the first page of 2,000
			list = append(list, broadcast.ListEntry{Username: fmt.Sprintf("nobody-%d", i)})
		}
		list = append(list, broadcast.ListEntry{PSID: ada}, broadcast.ListEntry{Username: "ada"},
			broadcast.ListEntry{Email: "bob@example.com"}, broadcast.ListEntry{PSID: bob})
		spec := broadcast.Spec{Name: "Twice", Channel: "messenger", MessagingType: "UPDATE",
			Content: broadcast.Content{Message: json.RawMessage(`{"text":"Once each"}`)}, Audience: broadcast.Audience{List: list}}
		wantSkips := map[string]int64{broadcast.ReasonUnknown: 1999, broadcast.ReasonDuplicate: 2}

		dry := spec
		dry.DryRun = true
		d, err := e.svc().Create(t.Context(), e.bot, dry)
		if err != nil {
			t.Fatal(err)
		}
		if d.Counts.Targeted != 2003 || d.Counts.Scheduled != 2 || !equalMaps(d.SkippedByReason, wantSkips) {
			t.Errorf("dry run: %+v, skipped %v", d.Counts, d.SkippedByReason)
		}

		b, err := e.svc().Create(t.Context(), e.bot, spec)
		if err != nil {
			t.Fatal(err)
		}
		done := e.waitState(b.ID, broadcast.StateCompleted)
		harness.WaitFor(t, "the sends recorded", wait, func() bool { return e.get(b.ID).Counts.Sent >= 2 })
		if got := sendsTo(e.Fake); len(got) != 2 || got[ada] != 1 || got[bob] != 1 {
			t.Errorf("Graph received %v; want one send to each of %s and %s", got, ada, bob)
		}
		if done.Counts.Targeted != 2003 || done.Counts.Skipped != 2001 || !equalMaps(done.SkippedByReason, wantSkips) {
			t.Errorf("broadcast: %+v, skipped %v", done.Counts, done.SkippedByReason)
		}
		rs, _, err := e.svc().Recipients(t.Context(), e.BotID, b.ID, broadcast.RecipientFilter{Reason: broadcast.ReasonDuplicate}, "", 10)
		if err != nil || len(rs) != 2 || rs[0].Recipient != ada || rs[1].Recipient != bob {
			t.Errorf("recipients skipped as duplicates: %+v %v", rs, err)
		}
	})
}
