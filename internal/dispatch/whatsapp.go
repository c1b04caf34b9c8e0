package dispatch

import (
	"context"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// shortWait is the longest a queued send waits for its turn in its worker
// (beyond the lead it asked for); a turn further ahead sends the job back to
// the queue holding it, so workers are not tied up waiting on one number.
const shortWait = 10 * time.Millisecond

// maxLead bounds how far ahead a send that missed its turn asks for the
// next: far enough to reach it after a slow commit, not so far that a sync
// send's bound runs out waiting.
const maxLead = 250 * time.Millisecond

// claimLead is how early a job holding a turn comes back from the queue:
// a claim takes milliseconds, more on PostgreSQL, and a turn reached late
// is given up.
const claimLead = 50 * time.Millisecond

// whatsAppRoute sends a WhatsApp message through the Cloud API, each call
// at a turn under the number's limits.
func (d *Dispatcher) whatsAppRoute(bot *core.Bot, m *core.MessageRecord, job queue.Job, deadline time.Time) (*route, error) {
	ch := bot.WhatsApp
	if ch == nil {
		return nil, core.Errorf(core.KindInternal, "the bot has no WhatsApp number any more")
	}
	body, err := graph.Encode(graph.NewWhatsAppBody(m.Request.Recipient.PhoneNumber, m.Request.WhatsApp))
	if err != nil {
		return nil, err
	}
	return &route{
		bodies: [][]byte{body},
		call: func(ctx context.Context, body []byte) (graph.SendResult, graph.Response, error) {
			res, resp, err := d.Graph.SendWhatsApp(ctx, ch.AccessToken, ch.PhoneNumberID, body)
			return graph.SendResult{RecipientID: res.WAID, MessageID: res.WAMID}, resp, err
		},
		refusal: (*graph.Error).WhatsAppError,
		turn: func(ctx context.Context, try int) (bool, error) {
			return d.whatsAppTurn(ctx, ch, m, job, deadline, try)
		},
	}, nil
}

// whatsAppTurn waits for the send's turn. A sync send waits for it within
// the number's sync bound and the request's deadline, or is refused. A
// queued send goes at a turn it holds from its last claim, or waits a
// moment for one close by; otherwise it goes back to the queue until its
// turn, or its place in line, without using up an attempt.
func (d *Dispatcher) whatsAppTurn(ctx context.Context, ch *core.WhatsAppChannel, m *core.MessageRecord, job queue.Job, deadline time.Time, try int) (bool, error) {
	// A held turn is good if the job reaches it, not later than PaceSlack:
	// the job comes back claimLead early, and waits for it here.
	if deadline.IsZero() && try == 1 && !job.Hold.IsZero() && d.Store.Now().Sub(job.Hold) <= core.PaceSlack {
		if err := sleep(ctx, job.Hold.Sub(d.Store.Now())); err != nil {
			return false, err
		}
		if d.Store.Now().Sub(job.Hold) <= core.PaceSlack {
			return false, nil
		}
	}
	var lead time.Duration
	for {
		turn, postponed, err := d.reserveTurn(ctx, ch, m, job, deadline, lead)
		if err != nil || postponed {
			return postponed, err
		}
		if err := sleep(ctx, turn.Sub(d.Store.Now())); err != nil {
			return false, err
		}
		late := d.Store.Now().Sub(turn)
		if late <= core.PaceSlack {
			return false, nil
		}
		// The turn passed while its reservation committed: give it up and
		// take one far enough ahead to reach.
		lead = min(2*late, maxLead)
	}
}

// reserveTurn reserves the send's next turn. A queued send whose turn is
// not close goes back to the queue, holding it, in the same transaction.
func (d *Dispatcher) reserveTurn(ctx context.Context, ch *core.WhatsAppChannel, m *core.MessageRecord, job queue.Job, deadline time.Time, lead time.Duration) (turn time.Time, postponed bool, err error) {
	queued := deadline.IsZero()
	maxWait := time.Duration(-1)
	if !queued {
		maxWait = max(min(ch.Limits.SyncWait(), time.Until(deadline)), 0)
	}
	// Alone: the reservation locks the number's row, which every send of
	// the number waits on; a caller waits on a sync one. Unsynced: the row
	// stays locked until the commit, so the commit does not wait for the
	// WAL flush. What the turn lets out comes later: the send to Graph,
	// whose result (or the job's next postponement) commits after this and
	// waits for the disk, taking this commit with it. A crash of PostgreSQL
	// in between loses the turn with the send's record; the send goes
	// again, as any send in flight at a crash does, at a new turn.
	err = d.Store.WriteAloneUnsynced(context.WithoutCancel(ctx), !queued, func(tx *store.Tx) error {
		r, err := tx.ReserveWhatsApp(m.BotID, m.PSID, maxWait, lead)
		if err != nil {
			return err
		}
		turn, postponed = r.At, false
		if !queued || (r.Paced && r.At.Sub(d.Store.Now()) <= shortWait+lead) {
			return nil
		}
		// Back to the queue in the same transaction as the reservation,
		// so a crash between them cannot lose the turn's job.
		postponed = true
		var hold time.Time
		reason := "waiting for a place in the WhatsApp number's line"
		switch {
		case r.Paced:
			hold, reason = r.At, "waiting for its turn under the WhatsApp number's pace"
		case r.Counted:
			reason = "waiting for the WhatsApp number's daily tier to free a place"
			if err := tx.AddEvent(m.ID, core.EventWarning, "the number's daily tier is full: the message holds the place that frees at "+
				r.At.UTC().Format(time.RFC3339)); err != nil {
				return err
			}
		}
		back := r.At
		if r.Paced {
			back = r.At.Add(-claimLead)
		}
		return queue.Postpone(tx, job, back, hold, reason)
	})
	return turn, postponed, err
}
