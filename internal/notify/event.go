package notify

import (
	"encoding/json"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// Event is the body every webhook endpoint receives, in Standard Webhooks'
// shape: the type, when it happened, and the event's own data.
type Event struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// Emit owes the bot's webhook endpoints that subscribed to typ an event,
// in tx: the event is delivered once the change that caused it commits.
func (n *Notifier) Emit(tx *store.Tx, botID, typ string, data any) error {
	endpoints, err := tx.Endpoints(botID)
	if err != nil {
		return err
	}
	var body []byte
	for _, e := range endpoints {
		if !e.Wants(typ) {
			continue
		}
		if body == nil {
			if body, err = json.Marshal(Event{Type: typ, Timestamp: tx.Now().UTC(), Data: data}); err != nil {
				return err
			}
		}
		d := &core.Delivery{BotID: botID, Kind: core.DeliveryEndpoint, EndpointID: e.ID, URL: e.URL, Body: body}
		if err := n.Enqueue(tx, d); err != nil {
			return err
		}
	}
	return nil
}

// Wants reports whether any of the bot's endpoints receives events of typ,
// for events that cost a query to describe.
func (n *Notifier) Wants(tx *store.Tx, botID, typ string) bool {
	endpoints, err := tx.Endpoints(botID)
	if err != nil {
		return false
	}
	for _, e := range endpoints {
		if e.Wants(typ) {
			return true
		}
	}
	return false
}

// MessageData is a message.* event's data: the message as v1 lists it.
type MessageData struct {
	ID         string      `json:"id"`
	RequestID  string      `json:"request_id"`
	Channel    string      `json:"channel"`
	Face       string      `json:"face"`
	Status     core.Status `json:"status"`
	PSID       string      `json:"psid,omitempty"`
	MessageIDs []string    `json:"message_ids"`
	Error      *core.Error `json:"error,omitempty"`
}

// NewMessageData describes m for an event.
func NewMessageData(m *core.MessageRecord) MessageData {
	d := MessageData{ID: m.ID, RequestID: m.Request.RequestID, Channel: m.Channel, Face: m.Request.Face, Status: m.Status,
		PSID: m.PSID, MessageIDs: []string{}, Error: m.Error}
	for _, p := range m.Parts {
		d.MessageIDs = append(d.MessageIDs, p.GraphID)
	}
	return d
}

// TemplateStatusChanged tells bot a template changed status, in tx: the bot's
// webhook URL gets botgate's own event (when forwarding is on), and its
// webhook endpoints that subscribed get template.status_changed.
func (n *Notifier) TemplateStatusChanged(tx *store.Tx, b *core.Bot, ev core.TemplateStatusEvent) error {
	ev.Event, ev.BotID = core.EventTemplateStatus, b.ID
	if b.WebhookURL != "" && b.Forwarding {
		body, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if err := n.Enqueue(tx, &core.Delivery{BotID: b.ID, Kind: core.DeliveryEvent, URL: b.WebhookURL, Body: body}); err != nil {
			return err
		}
	}
	data := ev
	data.Event, data.BotID = "", "" // the envelope says both
	return n.Emit(tx, b.ID, core.EventTemplateStatus, data)
}
