package console

import (
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/store"
)

type contactRow struct {
	store.ContactRow
	Window   string
	WindowAt *time.Time
	Open     bool
}

// contactList lists contacts by bot and PSID, found by PSID, phone or linked account.
func (c *Console) contactList(w http.ResponseWriter, r *http.Request) {
	f := filters(r, "bot", "q")
	p := pageOf(r)
	page, err := c.store.ListContacts(r.Context(), store.ContactFilter{BotID: f["bot"], Query: f["q"], After: p.Cursor, Limit: p.Limit})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bots, err := c.botChoices(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	now := c.now()
	rows := make([]contactRow, 0, len(page.Contacts))
	for _, ct := range page.Contacts {
		state, at := window(ct.LastInboundAt, now)
		rows = append(rows, contactRow{ContactRow: ct, Window: state, WindowAt: at, Open: state == "open until"})
	}
	c.render(w, r, http.StatusOK, "contact_list.html", struct {
		Bots   []botChoice
		Filter map[string]string
		Rows   []contactRow
		Next   string
	}{bots, f, rows, page.Next})
}
