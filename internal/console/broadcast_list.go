package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/broadcast"
)

// broadcastRow is a broadcast in the list, with its progress drawn.
type broadcastRow struct {
	broadcast.Broadcast
	StateClass string
	Progress   progress
}

type broadcastList struct {
	Bots  []botChoice
	BotID string
	Rows  []broadcastRow
	Next  string
}

// broadcastList lists a bot's broadcasts (the first bot's when none is
// chosen), newest first, with state, counts, progress and finish estimate.
func (c *Console) broadcastList(w http.ResponseWriter, r *http.Request) {
	bots, err := c.botChoices(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := broadcastList{Bots: bots, BotID: r.URL.Query().Get("bot")}
	if d.BotID == "" && len(bots) > 0 {
		d.BotID = bots[0].ID
	}
	if d.BotID != "" {
		p := pageOf(r)
		list, next, err := c.Broadcasts.List(r.Context(), d.BotID, p.Cursor, p.Limit)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.Next = next
		for _, b := range list {
			d.Rows = append(d.Rows, broadcastRow{Broadcast: b, StateClass: stateClass(b.State), Progress: progressOf(b.Counts)})
		}
	}
	c.render(w, r, http.StatusOK, "broadcast_list.html", d)
}
