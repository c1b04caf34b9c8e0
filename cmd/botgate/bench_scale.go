package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
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
	e2e, err := b.endToEndOn(apis, key, fakeURL, baseURL)
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
	fmt.Fprintf(b.e.stdout, "%d instance(s) on one PostgreSQL: %d messages end to end at %.0f/s (callbacks all delivered at %.0f/s); %d sent twice; sent by each instance: %s; load average %s → %s\n  per message: %s\n",
		n, b.cmd.Messages, e2e.sent, e2e.calledBack, sent-sent0-b.cmd.Messages, strings.Join(own, " / "), load0, loadAverage(), cost)
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
