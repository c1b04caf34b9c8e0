package inbound

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// Handle is the queue handler for received webhooks. Every event's effects,
// its dedupe mark and the forward to the merchant commit together, with the
// job: an event acts once, however often Meta delivers it.
func (h *Handler) Handle(ctx context.Context, job queue.Job) error {
	wh, ok := h.Received.Take(job.Ref)
	if !ok || job.Attempt != 1 {
		var err error
		if wh, err = h.Store.GetWebhook(ctx, job.Ref); err != nil {
			return err
		}
	}
	if err := unreadable(wh.Body); err != nil {
		// Kept before the text rule existed: set aside, never retried.
		return h.Store.Write(ctx, func(tx *store.Tx) error { return queue.Discard(tx, job, "unreadable webhook: "+err.Error()) })
	}
	if wh.Channel == core.ChannelWhatsApp {
		return h.handleWhatsApp(ctx, job, wh)
	}
	events, err := parseMessenger(wh.Body)
	if err != nil {
		// Signed by the page's app, yet unreadable: keep it for inspection.
		return queue.SetAside(ctx, h.Store, h.Log, job, "unreadable webhook: "+err.Error())
	}
	bots := map[string]*core.Bot{} // by page
	for _, ev := range events {
		if _, done := bots[ev.page]; done {
			continue
		}
		b, err := h.Store.BotByPage(ctx, ev.page)
		if core.ErrorKind(err) == core.KindNotFound {
			bots[ev.page] = nil // the page's bot was deleted since: nothing to do
			continue
		}
		if err != nil {
			return err
		}
		bots[ev.page] = b
	}
	return h.Store.Write(ctx, func(tx *store.Tx) error {
		fresh := map[string]map[string]bool{} // bot id → keys of new events
		for _, ev := range events {
			b := bots[ev.page]
			if b == nil {
				continue
			}
			isNew, err := tx.FirstSeen(b.ID, ev.key())
			if err != nil {
				return err
			}
			if !isNew {
				continue
			}
			if fresh[b.ID] == nil {
				fresh[b.ID] = map[string]bool{}
			}
			fresh[b.ID][ev.key()] = true
			if err := h.apply(tx, b, ev); err != nil {
				return fmt.Errorf("event %s: %w", ev.key(), err)
			}
			switch ev.kind {
			case core.EventDelivery:
				tx.AfterCommit(func() { h.Stats.StatusEvent(core.ChannelMessenger, "delivered") })
			case core.EventRead:
				tx.AfterCommit(func() { h.Stats.StatusEvent(core.ChannelMessenger, "read") })
			}
		}
		for _, b := range bots {
			if b == nil || len(fresh[b.ID]) == 0 {
				continue
			}
			if err := h.forward(tx, b, wh.Body, events, fresh[b.ID]); err != nil {
				return err
			}
			delete(fresh, b.ID) // a bot with two pages forwards once
		}
		return queue.Complete(tx, job)
	})
}

// apply acts on one new event.
func (h *Handler) apply(tx *store.Tx, b *core.Bot, ev event) error {
	if ev.psid == "" {
		return nil // a checkbox opt-in names its user by user_ref only
	}
	var inbound *time.Time
	if core.OpensWindow(ev.kind) {
		inbound = &ev.at
		if err := h.emitWindow(tx, b, ev.psid, ev.at); err != nil {
			return err
		}
	}
	if ev.kind != core.EventEcho && ev.kind != "" {
		if err := tx.TouchContact(b.ID, ev.psid, inbound); err != nil {
			return err
		}
	}
	if err := h.emit(tx, b, ev); err != nil {
		return err
	}
	if inbound != nil { // what the user did, for their conversation in the console
		m := &store.InboundMessage{BotID: b.ID, PSID: ev.psid, Channel: core.ChannelMessenger, Kind: ev.kind, At: ev.at, Body: ev.raw}
		if err := tx.InsertInboundMessage(m); err != nil {
			return err
		}
	}
	switch ev.kind {
	case core.EventDelivery:
		named, err := tx.AdvanceByGraphIDs(b.ID, ev.mids, core.StatusDelivered)
		if err != nil {
			return err
		}
		covered, err := tx.AdvanceUpTo(b.ID, ev.psid, ev.watermark, core.StatusDelivered)
		if err != nil {
			return err
		}
		return h.emitMoved(tx, b, core.StatusDelivered, append(named, covered...))
	case core.EventRead:
		covered, err := tx.AdvanceUpTo(b.ID, ev.psid, ev.watermark, core.StatusRead)
		if err != nil {
			return err
		}
		return h.emitMoved(tx, b, core.StatusRead, covered)
	case core.EventOptIn:
		return saveOptIn(tx, b, ev)
	case core.EventPostback:
		if block, ok := core.BlockFromPayload(ev.payload); ok {
			ref, err := json.Marshal(reply{Bot: b.ID, PSID: ev.psid, Block: block, Tap: ev.key()})
			if err != nil {
				return err
			}
			return queue.Enqueue(tx, ReplyJobKind, string(ref), 10, tx.Now())
		}
	}
	return nil
}

// saveOptIn keeps a notification-messages opt-in, stop or resume.
func saveOptIn(tx *store.Tx, b *core.Bot, ev event) error {
	o := ev.optin
	if o.Type != "notification_messages" {
		return nil // a plugin opt-in: forwarded, nothing to keep
	}
	sub := &store.Subscription{BotID: b.ID, PSID: ev.psid, Title: o.Title, Token: o.NotificationMessagesToken, Status: 1,
		Timezone: o.NotificationMessagesTimezone, Payload: o.Payload, UserTokenStatus: o.UserTokenStatus, EventAt: ev.at}
	if o.NotificationMessagesStatus == "STOP_NOTIFICATIONS" {
		sub.Status = 0
	}
	if o.TokenExpiryTimestamp > 0 {
		t := time.UnixMilli(o.TokenExpiryTimestamp).UTC()
		sub.ExpiresAt = &t
	}
	return tx.SaveSubscription(sub)
}

// forward sends the bot's new events to its webhook URL, signed and retried
// like every delivery.
func (h *Handler) forward(tx *store.Tx, b *core.Bot, body []byte, events []event, fresh map[string]bool) error {
	if b.WebhookURL == "" || !b.Forwarding {
		return nil
	}
	pages := map[string]bool{}
	total, kept := len(events), 0
	for _, ev := range events {
		if fresh[ev.key()] {
			pages[ev.page] = true
			kept++
		}
	}
	out, err := forwardBody(body, func(page string, raw json.RawMessage) bool {
		ev, err := parseItem(page, raw)
		return err == nil && pages[page] && fresh[ev.key()]
	}, total, kept)
	if err != nil {
		return err
	}
	return h.Notify.Enqueue(tx, &core.Delivery{BotID: b.ID, Kind: core.DeliveryEvent, URL: b.WebhookURL, Body: out})
}

// reply is a block button's reply, as its job's ref.
type reply struct {
	Bot   string `json:"bot"`
	PSID  string `json:"psid"`
	Block string `json:"block"`
	Tap   string `json:"tap"` // the tap's dedupe key: the reply's request id
	// WhatsApp: PSID is the user's contact (wa:digits).
	WhatsApp bool `json:"whatsapp,omitempty"`
}

// HandleReply sends a tapped block button's block to the user, with their
// stored parameters. The tap makes the request id, so a retried job replies once.
func (h *Handler) HandleReply(ctx context.Context, job queue.Job) error {
	var r reply
	if err := json.Unmarshal([]byte(job.Ref), &r); err != nil {
		return queue.SetAside(ctx, h.Store, h.Log, job, "unreadable reply: "+err.Error())
	}
	b, err := h.Store.GetBot(ctx, r.Bot)
	if err != nil {
		return err
	}
	if r.WhatsApp {
		err = h.Gateway.ReplyWithBlockOnWhatsApp(ctx, b, r.PSID, r.Block, r.Tap)
	} else {
		_, err = h.Gateway.ReplyWithBlock(ctx, b, r.PSID, r.Block, r.Tap)
	}
	switch core.ErrorKind(err) {
	case "", core.KindDuplicate:
	case core.KindInternal, core.KindUnavailable:
		return err // tried again later
	default:
		// The block is gone, or cannot be sent to this user: nothing to retry.
		h.Log.Warn("inbound: block button reply not sent", "bot", r.Bot, "block", r.Block, "err", err)
	}
	return h.Store.Write(ctx, func(tx *store.Tx) error { return queue.Complete(tx, job) })
}
