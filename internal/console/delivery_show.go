package console

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// deliveryShow shows one delivery to a merchant URL: its body, every POST
// and its answer.
func (c *Console) deliveryShow(w http.ResponseWriter, r *http.Request) {
	d, err := c.store.GetDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v, err := c.deliveryView(r, d)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "delivery_show.html", struct {
		D         deliveryView
		BotID     string
		MessageID string
	}{v, d.BotID, d.MessageID})
}

func (c *Console) deliveryView(r *http.Request, d *core.Delivery) (deliveryView, error) {
	v := deliveryView{ID: d.ID, Kind: d.Kind, URL: d.URL, State: d.State, LastError: d.LastError, Body: pretty(d.Body),
		CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt}
	attempts, err := c.store.DeliveryAttempts(r.Context(), d.ID)
	for _, a := range attempts {
		v.Attempts = append(v.Attempts, deliveryAttemptView{N: a.N, StatusCode: a.StatusCode, At: a.At, Duration: a.Duration, Error: a.Error,
			RequestHeaders: headerLines(a.RequestHeaders), ResponseHeaders: headerLines(a.ResponseHeaders), ResponseBody: a.ResponseBody})
	}
	return v, err
}

// headerLines is h as the wire shows it, one line per value, by name.
func headerLines(h http.Header) []headerLine {
	var out []headerLine
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			out = append(out, headerLine{name, v})
		}
	}
	return out
}

// deliveriesOf is every delivery a message caused (its callbacks).
func (c *Console) deliveriesOf(r *http.Request, messageID string) ([]deliveryView, error) {
	page, err := c.store.DeliveryPage(r.Context(), store.DeliveryFilter{MessageID: messageID, Limit: 20})
	if err != nil {
		return nil, err
	}
	var out []deliveryView
	for _, d := range page.Deliveries {
		v, err := c.deliveryView(r, d)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// deliveryReplay delivers a delivery again, to the bot's URL for it now.
func (c *Console) deliveryReplay(w http.ResponseWriter, r *http.Request) {
	if c.Notify == nil {
		c.fail(w, r, core.Errorf(core.KindUnavailable, "deliveries cannot be replayed from this console"))
		return
	}
	d, err := c.Notify.Replay(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, "delivery.replay", d.ID, d.Kind+" to "+d.URL)
	redirect(w, r, localBack(r, "/console/deliveries/"+d.ID), "Delivery "+d.ID+" queued again")
}

// localBack is the page a form asked to return to (a console path), or fallback.
func localBack(r *http.Request, fallback string) string {
	if b := r.FormValue("back"); strings.HasPrefix(b, "/console/") {
		return b
	}
	return fallback
}
