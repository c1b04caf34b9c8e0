package main

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/store"
)

// retentionLoad measures what pruning costs sends: it seeds a database with
// RetentionLoad finished messages older than the retention (each with an
// attempt, a delivered callback and its POST, as a real send leaves), then
// runs the end-to-end load four times on it, in the same run: twice with
// retention off, once with the retention pass pruning that backlog
// meanwhile, and off again. The runs without bracket the one with, so drift
// in a busy machine's speed does not pass for pruning's cost, and the first
// two show how much two runs without pruning differ by themselves.
func (b *benchRun) retentionLoad(kind, fakeURL, baseURL string) error {
	out := b.e.stdout
	dsn, cleanup, err := b.database(kind, "retention")
	if err != nil {
		return err
	}
	defer cleanup()
	gw, gwURL, err := b.gateway(kind, dsn, fakeURL, "--retention", "0")
	if err != nil {
		return err
	}
	key, err := b.setup(gwURL, fakeURL, baseURL+"/callbacks")
	gw.stop()
	if err != nil {
		return err
	}
	db, err := openRaw(kind, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	began := time.Now()
	if err := seedOld(db, kind, b.cmd.RetentionLoad); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	fmt.Fprintf(out, "seeded %d finished messages 60 days old (4 rows each) in %v\n", b.cmd.RetentionLoad, time.Since(began).Round(time.Second))

	var rates [4]float64
	for i, retention := range []string{"0", "0", "720h", "0"} {
		// The pass runs when a process starts (and hourly): make it due now.
		if _, err := db.Exec(`UPDATE jobs SET run_at = 0 WHERE kind = 'retention'`); err != nil {
			return err
		}
		gw, gwURL, err := b.gateway(kind, dsn, fakeURL, "--retention", retention)
		if err != nil {
			return err
		}
		old0, err := countOld(db)
		if err != nil {
			gw.stop()
			return err
		}
		start := time.Now()
		e2e, err := b.endToEnd(gwURL+"/api", key, fakeURL, baseURL)
		if err != nil {
			gw.stop()
			return err
		}
		took := time.Since(start)
		old1, err := countOld(db)
		if err != nil {
			gw.stop()
			return err
		}
		rates[i] = e2e.sent
		fmt.Fprintf(out, "--retention %s: end to end %.0f messages/s (callbacks %.0f/s); old messages pruned meanwhile: %d (%.0f/s)\n",
			retention, e2e.sent, e2e.calledBack, old0-old1, float64(old0-old1)/took.Seconds())
		gw.stop()
	}
	without := (rates[1] + rates[3]) / 2
	fmt.Fprintf(out, "end to end with pruning / without (mean of the runs just before and after): %.0f%% (cost %.0f%%); second run without / first: %.0f%%\n",
		100*rates[2]/without, 100*(1-rates[2]/without), 100*rates[1]/rates[0])
	return nil
}

func openRaw(kind, dsn string) (*sql.DB, error) {
	if kind == "sqlite" {
		return sql.Open("sqlite", "file:"+store.SQLitePath(dsn)+"?_pragma=busy_timeout(10000)")
	}
	return sql.Open("pgx", dsn)
}

// oldIDs sort before every id botgate makes today (ULIDs of 2026 begin 01).
const oldPrefix = "msg_00"

// seedOld bulk-inserts n sent messages, 60 days old, with one attempt, one
// delivered callback and its POST each, in four INSERT … SELECT statements.
func seedOld(db *sql.DB, kind string, n int) error {
	var bot string
	if err := db.QueryRow(`SELECT id FROM bots LIMIT 1`).Scan(&bot); err != nil {
		return err
	}
	at := time.Now().Add(-60 * 24 * time.Hour).UnixMilli()
	id := `'` + oldPrefix + `' || printf('%024d', i)`
	if kind == "postgres" {
		id = `'` + oldPrefix + `' || lpad(i::text, 24, '0')`
	}
	series := fmt.Sprintf(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) `, n)
	req := `'{"recipient":{"id":"` + benchUser + `"},"messaging_type":"RESPONSE","cards":[{"text":"Your order has shipped"}],"psid":"` + benchUser + `"}'`
	stmts := []string{
		`INSERT INTO messages (id, bot_id, request_id, channel, face, method, sync, status, psid, request, recipient_id, created_at, updated_at, sent_at)
			` + series + `SELECT ` + id + `, '` + bot + `', 'old-' || i, 'messenger', 'bothub', 'send_message', 1 = 0, 'sent', '` + benchUser + `', ` + req + `, '` + benchUser + `', ` + fmt.Sprint(at) + ` + i / 100, ` + fmt.Sprint(at) + ` + i / 100, ` + fmt.Sprint(at) + ` + i / 100 FROM s`,
		`INSERT INTO attempts (message_id, seq, at, duration_us, request, status_code, response, outcome, graph_id)
			` + series + `SELECT ` + id + `, 0, ` + fmt.Sprint(at) + `, 1000, ` + req + `, 200, '{"recipient_id":"` + benchUser + `","message_id":"m_old_' || i || '"}', 'sent', 'm_old_' || i FROM s`,
		`INSERT INTO deliveries (id, bot_id, kind, message_id, url, body, state, attempts, last_status, created_at, updated_at, delivered_at)
			` + series + `SELECT ` + id + `, '` + bot + `', 'callback', ` + id + `, 'http://127.0.0.1/callbacks', '{"request_id":"old"}', 'delivered', 1, 204, ` + fmt.Sprint(at) + `, ` + fmt.Sprint(at) + `, ` + fmt.Sprint(at) + ` FROM s`,
		`INSERT INTO delivery_attempts (delivery_id, n, at, duration_us, status_code) ` + series + `SELECT ` + id + `, 1, ` + fmt.Sprint(at) + `, 1000, 204 FROM s`,
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", strings.Fields(q)[2], err)
		}
	}
	if kind == "postgres" {
		_, err := db.Exec(`ANALYZE`)
		return err
	}
	return nil
}

func countOld(db *sql.DB) (int, error) {
	var n int
	err := db.QueryRow(`SELECT COUNT(*) FROM messages WHERE id < '` + oldPrefix + `~'`).Scan(&n)
	return n, err
}
