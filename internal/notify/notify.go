// Package notify delivers botgate's POSTs to merchant URLs: send results to
// callback URLs and forwarded events to webhook URLs. Each delivery is
// recorded, signed with Standard Webhooks headers, sent through the SSRF
// guard, and retried on a schedule until it lands or its attempts run out;
// every attempt is kept in the delivery log.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/metrics"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// JobKind is the queue kind of deliveries. A delivery is its own job: its
// row in deliveries carries the job's state (queue.Deliveries).
const JobKind = "deliver"

// Jobs is where deliveries' jobs live, for the delivery runner.
var Jobs = queue.Deliveries

// DefaultSchedule is the wait after each failed attempt: 8 attempts spread
// over about 31 hours, so a merchant's day-long outage loses nothing.
var DefaultSchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 14 * time.Hour,
}

// Notifier delivers to merchant URLs.
type Notifier struct {
	Store    *store.Store
	Client   *http.Client // guarded: see package egress
	Schedule queue.Schedule
	// MaxAttempts is how many POSTs a delivery gets; default len(Schedule)+1.
	MaxAttempts int
	Timeout     time.Duration // per POST
	Wake        func()        // wakes the delivery runner after an enqueue commits
	Log         *slog.Logger
	Stats       *metrics.Set
	// Enqueued holds deliveries enqueued in this process, for their first claim.
	Enqueued *queue.Handoff[*core.Delivery]

	sample logs.Sampler // a merchant's outage fails every delivery at once
}

func (n *Notifier) maxAttempts() int {
	if n.MaxAttempts > 0 {
		return n.MaxAttempts
	}
	return len(n.Schedule.Waits) + 1
}

// Enqueue records a delivery, which is its own job, in tx: one INSERT.
func (n *Notifier) Enqueue(tx *store.Tx, d *core.Delivery) error {
	if d.ID == "" {
		d.ID = core.NewID("msg_", tx.Now())
	}
	if err := tx.InsertDelivery(d, Jobs.NewJob(n.maxAttempts(), tx.Now())...); err != nil {
		return err
	}
	tx.AfterCommit(func() {
		n.Enqueued.Put(d.ID, d)
		if n.Wake != nil {
			n.Wake()
		}
	})
	return nil
}

// Handle is the queue handler for deliveries: one POST per claim.
func (n *Notifier) Handle(ctx context.Context, job queue.Job) error {
	d, ok := n.Enqueued.Take(job.Ref)
	if !ok || job.Attempt != 1 {
		var err error
		if d, err = n.Store.GetDelivery(ctx, job.Ref); err != nil {
			return err
		}
	}
	if d.State == core.DeliveryDelivered {
		return n.Store.Write(ctx, func(tx *store.Tx) error { return queue.Complete(tx, job) })
	}
	secrets, err := n.secrets(ctx, d)
	if errors.Is(err, errNoEndpoint) {
		// Failed, not left pending: retention prunes failed deliveries, and
		// the console shows why nothing was posted.
		return n.Store.Write(ctx, func(tx *store.Tx) error {
			return queue.Settle(tx, job, queue.GiveUp, time.Time{}, err.Error(), tx.DeliveryDropped(err.Error())...)
		})
	}
	if err != nil {
		return err
	}
	attempt := core.DeliveryAttempt{N: d.Attempts + 1, At: n.Store.Now()}
	postErr := n.post(ctx, secrets, d, &attempt)
	attempt.Duration = n.Store.Now().Sub(attempt.At)
	status := attempt.StatusCode
	if postErr != nil {
		attempt.Error = postErr.Error()
	}
	timedOut := isTimeout(postErr)
	delivered := postErr == nil && status/100 == 2
	gone := status == http.StatusGone
	last := job.Attempt >= job.MaxAttempts || gone
	wait := n.Schedule.Delay(job.Attempt)
	err = n.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		state := core.DeliveryPending
		switch {
		case delivered:
			state = core.DeliveryDelivered
		case last:
			state = core.DeliveryFailed
		}
		if err := tx.InsertDeliveryAttempt(d.ID, attempt); err != nil {
			return err
		}
		if err := n.logOnMessage(tx, d, attempt, state, timedOut, job); err != nil {
			return err
		}
		if d.EndpointID != "" {
			if _, err := tx.RecordEndpointResult(d.EndpointID, delivered, core.EndpointFailureLimit); err != nil {
				return err
			}
		}
		if gone && d.Kind == core.DeliveryEvent {
			// The receiver says it is gone for good: stop forwarding to it
			// until an operator turns forwarding on again.
			if err := tx.StopForwarding(d.BotID); err != nil {
				return err
			}
		}
		// The delivery's new state and its job's end, in one UPDATE that a
		// stale claim cannot make.
		outcome := queue.Again
		switch state {
		case core.DeliveryDelivered:
			outcome = queue.Done
		case core.DeliveryFailed:
			outcome = queue.GiveUp
		}
		return queue.Settle(tx, job, outcome, tx.Now().Add(wait), describe(attempt), tx.DeliveryResult(attempt, state)...)
	})
	if err == nil {
		n.observe(d, job, attempt, delivered, last, wait)
	}
	return err
}

// observe counts a POST and logs a failed one: every delivery given up,
// and failures that will be retried sampled per bot.
func (n *Notifier) observe(d *core.Delivery, job queue.Job, a core.DeliveryAttempt, delivered, last bool, wait time.Duration) {
	outcome := "delivered"
	switch {
	case delivered:
	case last:
		outcome = "gave_up"
	default:
		outcome = "retry"
	}
	n.Stats.Delivery(d.Kind, outcome, a.Duration)
	args := []any{"delivery", d.ID, "bot", d.BotID, "kind", d.Kind, "message", d.MessageID, "attempt", a.N,
		"max_attempts", job.MaxAttempts, "status", a.StatusCode, "reason", describe(a)}
	log := n.Log
	if log == nil {
		log = slog.Default()
	}
	switch outcome {
	case "gave_up":
		log.Error("delivery given up", args...)
	case "retry":
		args = append(args, "wait", wait.String())
		n.sample.Log(log, slog.LevelWarn, "delivery:"+d.BotID, "delivery failed", args...)
	}
}

// logOnMessage puts a callback's trouble in its message's history: a timeout
// is recorded with Bothub's code 19000. A delivered callback needs no entry;
// the history reads it from the delivery.
func (n *Notifier) logOnMessage(tx *store.Tx, d *core.Delivery, a core.DeliveryAttempt, state string, timedOut bool, job queue.Job) error {
	if d.Kind != core.DeliveryCallback || d.MessageID == "" {
		return nil
	}
	detail := fmt.Sprintf("attempt %d of %d: %s", a.N, job.MaxAttempts, describe(a))
	if timedOut {
		if err := tx.AddEvent(d.MessageID, core.EventCallbackTimeout, "19000 callback timed out, "+detail); err != nil {
			return err
		}
	}
	if state == core.DeliveryFailed {
		return tx.AddEvent(d.MessageID, core.EventCallbackFailed, "gave up, "+detail)
	}
	return nil
}

var errNoEndpoint = errors.New("the webhook endpoint was deleted or disabled")

// secrets are the secrets that sign d: its endpoint's (two for a day after
// a rotation), or the bot's callback secret.
func (n *Notifier) secrets(ctx context.Context, d *core.Delivery) ([]string, error) {
	if d.EndpointID == "" {
		bot, err := n.Store.GetBot(ctx, d.BotID)
		if err != nil {
			return nil, err
		}
		return []string{bot.CallbackSecret}, nil
	}
	e, err := n.Store.GetEndpoint(ctx, d.BotID, d.EndpointID)
	if core.ErrorKind(err) == core.KindNotFound || err == nil && e.Disabled {
		return nil, errNoEndpoint
	}
	if err != nil {
		return nil, err
	}
	return e.Secrets(n.Store.Now()), nil
}

// post makes one POST, recording in a the headers sent and the answer.
func (n *Notifier) post(ctx context.Context, secrets []string, d *core.Delivery, a *core.DeliveryAttempt) error {
	headers, err := Sign(secrets[0], d.ID, a.At, d.Body, secrets[1:]...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, n.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("bad URL: %w", err)
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "botgate")
	a.RequestHeaders = req.Header.Clone()
	resp, err := n.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	a.StatusCode, a.ResponseHeaders = resp.StatusCode, firstHeaders(resp.Header, MaxResponseHeaders)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody))
	a.ResponseBody = textOf(body)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("receiver answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// What an attempt keeps of the receiver's answer: enough to see why it
// failed, bounded so a chatty receiver cannot grow the delivery log.
const (
	MaxResponseHeaders = 20
	MaxResponseBody    = 4 << 10
)

// firstHeaders is h's first max headers by name, in name order (Go's map
// keeps no wire order).
func firstHeaders(h http.Header, max int) http.Header {
	names := slices.Sorted(maps.Keys(h))
	out := http.Header{}
	for _, k := range names[:min(len(names), max)] {
		out[k] = h[k]
	}
	return out
}

// textOf is a body as text a database's TEXT column accepts: valid UTF-8
// (a cut through a character or binary replaced) without NUL.
func textOf(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "")
}

func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
}

func describe(a core.DeliveryAttempt) string {
	if a.Error != "" {
		return a.Error
	}
	return fmt.Sprintf("HTTP %d", a.StatusCode)
}

// Replay sends a delivery again, under the same webhook-id, whatever its
// state: a merchant lost it, or its URL was fixed, in which case it goes to
// the bot's URL as it is now.
func (n *Notifier) Replay(ctx context.Context, id string) (*core.Delivery, error) {
	var d *core.Delivery
	err := n.Store.Write(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = tx.ReopenDelivery(id, func(d *core.Delivery) string { return n.currentURL(ctx, d) },
			Jobs.NewJob(n.maxAttempts(), tx.Now())...); err != nil {
			return err
		}
		if n.Wake != nil {
			tx.AfterCommit(n.Wake)
		}
		return nil
	})
	return d, err
}

// currentURL is where a delivery of d's kind goes for its bot now: results
// to the callback URL, events and upload results to the webhook URL.
func (n *Notifier) currentURL(ctx context.Context, d *core.Delivery) string {
	if d.EndpointID != "" {
		if e, err := n.Store.GetEndpoint(ctx, d.BotID, d.EndpointID); err == nil {
			return e.URL
		}
		return ""
	}
	b, err := n.Store.GetBot(ctx, d.BotID)
	if err != nil || b.Deleted {
		return ""
	}
	if d.Kind == core.DeliveryCallback {
		return b.CallbackURL
	}
	return b.WebhookURL
}
