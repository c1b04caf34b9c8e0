package console

import (
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/store"
)

// duplicates counts Meta's redeliveries of events already seen, dropped.
type duplicates struct {
	Today, Week int64
	Days        []store.DuplicateDay
}

// webhookList lists the webhooks Graph sent: those received (and whether
// processing gave up on one), and those refused, with the answer given.
func (c *Console) webhookList(w http.ResponseWriter, r *http.Request) {
	f := filters(r, "bot")
	p := pageOf(r)
	page, err := c.store.ListWebhooks(r.Context(), f["bot"], p.Cursor, p.Limit)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	refused, err := c.store.ListAPIRequests(r.Context(), store.APIRequestFilter{Face: "webhook", Refused: true, Limit: 20})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	days, err := c.store.DuplicatesDropped(r.Context(), f["bot"], 7)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bots, err := c.botChoices(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	dup := duplicates{Days: days}
	for _, d := range days {
		dup.Week += d.Dropped
		if d.Day.Equal(c.store.Now().UTC().Truncate(24 * time.Hour)) {
			dup.Today = d.Dropped
		}
	}
	c.render(w, r, http.StatusOK, "webhook_list.html", struct {
		Bots       []botChoice
		Filter     map[string]string
		Page       store.WebhookPage
		Refused    []*store.APIRequest
		Duplicates duplicates
	}{bots, f, page, refused.Requests, dup})
}

// webhookShow shows a received webhook's body, exactly as Graph sent it.
func (c *Console) webhookShow(w http.ResponseWriter, r *http.Request) {
	wh, err := c.store.GetWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "webhook_show.html", struct {
		W    *store.Webhook
		Body string
	}{wh, pretty(wh.Body)})
}
