package console

import (
	"net/http"
	"slices"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// messageRow is a message in the list.
type messageRow struct {
	ID, BotID, Status, StatusClass, Face, Channel, PSID, Recipient, Summary, RequestID string
	CreatedAt                                                                          time.Time
}

type messageList struct {
	Bots     []botChoice
	Statuses []core.Status
	Faces    []string
	Filter   map[string]string
	Rows     []messageRow
	Next     string
}

// messageFaces are the faces a message may come through, for the filter.
var messageFaces = []string{"bothub", "sobot", "whatsapp", core.FaceAuto, "admin"}

// messageList lists messages newest first, filtered by what the URL says.
func (c *Console) messageList(w http.ResponseWriter, r *http.Request) {
	f := filters(r, "bot", "status", "face", "channel", "recipient", "request", "since", "until", "q")
	p := pageOf(r)
	mf := store.MessageFilter{BotID: f["bot"], Face: f["face"], Channel: f["channel"], Recipient: f["recipient"],
		RequestID: f["request"], Text: f["q"], Before: p.Cursor, Limit: p.Limit}
	if f["status"] != "" {
		if !slices.Contains(core.Statuses, core.Status(f["status"])) {
			c.fail(w, r, core.Invalid("status", "must be one of accepted, sent, delivered, read, failed"))
			return
		}
		mf.Status = core.Status(f["status"])
	}
	var err error
	if mf.Since, err = parseTime("since", f["since"]); err != nil {
		c.fail(w, r, err)
		return
	}
	if mf.Until, err = parseTime("until", f["until"]); err != nil {
		c.fail(w, r, err)
		return
	}
	page, err := c.store.MessagePage(r.Context(), mf)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bots, err := c.botChoices(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	data := messageList{Bots: bots, Statuses: core.Statuses, Faces: messageFaces, Filter: f, Next: page.Next}
	for _, m := range page.Messages {
		data.Rows = append(data.Rows, messageRow{ID: m.ID, BotID: m.BotID, Status: string(m.Status), StatusClass: statusClass(string(m.Status)), PSID: m.PSID, Face: m.Request.Face,
			Channel: m.Channel, Recipient: recipient(m), Summary: summary(&m.Request), RequestID: m.Request.RequestID, CreatedAt: m.CreatedAt})
	}
	c.render(w, r, http.StatusOK, "message_list.html", data)
}
