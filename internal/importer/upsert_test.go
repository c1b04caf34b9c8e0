package importer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/importer"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func importText(t *testing.T, st *store.Store, bot *core.Bot, kind, text string) importer.Summary {
	t.Helper()
	sum, err := importer.Run(context.Background(), st, bot, strings.NewReader(text), importer.Options{Kind: kind, Format: importer.FormatJSONLines},
		func(r importer.Refusal) { t.Errorf("line %d refused: %s", r.Line, r.Reason) })
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// What botgate learned itself, later than the export, stays: a newer last
// inbound time, and a subscription a webhook set after the row's time.
func TestLaterStateWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		st := db.Open(t, store.Options{Now: storetest.NewClock(start).Now})
		bot := newBot(t, st)
		wrote := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
		err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.TouchContact(bot.ID, "6021889021", &wrote); err != nil {
				return err
			}
			// A stop after the export (the row has no time), and an opt-in
			// before the row's updated_at.
			if err := tx.SaveSubscription(&store.Subscription{BotID: bot.ID, PSID: "6021889022", Title: "Weekly deals", Token: "webhook-token",
				Status: 1, EventAt: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}); err != nil {
				return err
			}
			return tx.SaveSubscription(&store.Subscription{BotID: bot.ID, PSID: "6021889021", Title: "Weekly deals", Token: "old-token",
				Status: 0, EventAt: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)})
		})
		if err != nil {
			t.Fatal(err)
		}
		if sum, _ := importFile(t, st, bot, core.ImportContacts, "contacts.csv", false); sum.Created != 3 || sum.Updated != 1 {
			t.Errorf("contacts: %+v; want 3 created, 1 updated (the names)", sum)
		}
		c, err := st.GetContact(ctx, bot.ID, "6021889021")
		if err != nil || c.LastInboundAt == nil || !c.LastInboundAt.Equal(wrote) || c.Profile.FirstName != "Mei" {
			t.Errorf("contact: %+v %v; want the names imported and the newer inbound time %s kept", c, err, wrote)
		}
		if sum, _ := importFile(t, st, bot, core.ImportSubscriptions, "subscriptions.jsonl", false); sum.Updated != 1 || sum.Unchanged != 1 {
			t.Errorf("subscriptions: %+v; want 1 updated, 1 unchanged", sum)
		}
		subs, err := st.ListSubscriptions(ctx, bot.ID, "Weekly deals")
		if err != nil || len(subs) != 2 {
			t.Fatalf("subscriptions: %+v %v", subs, err)
		}
		for _, s := range subs {
			want := map[string][2]any{"6021889021": {"8761234567890123456", 1}, "6021889022": {"webhook-token", 1}}[s.PSID]
			if s.Token != want[0] || s.Status != want[1] {
				t.Errorf("subscription of %s: token %s status %d; want %v", s.PSID, s.Token, s.Status, want)
			}
		}
	})
}

// A file may name a user twice, even within one batch: the later row wins.
func TestRepeatedRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		st := db.Open(t, store.Options{Now: storetest.NewClock(start).Now})
		bot := newBot(t, st)
		sum := importText(t, st, bot, core.ImportContacts, `{"psid":"1","first_name":"A","last_interaction_at":"2026-11-30T00:00:00Z"}
{"psid":"1","first_name":"B","last_interaction_at":"2026-11-29T00:00:00Z"}
{"psid":"1","first_name":"B"}
`)
		if want := (importer.Summary{Kind: "contacts", Rows: 3, Created: 1, Updated: 1, Unchanged: 1}); sum != want {
			t.Errorf("contacts: %+v; want %+v", sum, want)
		}
		c, _ := st.GetContact(ctx, bot.ID, "1")
		if c == nil || c.Profile.FirstName != "B" || !c.LastInboundAt.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("contact: %+v", c)
		}
		sum = importText(t, st, bot, core.ImportParams, `{"psid":"1","key":"points","value":"1"}
{"psid":"1","key":"points","value":2}
{"psid":"2","key":"points","value":"3"}
`)
		if want := (importer.Summary{Kind: "params", Rows: 3, Created: 2, Updated: 1}); sum != want {
			t.Errorf("params: %+v; want %+v", sum, want)
		}
		if c, _ := st.GetContact(ctx, bot.ID, "1"); c == nil || len(c.Params) != 1 || c.Params["points"] != "2" || c.Profile.FirstName != "B" {
			t.Errorf("contact: %+v", c)
		}
		sum = importText(t, st, bot, core.ImportLinks, `{"psid":"1","username":"u"}
{"psid":"2","username":"u"}
`)
		if want := (importer.Summary{Kind: "links", Rows: 2, Created: 1, Updated: 1}); sum != want {
			t.Errorf("links: %+v; want %+v", sum, want)
		}
		if psid, err := st.ResolveLink(ctx, bot.ID, "username", "u"); psid != "2" || err != nil {
			t.Errorf("username u links to %q %v; want 2", psid, err)
		}
	})
}

// A line longer than MaxLine is refused and the next one read; a CSV
// record that long stops the import, since CSV cannot find where it ends.
func TestLongLines(t *testing.T) {
	st := storetest.New(t, "sqlite").Open(t, store.Options{Now: storetest.NewClock(start).Now})
	bot := newBot(t, st)
	long := strings.Repeat("x", importer.MaxLine+10)
	jsonl := `{"psid":"1","first_name":"` + long + `"}` + "\n" + `{"psid":"2"}` + "\n"
	var refused []importer.Refusal
	sum, err := importer.Run(context.Background(), st, bot, strings.NewReader(jsonl), importer.Options{Kind: "contacts", Format: "jsonl"},
		func(r importer.Refusal) { refused = append(refused, r) })
	if want := (importer.Summary{Kind: "contacts", Rows: 2, Created: 1, Refused: 1}); err != nil || sum != want ||
		len(refused) != 1 || refused[0] != (importer.Refusal{Line: 1, Reason: "the line is longer than 1048576 bytes"}) {
		t.Errorf("JSON Lines: %+v %v %v", sum, refused, err)
	}
	csv := "psid,first_name\n3,Ann\n4," + long + strings.Repeat("x", 128<<10) + "\n5,Bo\n"
	sum, err = importer.Run(context.Background(), st, bot, strings.NewReader(csv), importer.Options{Kind: "contacts", Format: "csv"},
		func(r importer.Refusal) { t.Errorf("refused %+v", r) })
	if err == nil || err.Error() != "a CSV record is longer than 1048576 bytes; the import stopped there" || sum.Rows != 1 {
		t.Errorf("CSV: %+v %v", sum, err)
	}
}
