// Package dispatch sends accepted messages through the Graph API. A send job
// renders each card, calls Graph, and commits the outcome together with the
// job's completion and, for async requests, the result callback, so that
// nothing is recorded without its consequence.
//
// Sync requests are sent inline by the accepting process (SendNow), retrying
// within the request's deadline; async ones are sent by queue workers
// (Handle), one attempt per claim, retried with backoff.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/graph"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/metrics"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// JobKind is the queue kind of sends.
const JobKind = "send"

// ResultFunc renders a finished message as its face's callback body.
type ResultFunc func(m *core.MessageRecord) ([]byte, error)

// Dispatcher sends messages.
type Dispatcher struct {
	Store       *store.Store
	Accepted    *queue.Handoff[*core.MessageRecord] // messages accepted in this process, for their first claim
	Graph       *graph.Client
	Notify      *notify.Notifier
	Results     map[string]ResultFunc // by face
	Backoff     queue.Backoff         // between async attempts
	SyncBackoff queue.Backoff         // between attempts within a sync request
	Metrics     *Metrics
	Stats       *metrics.Set
	ProfileTTL  time.Duration // a cached profile older than this is fetched again
	CallTimeout time.Duration // the longest a Graph call takes; a claim with less lease left does not call
	Log         *slog.Logger

	sample logs.Sampler // retries come in floods when Graph is down
}

// Handle is the queue handler for send jobs.
func (d *Dispatcher) Handle(ctx context.Context, job queue.Job) error {
	if m, ok := d.Accepted.Take(job.Ref); ok && job.Attempt == 1 {
		bot, err := d.Store.GetBot(ctx, m.BotID)
		if err != nil {
			return err
		}
		return d.send(ctx, bot, m, job, time.Time{})
	}
	m, err := d.Store.GetMessage(ctx, job.Ref)
	if core.ErrorKind(err) == core.KindNotFound {
		return queue.SetAside(ctx, d.Store, d.Log, job, "message not found")
	}
	if err != nil {
		return err
	}
	if m.Status != core.StatusAccepted {
		// Finished by an earlier claim whose completion raced a lease expiry.
		return d.Store.Write(ctx, func(tx *store.Tx) error { return queue.Complete(tx, job) })
	}
	bot, err := d.Store.GetBot(ctx, m.BotID)
	if err != nil {
		return err
	}
	return d.send(ctx, bot, m, job, time.Time{})
}

// SendNow sends a sync message inline, retrying until deadline, and returns
// its final record. The caller enqueued job claimed, in the transaction that
// accepted m.
func (d *Dispatcher) SendNow(ctx context.Context, bot *core.Bot, m *core.MessageRecord, job queue.Job, deadline time.Time) (*core.MessageRecord, error) {
	if err := d.send(ctx, bot, m, job, deadline); err != nil {
		return nil, err
	}
	return m, nil
}

// send delivers m's remaining parts. A zero deadline means async: one
// attempt, then back to the queue. It returns an error only when it could
// not record an outcome.
func (d *Dispatcher) send(ctx context.Context, bot *core.Bot, m *core.MessageRecord, job queue.Job, deadline time.Time) error {
	if bot.Deleted {
		return d.fail(ctx, bot, m, job, core.Errorf(core.KindBotGone, "the bot was deleted before the message was sent"), nil)
	}
	r, err := d.route(ctx, bot, m, job, deadline)
	if err != nil {
		return d.fail(ctx, bot, m, job, err, nil)
	}
	for seq := len(m.Parts); seq < len(r.bodies); seq++ {
		body := r.bodies[seq]
		var lastErr *graph.Error // the previous try's transient failure
		for try := 1; ; try++ {
			// Before taking a turn, so that a fenced send wastes none.
			if d.leaseShort(ctx, m, job) {
				return nil
			}
			if r.turn != nil {
				postponed, err := r.turn(ctx, try)
				var refusal *core.Error
				switch {
				case errors.As(err, &refusal) && lastErr != nil && refusal.Kind == core.KindRateLimited:
					// The bound ran out waiting to retry: what failed is the
					// upstream, not the pace.
					return d.fail(ctx, bot, m, job, d.partError(m, seq, r.refusal(lastErr)), nil)
				case errors.As(err, &refusal):
					return d.fail(ctx, bot, m, job, refusal, nil)
				case err != nil && !deadline.IsZero():
					// Nothing was sent. The caller is answered that it failed,
					// so it must not go later behind the caller's back.
					if errors.Is(err, context.DeadlineExceeded) {
						return d.fail(ctx, bot, m, job, core.Errorf(core.KindUnavailable, "the sync bound ran out before the send's turn; nothing was sent"), nil)
					}
					logs.From(ctx, d.Log).Error("dispatch: no turn for a sync send", "message", m.ID, "err", err)
					return d.fail(ctx, bot, m, job, core.Errorf(core.KindInternal, "internal error"), nil)
				case err != nil || postponed:
					return err
				}
			}
			attempt := &core.Attempt{MessageID: m.ID, Seq: seq, At: d.Store.Now(), Request: body}
			res, resp, callErr := r.call(ctx, body)
			attempt.Duration, attempt.StatusCode, attempt.Response = resp.Duration, resp.Status, resp.Body
			if callErr == nil {
				if err := d.sent(ctx, bot, m, job, attempt, res, seq); err != nil {
					return err
				}
				break
			}
			gerr := asGraphError(callErr)
			attempt.Error = gerr.Error()
			if !gerr.Retryable() {
				return d.fail(ctx, bot, m, job, d.partError(m, seq, r.refusal(gerr)), attempt)
			}
			n := try
			if deadline.IsZero() {
				n = job.Attempt
			}
			wait := max(d.backoff(deadline).Delay(n), gerr.RetryAfter)
			switch {
			case deadline.IsZero() && gerr.Throttled():
				// A limit upstream: the message waits for it, however long,
				// without using up an attempt.
				d.retrying(ctx, m, job.Attempt, wait, "throttled", gerr)
				return d.postpone(ctx, job, attempt, d.Store.Now().Add(wait))
			case deadline.IsZero() && job.Attempt < job.MaxAttempts:
				d.retrying(ctx, m, job.Attempt, wait, "error", gerr)
				return d.retry(ctx, job, attempt, d.Store.Now().Add(wait))
			// The sync deadline is wall-clock: it bounds how long the caller waits.
			case !deadline.IsZero() && time.Now().Add(wait).Before(deadline):
				d.retrying(ctx, m, try, wait, "error", gerr)
				if err := d.record(ctx, attempt, core.OutcomeRetry); err != nil {
					return err
				}
				if err := sleep(ctx, wait); err != nil {
					return d.fail(ctx, bot, m, job, d.partError(m, seq, r.refusal(gerr)), nil)
				}
				lastErr = gerr
				continue
			}
			return d.fail(ctx, bot, m, job, d.partError(m, seq, r.refusal(gerr)), attempt)
		}
	}
	return nil
}

// leaseShort fences a claim that was held up (a paused process, a slow
// database) until its lease might end during the call: another worker may
// take the job then and send it too. The job is left to the next claim,
// which finds it when the lease ends; nothing was sent.
func (d *Dispatcher) leaseShort(ctx context.Context, m *core.MessageRecord, job queue.Job) bool {
	if job.Until.IsZero() || time.Now().Add(d.CallTimeout).Before(job.Until) {
		return false
	}
	logs.From(ctx, d.Log).Warn("send left to the next claim: too little of the lease left for a Graph call",
		"message", m.ID, "job", job.ID, "attempt", job.Attempt, "lease_left", time.Until(job.Until).String())
	return true
}

// route is how a message goes out on its channel: the bodies to send, the
// call that sends one, how a refusal reads, and, where the channel paces
// sends, the wait for a turn before each call.
type route struct {
	bodies  [][]byte
	call    func(ctx context.Context, body []byte) (graph.SendResult, graph.Response, error)
	refusal func(*graph.Error) *core.Error
	// turn waits for the send's turn before call try. postponed means the
	// job went back to the queue to wait; a *core.Error is a refusal.
	turn func(ctx context.Context, try int) (postponed bool, err error)
}

func (d *Dispatcher) route(ctx context.Context, bot *core.Bot, m *core.MessageRecord, job queue.Job, deadline time.Time) (*route, error) {
	if m.Request.WhatsApp != nil {
		return d.whatsAppRoute(bot, m, job, deadline)
	}
	if bot.Messenger == nil || bot.Messenger.AccessToken == "" {
		return nil, core.Errorf(core.KindInternal, "the bot has no Messenger page token")
	}
	// Every card is rendered before the first is sent: a card that cannot be
	// sent stops the block before it starts.
	bodies, err := Bodies(bot, &m.Request, d.profile(ctx, bot, m))
	if err != nil {
		return nil, err
	}
	phone := m.Request.Recipient.PhoneNumber != "" && m.PSID == ""
	return &route{
		bodies: bodies,
		call: func(ctx context.Context, body []byte) (graph.SendResult, graph.Response, error) {
			return d.Graph.SendMessage(ctx, bot.Messenger.AccessToken, body)
		},
		refusal: func(e *graph.Error) *core.Error { return e.CoreError(phone) },
	}, nil
}

func (d *Dispatcher) backoff(deadline time.Time) queue.Backoff {
	if deadline.IsZero() {
		return d.Backoff
	}
	return d.SyncBackoff
}

// partError says which card failed when a multi-card send stops midway.
func (d *Dispatcher) partError(m *core.MessageRecord, seq int, e *core.Error) *core.Error {
	if len(m.Request.Cards) > 1 {
		e.Message = fmt.Sprintf("card %d of %d failed (%d sent): %s", seq+1, len(m.Request.Cards), seq, e.Message)
	}
	return e
}

func (d *Dispatcher) sent(ctx context.Context, bot *core.Bot, m *core.MessageRecord, job queue.Job, a *core.Attempt, res graph.SendResult, seq int) error {
	answered := time.Now()
	part := core.Part{Seq: seq, GraphID: res.MessageID, Body: a.Request, SentAt: a.At}
	parts := append(m.Parts[:len(m.Parts):len(m.Parts)], part)
	last := seq == m.Request.Parts()-1
	a.Outcome, a.GraphID = core.OutcomeSent, res.MessageID
	var committed time.Time
	err := d.Store.WriteUrgent(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		tx.AfterCommit(func() { committed = time.Now() })
		if err := tx.AddAttempt(a); err != nil {
			return err
		}
		if m.Channel == core.ChannelWhatsApp {
			if err := tx.NoteOutbound(m.BotID, m.PSID); err != nil {
				return err
			}
		}
		if !last {
			return nil
		}
		psid := m.PSID
		if psid == "" && m.Request.Recipient.ID != "" {
			psid = res.RecipientID
		}
		if err := finishJob(tx, job, func(end store.More) (bool, error) { return tx.FinishSent(m.ID, res.RecipientID, psid, end) }); err != nil {
			return err
		}
		m.Status, m.RecipientID, m.PSID, m.Parts = core.StatusSent, res.RecipientID, psid, parts
		return d.callback(tx, bot, m)
	})
	// The window in which a crash would send this part again: Graph has
	// answered, our record of it is not yet committed.
	if err == nil {
		d.Metrics.observeCommitWindow(committed.Sub(answered))
	}
	if err != nil {
		return fmt.Errorf("record sent part %d of %s: %w", seq, m.ID, err)
	}
	m.Parts = parts
	if m.Channel == core.ChannelWhatsApp && bot.WhatsApp != nil {
		d.Stats.WhatsAppSent(bot.WhatsApp.PhoneNumberID)
	}
	if last {
		d.Stats.Message(m.Request.Face, string(m.Channel), string(core.StatusSent))
		logs.From(ctx, d.Log).Info("message sent", "message", m.ID, "client_request_id", m.Request.RequestID, "bot", m.BotID, "face", m.Request.Face,
			"channel", string(m.Channel), "parts", len(parts), "sync", m.Request.Sync, "attempt", job.Attempt)
	}
	return nil
}

// retrying logs an attempt that will be tried again, sampled per bot: a
// Graph outage retries every message at once.
func (d *Dispatcher) retrying(ctx context.Context, m *core.MessageRecord, attempt int, wait time.Duration, reason string, gerr *graph.Error) {
	d.Stats.SendRetry(string(m.Channel), reason)
	d.sample.Log(logs.From(ctx, d.Log), slog.LevelWarn, "retry:"+m.BotID, "send retry scheduled", "message", m.ID, "client_request_id", m.Request.RequestID, "bot", m.BotID,
		"channel", string(m.Channel), "attempt", attempt, "wait", wait.String(), "reason", reason, "err", gerr.Error())
}

func (d *Dispatcher) retry(ctx context.Context, job queue.Job, a *core.Attempt, at time.Time) error {
	return d.requeue(ctx, a, func(tx *store.Tx) error { return queue.Retry(tx, job, at, a.Error) })
}

// postpone records a throttled attempt and puts the job back without
// counting it.
func (d *Dispatcher) postpone(ctx context.Context, job queue.Job, a *core.Attempt, at time.Time) error {
	return d.requeue(ctx, a, func(tx *store.Tx) error { return queue.Postpone(tx, job, at, time.Time{}, "throttled: "+a.Error) })
}

// requeue records an attempt to be tried again, with the job's return to
// the queue.
func (d *Dispatcher) requeue(ctx context.Context, a *core.Attempt, back func(*store.Tx) error) error {
	a.Outcome = core.OutcomeRetry
	return d.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if err := tx.AddAttempt(a); err != nil {
			return err
		}
		return back(tx)
	})
}

func (d *Dispatcher) record(ctx context.Context, a *core.Attempt, outcome string) error {
	a.Outcome = outcome
	return d.Store.WriteUrgent(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.AddAttempt(a) })
}

// write commits fn, ahead of queued work when a sync caller is waiting.
func (d *Dispatcher) write(ctx context.Context, m *core.MessageRecord, fn func(*store.Tx) error) error {
	if m.Request.Sync {
		return d.Store.WriteUrgent(context.WithoutCancel(ctx), fn)
	}
	return d.Store.Write(context.WithoutCancel(ctx), fn)
}

// fail records a final failure, with the attempt that ended it if any.
func (d *Dispatcher) fail(ctx context.Context, bot *core.Bot, m *core.MessageRecord, job queue.Job, err error, a *core.Attempt) error {
	e := core.AsError(err)
	if e.Kind == core.KindInternal && e.Message == "internal error" {
		logs.From(ctx, d.Log).Error("dispatch: send failed", "message", m.ID, "err", err)
	}
	d.Metrics.observeFailure(e.Kind)
	if a != nil {
		a.Outcome = core.OutcomeFailed
	}
	err = d.write(ctx, m, func(tx *store.Tx) error {
		if a != nil {
			if err := tx.AddAttempt(a); err != nil {
				return err
			}
		}
		if err := finishJob(tx, job, func(end store.More) (bool, error) { return tx.FinishFailed(m.ID, e, end) }); err != nil {
			return err
		}
		if err := tx.NoteMarketingRefusal(m.BotID, m.PSID, e); err != nil {
			return err
		}
		m.Status, m.Error = core.StatusFailed, e
		return d.callback(tx, bot, m)
	})
	if err == nil {
		d.Stats.Message(m.Request.Face, string(m.Channel), string(core.StatusFailed))
		args := []any{"message", m.ID, "client_request_id", m.Request.RequestID, "bot", m.BotID, "face", m.Request.Face, "channel", string(m.Channel),
			"code", string(e.Kind), "reason", e.Message, "sync", m.Request.Sync, "attempt", job.Attempt}
		if e.Upstream != nil {
			args = append(args, "graph_code", e.Upstream.Code)
		}
		logs.From(ctx, d.Log).Info("message failed", args...)
	}
	return err
}

// finishJob records the message's end with mark, which also ends its job
// in the same UPDATE (queue.Ends) when the message moves. When it does not
// (a status report got there first) the job is completed on its own. A lost
// lease leaves the job to the claim that runs it now, which finds the
// message finished; the message's end is recorded either way, for Graph
// took or refused the send.
func finishJob(tx *store.Tx, job queue.Job, mark func(end store.More) (moved bool, err error)) error {
	end := queue.Ends(job)
	moved, err := mark(end)
	if err != nil || moved && end != nil {
		return err
	}
	if err := queue.Complete(tx, job); err != nil && !errors.Is(err, queue.ErrLeaseLost) {
		return err
	}
	return nil
}

// callback enqueues a message's outcome as an event for the bot's webhook
// endpoints and, for an async message, its result for the callback URL.
func (d *Dispatcher) callback(tx *store.Tx, bot *core.Bot, m *core.MessageRecord) error {
	event := core.EventMessageSent
	if m.Status == core.StatusFailed {
		event = core.EventMessageFailed
	}
	if err := d.Notify.Emit(tx, bot.ID, event, notify.NewMessageData(m)); err != nil {
		return err
	}
	if m.Request.Sync || !core.ReportsToCallback(m.Request.Face) {
		return nil
	}
	if bot.CallbackURL == "" {
		return tx.AddEvent(m.ID, core.EventWarning, "no callback sent: the bot has no callback URL any more")
	}
	format, ok := d.Results[m.Request.Face]
	if !ok {
		return fmt.Errorf("dispatch: no result format for face %q", m.Request.Face)
	}
	body, err := format(m)
	if err != nil {
		return err
	}
	return d.Notify.Enqueue(tx, &core.Delivery{BotID: bot.ID, Kind: core.DeliveryCallback, MessageID: m.ID, URL: bot.CallbackURL, Body: body})
}

// profile returns the user's profile when the message's placeholders need
// it: from the contact when fetched within ProfileTTL, else from Graph.
func (d *Dispatcher) profile(ctx context.Context, bot *core.Bot, m *core.MessageRecord) *core.Profile {
	if m.PSID == "" || !m.Request.NeedsProfile() {
		return nil
	}
	p, err := d.Profile(ctx, bot, m.PSID)
	if err != nil {
		// Graph withholds some profiles; the send goes on with empty names
		// (the gateway refused, before recording, a message that would not
		// be valid so).
		_ = d.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
			return tx.AddEvent(m.ID, core.EventWarning, "profile unavailable, name placeholders left empty: "+err.Error())
		})
		return &core.Profile{ID: m.PSID}
	}
	return p
}

// Profile returns a user's profile: from the contact when fetched within
// ProfileTTL, else from Graph, caching what Graph answers.
func (d *Dispatcher) Profile(ctx context.Context, bot *core.Bot, psid string) (*core.Profile, error) {
	c, err := d.Store.GetContact(ctx, bot.ID, psid)
	if err == nil && c != nil && c.Profile != nil && (d.ProfileTTL == 0 || c.ProfileFetchedAt != nil && d.Store.Now().Sub(*c.ProfileFetchedAt) < d.ProfileTTL) {
		return c.Profile, nil
	}
	if bot.Messenger == nil {
		return nil, core.Errorf(core.KindInvalid, "the bot has no Messenger page to read profiles from")
	}
	gp, err := d.Graph.GetProfile(ctx, bot.Messenger.AccessToken, psid)
	if err != nil {
		return nil, err
	}
	p := &core.Profile{ID: psid, FirstName: gp.FirstName, LastName: gp.LastName, ProfilePic: gp.ProfilePic,
		Locale: gp.Locale, Gender: gp.Gender, Timezone: gp.Timezone}
	if err := d.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.SaveProfile(bot.ID, psid, p) }); err != nil {
		logs.From(ctx, d.Log).Warn("dispatch: could not cache profile", "psid", psid, "err", err)
	}
	return p, nil
}

func asGraphError(err error) *graph.Error {
	var g *graph.Error
	if errors.As(err, &g) {
		return g
	}
	return &graph.Error{Network: true, Message: err.Error()}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
