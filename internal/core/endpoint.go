package core

import (
	"slices"
	"strings"
	"time"
)

// Event types a webhook endpoint can subscribe to (v1's webhooks).
const (
	EventMessageAccepted     = "message.accepted"
	EventMessageSent         = "message.sent"
	EventMessageDelivered    = "message.delivered"
	EventMessageRead         = "message.read"
	EventMessageFailed       = "message.failed"
	EventInboundMessage      = "inbound.message"
	EventInboundPostback     = "inbound.postback"
	EventSubscriptionChanged = "subscription.changed"
	EventWindowOpened        = "contact.window_opened"
	EventBroadcastStarted    = "broadcast.started"   // a broadcast's first recipient was handed over
	EventBroadcastCompleted  = "broadcast.completed" // every recipient handed over or skipped; with the counts
)

// EventTypes lists every event type, in the order the contract shows them.
var EventTypes = []string{EventMessageAccepted, EventMessageSent, EventMessageDelivered, EventMessageRead, EventMessageFailed,
	EventInboundMessage, EventInboundPostback, EventSubscriptionChanged, EventWindowOpened, EventBroadcastStarted, EventBroadcastCompleted,
	EventTemplateStatus}

// EndpointFailureLimit is how long an endpoint may fail every delivery
// before botgate disables it.
const EndpointFailureLimit = 5 * 24 * time.Hour

// SecretOverlap is how long a rotated-out secret keeps signing beside the new one.
const SecretOverlap = 24 * time.Hour

// WebhookEndpoint is a merchant URL that receives the events it subscribed to.
type WebhookEndpoint struct {
	ID             string
	BotID          string
	URL            string
	Description    string
	Events         []string
	Secret         string     // whsec_…; shown once
	OldSecret      string     // the secret before the last rotation, while it still signs
	OldSecretUntil *time.Time // when the old secret stops signing
	Disabled       bool
	DisabledReason string
	FailingSince   *time.Time // the first failure since the last success
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Wants reports whether the endpoint receives events of type t.
func (e *WebhookEndpoint) Wants(t string) bool { return !e.Disabled && slices.Contains(e.Events, t) }

// Secrets are the secrets that sign a delivery at now: the current one and,
// for a day after a rotation, the old one.
func (e *WebhookEndpoint) Secrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.OldSecret != "" && e.OldSecretUntil != nil && now.Before(*e.OldSecretUntil) {
		out = append(out, e.OldSecret)
	}
	return out
}

// CheckEvents checks an endpoint's list of event types: at least one, each known.
func CheckEvents(field string, events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, Invalid(field, "is required: one or more of %s", strings.Join(EventTypes, ", "))
	}
	var out []string
	for _, t := range EventTypes {
		if slices.Contains(events, t) {
			out = append(out, t)
		}
	}
	for _, t := range events {
		if !slices.Contains(EventTypes, t) {
			return nil, Invalid(field, "%q is not an event type; they are %s", t, strings.Join(EventTypes, ", "))
		}
	}
	return out, nil
}
