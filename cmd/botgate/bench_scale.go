package main

import (
	"fmt"
	"strconv"
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
	fmt.Fprintf(b.e.stdout, "%d instance(s) on one PostgreSQL: %d messages end to end at %.0f/s (callbacks all delivered at %.0f/s); %d sent twice\n  per message: %s\n",
		n, b.cmd.Messages, e2e.sent, e2e.calledBack, sent-sent0-b.cmd.Messages, cost)
	return nil
}
