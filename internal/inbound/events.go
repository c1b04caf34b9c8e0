package inbound

import (
	"encoding/json"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/store"
)

// InboundData is an inbound.* event's data: the user, and Graph's
// messaging item as it came.
type InboundData struct {
	PSID    string          `json:"psid"`
	PageID  string          `json:"page_id"`
	At      time.Time       `json:"at"`
	Payload string          `json:"payload,omitempty"` // a postback's or quick reply's
	Item    json.RawMessage `json:"item"`
}

// SubscriptionData is a subscription.changed event's data.
type SubscriptionData struct {
	PSID       string     `json:"psid"`
	Topic      string     `json:"topic"`
	Subscribed bool       `json:"subscribed"`
	Timezone   string     `json:"timezone,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

// WindowData is a contact.window_opened event's data.
type WindowData struct {
	PSID     string    `json:"psid"`
	OpenedAt time.Time `json:"opened_at"`
	ClosesAt time.Time `json:"closes_at"`
}

// emit owes the bot's webhook endpoints the event ev is, in tx.
func (h *Handler) emit(tx *store.Tx, b *core.Bot, ev event) error {
	switch ev.kind {
	case core.EventMessage, core.EventQuickReply:
		return h.Notify.Emit(tx, b.ID, core.EventInboundMessage, InboundData{PSID: ev.psid, PageID: ev.page, At: ev.at, Payload: ev.payload, Item: ev.raw})
	case core.EventPostback:
		return h.Notify.Emit(tx, b.ID, core.EventInboundPostback, InboundData{PSID: ev.psid, PageID: ev.page, At: ev.at, Payload: ev.payload, Item: ev.raw})
	case core.EventOptIn:
		if o := ev.optin; o != nil && o.Type == "notification_messages" {
			d := SubscriptionData{PSID: ev.psid, Topic: o.Title, Subscribed: o.NotificationMessagesStatus != "STOP_NOTIFICATIONS", Timezone: o.NotificationMessagesTimezone}
			if o.TokenExpiryTimestamp > 0 {
				t := time.UnixMilli(o.TokenExpiryTimestamp).UTC()
				d.ExpiresAt = &t
			}
			return h.Notify.Emit(tx, b.ID, core.EventSubscriptionChanged, d)
		}
	}
	return nil
}

// emitWindow owes contact.window_opened when the user writing at at opens
// a window that was closed (or never open); it reads the contact only when
// an endpoint wants it. It runs before the contact is touched.
func (h *Handler) emitWindow(tx *store.Tx, b *core.Bot, psid string, at time.Time) error {
	if !h.Notify.Wants(tx, b.ID, core.EventWindowOpened) {
		return nil
	}
	last, err := tx.LastInbound(b.ID, psid)
	if err != nil || last != nil && at.Sub(*last) < core.StandardWindow {
		return err
	}
	return h.Notify.Emit(tx, b.ID, core.EventWindowOpened, WindowData{PSID: psid, OpenedAt: at, ClosesAt: at.Add(core.StandardWindow)})
}

// emitWhatsApp owes the events of a WhatsApp user's message. WhatsApp
// names its users by number: the psid is the contact's id, wa:<digits>,
// and page_id the business number's id. Statuses are told by emitMoved.
func (h *Handler) emitWhatsApp(tx *store.Tx, b *core.Bot, ev waEvent) error {
	if m := ev.msg; m != nil {
		return h.Notify.Emit(tx, b.ID, core.EventInboundMessage, InboundData{PSID: core.WAContact(m.From), PageID: ev.number,
			At: waTime(m.Timestamp, tx.Now()), Item: ev.raw})
	}
	return nil
}

// statusEvents names the event a message's move to a status is.
var statusEvents = map[core.Status]string{
	core.StatusDelivered: core.EventMessageDelivered, core.StatusRead: core.EventMessageRead, core.StatusFailed: core.EventMessageFailed,
}

// emitMoved owes one event per message the transaction just moved to
// status, each the message as it now is. Only messages that moved are told:
// a second watermark or a repeated status covering a message moves nothing,
// so no message is reported twice for one status.
func (h *Handler) emitMoved(tx *store.Tx, b *core.Bot, status core.Status, ids []string) error {
	typ := statusEvents[status]
	if len(ids) == 0 || !h.Notify.Wants(tx, b.ID, typ) {
		return nil
	}
	for _, id := range ids {
		m, err := tx.GetMessage(id)
		if err != nil {
			return err
		}
		if err := h.Notify.Emit(tx, b.ID, typ, notify.NewMessageData(m)); err != nil {
			return err
		}
	}
	return nil
}
