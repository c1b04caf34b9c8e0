package metrics

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// Scraped are the series read from the database when Prometheus scrapes:
// the queue's depth and the WhatsApp numbers' tiers and pace. Each read is
// cached for TTL, so frequent scrapes (and several Prometheus servers) cost
// the database one query a TTL; in a scaled-out deployment every process
// reports the same shared figures.
type Scraped struct {
	Store *store.Store
	TTL   time.Duration
	Log   *slog.Logger
	// Kinds are reported even while they have no jobs, so their series
	// read 0 instead of vanishing.
	Kinds []string

	mu    sync.Mutex
	at    time.Time
	queue queue.Stats
	wa    []store.WAUsage
}

var (
	queueJobs = prometheus.NewDesc("botgate_queue_jobs",
		"Jobs in the queue, by kind (send, deliver, …) and state (waiting, scheduled, running, retrying, dead).", []string{"kind", "state"}, nil)
	queueOldest = prometheus.NewDesc("botgate_queue_oldest_waiting_seconds",
		"How long the most overdue claimable job of a kind has been due (0 when none waits).", []string{"kind"}, nil)
	waTier = prometheus.NewDesc("botgate_whatsapp_tier",
		"The rung of its tier ladder a WhatsApp number is on, from 1.", []string{"phone_number_id"}, nil)
	waLimit = prometheus.NewDesc("botgate_whatsapp_tier_limit_users",
		"Unique users the number may reach outside a customer-service window per rolling 24 h (0: unlimited).", []string{"phone_number_id"}, nil)
	waUsed = prometheus.NewDesc("botgate_whatsapp_tier_used_users",
		"Places of the daily tier taken in the last 24 h, places held for queued sends included.", []string{"phone_number_id"}, nil)
	waPace = prometheus.NewDesc("botgate_whatsapp_pace_requests_per_second",
		"The request pace the number is held to.", []string{"phone_number_id"}, nil)
	waAhead = prometheus.NewDesc("botgate_whatsapp_pace_booked_ahead_seconds",
		"How far ahead of now the number's send turns are booked: the backlog its pace has yet to work off.", []string{"phone_number_id"}, nil)
	scrapeErrors = prometheus.NewDesc("botgate_scrape_errors",
		"1 when the last database read for these metrics failed (the figures shown are then the last good ones).", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *Scraped) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueJobs, queueOldest, waTier, waLimit, waUsed, waPace, waAhead, scrapeErrors} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Scraped) Collect(ch chan<- prometheus.Metric) {
	st, wa, failed := c.read()
	// Every state of a known kind is reported, zeros included, so a rate or
	// an alert never sees a series vanish.
	kinds := slices.Clone(st.Kinds) // the cached figures are shared by concurrent scrapes
	for _, name := range c.Kinds {
		if !slices.ContainsFunc(kinds, func(k queue.KindStats) bool { return k.Kind == name }) {
			kinds = append(kinds, queue.KindStats{Kind: name})
		}
	}
	for _, k := range kinds {
		for state, n := range map[string]int{"waiting": k.Waiting, "scheduled": k.Scheduled, "running": k.Running, "retrying": k.Retrying, "dead": k.Dead} {
			ch <- prometheus.MustNewConstMetric(queueJobs, prometheus.GaugeValue, float64(n), k.Kind, state)
		}
		ch <- prometheus.MustNewConstMetric(queueOldest, prometheus.GaugeValue, k.OldestWaiting.Seconds(), k.Kind)
	}
	for _, u := range wa {
		id := u.PhoneNumberID
		ch <- prometheus.MustNewConstMetric(waTier, prometheus.GaugeValue, float64(u.Tier), id)
		ch <- prometheus.MustNewConstMetric(waLimit, prometheus.GaugeValue, float64(u.Limit), id)
		ch <- prometheus.MustNewConstMetric(waUsed, prometheus.GaugeValue, float64(u.Used), id)
		ch <- prometheus.MustNewConstMetric(waPace, prometheus.GaugeValue, u.Pace, id)
		ch <- prometheus.MustNewConstMetric(waAhead, prometheus.GaugeValue, u.BookedAhead.Seconds(), id)
	}
	v := 0.0
	if failed {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrors, prometheus.GaugeValue, v)
}

// read returns the cached figures, reading them again once TTL has passed.
func (c *Scraped) read() (queue.Stats, []store.WAUsage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ttl := c.TTL
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	if !c.at.IsZero() && time.Since(c.at) < ttl {
		return c.queue, c.wa, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := queue.ReadStats(ctx, c.Store)
	wa, werr := c.Store.WhatsAppUsage(ctx)
	if err != nil || werr != nil {
		if c.Log != nil {
			c.Log.Warn("metrics: could not read the queue or WhatsApp usage", "err", err, "whatsapp_err", werr)
		}
		return c.queue, c.wa, true
	}
	c.at, c.queue, c.wa = time.Now(), st, wa
	return st, wa, false
}
