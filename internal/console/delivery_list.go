package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/store"
)

// deliveryList lists deliveries to merchant URLs, newest first.
func (c *Console) deliveryList(w http.ResponseWriter, r *http.Request) {
	f := filters(r, "bot", "state", "kind", "message")
	p := pageOf(r)
	page, err := c.store.DeliveryPage(r.Context(), store.DeliveryFilter{BotID: f["bot"], State: f["state"], Kind: f["kind"],
		MessageID: f["message"], Before: p.Cursor, Limit: p.Limit})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bots, err := c.botChoices(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "delivery_list.html", struct {
		Bots   []botChoice
		Filter map[string]string
		Page   store.DeliveryPage
	}{bots, f, page})
}
