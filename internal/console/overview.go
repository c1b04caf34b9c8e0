package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
	"github.com/botgate/botgate/internal/memo"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// chartMinutes is how far back the messages-per-minute chart looks.
const chartMinutes = 180

type statusCount struct {
	Status    string
	Class     string
	Hour, Day int
}

type bar struct {
	X, Y, H float64
	Title   string
}

type tierView struct {
	BotID, Name string
	Tier        *store.WATier
	Pace        *store.WAPace
}

type overviewData struct {
	Bots      []botChoice
	BotID     string
	At        time.Time
	Counts    []statusCount
	Reasons   []store.Reason
	Queue     queue.Stats
	Total     queue.KindStats
	NextRetry *time.Time
	Pending   int
	Failing   int
	Tiers     []tierView
	Bars      []bar
	ChartMax  int
	ChartFrom time.Time
}

// overviewTTL is how long a computed overview is shown again to a poll.
// Every open tab polls the overview every 5 seconds; with many tabs open,
// each bot filter still costs the database one computation per overviewTTL.
// A page loaded in full (someone navigating to it) is computed afresh.
const overviewTTL = 3 * time.Second

// overview sums up the last hour and day for every bot or one; the page
// polls itself (htmx) while open, and polls are answered from what was
// computed at most overviewTTL ago for the same bot filter, however many
// tabs poll.
func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	maxAge := time.Duration(0)
	if r.Header.Get("HX-Request") == "true" {
		maxAge = overviewTTL
	}
	botID := r.URL.Query().Get("bot")
	d, err := c.overviews.Get(botID, memo.MaxAge(maxAge), func() (overviewData, error) {
		return c.computeOverview(r, botID)
	})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "overview.html", d)
}

func (c *Console) computeOverview(r *http.Request, botID string) (overviewData, error) {
	ctx := r.Context()
	now := c.now()
	d := overviewData{BotID: botID, At: now}
	var err error
	fail := func(e error) bool {
		if e != nil && err == nil {
			err = e
		}
		return err != nil
	}
	d.Bots, err = c.botChoices(ctx)
	hour, errHour := c.store.StatusCounts(ctx, d.BotID, now.Add(-time.Hour))
	day, errDay := c.store.StatusCounts(ctx, d.BotID, now.Add(-24*time.Hour))
	if fail(errHour) || fail(errDay) {
		return d, err
	}
	for _, st := range core.Statuses {
		d.Counts = append(d.Counts, statusCount{Status: string(st), Class: statusClass(string(st)), Hour: hour[st], Day: day[st]})
	}
	reasons, e := c.store.FailureReasons(ctx, d.BotID, now.Add(-24*time.Hour))
	fail(e)
	d.Reasons = reasons[:min(5, len(reasons))]
	d.Queue, e = queue.ReadStats(ctx, c.store)
	fail(e)
	d.Total = d.Queue.Total()
	if at, ok, e := queue.NextRetry(ctx, c.store, dispatch.JobKind); !fail(e) && ok {
		d.NextRetry = &at
	}
	d.Pending, d.Failing, e = c.store.DeliveryCounts(ctx, d.BotID)
	fail(e)
	fail(c.tiers(r, &d))
	fail(c.chart(r, &d, now))
	return d, err
}

// tiers reads the WhatsApp numbers' tiers against their limits, and their
// pace: reads only, never the admin API's locking tier read.
func (c *Console) tiers(r *http.Request, d *overviewData) error {
	bots, err := c.store.ListBots(r.Context())
	if err != nil {
		return err
	}
	for _, b := range bots {
		if b.WhatsApp == nil || (d.BotID != "" && b.ID != d.BotID) {
			continue
		}
		t, pace, err := c.store.ReadWhatsAppTier(r.Context(), b.ID)
		if err != nil {
			return err
		}
		d.Tiers = append(d.Tiers, tierView{BotID: b.ID, Name: b.Name, Tier: t, Pace: pace})
	}
	return nil
}

// chart lays out the messages-per-minute bars of the last chartMinutes, in
// a 0..chartMinutes by 0..100 box.
func (c *Console) chart(r *http.Request, d *overviewData, now time.Time) error {
	from := now.UTC().Add(-chartMinutes * time.Minute).Truncate(time.Minute)
	counts, err := c.store.PerMinute(r.Context(), d.BotID, from)
	if err != nil {
		return err
	}
	d.ChartFrom = from
	for _, n := range counts {
		d.ChartMax = max(d.ChartMax, n)
	}
	for i := range chartMinutes + 1 {
		at := from.Add(time.Duration(i) * time.Minute)
		n := counts[at]
		if n == 0 || d.ChartMax == 0 {
			continue
		}
		h := 100 * float64(n) / float64(d.ChartMax)
		d.Bars = append(d.Bars, bar{X: float64(i), Y: 100 - h, H: h, Title: fmt.Sprintf("%s UTC: %d", at.Format("15:04"), n)})
	}
	return nil
}
