package core

import (
	"encoding/json"
	"time"
)

// MessageRecord is an accepted request and what became of it.
type MessageRecord struct {
	ID          string
	BotID       string
	Channel     string // "messenger" or "whatsapp"
	Request     SendRequest
	Status      Status
	PSID        string // the user's id once known
	RecipientID string // the id Graph answered with
	Error       *Error
	Parts       []Part
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SentAt      *time.Time
	DeliveredAt *time.Time
	ReadAt      *time.Time
	FailedAt    *time.Time
}

// Channels.
const (
	ChannelMessenger = "messenger"
	ChannelWhatsApp  = "whatsapp"
)

// Part is one message Graph accepted: a request sends one part per card.
// Parts are the attempts that Graph accepted.
type Part struct {
	Seq     int             `json:"seq"`
	GraphID string          `json:"message_id"`
	Body    json.RawMessage `json:"body"`
	SentAt  time.Time       `json:"sent_at"`
}

// Attempt is one upstream call and its answer.
type Attempt struct {
	ID         int64           `json:"id"`
	MessageID  string          `json:"-"`
	Seq        int             `json:"part"`
	At         time.Time       `json:"at"`
	Duration   time.Duration   `json:"-"`
	Request    json.RawMessage `json:"request"`
	StatusCode int             `json:"status_code"`
	Response   json.RawMessage `json:"response"`
	Outcome    string          `json:"outcome"` // sent, retry, failed
	Error      string          `json:"error,omitempty"`
	GraphID    string          `json:"message_id,omitempty"` // Graph's id for the message, when sent
}

// Attempt outcomes.
const (
	OutcomeSent   = "sent"
	OutcomeRetry  = "retry"
	OutcomeFailed = "failed"
)

// Event is one entry of a message's history: a status change, a callback's
// fate, a policy warning.
type Event struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
}

// Event kinds besides statuses.
const (
	EventCallbackDelivered = "callback_delivered"
	EventCallbackFailed    = "callback_failed"
	EventCallbackTimeout   = "callback_timeout"
	EventWarning           = "warning"
	EventReply             = "reply"          // the user answered the message (a WhatsApp reply button, list row or template button)
	EventWindowUnknown     = "window_unknown" // sent although the user's window was unknown (WindowUnknown)
)

// Profile is a user's Messenger profile (Graph's User Profile API).
type Profile struct {
	ID         string  `json:"id,omitempty"`
	FirstName  string  `json:"first_name,omitempty"`
	LastName   string  `json:"last_name,omitempty"`
	ProfilePic string  `json:"profile_pic,omitempty"`
	Locale     string  `json:"locale,omitempty"`
	Gender     string  `json:"gender,omitempty"`
	Timezone   float64 `json:"timezone,omitempty"`
}

// Fields returns the profile's placeholder values.
func (p *Profile) Fields() map[string]string {
	return map[string]string{
		"first_name": p.FirstName, "last_name": p.LastName, "id": p.ID, "locale": p.Locale, "gender": p.Gender,
	}
}

// Contact is a user of a bot, known from an event or a send.
type Contact struct {
	BotID            string
	PSID             string
	Profile          *Profile
	ProfileFetchedAt *time.Time
	LastInboundAt    *time.Time
	Params           map[string]string
	Tags             []string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}
