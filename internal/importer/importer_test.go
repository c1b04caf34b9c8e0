package importer_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/importer"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

var start = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// The example files of docs/import.md, in the order a team would import them.
var examples = []struct{ kind, file string }{
	{core.ImportContacts, "contacts.csv"},
	{core.ImportLinks, "links.jsonl"},
	{core.ImportParams, "params.csv"},
	{core.ImportSubscriptions, "subscriptions.jsonl"},
	{core.ImportBlocks, "blocks.jsonl"},
}

func newBot(t *testing.T, st *store.Store) *core.Bot {
	t.Helper()
	ctx := context.Background()
	b := &core.Bot{ID: "bot_shop", Name: "Shop", Messenger: &core.MessengerChannel{PageID: "104729384756", AccessToken: "t", AppSecret: "s", VerifyToken: "v"}}
	if err := st.CreateBot(ctx, b); err != nil {
		t.Fatal(err)
	}
	ch := &core.WhatsAppChannel{Phone: "+8613800138000", PhoneNumberID: "109000", AccessToken: "wa", AppSecret: "was", VerifyToken: "wav",
		Limits: core.WALimits{}.WithDefaults(), Tier: 1}
	if err := st.SetWhatsApp(ctx, b.ID, ch); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetBot(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func importFile(t *testing.T, st *store.Store, bot *core.Bot, kind, file string, dryRun bool) (importer.Summary, []importer.Refusal) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	format := importer.FormatJSONLines
	if strings.HasSuffix(file, ".csv") {
		format = importer.FormatCSV
	}
	var refused []importer.Refusal
	sum, err := importer.Run(context.Background(), st, bot, f, importer.Options{Kind: kind, Format: format, DryRun: dryRun},
		func(r importer.Refusal) { refused = append(refused, r) })
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return sum, refused
}

func TestExamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clock := storetest.NewClock(start)
		st := db.Open(t, store.Options{Now: clock.Now})
		bot := newBot(t, st)
		want := map[string]importer.Summary{
			"contacts.csv":        {Kind: "contacts", Rows: 4, Created: 4},
			"links.jsonl":         {Kind: "links", Rows: 2, Created: 2},
			"params.csv":          {Kind: "params", Rows: 4, Created: 4},
			"subscriptions.jsonl": {Kind: "subscriptions", Rows: 2, Created: 2},
			"blocks.jsonl":        {Kind: "blocks", Rows: 2, Created: 2},
		}

		// A dry run counts what would change and writes nothing.
		for _, ex := range examples {
			sum, refused := importFile(t, st, bot, ex.kind, ex.file, true)
			w := want[ex.file]
			w.DryRun = true
			if sum != w || len(refused) != 0 {
				t.Errorf("dry run of %s: %+v, refused %v; want %+v", ex.file, sum, refused, w)
			}
		}
		assertEmpty(t, st, bot)

		for _, ex := range examples {
			if sum, refused := importFile(t, st, bot, ex.kind, ex.file, false); sum != want[ex.file] || len(refused) != 0 {
				t.Errorf("import of %s: %+v, refused %v; want %+v", ex.file, sum, refused, want[ex.file])
			}
		}
		imported := start
		assertExamples(t, st, bot, imported)

		// Running the files again, later, changes nothing, not even a time.
		clock.Add(time.Hour)
		for _, ex := range examples {
			for _, dry := range []bool{true, false} {
				sum, _ := importFile(t, st, bot, ex.kind, ex.file, dry)
				if sum.Changed() != 0 || sum.Unchanged != want[ex.file].Rows {
					t.Errorf("second import of %s (dry run %v): %+v; want every row unchanged", ex.file, dry, sum)
				}
			}
		}
		assertExamples(t, st, bot, imported)
	})
}

func assertEmpty(t *testing.T, st *store.Store, bot *core.Bot) {
	t.Helper()
	ctx := context.Background()
	for _, psid := range []string{"6021889021", "6021889022", "6021889023", "wa:8613900001111"} {
		if c, err := st.GetContact(ctx, bot.ID, psid); err != nil || c != nil {
			t.Errorf("after dry runs, contact %s = %+v, %v; want none", psid, c, err)
		}
	}
	links, _ := st.ListLinks(ctx, bot.ID, "")
	subs, _ := st.ListSubscriptions(ctx, bot.ID, "")
	blocks, _ := st.ListBlocks(ctx, bot.ID)
	if len(links) != 0 || len(subs) != 0 || len(blocks) != len(core.SystemBlocks) {
		t.Errorf("after dry runs: links %v, subscriptions %v, %d blocks; want none", links, subs, len(blocks))
	}
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func tz(v float64) float64 { return v }

// assertExamples checks the stored state is exactly what the example files say.
func assertExamples(t *testing.T, st *store.Store, bot *core.Bot, imported time.Time) {
	t.Helper()
	ctx := context.Background()
	contacts := []core.Contact{
		{PSID: "6021889021", Profile: &core.Profile{ID: "6021889021", FirstName: "Mei", LastName: "Chen", Locale: "zh_CN", Timezone: tz(8)},
			ProfileFetchedAt: &imported, LastInboundAt: at("2026-12-01T09:30:00Z"), Params: map[string]string{"points": "120", "tier": "gold"}},
		{PSID: "6021889022", Profile: &core.Profile{ID: "6021889022", FirstName: "Tom", LastName: "Baker", Locale: "en_GB"},
			ProfileFetchedAt: &imported, LastInboundAt: at("2026-11-30T21:15:00Z"), Params: map[string]string{"points": "75", "coupon": "SAVE10, once"}},
		{PSID: "6021889023", Profile: &core.Profile{ID: "6021889023", FirstName: "Ana María", Locale: "es_LA", Timezone: tz(-3)},
			ProfileFetchedAt: &imported, Params: map[string]string{}},
		{PSID: "wa:8613900001111", Profile: &core.Profile{ID: "wa:8613900001111", FirstName: "Wei", LastName: "Li", Timezone: tz(8)},
			ProfileFetchedAt: &imported, LastInboundAt: at("2026-12-01T10:00:00Z"), Params: map[string]string{}},
	}
	for _, want := range contacts {
		want.BotID, want.CreatedAt, want.UpdatedAt = bot.ID, imported, imported
		got, err := st.GetContact(ctx, bot.ID, want.PSID)
		if err != nil || got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("contact %s:\n got %s\nwant %s", want.PSID, dump(got), dump(want))
		}
	}
	links, err := st.ListLinks(ctx, bot.ID, "")
	wantLinks := []core.Link{
		{BotID: bot.ID, Kind: "email", Value: "mei@example.com", PSID: "6021889021", CreatedAt: imported},
		{BotID: bot.ID, Kind: "user_phone_number", Value: "+8613900002222", PSID: "6021889021", CreatedAt: imported},
		{BotID: bot.ID, Kind: "username", Value: "mei.chen", PSID: "6021889021", CreatedAt: imported},
		{BotID: bot.ID, Kind: "email", Value: "tom@example.co.uk", PSID: "6021889022", CreatedAt: imported},
	}
	if err != nil || !reflect.DeepEqual(links, wantLinks) {
		t.Errorf("links:\n got %s\nwant %s", dump(links), dump(wantLinks))
	}
	subs, err := st.ListSubscriptions(ctx, bot.ID, "")
	wantSubs := []store.Subscription{
		{BotID: bot.ID, PSID: "6021889021", Title: "Weekly deals", Token: "8761234567890123456", Status: 1, Timezone: "Asia/Shanghai",
			ExpiresAt: at("2027-05-30T00:00:00Z"), CreatedAt: imported, UpdatedAt: imported},
		{BotID: bot.ID, PSID: "6021889022", Title: "Weekly deals", Token: "8761234567890123457", Status: 0, Timezone: "Europe/London",
			CreatedAt: imported, UpdatedAt: imported},
	}
	if err != nil || !reflect.DeepEqual(subs, wantSubs) {
		t.Errorf("subscriptions:\n got %s\nwant %s", dump(subs), dump(wantSubs))
	}
	for name, body := range map[string]string{
		"welcome back": `[{"text":"Welcome back, {{first_name}}! You have {{points}} points."}]`,
		"deals": `[{"attachment":{"type":"template","payload":{"template_type":"button","text":"This week's deals",` +
			`"buttons":[{"type":"web_url","title":"Open","url":"https://shop.example.com/deals"}]}}}]`,
	} {
		b, err := st.GetBlock(ctx, bot.ID, name, 0)
		if err != nil {
			t.Errorf("block %q: %v", name, err)
			continue
		}
		cards, _ := json.Marshal(b.Cards)
		if b.Version != 1 || !b.CreatedAt.Equal(imported) || string(cards) != body {
			t.Errorf("block %q: version %d at %s, cards %s; want version 1 at %s, %s", name, b.Version, b.CreatedAt, cards, imported, body)
		}
	}
}

func dump(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// Each refused row is reported with its line and why; the rest are imported.
func TestRefusedRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		st := db.Open(t, store.Options{Now: storetest.NewClock(start).Now})
		bot := newBot(t, st)
		sum, refused := importFile(t, st, bot, core.ImportContacts, "refused-contacts.jsonl", false)
		if want := (importer.Summary{Kind: "contacts", Rows: 11, Created: 1, Refused: 10}); sum != want {
			t.Errorf("summary %+v; want %+v", sum, want)
		}
		want := []importer.Refusal{
			{Line: 2, Field: "locale", Reason: `locale: "english" is not a locale like en_US`},
			{Line: 4, Field: "psid", Reason: "psid is required: the user's page-scoped id"},
			{Line: 5, Field: "last_interaction_at", Reason: `last_interaction_at: "2026-12-01 09:00:00" is not a time: give RFC 3339 with a zone (2026-11-30T08:15:00Z) or Unix seconds or milliseconds`},
			{Line: 6, Field: "last_interaction_at", Reason: "last_interaction_at: 2027-01-01T00:00:00Z is in the future"},
			{Line: 7, Field: "nickname", Reason: "nickname: is not a field of contacts (fields: page_id, number, psid, wa_id, first_name, last_name, locale, timezone, last_interaction_at)"},
			{Line: 8, Field: "page_id", Reason: `page_id: "999" is not the page of bot bot_shop`},
			{Line: 9, Field: "psid", Reason: "psid: appears twice in the object"},
			{Line: 10, Field: "wa_id", Reason: `wa_id: "12" is not a WhatsApp id: the user's number in digits, with the country code`},
			{Line: 11, Reason: "malformed JSON: each line must be one JSON object"},
			{Line: 12, Field: "timezone", Reason: `timezone: "+25" is not an offset from UTC in hours, -12 to 14 (as Messenger's profile gives it)`},
		}
		if !reflect.DeepEqual(refused, want) {
			t.Errorf("refused:\n got %s\nwant %s", dump(refused), dump(want))
		}
		if c, _ := st.GetContact(context.Background(), bot.ID, "6021889031"); c == nil || c.Profile.FirstName != "Ok" {
			t.Errorf("the good row was not imported: %+v", c)
		}

		sum, refused = importFile(t, st, bot, core.ImportParams, "refused-params.csv", false)
		if want := (importer.Summary{Kind: "params", Rows: 5, Created: 1, Refused: 4}); sum != want {
			t.Errorf("summary %+v; want %+v", sum, want)
		}
		wantCSV := []importer.Refusal{
			{Line: 3, Field: "key", Reason: `key: parameter name "first_name" is reserved for the user's profile`},
			{Line: 4, Field: "key", Reason: `key: parameter name "bad key" must consist of letters, digits and underscores`},
			{Line: 5, Field: "psid", Reason: "psid is required: the user's page-scoped id"},
			{Line: 6, Reason: "has 2 fields; the header names 3"},
		}
		if !reflect.DeepEqual(refused, wantCSV) {
			t.Errorf("refused:\n got %s\nwant %s", dump(refused), dump(wantCSV))
		}
	})
}
