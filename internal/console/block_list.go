package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// blockList lists a bot's blocks (the first bot's when none is chosen).
func (c *Console) blockList(w http.ResponseWriter, r *http.Request) {
	bots, err := c.botChoices(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	botID := r.URL.Query().Get("bot")
	if botID == "" && len(bots) > 0 {
		botID = bots[0].ID
	}
	var blocks []*core.Block
	if botID != "" {
		if blocks, err = c.store.ListBlocks(r.Context(), botID); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "block_list.html", struct {
		Bots   []botChoice
		BotID  string
		Blocks []*core.Block
	}{bots, botID, blocks})
}
