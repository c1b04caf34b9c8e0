package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/core"
)

// broadcastPage is a broadcast's page: its live part (state, counts,
// reasons, estimate, buttons) and the recipients table.
type broadcastPage struct {
	B          *broadcast.Broadcast
	StateClass string
	Progress   progress
	Skipped    []reason
	Failed     []reason
	Hours      hoursChart
	Live       bool
	CanPause   bool
	CanResume  bool
	CanCancel  bool
	Draft      *draftView // a draft's spec and preview; nil for any other state
	Filter     map[string]string
	States     []string
	Reasons    []string // the skip reasons counted, for the filter
	Recipients []broadcast.Recipient
	Next       string
}

// recipientStates are the states the recipients table filters by.
var recipientStates = []string{broadcast.RecipientScheduled, broadcast.RecipientQueued, broadcast.RecipientSent,
	broadcast.RecipientDelivered, broadcast.RecipientRead, broadcast.RecipientFailed, broadcast.RecipientSkipped}

// broadcastShow shows a broadcast. While it may still move, its live part
// polls itself (htmx), as the overview does; the recipients table is read
// once, filtered by state and reason and paged by cursor.
func (c *Console) broadcastShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	b, err := c.Broadcasts.Get(ctx, r.PathValue("bot"), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := broadcastPage{B: b, StateClass: stateClass(b.State), Progress: progressOf(b.Counts),
		Skipped: byCount(b.SkippedByReason), Failed: byCount(b.FailedByReason), Hours: hoursOf(b.Hours),
		// Completed means every recipient was handed over; the counts still
		// move while their messages are on their way.
		Live:      live(b.State) || b.Counts.Queued > 0,
		CanPause:  b.State == broadcast.StateRunning || b.State == broadcast.StateScheduled,
		CanResume: b.State == broadcast.StatePaused,
		// A draft is deleted rather than cancelled: it never sent anything.
		CanCancel: live(b.State),
		Filter:    filters(r, "state", "reason"), States: recipientStates}
	// Skip reasons only: the engine keeps a failure's reason on its
	// message, so the reason filter matches skipped recipients.
	for _, rs := range d.Skipped {
		d.Reasons = append(d.Reasons, rs.Reason)
	}
	if b.State == broadcast.StateDraft {
		if d.Draft, err = c.draftOf(r, b); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if r.Header.Get("HX-Request") == "true" {
		// A poll from a page loaded in another state: reload it whole, so
		// its buttons and recipients table follow (htmx honours HX-Refresh).
		if seen := r.URL.Query().Get("seen"); seen != "" && seen != b.State {
			w.Header().Set("HX-Refresh", "true")
		}
	} else {
		p := pageOf(r)
		f := broadcast.RecipientFilter{State: d.Filter["state"], Reason: d.Filter["reason"]}
		if d.Recipients, d.Next, err = c.Broadcasts.Recipients(ctx, b.BotID, b.ID, f, p.Cursor, p.Limit); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "broadcast_show.html", d)
}

// broadcastAct pauses, resumes, cancels or schedules (a draft) a broadcast
// (admins).
func (c *Console) broadcastAct(act string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		botID, id := r.PathValue("bot"), r.PathValue("id")
		var b *broadcast.Broadcast
		var err error
		switch act {
		case "pause":
			b, err = c.Broadcasts.Pause(ctx, botID, id)
		case "resume":
			b, err = c.Broadcasts.Resume(ctx, botID, id)
		case "cancel":
			b, err = c.Broadcasts.Cancel(ctx, botID, id)
		case "schedule":
			var bot *core.Bot
			if bot, err = c.store.GetBot(ctx, botID); err == nil {
				b, err = c.Broadcasts.Schedule(ctx, bot, id)
			}
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		c.audit(r, "broadcast."+act, botID+"/"+id, b.Name)
		redirect(w, r, "/console/broadcasts/"+botID+"/"+id, "Broadcast "+b.State)
	}
}
