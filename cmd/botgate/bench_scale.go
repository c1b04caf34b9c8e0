package main

import (
	"database/sql"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scaleOut runs the end-to-end load on 1, 2, … ScaleOut botgates sharing
// one PostgreSQL database (a fresh schema for each count), the requests
// spread over them, and reports the aggregate rate, the cost per message
// and the duplicates: sends the fake Graph received beyond one per message,
// which must be none.
func (b *benchRun) scaleOut(kind, fakeURL, baseURL string) error {
	out := b.e.stdout
	if kind != "postgres" {
		fmt.Fprintln(out, "scale-out runs on PostgreSQL only (SQLite serves one process)")
		return nil
	}
	for n := 1; n <= b.cmd.ScaleOut; n++ {
		if err := b.scaleOutWith(n, kind, fakeURL, baseURL); err != nil {
			return fmt.Errorf("%d instances: %w", n, err)
		}
	}
	return nil
}

func (b *benchRun) scaleOutWith(n int, kind, fakeURL, baseURL string) error {
	dsn, cleanup, err := b.database(kind, "scale"+strconv.Itoa(n))
	if err != nil {
		return err
	}
	defer cleanup()
	var gws []*child
	var urls, apis []string
	defer func() {
		for _, gw := range gws {
			gw.stop()
		}
	}()
	for i := range n {
		gw, u, err := b.gateway(fmt.Sprintf("%s-scale%d-%d", kind, n, i), dsn, fakeURL)
		if err != nil {
			return err
		}
		gws, urls, apis = append(gws, gw), append(urls, u), append(apis, u+"/api")
	}
	key, err := b.setup(urls[0], fakeURL, baseURL+"/callbacks")
	if err != nil {
		return err
	}
	sent0, err := fakeCount(fakeURL)
	if err != nil {
		return err
	}
	// Each instance's own sends: the requests are spread evenly, but the
	// sends go to whichever instance claims the job first, so an instance
	// starved of jobs (or of database connections) shows here.
	own0 := make([]float64, n)
	for i, u := range urls {
		own0[i] = metricSum(u, `botgate_messages_total`, `status="sent"`)
	}
	load0 := loadAverage()
	cost0 := b.costOf(urls, dsn, gws)
	stopLocks := make(chan struct{})
	locks := b.sampleLocks(dsn, stopLocks)
	e2e, err := b.endToEndOn(apis, key, fakeURL, baseURL)
	close(stopLocks)
	lockStats := <-locks
	if err != nil {
		return err
	}
	cost := b.costOf(urls, dsn, gws).since(cost0, b.cmd.Messages)
	sent, err := fakeCount(fakeURL)
	if err != nil {
		return err
	}
	own := make([]string, n)
	for i, u := range urls {
		own[i] = strconv.Itoa(int(metricSum(u, `botgate_messages_total`, `status="sent"`) - own0[i]))
	}
	fmt.Fprintf(b.e.stdout, "%d instance(s) on one PostgreSQL: %d messages end to end at %.0f/s (callbacks all delivered at %.0f/s); %d sent twice; sent by each instance: %s; load average %s → %s\n  per message: %s\n  %s\n",
		n, b.cmd.Messages, e2e.sent, e2e.calledBack, sent-sent0-b.cmd.Messages, strings.Join(own, " / "), load0, loadAverage(), cost, lockStats)
	return nil
}

// loadAverage is the machine's one-minute load average, from /proc: other
// work on the machine slows the rates, not the cost per message.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}

// sampleLocks samples, every 50 ms until stop, the PostgreSQL backends of
// the botgates on dsn (by its application_name): how many run a statement,
// and how many of those wait for a lock another transaction holds. A lock
// convoy — instances queueing on the same rows — shows as many waiting.
func (b *benchRun) sampleLocks(dsn string, stop <-chan struct{}) <-chan string {
	out := make(chan string, 1)
	go func() {
		u, err := url.Parse(dsn)
		if err != nil {
			out <- "lock waits not sampled: " + err.Error()
			return
		}
		db, err := sql.Open("pgx", b.cmd.Postgres)
		if err != nil {
			out <- "lock waits not sampled: " + err.Error()
			return
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		var samples, active, waiting, most int
		waits := map[string]int{} // lock-waiting samples by wait event and statement
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				if samples == 0 {
					out <- "lock waits not sampled"
					return
				}
				top := slices.SortedFunc(maps.Keys(waits), func(a, b string) int { return waits[b] - waits[a] })
				top = top[:min(len(top), 3)]
				for i, k := range top {
					top[i] = fmt.Sprintf("%q ×%d", k, waits[k])
				}
				most := fmt.Sprintf("at most %d", most)
				if len(top) > 0 {
					most += "; the waits, by lock and statement: " + strings.Join(top, ", ")
				}
				out <- fmt.Sprintf("PostgreSQL backends, sampled %d times: %.1f running a statement on average, %.2f of them waiting for a lock (%s)",
					samples, float64(active)/float64(samples), float64(waiting)/float64(samples), most)
				return
			case <-tick.C:
			}
			rows, err := db.Query(`SELECT state = 'active', COALESCE(wait_event_type, '') = 'Lock', COALESCE(wait_event, ''), left(query, 50)
				FROM pg_stat_activity WHERE application_name = $1`, u.Query().Get("application_name"))
			if err != nil {
				continue
			}
			var a, w int
			for rows.Next() {
				var run, lock bool
				var event, query string
				if rows.Scan(&run, &lock, &event, &query) != nil || !run {
					continue
				}
				a++
				if lock {
					w++
					waits[event+": "+query]++
				}
			}
			rows.Close()
			samples, active, waiting, most = samples+1, active+a, waiting+w, max(most, w)
		}
	}()
	return out
}
