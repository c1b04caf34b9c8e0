package console

import (
	"encoding/csv"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
)

// exportPage is how many recipients the export reads at a time: the file
// streams out page by page, so a million recipients never sit in memory.
const exportPage = 1000

// broadcastExport writes a broadcast's recipients (filtered as the table
// is) as CSV: recipient, state, scheduled_at (RFC 3339, UTC), message_id,
// reason.
func (c *Console) broadcastExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	b, err := c.Broadcasts.Get(ctx, r.PathValue("bot"), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	f := broadcast.RecipientFilter{State: r.URL.Query().Get("state"), Reason: r.URL.Query().Get("reason")}
	// The first page is read before anything is written, so a bad filter
	// is still an error page.
	rows, next, err := c.Broadcasts.Recipients(ctx, b.BotID, b.ID, f, "", exportPage)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="broadcast-`+b.ID+`-recipients.csv"`)
	out := csv.NewWriter(w)
	_ = out.Write([]string{"recipient", "state", "scheduled_at", "message_id", "reason"})
	for {
		for _, rc := range rows {
			at := ""
			if rc.ScheduledAt != nil {
				at = rc.ScheduledAt.UTC().Format(time.RFC3339)
			}
			_ = out.Write([]string{rc.Recipient, rc.State, at, rc.MessageID, rc.Reason})
		}
		out.Flush()
		if next == "" || out.Error() != nil {
			break
		}
		if rows, next, err = c.Broadcasts.Recipients(ctx, b.BotID, b.ID, f, next, exportPage); err != nil {
			// Headers are gone: a cut file is all that can say so.
			c.log.Error("console: broadcast export cut short", "broadcast", b.ID, "err", err)
			return
		}
	}
}
