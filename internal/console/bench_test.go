package console_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/console"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// BenchmarkPages times every list and detail page over 1,000,000 messages
// (BOTGATE_BENCH_MESSAGES changes the count), on SQLite and PostgreSQL,
// through the console's whole handler (session, CSRF, render) on loopback
// HTTP, and reports each page's p50 and p95:
//
//	BOTGATE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench Pages -benchtime 60x -timeout 90m ./internal/console/
//
// The data: 3 bots, 30 days, 10,000 users a bot, every status and face, one
// Graph attempt per message of the last day, 1,000 users' conversations,
// 30,000 deliveries, 1,000 recorded requests a bot.
func BenchmarkPages(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BOTGATE_BENCH_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := storetest.New(b, kind)
			s := db.Open(b, store.Options{})
			start := time.Now()
			d := load(b, s, n, checkpointer(b, db))
			b.Logf("%s: loaded %d messages in %v", kind, n, time.Since(start).Round(time.Second))
			c := benchClient(b, s)
			for _, p := range []struct{ name, path string }{
				{"overview", "/console/"},
				{"overview_bot", "/console/?bot=" + d.bot},
				{"messages", "/console/messages"},
				{"messages_bot", "/console/messages?bot=" + d.bot},
				{"messages_failed", "/console/messages?status=failed"},
				{"messages_bot_accepted", "/console/messages?bot=" + d.bot + "&status=accepted"},
				{"messages_recipient_psid", "/console/messages?recipient=" + d.psid},
				{"messages_bot_failed_recipient", "/console/messages?bot=" + d.bot + "&status=failed&recipient=" + d.psid},
				{"messages_recipient_email", "/console/messages?recipient=" + url.QueryEscape(d.email)},
				{"messages_recipient_phone", "/console/messages?recipient=%2B" + d.phone},
				{"messages_request_id", "/console/messages?request=" + d.requestID},
				{"messages_day", "/console/messages?since=" + d.day.Format("2006-01-02T15:04") + "&until=" + d.day.Add(24*time.Hour).Format("2006-01-02T15:04")},
				{"messages_text", "/console/messages?q=needle"},
				{"messages_face", "/console/messages?face=sobot"},
				{"messages_deep_page", "/console/messages?cursor=" + d.middle},
				{"message", "/console/messages/" + d.message},
				{"contacts", "/console/contacts?bot=" + d.bot},
				{"contacts_find", "/console/contacts?q=" + url.QueryEscape(d.email)},
				{"contact", "/console/contacts/" + d.bot + "/" + d.psid},
				{"blocks", "/console/blocks?bot=" + d.bot},
				{"deliveries", "/console/deliveries"},
				{"deliveries_failed", "/console/deliveries?state=failed"},
				{"delivery", "/console/deliveries/" + d.delivery},
				{"webhooks", "/console/deliveries/webhooks"},
				{"requests", "/console/requests?bot=" + d.bot},
				{"requests_refused", "/console/requests?refused=1"},
				{"request", "/console/requests/" + d.request},
			} {
				b.Run(p.name, func(b *testing.B) {
					var took []time.Duration
					for b.Loop() {
						t0 := time.Now()
						c.get(p.path, http.StatusOK)
						took = append(took, time.Since(t0))
					}
					slices.Sort(took)
					b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
					b.ReportMetric(ms(took[len(took)*95/100]), "p95-ms")
				})
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchClient signs an admin in to a console over s.
func benchClient(b *testing.B, s *store.Store) *person {
	c, err := console.New(console.Deps{Store: s})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	b.Cleanup(srv.Close)
	if _, err := s.CreateUser(context.Background(), "bench", "pw-bench-0123456789", core.RoleAdmin); err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	cl := &person{t: b, base: srv.URL, http: &http.Client{Jar: jar}}
	cl.get("/console/signin", http.StatusOK)
	if status, _ := cl.post("/console/signin", url.Values{"username": {"bench"}, "password": {"pw-bench-0123456789"}}); status != http.StatusOK {
		b.Fatalf("sign in: %d", status)
	}
	return cl
}

// checkpointer tidies the database during and after the load as a quiet
// database would be: SQLite's WAL emptied into the database (under writes
// that never pause, passive checkpoints never let it start over, and it
// grows by gigabytes); PostgreSQL vacuumed and analyzed, as autovacuum does
// after a bulk insert (index-only scans need the visibility map it sets).
func checkpointer(b *testing.B, db storetest.DB) func() {
	driver, dsn, stmt := "sqlite", "file:"+store.SQLitePath(db.DSN)+"?_pragma=busy_timeout(60000)", `PRAGMA wal_checkpoint(TRUNCATE)`
	if db.Kind == "postgres" {
		driver, dsn, stmt = "pgx", db.DSN, `VACUUM ANALYZE`
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return func() {
		if _, err := conn.Exec(stmt); err != nil {
			b.Fatal(err)
		}
	}
}

// loaded names rows the pages are asked for.
type loaded struct {
	bot, psid, email, phone, requestID, message, middle, delivery, request string
	day                                                                    time.Time
}

// load writes n messages and what surrounds them in batches of multi-row
// INSERTs, the fastest way through database/sql on both databases.
func load(b *testing.B, s *store.Store, n int, checkpoint func()) loaded {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	from := now.Add(-30 * 24 * time.Hour)
	bots := []string{"bot_bench_a", "bot_bench_b", "bot_bench_c"}
	for _, id := range bots {
		bot := &core.Bot{ID: id, Name: "Shop " + id, CallbackSecret: "whsec_bench", CallbackURL: "https://shop.example/cb",
			Messenger: &core.MessengerChannel{PageID: "page-" + id, AccessToken: "t", AppSecret: "s", VerifyToken: "v"},
			Settings:  core.Settings{}.WithDefaults()}
		if err := s.CreateBot(ctx, bot); err != nil {
			b.Fatal(err)
		}
	}
	d := loaded{bot: bots[0], psid: "2400000000000042", email: "user42@example.com", phone: "447700900042", day: from.Add(10 * 24 * time.Hour).Truncate(time.Hour)}
	statuses := []string{"read", "read", "delivered", "delivered", "delivered", "sent", "sent", "failed", "accepted"}
	faces := []string{"bothub", "bothub", "bothub", "sobot", "whatsapp", "botgate"}
	const batch = 500
	// INSERTs per transaction: the store gives a transaction 30 seconds,
	// which SQLite's one writer, on a busy machine, needs for fewer.
	perTx := 20
	if s.Dialect() == "sqlite" {
		perTx = 4
	}
	var msgs, attempts []any
	// flush writes rows as INSERTs of up to batch rows each, all in one
	// transaction: a page a commit rewrites is written once per commit.
	flush := func(table, cols string, ncols int, rows *[]any) {
		if len(*rows) == 0 {
			return
		}
		err := s.Write(ctx, func(tx *store.Tx) error {
			for start := 0; start < len(*rows); start += batch * ncols {
				chunk := (*rows)[start:min(len(*rows), start+batch*ncols)]
				var sb strings.Builder
				for i := 0; i < len(chunk)/ncols; i++ {
					if i > 0 {
						sb.WriteString(", ")
					}
					sb.WriteString("(")
					for j := range ncols {
						if j > 0 {
							sb.WriteString(", ")
						}
						fmt.Fprintf(&sb, "$%d", i*ncols+j+1)
					}
					sb.WriteString(")")
				}
				if _, err := tx.Exec(`INSERT INTO `+table+` (`+cols+`) VALUES `+sb.String(), chunk...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		*rows = (*rows)[:0]
	}
	const msgCols = `id, bot_id, request_id, channel, face, method, sync, status, psid, request, recipient_id, error, created_at, updated_at, sent_at, delivered_at, read_at, failed_at`
	const attemptCols = `message_id, seq, at, duration_us, request, status_code, response, outcome, error, graph_id`
	step := 30 * 24 * time.Hour / time.Duration(n)
	for i := range n {
		at := from.Add(time.Duration(i) * step)
		id := core.NewID("msg_", at)
		bot := bots[i%len(bots)]
		user := rng.IntN(10_000)
		status, face := statuses[rng.IntN(len(statuses))], faces[rng.IntN(len(faces))]
		channel, psid := core.ChannelMessenger, fmt.Sprintf("24000000000%05d", user)
		if face == "whatsapp" {
			channel, psid = core.ChannelWhatsApp, fmt.Sprintf("wa:4477009%05d", user)
		}
		text := fmt.Sprintf("Order %d has shipped, %d parcels", i, rng.IntN(5)+1)
		if i == n/3 {
			text = "the needle in the haystack"
		}
		req := fmt.Sprintf(`{"recipient":{"id":%q},"messaging_type":"RESPONSE","cards":[{"text":%q}]}`, psid, text)
		var errJSON, sent, delivered, read, failed any
		ts := at.UnixMilli()
		switch status {
		case "read":
			sent, delivered, read = ts+300, ts+900, ts+5000
		case "delivered":
			sent, delivered = ts+300, ts+900
		case "sent":
			sent = ts + 300
		case "failed":
			failed, errJSON = ts+300, `{"kind":"upstream","message":"(#551) This person isn't available right now."}`
		}
		msgs = append(msgs, id, bot, fmt.Sprintf("req-%d", i), channel, face, "send_message", false, status, psid, req, psid, errJSON,
			ts, ts, sent, delivered, read, failed)
		if now.Sub(at) < 24*time.Hour || i == n/2 {
			body := fmt.Sprintf(`{"recipient":{"id":%q},"messaging_type":"RESPONSE","message":{"text":%q}}`, psid, text)
			attempts = append(attempts, id, 0, ts+200, 180_000, body, 200, `{"recipient_id":"`+psid+`","message_id":"m_`+id+`"}`, "sent", "", "m_"+id)
		}
		switch i {
		case n / 2:
			d.message, d.requestID = id, fmt.Sprintf("req-%d", i)
		case n * 2 / 3:
			d.middle = id
		}
		if len(msgs) >= perTx*batch*18 {
			flush("messages", msgCols, 18, &msgs)
		}
		if i%50_000 == 0 && s.Dialect() == "sqlite" {
			checkpoint()
		}
		if len(attempts) >= perTx*batch*10 {
			flush("attempts", attemptCols, 10, &attempts)
		}
	}
	flush("messages", msgCols, 18, &msgs)
	flush("attempts", attemptCols, 10, &attempts)

	var rows []any
	for i := range 30_000 { // contacts: 10,000 a bot
		bot := bots[i%len(bots)]
		last := now.Add(-time.Duration(rng.IntN(72)) * time.Hour).UnixMilli()
		rows = append(rows, bot, fmt.Sprintf("24000000000%05d", i/len(bots)), `{"first_name":"User","last_name":"`+strconv.Itoa(i)+`"}`, last, last, `{}`, last, last)
		if len(rows) >= batch*8 {
			flush("contacts", "bot_id, psid, profile, last_inbound_at, last_outbound_at, params, created_at, updated_at", 8, &rows)
		}
	}
	flush("contacts", "bot_id, psid, profile, last_inbound_at, last_outbound_at, params, created_at, updated_at", 8, &rows)
	if err := s.LinkAccount(ctx, d.bot, d.psid, map[string]string{"email": d.email, "user_phone_number": "+" + d.phone}); err != nil {
		b.Fatal(err)
	}
	for i := range 20_000 { // the users' own messages
		at := from.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
		psid := fmt.Sprintf("24000000000%05d", rng.IntN(1000))
		if i%50 == 0 {
			psid = d.psid
		}
		rows = append(rows, core.NewID("in_", at), d.bot, psid, core.ChannelMessenger, core.EventMessage, at.UnixMilli(),
			`{"sender":{"id":"`+psid+`"},"message":{"mid":"m`+strconv.Itoa(i)+`","text":"Where is my order?"}}`)
		if len(rows) >= batch*7 {
			flush("inbound_messages", "id, bot_id, psid, channel, kind, at, body", 7, &rows)
		}
	}
	flush("inbound_messages", "id, bot_id, psid, channel, kind, at, body", 7, &rows)
	for i := range 30_000 { // deliveries, a few failed
		at := now.Add(-time.Duration(i) * time.Minute)
		id := core.NewID("msg_", at)
		state := "delivered"
		if i%100 == 0 {
			state = "failed"
		}
		kind, messageID := "event", "" // forwarded events; the message shown has three callbacks
		if i < 3 {
			kind, messageID = "callback", d.message
		}
		rows = append(rows, id, bots[i%len(bots)], kind, messageID, "https://shop.example/cb", `{"ok":true}`, state, 1, 200, "", at.UnixMilli(), at.UnixMilli())
		if i == 10 {
			d.delivery = id
		}
		if len(rows) >= batch*12 {
			flush("deliveries", "id, bot_id, kind, message_id, url, body, state, attempts, last_status, last_error, created_at, updated_at", 12, &rows)
		}
	}
	flush("deliveries", "id, bot_id, kind, message_id, url, body, state, attempts, last_status, last_error, created_at, updated_at", 12, &rows)
	for _, bot := range append(bots, "") { // recorded requests, bounded per bot
		var reqs []*store.APIRequest
		for i := range store.APIRequestsKept {
			at := now.Add(-time.Duration(i) * time.Second)
			status := 200
			if i%10 == 0 {
				status = 400
			}
			reqs = append(reqs, &store.APIRequest{ID: core.NewID("req_", at), BotID: bot, Face: "bothub", Method: "POST", Path: "/api",
				Status: status, Request: `{"recipient":{"id":"1"}}`, Response: `{"error":{"code":10001}}`, At: at})
		}
		if err := s.InsertAPIRequests(ctx, reqs, nil); err != nil {
			b.Fatal(err)
		}
		if bot == d.bot {
			d.request = reqs[5].ID
		}
	}
	checkpoint()
	return d
}
