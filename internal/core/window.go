package core

import (
	"fmt"
	"time"
)

// Messenger's messaging windows (GRAPH-FACTS.md): RESPONSE and UPDATE within
// 24 hours of the user's last message; HUMAN_AGENT within 7 days; other
// current tags at any time; a notification-messages token at any time.
const (
	StandardWindow   = 24 * time.Hour
	HumanAgentWindow = 7 * 24 * time.Hour
)

// SubcodeOutsideWindow is Graph's subcode for a send outside the window.
const SubcodeOutsideWindow = 2018278

// OpensWindow reports whether an inbound event of kind opens the user's
// messaging window: what a user does, not what their phone reports.
func OpensWindow(kind string) bool {
	switch kind {
	case EventMessage, EventPostback, EventQuickReply, EventReferral, EventOptIn:
		return true
	}
	return false
}

// Inbound event kinds.
const (
	EventMessage    = "message"
	EventQuickReply = "quick_reply"
	EventPostback   = "postback"
	EventReferral   = "referral"
	EventOptIn      = "optin"
	EventDelivery   = "delivery"
	EventRead       = "read"
	EventEcho       = "echo"
)

// CheckWindow applies the messaging window to a send to a user whose last
// inbound event was at lastInbound (nil: never). It returns nil when the
// send is allowed, else a KindPolicy error with Graph's subcode that says why.
func (r *SendRequest) CheckWindow(now time.Time, lastInbound *time.Time) *Error {
	switch {
	case r.Recipient.NotificationToken != "":
		return nil // marketing messages go to an opt-in token, at any time
	case r.Recipient.PhoneNumber != "" && r.PSID == "":
		return nil // Customer Matching: Facebook decides; no window is known
	case r.MessagingType == TypeMessageTag && r.EffectiveTag != TagHumanAgent:
		return nil
	case r.WhatsApp != nil && r.WhatsApp.Type == "template":
		return nil // what WhatsApp delivers outside the window
	}
	window, what := StandardWindow, "the 24-hour messaging window"
	never, outside := "the user has never written to this page; a message to them needs messaging_type MESSAGE_TAG with a tag, or a notification-messages token",
		"outside it, send with messaging_type MESSAGE_TAG and a tag, or to a notification-messages token"
	switch {
	case r.WhatsApp != nil:
		what = "the 24-hour customer-service window"
		never = "the user has never written to this number; WhatsApp delivers only template messages to them: send one with \"type\":\"template\""
		outside = "outside it, WhatsApp delivers only template messages: send one with \"type\":\"template\""
	case r.MessagingType == TypeMessageTag:
		window, what = HumanAgentWindow, "the 7-day HUMAN_AGENT window"
	}
	if lastInbound == nil {
		return &Error{Kind: KindPolicy, Subcode: SubcodeOutsideWindow, Message: fmt.Sprintf("outside %s: %s", what, never)}
	}
	if age := now.Sub(*lastInbound); age > window {
		return &Error{Kind: KindPolicy, Subcode: SubcodeOutsideWindow,
			Message: fmt.Sprintf("outside %s: the user last wrote at %s (%s ago); %s",
				what, lastInbound.UTC().Format(time.RFC3339), age.Round(time.Minute), outside)}
	}
	return nil
}

// WindowUnknown reports whether the window of a user botgate never saw
// write (lastInbound nil) is unknown rather than closed: botgate has
// received the page's or number's webhooks only since receivingSince (nil:
// never), less than one window (24 hours; 7 days for HUMAN_AGENT) ago, so
// the user may have written before botgate was listening — typically a bot
// moved over from another vendor. Such a send goes out and Graph decides. A
// user botgate saw write (an imported last interaction counts) is judged
// by CheckWindow as before.
func (r *SendRequest) WindowUnknown(now time.Time, lastInbound, receivingSince *time.Time) bool {
	if lastInbound != nil {
		return false
	}
	window := StandardWindow
	if r.WhatsApp == nil && r.MessagingType == TypeMessageTag {
		window = HumanAgentWindow
	}
	return receivingSince == nil || now.Sub(*receivingSince) < window
}

// Outside reports whether a user whose last inbound event was at
// lastInbound is outside the standard window at now: what WhatsApp's daily
// tiers count.
func Outside(now time.Time, lastInbound *time.Time) bool {
	return lastInbound == nil || now.Sub(*lastInbound) > StandardWindow
}
