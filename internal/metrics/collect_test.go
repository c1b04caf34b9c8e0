package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/botgate/botgate/internal/metrics"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// series gathers c and returns the gauges of family name by their kind and
// state labels ("" where absent), joined by a space.
func series(t *testing.T, c prometheus.Collector, name string) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out[labels["kind"]+" "+labels["state"]] = m.GetGauge().GetValue()
		}
	}
	return out
}

// The database is read once a TTL however often Prometheus scrapes; a
// failed read reports botgate_scrape_errors and keeps the last good figures.
func TestScrapedCachesAndSurvivesAFailedRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		c := &metrics.Scraped{Store: s, TTL: time.Hour, Kinds: []string{"send", "deliver"}}
		jobs := series(t, c, "botgate_queue_jobs")
		if len(jobs) != 10 || jobs["send waiting"] != 0 || jobs["deliver dead"] != 0 {
			t.Fatalf("two empty kinds: %v, want 10 zero series", jobs)
		}
		err := s.Write(context.Background(), func(tx *store.Tx) error { return queue.Enqueue(tx, "send", "m1", 3, tx.Now()) })
		if err != nil {
			t.Fatal(err)
		}
		if got := series(t, c, "botgate_queue_jobs")["send waiting"]; got != 0 {
			t.Errorf("within the TTL the cached figure (0) is reported; got %v", got)
		}
		// A second handle on the database, to close under the collector.
		box, err := seal.New(storetest.Key)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := store.Open(context.Background(), db.DSN, store.Options{Box: box})
		if err != nil {
			t.Fatal(err)
		}
		fresh := &metrics.Scraped{Store: s2, TTL: time.Nanosecond}
		if got := series(t, fresh, "botgate_queue_jobs")["send waiting"]; got != 1 {
			t.Errorf("after the TTL: %v waiting, want 1", got)
		}
		if got := series(t, fresh, "botgate_scrape_errors")[" "]; got != 0 {
			t.Errorf("botgate_scrape_errors = %v after a good read", got)
		}
		s2.Close()
		if got := series(t, fresh, "botgate_scrape_errors")[" "]; got != 1 {
			t.Errorf("botgate_scrape_errors = %v after a failed read, want 1", got)
		}
		if got := series(t, fresh, "botgate_queue_jobs")["send waiting"]; got != 1 {
			t.Errorf("after a failed read the last good figure (1) is reported; got %v", got)
		}
	})
}
